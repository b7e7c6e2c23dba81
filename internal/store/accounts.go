package store

import (
	"context"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// ListAccounts returns one page of accounts that have people and were
// not merged, newest first.
func (s *Store) ListAccounts(ctx context.Context, f lead.AccountFilter) (lead.AccountPage, error) {
	var w where
	w.add(filterActiveAccount, nil)
	if f.Query != "" {
		w.add(filterAccountQuery, likeContains(strings.ToLower(clean(f.Query))))
	}
	if f.Stage != "" {
		w.add(filterAccountStage, clean(string(f.Stage)))
	}
	if f.Country != "" {
		w.add(filterAccountCountry, strings.ToUpper(clean(f.Country)))
	}
	if f.Offer != "" {
		w.add(filterAccountOffer, clean(f.Offer))
	}
	as, next, err := readPage(ctx, s, page{op: "listing accounts", sel: selectAccounts, where: w, cursor: f.Cursor, limit: f.Limit},
		scanAccount, accountID)
	return lead.AccountPage{Accounts: as, NextCursor: next}, err
}

// GetAccount returns an account with its people (the most recently seen
// MaxAccountPeople), each with its account keys and its leads in time
// order, and the audit entries that concern the account.
func (s *Store) GetAccount(ctx context.Context, id string) (lead.AccountDetail, error) {
	const op = "reading account"
	a, err := readOne(ctx, s, op, "account", selectAccount, id, scanAccount)
	if err != nil {
		return lead.AccountDetail{}, err
	}
	d := lead.AccountDetail{Account: a, People: []lead.AccountPerson{}, History: []lead.AuditEntry{}}
	rows, err := s.r.QueryContext(ctx, selectAccountPeople, a.ID, lead.MaxAccountPeople+1)
	people, err := collect(rows, err, nil, scanCustomer)
	if err != nil {
		return lead.AccountDetail{}, s.fail(op, err)
	}
	if len(people) > lead.MaxAccountPeople {
		people, d.PeopleTruncated = people[:lead.MaxAccountPeople], true
	}
	for _, c := range people {
		p := lead.AccountPerson{Customer: c}
		rows, err := s.r.QueryContext(ctx, selectAccountKeysOf, c.ID)
		if p.Keys, err = collect(rows, err, []string{}, scanString); err != nil {
			return lead.AccountDetail{}, s.fail(op, err)
		}
		rows, err = s.r.QueryContext(ctx, selectCustomerJourney, c.ID, lead.MaxCustomerLeads)
		if p.Leads, err = collect(rows, err, []lead.Lead{}, scanListedLead); err != nil {
			return lead.AccountDetail{}, s.fail(op, err)
		}
		slices.Reverse(p.Leads)
		d.People = append(d.People, p)
	}
	hist, err := s.ListAudit(ctx, lead.AuditFilter{Account: a.ID, Limit: 50})
	if err != nil {
		return lead.AccountDetail{}, err
	}
	d.History = hist.Entries
	return d, nil
}
