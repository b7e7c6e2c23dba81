package api

import (
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

type leadList struct {
	Leads      []lead.Lead `json:"leads"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// rawBody shows the bytes as received: as text when they are UTF-8, else
// in base64.
type rawBody struct {
	RawBody       string `json:"raw_body"`
	RawBodyBase64 []byte `json:"raw_body_base64,omitempty"`
}

func newRawBody(b []byte) rawBody {
	if utf8.Valid(b) {
		return rawBody{RawBody: string(b)}
	}
	return rawBody{RawBodyBase64: b}
}

// leadDetail is a lead with the body it was parsed from.
type leadDetail struct {
	lead.Lead
	rawBody
}

var validStages = map[lead.Stage]bool{
	lead.StageInterest: true, lead.StageTrial: true, lead.StageActive: true,
	lead.StageNotifyOnly: true, lead.StageTest: true,
}

// LeadFilterFromQuery reads the list filters of GET /api/v1/leads. Every
// invalid parameter is reported, not just the first.
func leadFilterFromQuery(r *http.Request) (lead.LeadFilter, []httpx.FieldError) {
	q := r.URL.Query()
	var errs []httpx.FieldError
	bad := func(name, msg string) { errs = append(errs, httpx.FieldError{Location: "query." + name, Message: msg}) }
	f := lead.LeadFilter{
		Offer:  q.Get("offer"),
		Action: q.Get("action"),
		Source: q.Get("source"),
		Stage:  lead.Stage(q.Get("stage")),
		Query:  q.Get("q"),
		Cursor: q.Get("cursor"),
	}
	if f.Stage != "" && !validStages[f.Stage] {
		bad("stage", "must be one of interest, trial, active, notify_only, test")
	}
	if v := q.Get("is_test"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("is_test", "must be true or false")
		} else {
			f.IsTest = &b
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"received_after", &f.ReceivedAfter}, {"received_before", &f.ReceivedBefore}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				bad(p.name, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z")
			} else {
				*p.dst = t
			}
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > lead.MaxPageSize {
			bad("limit", "must be an integer from 1 to "+strconv.Itoa(lead.MaxPageSize))
		} else {
			f.Limit = n
		}
	}
	for _, name := range []string{"offer", "action", "source", "q", "cursor"} {
		if len(q.Get(name)) > 512 {
			bad(name, "must be at most 512 bytes")
		}
	}
	return f, errs
}

func (s *server) handleListLeads(w http.ResponseWriter, r *http.Request) {
	f, errs := leadFilterFromQuery(r)
	if len(errs) > 0 {
		httpx.WriteProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", "invalid query parameters",
			func(p *httpx.Problem) { p.Errors = errs })
		return
	}
	page, err := s.store.ListLeads(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if page.Leads == nil {
		page.Leads = []lead.Lead{}
	}
	httpx.WriteJSON(w, http.StatusOK, leadList{Leads: page.Leads, NextCursor: page.NextCursor})
}

func (s *server) handleGetLead(w http.ResponseWriter, r *http.Request) {
	l, err := s.store.GetLead(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, leadDetail{l, newRawBody(l.RawBody)})
}
