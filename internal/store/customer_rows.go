package store

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/leadhub/leadhub/internal/identity/accounts"
	"github.com/leadhub/leadhub/internal/lead"
)

// goldenValue is one field of a stored golden record (the golden column:
// JSON {field: {v, l, at}}): the value, its lead and the lead's receipt
// time in microseconds.
type goldenValue struct {
	V  string `json:"v"`
	L  string `json:"l"`
	At int64  `json:"at"`
}

// micros is t as stored; the zero time (a summary without leads) is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// summaryArgs returns the summary's column values: stage, do_not_contact,
// is_test, lead_count, first_seen, last_seen, golden, offers.
func summaryArgs(s *lead.Summary) ([]any, error) {
	g := make(map[string]goldenValue, len(s.Golden))
	for f, v := range s.Golden {
		g[f] = goldenValue{V: v.Value, L: v.Lead, At: micros(v.At)}
	}
	golden, err := marshalJSON(g)
	if err != nil {
		return nil, err
	}
	offers := s.Offers
	if offers == nil {
		offers = []string{}
	}
	off, err := marshalJSON(offers)
	if err != nil {
		return nil, err
	}
	m := accounts.Member("", s)
	return []any{string(s.Stage), boolInt(s.DoNotContact), boolInt(s.IsTest), s.LeadCount,
		micros(s.FirstSeen), micros(s.LastSeen), golden, off, m.Company, m.Country, m.Domain}, nil
}

// addLead folds l into sum at the precision leads are stored with, so that
// adding a lead gives what recomputing from the stored leads gives.
func addLead(sum *lead.Summary, l *lead.Lead) {
	stored := *l
	stored.ReceivedAt = fromMicros(l.ReceivedAt.UnixMicro())
	sum.Add(&stored)
}

// customerRow is a customers row with its summary decoded.
type customerRow struct {
	id         string
	created    int64
	updated    int64
	mergedInto string
	account    string // "" for none
	pinned     bool   // a person put it in its account
	sum        lead.Summary
}

func scanCustomerRow(sc scanner) (customerRow, error) {
	var (
		c                   customerRow
		merged, account     sql.NullString
		pinned              int64
		stage, golden, offs string
		dnc, isTest, count  int64
		first, last         int64
	)
	if err := sc.Scan(&c.id, &c.created, &c.updated, &merged, &stage, &dnc, &isTest, &count,
		&first, &last, &golden, &offs, &account, &pinned); err != nil {
		return customerRow{}, err
	}
	c.mergedInto, c.account, c.pinned = merged.String, account.String, pinned != 0
	c.sum = lead.Summary{Stage: lead.Stage(stage), DoNotContact: dnc != 0, IsTest: isTest != 0, LeadCount: int(count),
		FirstSeen: fromMicros(first), LastSeen: fromMicros(last)}
	var g map[string]goldenValue
	if err := json.Unmarshal([]byte(golden), &g); err != nil {
		return customerRow{}, fmt.Errorf("customer %s: golden: %w", c.id, err)
	}
	c.sum.Golden = make(map[string]lead.GoldenValue, len(g))
	for f, v := range g {
		c.sum.Golden[f] = lead.GoldenValue{Value: v.V, Lead: v.L, At: fromMicros(v.At)}
	}
	if err := json.Unmarshal([]byte(offs), &c.sum.Offers); err != nil {
		return customerRow{}, fmt.Errorf("customer %s: offers: %w", c.id, err)
	}
	return c, nil
}

func (c *customerRow) public() lead.Customer {
	out := lead.Customer{
		ID:            c.id,
		Stage:         c.sum.Stage,
		DoNotContact:  c.sum.DoNotContact,
		IsTest:        c.sum.IsTest,
		LeadCount:     c.sum.LeadCount,
		FirstSeen:     c.sum.FirstSeen,
		LastSeen:      c.sum.LastSeen,
		Offers:        c.sum.Offers,
		MergedInto:    c.mergedInto,
		AccountID:     c.account,
		AccountPinned: c.pinned,
		CreatedAt:     fromMicros(c.created),
		UpdatedAt:     fromMicros(c.updated),
		Golden:        c.sum.Record(),
	}
	if out.Offers == nil {
		out.Offers = []string{}
	}
	return out
}

