package store

import (
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/identity/accounts"
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
	keys := accounts.Keys(sum.Record().Contact, sum.IsTest)
	for i, k := range keys {
		keys[i] = cutKey(k)
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
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

// assignAccount places an active customer whose summary and keys were just
// written, records the move in ch and adds the accounts it touched to
// touched (its current one always: its summary changed).
func (t *idTx) assignAccount(c *customerRow, keys []string, ch *lead.Change, touched map[string]bool) error {
	touched[c.account] = true
	if c.pinned && c.account != "" {
		return nil
	}
	var matches []accounts.Match
	for _, k := range keys {
		var rows *sql.Rows
		var err error
		if base, _, ok := strings.Cut(k, "|"); ok && strings.HasPrefix(k, accounts.NamePrefix) {
			// The name in every country ('}' follows '|').
			rows, err = t.tx.QueryContext(t.ctx, selectNameAccounts, base+"|", base+"}")
		} else {
			rows, err = t.tx.QueryContext(t.ctx, selectKeyAccounts, k)
		}
		err = eachRow(rows, err, func(sc scanner) error {
			var m accounts.Match
			var n int64
			if err := sc.Scan(&m.Account, &m.Key, &n); err != nil {
				return err
			}
			m.People = int(n)
			if m.Account == c.account && slices.Contains(keys, m.Key) {
				m.People-- // the customer itself
			}
			if m.People > 0 && !slices.Contains(matches, m) {
				matches = append(matches, m)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	alone := false
	if c.account != "" {
		var n int64
		if err := t.tx.QueryRowContext(t.ctx, anyOtherMember, c.account, c.id).Scan(&n); err != nil {
			return err
		}
		alone = n == 0
	}
	choice := accounts.Choose(c.account, c.pinned, keys, alone, matches)
	to := choice.To
	if choice.New {
		to = ulid.Make().String()
		if _, err := t.exec(insertAccount, to, t.now); err != nil {
			return err
		}
		ch.AccountsCreated = append(ch.AccountsCreated, to)
	}
	if to == c.account {
		return nil
	}
	if err := t.setAccount(c.id, to, false); err != nil {
		return err
	}
	ch.AccountMoves = append(ch.AccountMoves, lead.AccountMove{Customer: c.id, From: c.account, To: to,
		PinFrom: c.pinned, Because: choice.Because})
	touched[to] = true
	c.account, c.pinned = to, false
	return nil
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
	touched := map[string]bool{}
	for _, a := range also {
		touched[a] = true
	}
	for _, id := range ids {
		c, ok, err := t.customer(id)
		if err != nil {
			return err
		}
		if !ok || c.mergedInto != "" {
			continue
		}
		keys, err := t.syncAccountKeys(id, &c.sum)
		if err != nil {
			return err
		}
		if err := t.assignAccount(&c, keys, ch, touched); err != nil {
			return err
		}
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
// resolutions created or joined, in the order of the last resolution
// that touched each, whose change (changes[last[id]]) records it. The
// summaries of the accounts it touched are left to SettleAccounts.
func (t *idTx) assignResolved(sums map[string]*customerRow, last map[string]int, changes []lead.Change) error {
	ids := make([]string, 0, len(last))
	for id := range last {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return last[a] - last[b] })
	touched := map[string]bool{}
	for _, id := range ids {
		c := sums[id]
		keys, err := t.syncAccountKeys(id, &c.sum)
		if err != nil {
			return err
		}
		if err := t.assignAccount(c, keys, &changes[last[id]], touched); err != nil {
			return err
		}
	}
	return t.markAccountsDirty(touched)
}
