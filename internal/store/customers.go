package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// ListCustomers returns one page of active (not merged) customers, newest
// first.
func (s *Store) ListCustomers(ctx context.Context, f lead.CustomerFilter) (lead.CustomerPage, error) {
	var w where
	w.add(filterActiveCustomer, nil)
	if f.Stage != "" {
		w.add(filterCustomerStage, clean(string(f.Stage)))
	}
	if f.IsTest != nil {
		w.add(filterCustomerIsTest, boolInt(*f.IsTest))
	}
	if f.DoNotContact != nil {
		w.add(filterCustomerDNC, boolInt(*f.DoNotContact))
	}
	if f.Offer != "" {
		w.add(filterCustomerOffer, clean(f.Offer))
	}
	if f.Source != "" {
		w.add(filterCustomerSource, clean(f.Source))
	}
	if f.Action != "" {
		w.add(filterCustomerAction, clean(f.Action))
	}
	if f.Country != "" {
		w.add(filterCustomerCountry, strings.ToUpper(clean(f.Country)))
	}
	if f.Query != "" {
		s.addSearch(&w, f.Query, true)
	}
	cs, next, err := readPage(ctx, s, page{op: "listing customers", sel: selectCustomers, where: w, cursor: f.Cursor, limit: f.Limit},
		scanCustomer, customerID)
	return lead.CustomerPage{Customers: cs, NextCursor: next}, err
}

// GetCustomer returns a customer with its leads in time order (the most
// recent MaxCustomerLeads), each with the decision that resolved it, and the
// audit entries that concern it.
func (s *Store) GetCustomer(ctx context.Context, id string) (lead.CustomerDetail, error) {
	const op = "reading customer"
	c, err := readOne(ctx, s, op, "customer", selectCustomer, id, scanCustomerRow)
	if err != nil {
		return lead.CustomerDetail{}, err
	}
	d := lead.CustomerDetail{Customer: c.public(), Leads: []lead.CustomerLead{}, History: []lead.AuditEntry{}}
	rows, err := s.r.QueryContext(ctx, selectCustomerJourney, c.id, lead.MaxCustomerLeads+1)
	leads, err := collect(rows, err, nil, scanListedLead)
	if err != nil {
		return lead.CustomerDetail{}, s.fail(op, err)
	}
	if len(leads) > lead.MaxCustomerLeads {
		leads, d.LeadsTruncated = leads[:lead.MaxCustomerLeads], true
	}
	slices.Reverse(leads)
	ids := make([]string, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
	}
	decisions, err := s.latestDecisions(ctx, ids)
	if err != nil {
		return lead.CustomerDetail{}, s.fail(op, err)
	}
	for _, l := range leads {
		cl := lead.CustomerLead{Lead: l}
		if dec, ok := decisions[l.ID]; ok {
			cl.Decision = &dec
		}
		d.Leads = append(d.Leads, cl)
	}
	hist, err := s.ListAudit(ctx, lead.AuditFilter{Customer: c.id, Limit: 50})
	if err != nil {
		return lead.CustomerDetail{}, err
	}
	d.History = hist.Entries
	return d, nil
}

