package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// ListLeads returns one page of leads matching f, newest first. The leads
// carry no RawBody; GetLead has it.
func (s *Store) ListLeads(ctx context.Context, f lead.LeadFilter) (lead.LeadPage, error) {
	var w where
	if f.Offer != "" {
		w.add(filterOffer, clean(f.Offer))
	}
	if f.Action != "" {
		w.add(filterAction, clean(f.Action))
	}
	if f.Source != "" {
		w.add(filterSource, clean(f.Source))
	}
	if f.Stage != "" {
		w.add(filterStage, clean(string(f.Stage)))
	}
	if f.IsTest != nil {
		w.add(filterIsTest, boolInt(*f.IsTest))
	}
	if !f.ReceivedAfter.IsZero() {
		w.add(filterReceivedAfter, f.ReceivedAfter.UnixMicro())
	}
	if !f.ReceivedBefore.IsZero() {
		// Round up: stored times are whole microseconds.
		before := f.ReceivedBefore.UnixMicro()
		if f.ReceivedBefore.Nanosecond()%1000 != 0 {
			before++
		}
		w.add(filterReceivedBefore, before)
	}
	if f.Query != "" {
		s.addSearch(&w, f.Query, false)
	}
	leads, next, err := readPage(ctx, s, page{op: "listing leads", sel: selectLeads, where: w, cursor: f.Cursor, limit: f.Limit},
		scanListedLead, leadID)
	return lead.LeadPage{Leads: leads, NextCursor: next}, err
}

// GetLead returns the lead with its raw body.
func (s *Store) GetLead(ctx context.Context, id string) (lead.Lead, error) {
	return readOne(ctx, s, "reading lead", "lead", selectLead, id, scanLeadWithBody)
}

// ListQuarantine returns one page of quarantined raw leads matching f,
// newest first, with their bodies.
func (s *Store) ListQuarantine(ctx context.Context, f lead.QuarantineFilter) (lead.RawPage, error) {
	var w where
	w.add(filterQuarantine, nil)
	if f.ImportID != "" {
		w.add(filterImportID, clean(f.ImportID))
	}
	raws, next, err := readPage(ctx, s, page{op: "listing quarantine", sel: selectQuarantine, where: w, cursor: f.Cursor, limit: f.Limit},
		scanRaw, rawID)
	return lead.RawPage{Raws: raws, NextCursor: next}, err
}

// GetRaw returns a raw lead with its body.
func (s *Store) GetRaw(ctx context.Context, id string) (lead.RawLead, error) {
	return readOne(ctx, s, "reading raw lead", "raw lead", selectRaw, id, scanRaw)
}

// CountQuarantined returns how many raw leads are quarantined.
func (s *Store) CountQuarantined(ctx context.Context) (int, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, countQuarantine).Scan(&n); err != nil {
		return 0, s.fail("counting quarantine", err)
	}
	return int(n), nil
}

