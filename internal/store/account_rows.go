package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/leadhub/leadhub/internal/identity/accounts"
	"github.com/leadhub/leadhub/internal/lead"
)

func scanAccount(sc scanner) (lead.Account, error) {
	var (
		a                         lead.Account
		merged                    sql.NullString
		domains, offers, stage    string
		people, leads             int64
		created, updated, fs, lsn int64
	)
	if err := sc.Scan(&a.ID, &created, &updated, &merged, &a.Name, &a.Country, &domains, &people, &leads,
		&offers, &stage, &fs, &lsn); err != nil {
		return lead.Account{}, err
	}
	a.MergedInto, a.PeopleCount, a.LeadCount, a.Stage = merged.String, int(people), int(leads), lead.Stage(stage)
	a.CreatedAt, a.UpdatedAt, a.FirstSeen, a.LastSeen = fromMicros(created), fromMicros(updated), fromMicros(fs), fromMicros(lsn)
	if err := json.Unmarshal([]byte(domains), &a.Domains); err != nil {
		return lead.Account{}, fmt.Errorf("account %s: domains: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(offers), &a.Offers); err != nil {
		return lead.Account{}, fmt.Errorf("account %s: offers: %w", a.ID, err)
	}
	if a.Domains == nil {
		a.Domains = []string{}
	}
	if a.Offers == nil {
		a.Offers = []string{}
	}
	return a, nil
}

func accountID(a lead.Account) string { return a.ID }

// account reads an account in t; ok is false when there is none.
func (t *idTx) account(id string) (lead.Account, bool, error) {
	a, err := scanAccount(t.tx.QueryRowContext(t.ctx, selectAccount, id))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.Account{}, false, nil
	}
	return a, err == nil, err
}

// activeAccount returns account id, or KindNotFound, or KindConflict when
// it was merged into another.
func (t *idTx) activeAccount(id string) (lead.Account, error) {
	a, ok, err := t.account(id)
	if err != nil {
		return lead.Account{}, err
	}
	if !ok {
		return lead.Account{}, lead.Errorf(lead.KindNotFound, "store: account %q not found", id)
	}
	if a.MergedInto != "" {
		return lead.Account{}, lead.Errorf(lead.KindConflict, "store: account %s was merged into %s", id, a.MergedInto)
	}
	return a, nil
}

// recomputeAccount rebuilds an account's summary from its active
// customers (the figures they bring, see selectMemberFigures).
func (t *idTx) recomputeAccount(id string) error {
	var sum lead.AccountSummary
	rows, err := t.tx.QueryContext(t.ctx, selectMemberFigures, id)
	err = eachRow(rows, err, func(sc scanner) error {
		m, err := scanMemberFigures(sc)
		if err == nil {
			sum.Add(m)
		}
		return err
	})
	if err != nil {
		return err
	}
	domains, offers := sum.Domains, sum.Offers
	if domains == nil {
		domains = []string{}
	}
	if offers == nil {
		offers = []string{}
	}
	d, err := marshalJSON(domains)
	if err != nil {
		return err
	}
	o, err := marshalJSON(offers)
	if err != nil {
		return err
	}
	search := strings.ToLower(strings.Join(append([]string{sum.Name}, domains...), " "))
	_, err = t.exec(updateAccountSummary, id, t.now, sum.Name, sum.Country, d, sum.PeopleCount, sum.LeadCount, o,
		string(sum.Stage), micros(sum.FirstSeen), micros(sum.LastSeen), search)
	return err
}

// scanMemberFigures reads a row of selectMemberFigures.
func scanMemberFigures(sc scanner) (lead.AccountMember, error) {
	var (
		m                        lead.AccountMember
		stage, offers, golden    string
		count, first, last       int64
		company, country, domain sql.NullString
	)
	if err := sc.Scan(&m.Customer, &stage, &count, &first, &last, &offers, &company, &country, &domain, &golden); err != nil {
		return m, err
	}
	m.Stage, m.LeadCount, m.FirstSeen, m.LastSeen = lead.Stage(stage), int(count), fromMicros(first), fromMicros(last)
	if err := json.Unmarshal([]byte(offers), &m.Offers); err != nil {
		return m, fmt.Errorf("customer %s: offers: %w", m.Customer, err)
	}
	if domain.Valid {
		m.Company, m.Country, m.Domain = company.String, country.String, domain.String
		return m, nil
	}
	// Not written since the upgrade that added the columns.
	g, err := goldenContact([]byte(golden))
	if err != nil {
		return m, fmt.Errorf("customer %s: golden: %w", m.Customer, err)
	}
	m.Company, m.Country, m.Domain = accounts.Brings(g)
	return m, nil
}

// recomputeAccounts recomputes the active accounts among ids ("" and
// merged ones are skipped), in id order.
func (t *idTx) recomputeAccounts(ids map[string]bool) error {
	for _, id := range sortedIDs(ids) {
		a, ok, err := t.account(id)
		if err != nil {
			return err
		}
		if !ok || a.MergedInto != "" {
			continue
		}
		if err := t.recomputeAccount(id); err != nil {
			return err
		}
	}
	return nil
}