// latestDecisions returns each lead's latest decision that was not undone.
func (s *Store) latestDecisions(ctx context.Context, leadIDs []string) (map[string]lead.Decision, error) {
	out := map[string]lead.Decision{}
	for chunk := range slices.Chunk(leadIDs, s.d.rowsPerStatement(1, 0)) {
		rows, err := s.r.QueryContext(ctx, selectLatestDecisionsIn+s.values(1, len(chunk), 1)+orderByID, anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			dec, err := scanDecision(sc)
			if err == nil {
				out[dec.LeadID] = dec
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// MergeCustomers moves every lead of other (and its keys) into into, marks
// other merged into into (it is never deleted), settles the review items
// the merge answers, and records exactly what moved.
func (s *Store) MergeCustomers(ctx context.Context, into, other string, act lead.Act) (lead.AuditEntry, error) {
	return s.change(ctx, "merging customers", act, func(t *idTx, e *lead.AuditEntry) error {
		var err error
		*e, err = t.merge(clean(into), clean(other), act, "")
		return err
	})
}

func (t *idTx) merge(into, other string, act lead.Act, review string) (lead.AuditEntry, error) {
	if into == other {
		return lead.AuditEntry{}, lead.Errorf(lead.KindConflict, "store: a customer cannot be merged into itself")
	}
	if _, err := t.activeCustomer(into); err != nil {
		return lead.AuditEntry{}, err
	}
	oc, err := t.activeCustomer(other)
	if err != nil {
		return lead.AuditEntry{}, err
	}
	moved, err := t.leadIDsOf(other)
	if err != nil {
		return lead.AuditEntry{}, err
	}
	ch := lead.Change{Review: review, Merged: []lead.CustomerLink{{Customer: other, Into: into}}}
	for _, id := range moved {
		ch.Moves = append(ch.Moves, lead.LeadMove{Lead: id, From: other, To: into})
	}
	if ch.KeysMoved, err = t.moveLeads(other, into, moved); err != nil {
		return lead.AuditEntry{}, err
	}
	if _, err := t.tx.ExecContext(t.ctx, markMerged, other, into, t.now); err != nil {
		return lead.AuditEntry{}, err
	}
	if err := t.dropAccountKeys(other); err != nil {
		return lead.AuditEntry{}, err
	}
	if ch.Reviews, err = t.settleReviews(into); err != nil {
		return lead.AuditEntry{}, err
	}
	if _, err := t.recompute(into); err != nil {
		return lead.AuditEntry{}, err
	}
	if err := t.settleAccounts([]string{into}, &ch, oc.account); err != nil {
		return lead.AuditEntry{}, err
	}
	e := newAudit(lead.AuditMerge, act, t.now)
	e.CustomerIDs, e.LeadIDs, e.AccountIDs = []string{into, other}, moved, accountIDs(&ch)
	if e.Payload, err = payload(ch); err != nil {
		return lead.AuditEntry{}, err
	}
	return e, t.writeAudit(&e)
}

// SplitLead moves a lead (and its keys) out of its customer into a new
// customer of its own.
func (s *Store) SplitLead(ctx context.Context, leadID string, act lead.Act) (lead.AuditEntry, error) {
	leadID = clean(leadID)
	return s.change(ctx, "splitting lead", act, func(t *idTx, e *lead.AuditEntry) error {
		var owner sql.NullString
		err := t.tx.QueryRowContext(t.ctx, selectLeadOwner, leadID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return lead.Errorf(lead.KindNotFound, "store: lead %q not found", leadID)
		}
		if err != nil {
			return err
		}
		from := owner.String
		if from == "" {
			return lead.Errorf(lead.KindConflict, "store: lead %s is not resolved yet; it has no customer to leave", leadID)
		}
		ids, err := t.leadIDsOf(from)
		if err != nil {
			return err
		}
		if len(ids) < 2 {
			return lead.Errorf(lead.KindConflict, "store: lead %s is the only lead of customer %s; there is nothing to split", leadID, from)
		}
		to := ulid.Make().String()
		if err := t.newCustomer(to, t.now); err != nil {
			return err
		}
		ch := lead.Change{Moves: []lead.LeadMove{{Lead: leadID, From: from, To: to}}, Created: []string{to}}
		if ch.KeysMoved, err = t.moveLeads(from, to, []string{leadID}); err != nil {
			return err
		}
		for _, id := range []string{from, to} {
			if _, err := t.recompute(id); err != nil {
				return err
			}
		}
		if err := t.settleAccounts([]string{from, to}, &ch); err != nil {
			return err
		}
		*e = newAudit(lead.AuditSplit, act, t.now)
		e.CustomerIDs, e.LeadIDs, e.AccountIDs = []string{from, to}, []string{leadID}, accountIDs(&ch)
		if e.Payload, err = payload(ch); err != nil {
			return err
		}
		return t.writeAudit(e)
	})
}
