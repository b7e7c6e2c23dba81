package api

import (
	"net/http"
	"regexp"

	"github.com/leadhub/leadhub/internal/lead"
)

// Accounts: the companies behind customers.

type accountList struct {
	Accounts   []lead.Account `json:"accounts"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

// countryCode is an ISO 3166-1 alpha-2 code, as accounts give them.
var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

func (s *server) handleListAccounts(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	q := newQuery(r)
	f := lead.AccountFilter{
		Stage:   lead.Stage(q.oneOf("stage", stages...)),
		Offer:   q.str("offer", 512),
		Query:   q.str("q", 512),
		Country: q.str("country", 2),
	}
	if f.Country != "" && len(f.Country) <= 2 && !countryCode.MatchString(f.Country) {
		q.bad("country", "must be an ISO 3166-1 alpha-2 code such as US")
	}
	f.Limit, f.Cursor = q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.customers.ListAccounts(r.Context(), f)
	s.answer(w, r, accountList{Accounts: page.Accounts, NextCursor: page.NextCursor}, err)
}

func (s *server) handleGetAccount(w http.ResponseWriter, r *http.Request) {
	if !s.customersReady(w, r) {
		return
	}
	a, err := s.customers.GetAccount(r.Context(), r.PathValue("id"))
	s.answer(w, r, a, err)
}
