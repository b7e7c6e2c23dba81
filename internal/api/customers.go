package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/leadhub/leadhub/internal/auth"
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
		writeProblem(w, r, http.StatusServiceUnavailable, "unavailable", "Service Unavailable", "customers are not available on this server")
		return false
	}
	return true
}

func badQuery(w http.ResponseWriter, r *http.Request, errs []fieldError) {
	writeProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", "invalid query parameters",
		func(p *problem) { p.Errors = errs })
}

// pageParams reads limit and cursor.
func pageParams(r *http.Request, errs *[]fieldError) (int, string) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > lead.MaxPageSize {
			*errs = append(*errs, fieldError{Location: "query.limit", Message: "must be an integer from 1 to " + strconv.Itoa(lead.MaxPageSize)})
		} else {
			limit = n
		}
	}
	if len(q.Get("cursor")) > 512 {
		*errs = append(*errs, fieldError{Location: "query.cursor", Message: "must be at most 512 bytes"})
	}
	return limit, q.Get("cursor")
}

func boolParam(r *http.Request, name string, errs *[]fieldError) *bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		*errs = append(*errs, fieldError{Location: "query." + name, Message: "must be true or false"})
		return nil
	}
	return &b
}

func (s *server) handleListCustomers(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := r.URL.Query()
	var errs []fieldError
	f := lead.CustomerFilter{Stage: lead.Stage(q.Get("stage")), Offer: q.Get("offer"), Query: q.Get("q")}
	if f.Stage != "" && !validStages[f.Stage] {
		errs = append(errs, fieldError{Location: "query.stage", Message: "must be one of interest, trial, active, notify_only, test"})
	}
	for _, name := range []string{"offer", "q"} {
		if len(q.Get(name)) > 512 {
			errs = append(errs, fieldError{Location: "query." + name, Message: "must be at most 512 bytes"})
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
	writeJSON(w, http.StatusOK, customerList{Customers: page.Customers, NextCursor: page.NextCursor})
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
	writeJSON(w, http.StatusOK, c)
}

func (s *server) handleListReview(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	var errs []fieldError
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
	writeJSON(w, http.StatusOK, reviewList{Review: page.Items, NextCursor: page.NextCursor})
}

var validActions = map[lead.AuditAction]bool{
	lead.AuditResolve: true, lead.AuditMerge: true, lead.AuditSplit: true, lead.AuditDismiss: true, lead.AuditUndo: true,
}

func (s *server) handleListAudit(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := r.URL.Query()
	var errs []fieldError
	f := lead.AuditFilter{Customer: q.Get("customer"), Lead: q.Get("lead"), Action: lead.AuditAction(q.Get("action"))}
	if f.Action != "" && !validActions[f.Action] {
		errs = append(errs, fieldError{Location: "query.action", Message: "must be one of resolve, merge, split, dismiss, undo"})
	}
	for _, name := range []string{"customer", "lead"} {
		if len(q.Get(name)) > 128 {
			errs = append(errs, fieldError{Location: "query." + name, Message: "must be at most 128 bytes"})
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
	writeJSON(w, http.StatusOK, auditList{Audit: page.Entries, NextCursor: page.NextCursor})
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
	writeJSON(w, http.StatusOK, e)
}

// readAction reads an action's optional JSON body.
func readAction(w http.ResponseWriter, r *http.Request) (actionRequest, bool) {
	var req actionRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxActionBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", "the body exceeds 64 KiB")
		} else {
			writeProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read")
		}
		return req, false
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return req, true
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request",
			`the body must be a JSON object such as {"reason": "…"}: `+err.Error())
		return req, false
	}
	return req, true
}

// actor names who acts: the API key, by name and id.
func (s *server) actor(r *http.Request) string {
	const scheme = "bearer "
	hdr := r.Header.Get("Authorization")
	if len(hdr) <= len(scheme) {
		return "api"
	}
	hash := auth.Hash(strings.TrimSpace(hdr[len(scheme):]))
	creds, err := s.store.ListCredentials(r.Context(), lead.CredentialAPI)
	if err == nil {
		for _, c := range creds {
			if c.Hash == hash {
				return "api-key:" + c.Name + " (" + c.ID + ")"
			}
		}
	}
	return "api"
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
	writeJSON(w, http.StatusOK, ans)
}

func (s *server) handleMergeCustomers(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	req, ok := readAction(w, r)
	if !ok {
		return
	}
	if req.Other == "" {
		writeProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", "which customer is merged into this one?",
			func(p *problem) { p.Errors = []fieldError{{Location: "body.other", Message: "is required"}} })
		return
	}
	e, err := s.customers.MergeCustomers(r.Context(), r.PathValue("id"), req.Other, lead.Act{Actor: s.actor(r), Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.answerChange(w, r, e)
}

func (s *server) handleSplitLead(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	req, ok := readAction(w, r)
	if !ok {
		return
	}
	e, err := s.customers.SplitLead(r.Context(), r.PathValue("id"), lead.Act{Actor: s.actor(r), Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.answerChange(w, r, e)
}

func (s *server) handleMergeReview(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	req, ok := readAction(w, r)
	if !ok {
		return
	}
	e, err := s.customers.MergeReview(r.Context(), r.PathValue("id"), lead.Act{Actor: s.actor(r), Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.answerChange(w, r, e)
}

func (s *server) handleDismissReview(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	req, ok := readAction(w, r)
	if !ok {
		return
	}
	e, err := s.customers.DismissReview(r.Context(), r.PathValue("id"), lead.Act{Actor: s.actor(r), Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.answerChange(w, r, e)
}

func (s *server) handleUndo(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	req, ok := readAction(w, r)
	if !ok {
		return
	}
	e, err := s.customers.Undo(r.Context(), r.PathValue("id"), lead.Act{Actor: s.actor(r), Reason: req.Reason})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.nudge() // an undone resolution hands its lead back to the resolver
	s.answerChange(w, r, e)
}
