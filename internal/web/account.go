package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// The accounts: a list of the companies behind customers, and an account's
// page with its people and their journeys in short, and the forms that
// merge and split it.

type accountsData struct {
	User     *lead.User
	Accounts []lead.Account
	Query    string
	Next     string
	Error    string
}

// accounts lists the accounts, newest first, a page at a time, optionally
// those whose name or a domain holds the search.
func (s *server) accounts(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	q := r.URL.Query()
	data := accountsData{User: &u, Query: strings.TrimSpace(q.Get("q"))}
	cursor := q.Get("cursor")
	if len(data.Query) > maxFind || len(cursor) > 512 {
		s.render(w, http.StatusBadRequest, "accounts", accountsData{User: &u,
			Error: fmt.Sprintf("A search may be at most %d characters long.", maxFind)})
		return
	}
	page, err := s.Store.ListAccounts(r.Context(), lead.AccountFilter{Query: data.Query, Limit: pageSize, Cursor: cursor})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Accounts, data.Next = page.Accounts, page.NextCursor
	s.render(w, http.StatusOK, "accounts", data)
}

// accountPerson is a person of the account page with its journey in
// short: the actions of its leads, distinct, in the order first taken.
type accountPerson struct {
	lead.AccountPerson
	Actions []string
}

type accountData struct {
	User    *lead.User
	Account lead.AccountDetail
	People  []accountPerson
	Notice  string
	Error   string
	// Find and Found are a search for the account to merge into this one.
	Find  string
	Found []lead.Account
	Path  string
}

// account shows an account.
func (s *server) account(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	a, err := s.Store.GetAccount(ctx, r.PathValue("account"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := accountData{User: &u, Account: a, Path: "/accounts/" + a.ID, Notice: notices[r.URL.Query().Get("done")]}
	for _, p := range a.People {
		ap := accountPerson{AccountPerson: p}
		for _, l := range p.Leads {
			if l.Action != "" && !slices.Contains(ap.Actions, l.Action) {
				ap.Actions = append(ap.Actions, l.Action)
			}
		}
		data.People = append(data.People, ap)
	}
	if a.MergedInto == "" && u.Role.Can(lead.PermIdentityEdit) {
		data.Find = strings.TrimSpace(r.URL.Query().Get("find"))
		if len(data.Find) > maxFind {
			data.Error, data.Find = fmt.Sprintf("A search may be at most %d characters long.", maxFind), ""
		}
		if data.Find != "" {
			page, err := s.Store.ListAccounts(ctx, lead.AccountFilter{Query: data.Find, Limit: maxFound + 1})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, o := range page.Accounts {
				if o.ID != a.ID && len(data.Found) < maxFound {
					data.Found = append(data.Found, o)
				}
			}
		}
	}
	s.render(w, http.StatusOK, "account", data)
}

// mergeAccount merges the account named in the form into the page's.
func (s *server) mergeAccount(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("account")
	back := "/accounts/" + url.PathEscape(id)
	act, _, ok := s.readAct(w, r, back)
	if !ok {
		return
	}
	other, ok := s.formID(w, r, "other", "the account to merge into this one", back)
	if !ok {
		return
	}
	if _, err := s.Store.MergeAccounts(r.Context(), id, other, act); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	done(w, r, back, "account-merge")
}

// splitAccount moves the people chosen in the form into a new account.
func (s *server) splitAccount(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("account")
	back := "/accounts/" + url.PathEscape(id)
	act, _, ok := s.readAct(w, r, back)
	if !ok {
		return
	}
	var people []string
	for _, c := range r.PostForm["customer"] {
		if c = strings.TrimSpace(c); c != "" && len(c) <= maxID && !slices.Contains(people, c) {
			people = append(people, c)
		}
	}
	if len(people) == 0 || len(people) > lead.MaxAccountPeople {
		s.message(w, http.StatusBadRequest, "Bad request", "Choose the people to move into a new account.", back, "Back")
		return
	}
	if _, err := s.Store.SplitAccount(r.Context(), id, people, act); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	done(w, r, back, "account-split")
}
