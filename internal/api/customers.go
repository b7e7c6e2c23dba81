package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
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

// changeAnswer answers a merge, split, dismissal or undo: its audit entry
// and the customers it concerns as they are now.
type changeAnswer struct {
	Audit     lead.AuditEntry `json:"audit"`
	Customers []lead.Customer `json:"customers"`
}

// actionRequest is the body of POST merge, split, dismiss and undo; every
// field is optional but Other for a merge of two customers.
type actionRequest struct {
	Other  string `json:"other"`
	Reason string `json:"reason"`
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

func badQuery(w http.ResponseWriter, r *http.Request, errs []httpx.FieldError) {
	httpx.WriteProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", "invalid query parameters",
		func(p *httpx.Problem) { p.Errors = errs })
}

// pageParams reads limit and cursor.
func pageParams(r *http.Request, errs *[]httpx.FieldError) (int, string) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > lead.MaxPageSize {
			*errs = append(*errs, httpx.FieldError{Location: "query.limit", Message: "must be an integer from 1 to " + strconv.Itoa(lead.MaxPageSize)})
		} else {
			limit = n
		}
	}
	if len(q.Get("cursor")) > 512 {
		*errs = append(*errs, httpx.FieldError{Location: "query.cursor", Message: "must be at most 512 bytes"})
	}
	return limit, q.Get("cursor")
}

func boolParam(r *http.Request, name string, errs *[]httpx.FieldError) *bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*errs = append(*errs, httpx.FieldError{Location: "query." + name, Message: "must be true or false"})
		return nil
	}
	return &b
}

func (s *server) handleListCustomers(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := r.URL.Query()
	var errs []httpx.FieldError
	f := lead.CustomerFilter{Stage: lead.Stage(q.Get("stage")), Offer: q.Get("offer"), Query: q.Get("q")}
	if f.Stage != "" && !validStages[f.Stage] {
		errs = append(errs, httpx.FieldError{Location: "query.stage", Message: "must be one of interest, trial, active, notify_only, test"})
	}
	for _, name := range []string{"offer", "q"} {
		if len(q.Get(name)) > 512 {
			errs = append(errs, httpx.FieldError{Location: "query." + name, Message: "must be at most 512 bytes"})
		}
	}
	f.IsTest = boolParam(r, "is_test", &errs)
	f.DoNotContact = boolParam(r, "do_not_contact", &errs)
	f.Limit, f.Cursor = pageParams(r, &errs)
	if len(errs) > 0 {
		badQuery(w, r, errs)
		return
	}
	page, err := s.customers.ListCustomers(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, customerList{Customers: page.Customers, NextCursor: page.NextCursor})
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
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (s *server) handleListReview(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	var errs []httpx.FieldError
	limit, cursor := pageParams(r, &errs)
	if len(errs) > 0 {
		badQuery(w, r, errs)
		return
	}
	page, err := s.customers.ListReview(r.Context(), limit, cursor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, reviewList{Review: page.Items, NextCursor: page.NextCursor})
}

var validActions = map[lead.AuditAction]bool{
	lead.AuditResolve: true, lead.AuditMerge: true, lead.AuditSplit: true, lead.AuditDismiss: true, lead.AuditUndo: true,
}

func (s *server) handleListAudit(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := r.URL.Query()
	var errs []httpx.FieldError
	f := lead.AuditFilter{Customer: q.Get("customer"), Lead: q.Get("lead"), Action: lead.AuditAction(q.Get("action"))}
	if f.Action != "" && !validActions[f.Action] {
		errs = append(errs, httpx.FieldError{Location: "query.action", Message: "must be one of resolve, merge, split, dismiss, undo"})
	}
	for _, name := range []string{"customer", "lead"} {
		if len(q.Get(name)) > 128 {
			errs = append(errs, httpx.FieldError{Location: "query." + name, Message: "must be at most 128 bytes"})
		}
	}
	f.Limit, f.Cursor = pageParams(r, &errs)
	if len(errs) > 0 {
		badQuery(w, r, errs)
		return
	}
	page, err := s.customers.ListAudit(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, auditList{Audit: page.Entries, NextCursor: page.NextCursor})
}

func (s *server) handleGetAudit(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	e, err := s.customers.GetAudit(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, e)
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
	ans := changeAnswer{Audit: e, Customers: []lead.Customer{}}
	for _, id := range e.CustomerIDs {
		if id == "" {
			continue
		}
		if c, err := s.customers.GetCustomer(r.Context(), id); err == nil {
			ans.Customers = append(ans.Customers, c.Customer)
		}
	}
	httpx.WriteJSON(w, http.StatusOK, ans)
}

// identityAction is one human identity decision (merge, split, review
// merge or dismissal, undo) on the path's id.
type identityAction struct {
	do func(ctx context.Context, c Customers, id string, req actionRequest, act lead.Act) (lead.AuditEntry, error)
	// needOther, when set, makes body.other required and says what it is.
	needOther string
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
		if a.needOther != "" && req.Other == "" {
			httpx.InvalidField(w, r, "body.other", "is required: "+a.needOther)
			return
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
		"undo": s.action(identityAction{
			do: func(ctx context.Context, c Customers, id string, _ actionRequest, act lead.Act) (lead.AuditEntry, error) {
				return c.Undo(ctx, id, act)
			},
			after: s.nudge, // an undone resolution hands its lead back to the resolver
		}),
	}
}
