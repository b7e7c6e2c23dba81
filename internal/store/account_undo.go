package store

import (
	"github.com/leadhub/leadhub/internal/lead"
)

// checkAccountUndo verifies that the account changes of e are still as e
// left them: every customer it moved is in the account it put it in (and
// pinned as it left it), every account it merged is still merged, every
// account it created holds only the customers it put there, and the
// customers the undo brings back (unmerged or removed) are in accounts
// that still stand.
func (t *idTx) checkAccountUndo(e *lead.AuditEntry, ch *lead.Change) error {
	into := map[string]int{}
	leftIn := map[string]string{}
	for _, m := range ch.AccountMoves {
		c, ok, err := t.customer(m.Customer)
		if err != nil {
			return err
		}
		if !ok {
			return later(e, "customer %s no longer exists", m.Customer)
		}
		if c.account != m.To || c.pinned != m.PinTo {
			return later(e, "customer %s has changed account since", m.Customer)
		}
		into[m.To]++
		leftIn[m.Customer] = m.To
	}
	for _, m := range ch.AccountsMerged {
		a, ok, err := t.account(m.Account)
		if err != nil {
			return err
		}
		if !ok || a.MergedInto != m.Into {
			return later(e, "account %s is no longer merged into %s", m.Account, m.Into)
		}
	}
	for _, id := range ch.AccountsCreated {
		a, ok, err := t.account(id)
		if err != nil {
			return err
		}
		if !ok {
			return later(e, "account %s no longer exists", id)
		}
		if a.MergedInto != "" {
			return later(e, "account %s was merged into %s", id, a.MergedInto)
		}
		var n, merged int64
		if err := t.tx.QueryRowContext(t.ctx, countAccountCustomers, id).Scan(&n); err != nil {
			return err
		}
		if int(n) != into[id] {
			return later(e, "account %s has customers that later changes put there", id)
		}
		if err := t.tx.QueryRowContext(t.ctx, countAccountsInto, id).Scan(&merged); err != nil {
			return err
		}
		if merged > 0 {
			return later(e, "other accounts were merged into %s", id)
		}
	}
	for _, id := range ch.Created {
		c, ok, err := t.customer(id)
		if err != nil || !ok {
			return err // checkUndo reported a missing one
		}
		if c.account != leftIn[id] {
			return later(e, "customer %s has changed account since", id)
		}
	}
	for _, m := range ch.Merged {
		c, ok, err := t.customer(m.Customer)
		if err != nil || !ok || c.account == "" {
			return err
		}
		a, ok, err := t.account(c.account)
		if err != nil {
			return err
		}
		if !ok || a.MergedInto != "" {
			return later(e, "the account %s of customer %s was merged since", c.account, m.Customer)
		}
	}
	return nil
}

// undoAccounts reverses the account changes of ch (moves in reverse order,
// merged accounts unmarked, created ones removed), records the inverse
// moves in inverse, and returns the accounts whose summaries must be
// recomputed.
func (t *idTx) undoAccounts(ch *lead.Change, inverse *lead.Change) (map[string]bool, error) {
	touched := map[string]bool{}
	for i := len(ch.AccountMoves) - 1; i >= 0; i-- {
		m := ch.AccountMoves[i]
		if err := t.setAccount(m.Customer, m.From, m.PinFrom); err != nil {
			return nil, err
		}
		inverse.AccountMoves = append(inverse.AccountMoves, lead.AccountMove{Customer: m.Customer, From: m.To, To: m.From,
			PinFrom: m.PinTo, PinTo: m.PinFrom})
		touched[m.From], touched[m.To] = true, true
	}
	for _, m := range ch.AccountsMerged {
		if _, err := t.exec(unmarkAccountMerged, m.Account, t.now); err != nil {
			return nil, err
		}
		touched[m.Account], touched[m.Into] = true, true
	}
	for _, id := range ch.AccountsCreated {
		if _, err := t.exec(deleteAccount, id); err != nil {
			return nil, err
		}
		delete(touched, id)
	}
	return touched, nil
}
