package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// Customers, the review queue and the audit log: identity resolution.

type customerList struct {
	Customers  []lead.Customer `json:"customers"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

type reviewList struct {
	Review     []lead.ReviewItem `json:"review"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

type auditList struct {
	Audit      []lead.AuditEntry `json:"audit"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

// changeAnswer answers a merge, split, dismissal, move or undo: its audit
// entry and the customers (at most maxAnswered) and accounts it concerns
// as they are now.
type changeAnswer struct {
	Audit     lead.AuditEntry `json:"audit"`
	Customers []lead.Customer `json:"customers"`
	Accounts  []lead.Account  `json:"accounts"`
}

// maxAnswered caps the customers a change's answer shows (an account
// merge may move many; the audit entry lists them all).
const maxAnswered = 50

// actionRequest is the body of POST merge, split, move, dismiss and undo;
// every field is optional but Other for a merge, Account for a move and
// Customers for an account split.
type actionRequest struct {
	Other     string   `json:"other"`
	Account   string   `json:"account"`
	Customers []string `json:"customers"`
	Reason    string   `json:"reason"`
}

// maxActionBody bounds an action's JSON body.
const maxActionBody = 64 << 10

// customersReady answers 503 when the server runs without identity
// resolution's store.
func (s *server) customersReady(w http.ResponseWriter, r *http.Request) bool {
	if s.customers == nil {
		httpx.WriteProblem(w, r, http.StatusServiceUnavailable, "unavailable", "Service Unavailable", "customers are not available on this server")
		return false
	}
	return true
}

func (s *server) handleListCustomers(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := newQuery(r)
	f := lead.CustomerFilter{
		Stage:        lead.Stage(q.oneOf("stage", stages...)),
		Offer:        q.str("offer", 512),
		Source:       q.str("source", 512),
		Action:       q.str("action", 512),
		Country:      q.str("country", 2),
		Query:        q.str("q", 512),
		IsTest:       q.boolean("is_test"),
		DoNotContact: q.boolean("do_not_contact"),
	}
	if f.Country != "" && len(f.Country) <= 2 && !countryCode.MatchString(f.Country) {
		q.bad("country", "must be an ISO 3166-1 alpha-2 code such as US")
	}
	f.Limit, f.Cursor = q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.customers.ListCustomers(r.Context(), f)
	s.answer(w, r, customerList{Customers: page.Customers, NextCursor: page.NextCursor}, err)
}

func (s *server) handleGetCustomer(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	c, err := s.customers.GetCustomer(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.processOf(r, c.ID)
	s.answer(w, r, customerAnswer{CustomerDetail: c, Process: p}, err)
}

func (s *server) handleListReview(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := newQuery(r)
	limit, cursor := q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.customers.ListReview(r.Context(), limit, cursor)
	s.answer(w, r, reviewList{Review: page.Items, NextCursor: page.NextCursor}, err)
}

func (s *server) handleListAudit(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := newQuery(r)
	f := lead.AuditFilter{
		Customer: q.str("customer", 128),
		Lead:     q.str("lead", 128),
		Account:  q.str("account", 128),
		Action:   lead.AuditAction(q.oneOf("action", auditActions...)),
	}
	f.Limit, f.Cursor = q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.customers.ListAudit(r.Context(), f)
	s.answer(w, r, auditList{Audit: page.Entries, NextCursor: page.NextCursor}, err)
}

func (s *server) handleGetAudit(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	e, err := s.customers.GetAudit(r.Context(), r.PathValue("id"))
	s.answer(w, r, e, err)
}

// readAction reads an action's optional JSON body.
func readAction(w http.ResponseWriter, r *http.Request) (actionRequest, bool) {
	var req actionRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxActionBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", "the body exceeds 64 KiB")
		} else {
			httpx.WriteProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read")
		}
		return req, false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return req, true
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httpx.WriteProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request",
			`the body must be a JSON object such as {"reason": "…"}: `+err.Error())
		return req, false
	}
	return req, true
}

// answerChange writes the entry and the current state of its customers.
func (s *server) answerChange(w http.ResponseWriter, r *http.Request, e lead.AuditEntry) {
	ans := changeAnswer{Audit: e, Customers: []lead.Customer{}, Accounts: []lead.Account{}}
	for _, id := range e.CustomerIDs {
		if id == "" || len(ans.Customers) == maxAnswered {
			continue
		}
		if c, err := s.customers.GetCustomer(r.Context(), id); err == nil {
			ans.Customers = append(ans.Customers, c.Customer)
		}
	}
	for _, id := range e.AccountIDs {
		if a, err := s.customers.GetAccount(r.Context(), id); err == nil {
			ans.Accounts = append(ans.Accounts, a.Account)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, ans)
}

// identityAction is one human identity decision (merge, split, review
// merge or dismissal, undo) on the path's id.
type identityAction struct {
	do func(ctx context.Context, c Customers, id string, req actionRequest, act lead.Act) (lead.AuditEntry, error)
	// needOther, when set, makes body.other required and says what it is;
	// needAccount and needCustomers do the same for body.account and
	// body.customers.
	needOther, needAccount, needCustomers string
	// after runs once the action succeeded.
	after func()
}

// action turns an identity action into a handler: it reads the optional
// JSON body, acts as the request's caller, and answers with the audit
// entry and the customers it concerns.
func (s *server) action(a identityAction) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.customersReady(w, r) {
			return
		}
		req, ok := readAction(w, r)
		if !ok {
			return
		}
		for _, f := range []struct {
			need, name string
			missing    bool
		}{
			{a.needOther, "body.other", req.Other == ""},
			{a.needAccount, "body.account", req.Account == ""},
			{a.needCustomers, "body.customers", len(req.Customers) == 0},
		} {
			if f.need != "" && f.missing {
				httpx.InvalidField(w, r, f.name, "is required: "+f.need)
				return
			}
		}
		caller, _ := auth.CallerFrom(r.Context())
		e, err := a.do(r.Context(), s.customers, r.PathValue("id"), req, lead.Act{Actor: caller.Actor(), Reason: req.Reason})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if a.after != nil {
			a.after()
		}
		s.answerChange(w, r, e)
	}
}

func (s *server) actions() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"merge customers": s.action(identityAction{
			do: func(ctx context.Context, c Customers, id string, req actionRequest, act lead.Act) (lead.AuditEntry, error) {
				return c.MergeCustomers(ctx, id, req.Other, act)
			},
			needOther: "the customer to merge into this one",
		}),
		"split lead": s.action(identityAction{do: func(ctx context.Context, c Customers, id string, _ actionRequest, act lead.Act) (lead.AuditEntry, error) {
			return c.SplitLead(ctx, id, act)
		}}),
		"merge review": s.action(identityAction{do: func(ctx context.Context, c Customers, id string, _ actionRequest, act lead.Act) (lead.AuditEntry, error) {
			return c.MergeReview(ctx, id, act)
		}}),
		"dismiss review": s.action(identityAction{do: func(ctx context.Context, c Customers, id string, _ actionRequest, act lead.Act) (lead.AuditEntry, error) {
			return c.DismissReview(ctx, id, act)
		}}),
		"move customer": s.action(identityAction{
			do: func(ctx context.Context, c Customers, id string, req actionRequest, act lead.Act) (lead.AuditEntry, error) {
				return c.MoveCustomerAccount(ctx, id, req.Account, act)
			},
			needAccount: "the account to move this customer to",
		}),
		"merge accounts": s.action(identityAction{
			do: func(ctx context.Context, c Customers, id string, req actionRequest, act lead.Act) (lead.AuditEntry, error) {
				return c.MergeAccounts(ctx, id, req.Other, act)
			},
			needOther: "the account to merge into this one",
		}),
		"split account": s.action(identityAction{
			do: func(ctx context.Context, c Customers, id string, req actionRequest, act lead.Act) (lead.AuditEntry, error) {
				return c.SplitAccount(ctx, id, req.Customers, act)
			},
			needCustomers: "the customers of this account to move into a new one",
		}),
		"undo": s.action(identityAction{
			do: func(ctx context.Context, c Customers, id string, _ actionRequest, act lead.Act) (lead.AuditEntry, error) {
				return c.Undo(ctx, id, act)
			},
			after: s.nudge, // an undone resolution hands its lead back to the resolver
		}),
	}
}