// scanCustomer reads customerColumns into a customer.
func scanCustomer(sc scanner) (lead.Customer, error) {
	c, err := scanCustomerRow(sc)
	if err != nil {
		return lead.Customer{}, err
	}
	return c.public(), nil
}

func customerID(c lead.Customer) string { return c.ID }

// scanSummaryLead reads summaryColumns into a lead.
func scanSummaryLead(sc scanner) (lead.Lead, error) {
	var (
		l            lead.Lead
		recv, isTest int64
		stage        string
		c            = &l.Contact
	)
	if err := sc.Scan(&l.ID, &recv, &stage, &isTest, &l.Offer.PublisherID, &l.Offer.OfferID, &l.Offer.Title,
		&c.FirstName, &c.LastName, &c.Email, &c.Phone, &c.Country, &c.Company, &c.Title); err != nil {
		return lead.Lead{}, err
	}
	l.ReceivedAt, l.Stage, l.IsTest = fromMicros(recv), lead.Stage(stage), isTest != 0
	return l, nil
}

// recompute rebuilds a customer's summary from its leads.
func (t *idTx) recompute(id string) (lead.Summary, error) {
	var sum lead.Summary
	rows, err := t.tx.QueryContext(t.ctx, selectSummaryLeads, id)
	err = eachRow(rows, err, func(sc scanner) error {
		l, err := scanSummaryLead(sc)
		if err == nil {
			sum.Add(&l)
		}
		return err
	})
	if err != nil {
		return lead.Summary{}, err
	}
	if err := t.writeSummary(id, &sum); err != nil {
		return lead.Summary{}, err
	}
	return sum, nil
}

func (t *idTx) writeSummary(id string, sum *lead.Summary) error {
	a, err := summaryArgs(sum)
	if err != nil {
		return err
	}
	_, err = t.exec(updateSummary, append([]any{id, t.now}, a...)...)
	return err
}

func (t *idTx) customer(id string) (customerRow, bool, error) {
	c, err := scanCustomerRow(t.tx.QueryRowContext(t.ctx, selectCustomer, id))
	if errors.Is(err, sql.ErrNoRows) {
		return customerRow{}, false, nil
	}
	return c, err == nil, err
}

// activeCustomer returns customer id, or KindNotFound, or KindConflict when
// it was merged into another.
func (t *idTx) activeCustomer(id string) (customerRow, error) {
	c, ok, err := t.customer(id)
	if err != nil {
		return customerRow{}, err
	}
	if !ok {
		return customerRow{}, lead.Errorf(lead.KindNotFound, "store: customer %q not found", id)
	}
	if c.mergedInto != "" {
		return customerRow{}, lead.Errorf(lead.KindConflict, "store: customer %s was merged into %s", id, c.mergedInto)
	}
	return c, nil
}

// newCustomer inserts an empty customer.
func (t *idTx) newCustomer(id string, at int64) error {
	a, err := summaryArgs(&lead.Summary{})
	if err != nil {
		return err
	}
	args := append(append([]any{id, at, at, nil}, a...), nil, 0)
	_, err = t.tx.ExecContext(t.ctx, insertCustomer+t.s.values(1, insertCustomerCols, 1), args...)
	return err
}

// goldenContact decodes a golden column into the contact it records (the
// values only: the resolver reads it for every candidate customer).
func goldenContact(b []byte) (lead.Contact, error) {
	type v struct {
		V string `json:"v"`
	}
	var g struct {
		FirstName v `json:"first_name"`
		LastName  v `json:"last_name"`
		Email     v `json:"email"`
		Phone     v `json:"phone"`
		Country   v `json:"country"`
		Company   v `json:"company"`
		Title     v `json:"title"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return lead.Contact{}, err
	}
	return lead.Contact{FirstName: g.FirstName.V, LastName: g.LastName.V, Email: g.Email.V, Phone: g.Phone.V,
		Country: g.Country.V, Company: g.Company.V, Title: g.Title.V}, nil
}
