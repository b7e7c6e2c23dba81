package store

import (
	"context"
	"sort"
)

// The resolver does not sum the accounts it touches in its own commits: a
// large account (thousands of people) would be summed once per batch of
// leads, and the resolver would fall behind ingest. It marks them in
// account_dirty instead, and SettleAccounts sums them a little later, in
// transactions of their own; an account's summary trails its customers by
// that delay. People's decisions (merge, split, move, undo) still sum the
// accounts they touch at once.

// markAccountsDirty marks the accounts among ids ("" is skipped) for
// SettleAccounts.
func (t *idTx) markAccountsDirty(ids map[string]bool) error {
	list := sortedIDs(ids)
	args := make([]any, 0, 2*len(list))
	for _, id := range list {
		args = append(args, id, 1)
	}
	return t.s.execRows(t.ctx, t.tx, insertAccountDirty, 2, args, onConflictAccountDirty)
}

// sortedIDs lists the ids of a set, "" left out, in order.
func sortedIDs(ids map[string]bool) []string {
	list := make([]string, 0, len(ids))
	for id := range ids {
		if id != "" {
			list = append(list, id)
		}
	}
	sort.Strings(list)
	return list
}

// dirtyAccount is a row of account_dirty.
type dirtyAccount struct {
	id   string
	mark int64
}

// SettleAccounts recomputes the summaries of up to limit of the accounts
// the resolver marked (all of them when limit <= 0), in one transaction,
// and returns how many it recomputed. A mark made while it ran stays, so
// that the account is summed again.
func (s *Store) SettleAccounts(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	// A look without a write transaction first: nothing is marked most of
	// the time.
	rows, err := s.r.QueryContext(ctx, selectDirtyAccounts, limit)
	dirty, err := collect(rows, err, nil, scanDirty)
	if err != nil {
		return 0, s.fail("listing accounts to sum", err)
	}
	if len(dirty) == 0 {
		return 0, nil
	}
	// Without the identity lock: the resolver goes on committing while a
	// large account is summed. A person's change to an account writes its
	// summary too; on PostgreSQL the account row is locked first (FOR NO
	// KEY UPDATE, which lets the resolver insert customers that reference
	// it), so that the members are read after any such change committed,
	// and one waiting behind this writes its own summary after. A resolver
	// commit that changes the account meanwhile marks it again. Accounts
	// are taken in id order, the order in which the resolver marks them.
	err = s.writeTx(ctx, "summing accounts", true, false, func(t *idTx) error {
		for _, d := range dirty {
			if s.d.name == enginePostgres {
				if _, err := t.exec(lockAccount, d.id); err != nil {
					return err
				}
			}
			a, ok, err := t.account(d.id)
			if err != nil {
				return err
			}
			if ok && a.MergedInto == "" {
				if err := t.recomputeAccount(d.id); err != nil {
					return err
				}
			}
			if _, err := t.exec(deleteDirtyAccount, d.id, d.mark); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(dirty), nil
}

// DirtyAccounts returns how many accounts wait for SettleAccounts.
func (s *Store) DirtyAccounts(ctx context.Context) (int64, error) {
	var n int64
	if err := s.r.QueryRowContext(ctx, countDirtyAccounts).Scan(&n); err != nil {
		return 0, s.fail("counting accounts to sum", err)
	}
	return n, nil
}

func scanDirty(sc scanner) (dirtyAccount, error) {
	var d dirtyAccount
	err := sc.Scan(&d.id, &d.mark)
	return d, err
}
