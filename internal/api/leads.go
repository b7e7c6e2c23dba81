package api

import (
	"net/http"
	"unicode/utf8"

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

func (s *server) handleListLeads(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := lead.LeadFilter{
		Offer:          q.str("offer", 512),
		Action:         q.str("action", 512),
		Source:         q.str("source", 512),
		Stage:          lead.Stage(q.oneOf("stage", stages...)),
		Query:          q.str("q", 512),
		IsTest:         q.boolean("is_test"),
		ReceivedAfter:  q.time("received_after"),
		ReceivedBefore: q.time("received_before"),
	}
	f.Limit, f.Cursor = q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.store.ListLeads(r.Context(), f)
	s.answer(w, r, leadList{Leads: page.Leads, NextCursor: page.NextCursor}, err)
}

func (s *server) handleGetLead(w http.ResponseWriter, r *http.Request) {
	l, err := s.store.GetLead(r.Context(), r.PathValue("id"))
	s.answer(w, r, leadDetail{l, newRawBody(l.RawBody)}, err)
}
