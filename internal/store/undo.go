package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/leadhub/leadhub/internal/lead"
)

// Undo undoes an audit entry exactly: every lead it moved goes back (with
// its keys), customers it created are removed, customers it merged are
// restored, review items return to their earlier state and its decision is
// marked undone. It refuses (KindConflict) when the state it left has
// changed since: a later change depends on it and must be undone first.
func (s *Store) Undo(ctx context.Context, auditID string, act lead.Act) (lead.AuditEntry, error) {
	return s.change(ctx, "undoing", act, func(t *idTx, u *lead.AuditEntry) error {
		e, err := scanAudit(t.tx.QueryRowContext(t.ctx, selectAudit, clean(auditID)))
		if errors.Is(err, sql.ErrNoRows) {
			return lead.Errorf(lead.KindNotFound, "store: audit entry %q not found", auditID)
		}
		if err != nil {
			return err
		}
		switch {
		case e.Action == lead.AuditUndo:
			return lead.Errorf(lead.KindConflict, "store: entry %s is an undo, which cannot be undone; do the change again instead", e.ID)
		case e.Action == lead.AuditProcess:
			return lead.Errorf(lead.KindConflict, "store: entry %s is a change of the follow-up process, which is not undone; change the stage or the owner again instead", e.ID)
		case e.UndoneBy != "":
			return lead.Errorf(lead.KindConflict, "store: entry %s was undone already by %s", e.ID, e.UndoneBy)
		}
		var ch lead.Change
		if err := json.Unmarshal(e.Payload, &ch); err != nil {
			return fmt.Errorf("audit %s: payload: %w", e.ID, err)
		}
		if err := t.checkUndo(&e, &ch); err != nil {
			return err
		}
		if err := t.checkAccountUndo(&e, &ch); err != nil {
			return err
		}
		return t.applyUndo(&e, &ch, act, u)
	})
}

// later is the conflict of an undo that a later change stands in the way of.
func later(e *lead.AuditEntry, format string, args ...any) error {
	return lead.Errorf(lead.KindConflict, "store: cannot undo %s: %s; undo the later change first", e.ID, fmt.Sprintf(format, args...))
}

// checkUndo verifies that everything e changed is still as e left it.
func (t *idTx) checkUndo(e *lead.AuditEntry, ch *lead.Change) error {
	ids := make([]string, len(ch.Moves))
	for i, m := range ch.Moves {
		ids[i] = m.Lead
	}
	owners, err := t.owners(ids)
	if err != nil {
		return err
	}
	for _, m := range ch.Moves {
		cur, ok := owners[m.Lead]
		if !ok {
			return later(e, "lead %s no longer exists", m.Lead)
		}
		if cur != m.To {
			return later(e, "lead %s has moved from %s to %s since", m.Lead, orNone(m.To), orNone(cur))
		}
	}
	unmerged := map[string]bool{}
	for _, m := range ch.Merged {
		c, ok, err := t.customer(m.Customer)
		if err != nil {
			return err
		}
		if !ok || c.mergedInto != m.Into {
			return later(e, "customer %s is no longer merged into %s", m.Customer, m.Into)
		}
		unmerged[m.Customer] = true
	}
	created := map[string]bool{}
	for _, id := range ch.Created {
		created[id] = true
		c, ok, err := t.customer(id)
		if err != nil {
			return err
		}
		if !ok {
			return later(e, "customer %s no longer exists", id)
		}
		if c.mergedInto != "" {
			return later(e, "customer %s was merged into %s", id, c.mergedInto)
		}
		mine := 0
		for _, m := range ch.Moves {
			if m.To == id {
				mine++
			}
		}
		var n, merged, reviews int64
		if err := t.tx.QueryRowContext(t.ctx, countLeadsOf, id).Scan(&n); err != nil {
			return err
		}
		if int(n) != mine {
			return later(e, "customer %s has leads that later changes put there", id)
		}
		if err := t.tx.QueryRowContext(t.ctx, countMergedInto, id).Scan(&merged); err != nil {
			return err
		}
		if merged > 0 {
			return later(e, "other customers were merged into %s", id)
		}
		if err := t.tx.QueryRowContext(t.ctx, countReviewsNaming, id).Scan(&reviews); err != nil {
			return err
		}
		if reviews > 0 {
			return later(e, "later leads are in review as possible duplicates of %s", id)
		}
	}
	for _, m := range ch.Moves {
		if m.From == "" || unmerged[m.From] || created[m.From] {
			continue
		}
		c, ok, err := t.customer(m.From)
		if err != nil {
			return err
		}
		if !ok {
			return later(e, "customer %s no longer exists", m.From)
		}
		if c.mergedInto != "" {
			return later(e, "customer %s was merged into %s since", m.From, c.mergedInto)
		}
	}
	for _, r := range ch.Reviews {
		d, err := t.decision(r.Decision)
		if err != nil {
			return err
		}
		if d.Undone || d.ReviewState != r.To {
			return later(e, "review item %s is %s now", r.Decision, d.ReviewState)
		}
	}
	if ch.Decision != "" {
		d, err := t.decision(ch.Decision)
		if err != nil {
			return err
		}
		if d.Undone {
			return later(e, "decision %s was undone", ch.Decision)
		}
	}
	return nil
}

