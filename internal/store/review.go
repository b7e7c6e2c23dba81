package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/leadhub/leadhub/internal/lead"
)

// scanDecision reads decisionColumns.
func scanDecision(sc scanner) (lead.Decision, error) {
	var (
		d                    lead.Decision
		at, undone           int64
		outcome, state, expl string
	)
	if err := sc.Scan(&d.ID, &d.LeadID, &at, &outcome, &d.CustomerID, &d.CandidateID, &d.Probability,
		&state, &d.AuditID, &undone, &expl); err != nil {
		return lead.Decision{}, err
	}
	d.At, d.Outcome, d.ReviewState, d.Undone = fromMicros(at), lead.DecisionOutcome(outcome), lead.ReviewState(state), undone != 0
	if err := json.Unmarshal([]byte(expl), &d.Explanation); err != nil {
		return lead.Decision{}, fmt.Errorf("decision %s: explanation: %w", d.ID, err)
	}
	if d.Explanation.Candidates == nil {
		d.Explanation.Candidates = []lead.CandidateScore{}
	}
	if d.Explanation.Fields == nil {
		d.Explanation.Fields = []lead.FieldComparison{}
	}
	return d, nil
}

// decision reads a decision by id; KindNotFound as a review item.
func (t *idTx) decision(id string) (lead.Decision, error) {
	d, err := scanDecision(t.tx.QueryRowContext(t.ctx, selectDecision, id))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.Decision{}, lead.Errorf(lead.KindNotFound, "store: review item %q not found", id)
	}
	return d, err
}

// settleReviews marks merged the open review items whose lead and
// candidate are now one customer (root), and returns the changes.
func (t *idTx) settleReviews(root string) ([]lead.ReviewChange, error) {
	type item struct{ id, cand string }
	rows, err := t.tx.QueryContext(t.ctx, selectOpenReviewsOf, root)
	items, err := collect(rows, err, nil, func(sc scanner) (item, error) {
		var it item
		err := sc.Scan(&it.id, &it.cand)
		return it, err
	})
	if err != nil {
		return nil, err
	}
	var out []lead.ReviewChange
	for _, it := range items {
		r, err := t.root(it.cand)
		if err != nil {
			return nil, err
		}
		if r != root {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, setReviewState, it.id, string(lead.ReviewMerged)); err != nil {
			return nil, err
		}
		out = append(out, lead.ReviewChange{Decision: it.id, From: lead.ReviewOpen, To: lead.ReviewMerged})
	}
	return out, nil
}

// openReview returns an open review item.
func (t *idTx) openReview(id string) (lead.Decision, error) {
	d, err := t.decision(id)
	if err != nil {
		return lead.Decision{}, err
	}
	if d.Outcome != lead.OutcomeReview {
		return lead.Decision{}, lead.Errorf(lead.KindNotFound, "store: review item %q not found (decision %s was %s)", id, id, d.Outcome)
	}
	if d.Undone {
		return lead.Decision{}, lead.Errorf(lead.KindConflict, "store: review item %s was undone", id)
	}
	if d.ReviewState != lead.ReviewOpen {
		return lead.Decision{}, lead.Errorf(lead.KindConflict, "store: review item %s is %s already", id, d.ReviewState)
	}
	return d, nil
}

// ListReview returns one page of open review items, newest first.
func (s *Store) ListReview(ctx context.Context, limit int, cursor string) (lead.ReviewPage, error) {
	const op = "listing the review queue"
	var w where
	w.add(filterOpenReview, nil)
	items, next, err := readPage(ctx, s, page{op: op, sel: selectDecisions, where: w, cursor: cursor, limit: limit},
		scanReviewItem, reviewItemID)
	if err != nil {
		return lead.ReviewPage{}, err
	}
	for i := range items {
		it := &items[i]
		var owner sql.NullString
		if err := s.r.QueryRowContext(ctx, selectLeadOwner, it.LeadID).Scan(&owner); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return lead.ReviewPage{}, s.fail(op, err)
		}
		it.LeadCustomerID = owner.String
		if it.CandidateCustomerID, err = rootOf(ctx, s.r, it.CandidateID); err != nil {
			return lead.ReviewPage{}, s.fail(op, err)
		}
	}
	return lead.ReviewPage{Items: items, NextCursor: next}, nil
}

// scanReviewItem reads decisionColumns into a review item; the customers
// are found after.
func scanReviewItem(sc scanner) (lead.ReviewItem, error) {
	d, err := scanDecision(sc)
	return lead.ReviewItem{Decision: d}, err
}

func reviewItemID(it lead.ReviewItem) string { return it.ID }

// MergeReview merges the customer of an open review item's lead into the
// candidate (followed through merges).
func (s *Store) MergeReview(ctx context.Context, decisionID string, act lead.Act) (lead.AuditEntry, error) {
	return s.change(ctx, "merging review item", act, func(t *idTx, e *lead.AuditEntry) error {
		d, err := t.openReview(clean(decisionID))
		if err != nil {
			return err
		}
		var owner sql.NullString
		if err := t.tx.QueryRowContext(t.ctx, selectLeadOwner, d.LeadID).Scan(&owner); err != nil {
			return err
		}
		into, err := t.root(d.CandidateID)
		if err != nil {
			return err
		}
		switch {
		case into == "":
			return lead.Errorf(lead.KindConflict, "store: the candidate customer %s of review item %s no longer exists", d.CandidateID, d.ID)
		case owner.String == "":
			return lead.Errorf(lead.KindConflict, "store: the lead %s of review item %s is not resolved", d.LeadID, d.ID)
		case owner.String == into:
			return lead.Errorf(lead.KindConflict, "store: the lead of review item %s is in customer %s already", d.ID, into)
		}
		*e, err = t.merge(into, owner.String, act, d.ID)
		return err
	})
}

// DismissReview keeps an open review item's customers apart.
func (s *Store) DismissReview(ctx context.Context, decisionID string, act lead.Act) (lead.AuditEntry, error) {
	return s.change(ctx, "dismissing review item", act, func(t *idTx, e *lead.AuditEntry) error {
		d, err := t.openReview(clean(decisionID))
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, setReviewState, d.ID, string(lead.ReviewDismissed)); err != nil {
			return err
		}
		var owner sql.NullString
		if err := t.tx.QueryRowContext(t.ctx, selectLeadOwner, d.LeadID).Scan(&owner); err != nil {
			return err
		}
		ch := lead.Change{Review: d.ID, Reviews: []lead.ReviewChange{{Decision: d.ID, From: lead.ReviewOpen, To: lead.ReviewDismissed}}}
		*e = newAudit(lead.AuditDismiss, act, t.now)
		e.CustomerIDs, e.LeadIDs = []string{owner.String, d.CandidateID}, []string{d.LeadID}
		if e.Payload, err = payload(ch); err != nil {
			return err
		}
		return t.writeAudit(e)
	})
}