// ResolveQuarantined turns a quarantined raw lead into a lead (parsed not
// nil: the lead takes the raw lead's id, arrival time and channel) or
// records one more failed attempt with parseErr. A non-nil fixed is kept as
// the raw lead's corrected body.
func (s *Store) ResolveQuarantined(ctx context.Context, id string, fixed []byte, parsed *lead.Parsed, parseErr string) (lead.RawLead, error) {
	const op = "resolving quarantined lead"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return lead.RawLead{}, s.fail(op, err)
	}
	defer tx.Rollback()

	r, err := scanRaw(tx.QueryRowContext(ctx, selectRaw+s.d.forUpdate, clean(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.RawLead{}, lead.Errorf(lead.KindNotFound, "store: raw lead %q not found", id)
	}
	if err != nil {
		return lead.RawLead{}, s.fail(op, err)
	}
	if r.Status != lead.RawQuarantined {
		return lead.RawLead{}, lead.Errorf(lead.KindConflict, "store: raw lead %q is %s, not quarantined", id, r.Status)
	}
	now := time.Now().UnixMicro()
	if fixed != nil {
		if _, err := tx.ExecContext(ctx, updateRawFixed, r.ID, fixed); err != nil {
			return lead.RawLead{}, s.fail(op, err)
		}
		r.FixedBody = fixed
	}
	if parsed != nil {
		args, err := appendLeadArgs(nil, r.ID, r.ReceivedAt.UnixMicro(), r.Channel, parsed)
		if err != nil {
			return lead.RawLead{}, s.fail(op, err)
		}
		if _, err := tx.ExecContext(ctx, insertLeadHead+s.values(1, insertLeadCols, 1), args...); err != nil {
			return lead.RawLead{}, s.fail(op, err)
		}
		if _, err := tx.ExecContext(ctx, updateRawParsed, r.ID, now); err != nil {
			return lead.RawLead{}, s.fail(op, err)
		}
		r.Status, r.Error = lead.RawParsed, ""
	} else {
		if _, err := tx.ExecContext(ctx, updateRawFailed, r.ID, clean(parseErr), now); err != nil {
			return lead.RawLead{}, s.fail(op, err)
		}
		r.Attempts++
		r.Error = clean(parseErr)
	}
	if err := tx.Commit(); err != nil {
		return lead.RawLead{}, s.fail(op, err)
	}
	return r, nil
}

// scanLead reads leadColumns, then the raw body when withBody.
func scanLead(sc scanner, withBody bool) (lead.Lead, error) {
	var (
		l                    lead.Lead
		recv, isTest         int64
		channel, stage       string
		params, extra, notes string
		customer, account    sql.NullString
		c                    = &l.Contact
		dest                 []any
	)
	dest = append(dest, &l.ID, &recv, &channel, &l.Source, &l.Action,
		&l.Offer.PublisherID, &l.Offer.OfferID, &l.Offer.Title, &stage, &isTest,
		&c.FirstName, &c.LastName, &c.Email, &c.Phone, &c.Country, &c.Company, &c.Title,
		&l.Description, &params, &extra, &notes, &customer, &account)
	if withBody {
		dest = append(dest, &l.RawBody)
	}
	if err := sc.Scan(dest...); err != nil {
		return lead.Lead{}, err
	}
	l.ReceivedAt = fromMicros(recv)
	l.CustomerID, l.AccountID = customer.String, account.String
	l.Channel = lead.Channel(channel)
	l.Stage = lead.Stage(stage)
	l.IsTest = isTest != 0
	l.DescriptionParams = map[string]string{}
	if err := json.Unmarshal([]byte(params), &l.DescriptionParams); err != nil {
		return lead.Lead{}, fmt.Errorf("lead %s: description_params: %w", l.ID, err)
	}
	if extra != "" && extra != "{}" {
		if err := json.Unmarshal([]byte(extra), &l.Extra); err != nil {
			return lead.Lead{}, fmt.Errorf("lead %s: extra: %w", l.ID, err)
		}
	}
	if notes != "" && notes != "[]" {
		if err := json.Unmarshal([]byte(notes), &l.Notes); err != nil {
			return lead.Lead{}, fmt.Errorf("lead %s: notes: %w", l.ID, err)
		}
	}
	if withBody && l.RawBody == nil {
		l.RawBody = []byte{}
	}
	return l, nil
}

// scanListedLead reads leadColumns, as lists show them: without the body.
func scanListedLead(sc scanner) (lead.Lead, error) { return scanLead(sc, false) }

// scanLeadWithBody reads leadColumns and the raw body.
func scanLeadWithBody(sc scanner) (lead.Lead, error) { return scanLead(sc, true) }

func leadID(l lead.Lead) string { return l.ID }

func rawID(r lead.RawLead) string { return r.ID }

// scanRaw reads rawColumns.
func scanRaw(sc scanner) (lead.RawLead, error) {
	var (
		r                    lead.RawLead
		channel, status      string
		recv, attempts, size int64
	)
	if err := sc.Scan(&r.ID, &channel, &r.Source, &recv, &status, &r.Error, &attempts, &r.SHA256, &size, &r.ImportID, &r.Body, &r.FixedBody); err != nil {
		return lead.RawLead{}, err
	}
	r.Channel = lead.Channel(channel)
	r.ReceivedAt = fromMicros(recv)
	r.Status = lead.RawStatus(status)
	r.Attempts = int(attempts)
	r.Size = int(size)
	if r.Body == nil {
		r.Body = []byte{}
	}
	return r, nil
}