func orNone(c string) string {
	if c == "" {
		return "no customer"
	}
	return c
}

// applyUndo reverses ch and records the undo entry in u.
func (t *idTx) applyUndo(e *lead.AuditEntry, ch *lead.Change, act lead.Act, u *lead.AuditEntry) error {
	type pair struct{ from, to string }
	groups := map[pair][]string{}
	var order []pair
	touched := map[string]bool{}
	inverse := lead.Change{}
	accountsTouched, err := t.undoAccounts(ch, &inverse)
	if err != nil {
		return err
	}
	for i := len(ch.Moves) - 1; i >= 0; i-- {
		m := ch.Moves[i]
		p := pair{m.To, m.From}
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], m.Lead)
		inverse.Moves = append(inverse.Moves, lead.LeadMove{Lead: m.Lead, From: m.To, To: m.From})
		touched[m.From], touched[m.To] = true, true
	}
	for _, p := range order {
		n, err := t.moveLeads(p.from, p.to, groups[p])
		if err != nil {
			return err
		}
		inverse.KeysMoved += n
	}
	for _, m := range ch.Merged {
		if _, err := t.tx.ExecContext(t.ctx, unmarkMerged, m.Customer, t.now); err != nil {
			return err
		}
		touched[m.Customer] = true
	}
	for _, r := range ch.Reviews {
		var err error
		if r.From == "" { // created by e: its decision is undone below
			_, err = t.tx.ExecContext(t.ctx, markUndone, r.Decision)
		} else {
			_, err = t.tx.ExecContext(t.ctx, setReviewState, r.Decision, string(r.From))
		}
		if err != nil {
			return err
		}
		inverse.Reviews = append(inverse.Reviews, lead.ReviewChange{Decision: r.Decision, From: r.To, To: r.From})
	}
	if ch.Decision != "" {
		if _, err := t.tx.ExecContext(t.ctx, markUndone, ch.Decision); err != nil {
			return err
		}
		inverse.Decision = ch.Decision
	}
	for _, id := range ch.Created {
		if err := t.dropAccountKeys(id); err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, deleteCustomer, id); err != nil {
			return err
		}
		delete(touched, id)
	}
	delete(touched, "")
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c, ok, err := t.customer(id)
		if err != nil {
			return err
		}
		if !ok || c.mergedInto != "" {
			continue
		}
		sum, err := t.recompute(id)
		if err != nil {
			return err
		}
		if sum.LeadCount == 0 {
			return later(e, "customer %s would be left without leads", id)
		}
		if _, err := t.syncAccountKeys(id, &sum); err != nil {
			return err
		}
		accountsTouched[c.account] = true
	}
	if err := t.recomputeAccounts(accountsTouched); err != nil {
		return err
	}
	*u = newAudit(lead.AuditUndo, act, t.now)
	u.Undoes, u.CustomerIDs, u.LeadIDs, u.AccountIDs = e.ID, e.CustomerIDs, e.LeadIDs, e.AccountIDs
	if u.Payload, err = payload(inverse); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(t.ctx, markAuditUndone, e.ID, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return lead.Errorf(lead.KindConflict, "store: entry %s was undone already", e.ID)
	}
	return t.writeAudit(u)
}
