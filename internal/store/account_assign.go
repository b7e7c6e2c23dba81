package store

import (
	"database/sql"
	"errors"
	"slices"

	"github.com/leadhub/leadhub/internal/lead"
)

// Account assignment runs inside the identity transaction of every change
// to a customer's leads (the resolver's commits, merges, splits): once a
// customer's summary is written, its account keys are rewritten from its
// golden record and accounts.Choose places it; the move (and an account
// created for it) is recorded in the change's payload, so that undoing the
// change undoes it too. Undo itself never assigns: it reverses what the
// entry recorded, which restores the state exactly.

// syncAccountKeys rewrites a customer's account keys from its summary (when
// they changed), with their counts in its account, and returns them.
func (t *idTx) syncAccountKeys(id string, sum *lead.Summary) ([]string, error) {
	keys := wantedKeys(sum)
	old, err := t.accountKeysOf(id)
	if err != nil {
		return nil, err
	}
	if slices.Equal(old, keys) {
		return keys, nil
	}
	account, err := t.accountOf(id)
	if err != nil {
		return nil, err
	}
	if err := t.countKeys(old, account, -1); err != nil {
		return nil, err
	}
	if _, err := t.exec(deleteAccountKeysOf, id); err != nil {
		return nil, err
	}
	for _, k := range keys {
		if _, err := t.exec(insertAccountKey, k, id); err != nil {
			return nil, err
		}
	}
	return keys, t.countKeys(keys, account, 1)
}

// dropAccountKeys removes a customer's account keys, and their counts (it
// was merged, or is being removed).
func (t *idTx) dropAccountKeys(id string) error {
	old, err := t.accountKeysOf(id)
	if err != nil || len(old) == 0 {
		return err
	}
	account, err := t.accountOf(id)
	if err != nil {
		return err
	}
	if err := t.countKeys(old, account, -1); err != nil {
		return err
	}
	_, err = t.exec(deleteAccountKeysOf, id)
	return err
}

func (t *idTx) accountKeysOf(id string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, selectAccountKeysOf, id)
	return collect(rows, err, nil, scanString)
}

// accountOf returns a customer's account ("" for none).
func (t *idTx) accountOf(id string) (string, error) {
	var a sql.NullString
	err := t.tx.QueryRowContext(t.ctx, selectAccountOf, id).Scan(&a)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return a.String, err
}

// countKeys adds delta to the count of each key in account ("": none,
// nothing to count).
func (t *idTx) countKeys(keys []string, account string, delta int) error {
	if account == "" {
		return nil
	}
	for _, k := range keys {
		if _, err := t.exec(countKey, k, account, delta); err != nil {
			return err
		}
	}
	return nil
}

// cutKey bounds a stored account key like a blocking key.
func cutKey(k string) string {
	if c := cleanKeys([]string{k}); len(c) == 1 {
		return c[0]
	}
	return k
}

// setAccount puts a customer in an account ("" for none), its key counts
// with it.
func (t *idTx) setAccount(customer, account string, pinned bool) error {
	from, err := t.accountOf(customer)
	if err != nil {
		return err
	}
	if from != account {
		keys, err := t.accountKeysOf(customer)
		if err != nil {
			return err
		}
		if err := t.countKeys(keys, from, -1); err != nil {
			return err
		}
		if err := t.countKeys(keys, account, 1); err != nil {
			return err
		}
	}
	var a any
	if account != "" {
		a = account
	}
	_, err = t.exec(setCustomerAccount, customer, a, boolInt(pinned), t.now)
	return err
}

// settleAccounts assigns the accounts of customers whose leads changed
// (each active one, in the order given), then recomputes every account
// touched, with those in also.
func (t *idTx) settleAccounts(ids []string, ch *lead.Change, also ...string) error {
	var ps []placing
	for _, id := range ids {
		c, ok, err := t.customer(id)
		if err != nil {
			return err
		}
		if ok && c.mergedInto == "" {
			ps = append(ps, placing{c: &c, ch: ch})
		}
	}
	touched, err := t.autoPlace(ps)
	if err != nil {
		return err
	}
	for _, a := range also {
		touched[a] = true
	}
	return t.recomputeAccounts(touched)
}

// accountIDs lists the accounts a change names, for the audit entry.
func accountIDs(ch *lead.Change) []string {
	var out []string
	add := func(id string) {
		if id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	for _, m := range ch.AccountMoves {
		add(m.From)
		add(m.To)
	}
	for _, id := range ch.AccountsCreated {
		add(id)
	}
	for _, m := range ch.AccountsMerged {
		add(m.Account)
		add(m.Into)
	}
	return out
}

// assignResolved assigns the accounts of the customers a batch of
// resolutions created or joined, in the order of the last resolution that
// touched each, whose change (changes[last[id]]) records it; those in
// fresh are not in the database yet, and their insert writes the account
// chosen (sums[id].account). The summaries of the accounts it touched are
// left to SettleAccounts.
func (t *idTx) assignResolved(sums map[string]*customerRow, last map[string]int, changes []lead.Change, fresh map[string]bool) error {
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return last[a] - last[b] })
	ps := make([]placing, len(ids))
	for i, id := range ids {
		ps[i] = placing{c: sums[id], fresh: fresh[id], ch: &changes[last[id]]}
	}
	touched, err := t.autoPlace(ps)
	if err != nil {
		return err
	}
	return t.markAccountsDirty(touched)
}
