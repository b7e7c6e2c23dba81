package store

import (
	"slices"
	"strconv"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/identity/accounts"
	"github.com/leadhub/leadhub/internal/lead"
)

// Placing customers in accounts by the rules (accounts.Choose), many at a
// time: the resolver places every customer of a commit, so the reads are
// one query for the keys the customers hold and one for the accounts that
// hold their keys, and the writes are a few statements of many rows,
// whatever the number of customers. The customers are placed in order,
// each seeing where the ones before it went, as if placed one by one.

// placing is one customer to place.
type placing struct {
	c *customerRow
	// fresh: the customer is not in the database yet (the caller inserts
	// it after, with c.account).
	fresh bool
	ch    *lead.Change // records the move and the account created
}

// keyCounts is what account_key_counts says of the keys of the customers
// being placed, kept current as they are placed, with the changes to
// write back.
type keyCounts struct {
	*accounts.Counts
	delta map[[2]string]int // (key, account) → change to write
}

func (kc *keyCounts) add(keys []string, account string, d int) {
	if account == "" {
		return
	}
	for _, k := range keys {
		kc.Add(k, account, d)
		kc.delta[[2]string{k, account}] += d
	}
}

// wantedKeys are the account keys of a customer's summary, bounded,
// sorted and distinct.
func wantedKeys(sum *lead.Summary) []string {
	keys := accounts.Keys(sum.Record().Contact, sum.IsTest)
	for i, k := range keys {
		keys[i] = cutKey(k)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// autoPlace rewrites the account keys of the customers in ps and places
// each active one that no person pinned by the rules, in order, and
// returns the accounts touched (each customer's current account, and the
// one it went to).
func (t *idTx) autoPlace(ps []placing) (map[string]bool, error) {
	touched := map[string]bool{}
	want := make([][]string, len(ps))
	var held []string
	for i, p := range ps {
		want[i] = wantedKeys(&p.c.sum)
		if !p.fresh {
			held = append(held, p.c.id)
		}
	}
	old, err := t.accountKeysOfAll(held)
	if err != nil {
		return nil, err
	}
	kc, err := t.loadKeyCounts(want)
	if err != nil {
		return nil, err
	}
	var dropped []string
	var newKeys []any
	freshIn := map[string]int{} // account → fresh customers placed in it
	for i, p := range ps {
		c, keys := p.c, want[i]
		if o := old[c.id]; !slices.Equal(o, keys) {
			kc.add(o, c.account, -1)
			kc.add(keys, c.account, 1)
			if len(o) > 0 {
				dropped = append(dropped, c.id)
			}
			for _, k := range keys {
				newKeys = append(newKeys, k, c.id)
			}
		}
		touched[c.account] = true
		if c.pinned && c.account != "" {
			continue
		}
		ms := kc.Matches(keys, c.account)
		choice := accounts.Choose(c.account, c.pinned, keys, false, ms)
		if choice.New && c.account != "" {
			alone, err := t.alone(c, freshIn)
			if err != nil {
				return nil, err
			}
			if alone {
				choice = accounts.Choose(c.account, c.pinned, keys, true, ms)
			}
		}
		to := choice.To
		if choice.New {
			to = ulid.Make().String()
			if _, err := t.exec(insertAccount, to, t.now); err != nil {
				return nil, err
			}
			p.ch.AccountsCreated = append(p.ch.AccountsCreated, to)
		}
		if to == c.account {
			continue
		}
		kc.add(keys, c.account, -1)
		kc.add(keys, to, 1)
		if p.fresh {
			freshIn[to]++
			freshIn[c.account]--
		} else {
			var a any
			if to != "" {
				a = to
			}
			if _, err := t.exec(setCustomerAccount, c.id, a, 0, t.now); err != nil {
				return nil, err
			}
		}
		p.ch.AccountMoves = append(p.ch.AccountMoves, lead.AccountMove{Customer: c.id, From: c.account, To: to,
			PinFrom: c.pinned, Because: choice.Because})
		touched[to] = true
		c.account, c.pinned = to, false
	}
	if err := t.writeKeys(dropped, newKeys, kc.delta); err != nil {
		return nil, err
	}
	return touched, nil
}

// alone reports whether c is the only active customer of its account,
// counting the fresh customers placed in it so far.
func (t *idTx) alone(c *customerRow, freshIn map[string]int) (bool, error) {
	if freshIn[c.account] > 0 {
		return false, nil
	}
	var n int64
	if err := t.tx.QueryRowContext(t.ctx, anyOtherMember, c.account, c.id).Scan(&n); err != nil {
		return false, err
	}
	return n == 0, nil
}

// accountKeysOfAll returns the account keys the customers ids hold now,
// sorted.
func (t *idTx) accountKeysOfAll(ids []string) (map[string][]string, error) {
	out := map[string][]string{}
	for chunk := range slices.Chunk(ids, t.s.d.rowsPerStatement(1, 0)) {
		rows, err := t.tx.QueryContext(t.ctx, selectAccountKeysIn+t.s.values(1, len(chunk), 1), anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			var id, k string
			if err := sc.Scan(&id, &k); err != nil {
				return err
			}
			out[id] = append(out[id], k)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, ks := range out {
		slices.Sort(ks)
	}
	return out, nil
}

// loadKeyCounts reads the counts of the keys in want, the name keys of
// every country of their company names included.
func (t *idTx) loadKeyCounts(want [][]string) (*keyCounts, error) {
	kc := &keyCounts{Counts: accounts.NewCounts(), delta: map[[2]string]int{}}
	var exact, bases []string
	for _, keys := range want {
		for _, k := range keys {
			if base, ok := accounts.NameBase(k); ok {
				if !slices.Contains(bases, base) {
					bases = append(bases, base)
				}
			} else if !slices.Contains(exact, k) {
				exact = append(exact, k)
			}
		}
	}
	const per = 200
	for len(exact) > 0 || len(bases) > 0 {
		ne, nb := min(len(exact), per), min(len(bases), per)
		var cond []string
		var args []any
		if ne > 0 {
			cond = append(cond, "k.key IN "+t.s.values(1, ne, 1))
			args = append(args, anyArgs(exact[:ne])...)
		}
		for _, b := range bases[:nb] {
			n := len(args)
			cond = append(cond, "(k.key >= $"+strconv.Itoa(n+1)+" AND k.key < $"+strconv.Itoa(n+2)+")")
			// '}' follows '|': the name in every country.
			args = append(args, b, strings.TrimSuffix(b, "|")+"}")
		}
		rows, err := t.tx.QueryContext(t.ctx, selectKeyCountsWhere+"("+strings.Join(cond, " OR ")+")", args...)
		err = eachRow(rows, err, func(sc scanner) error {
			var account, k string
			var n int64
			if err := sc.Scan(&account, &k, &n); err != nil {
				return err
			}
			kc.Add(k, account, int(n))
			return nil
		})
		if err != nil {
			return nil, err
		}
		exact, bases = exact[ne:], bases[nb:]
	}
	return kc, nil
}

// writeKeys removes the account keys of the customers in dropped, inserts
// newKeys (key, customer pairs) and adds delta to the counts.
func (t *idTx) writeKeys(dropped []string, newKeys []any, delta map[[2]string]int) error {
	for chunk := range slices.Chunk(dropped, t.s.d.rowsPerStatement(1, 0)) {
		if _, err := t.tx.ExecContext(t.ctx, deleteAccountKeysIn+t.s.values(1, len(chunk), 1), anyArgs(chunk)...); err != nil {
			return err
		}
	}
	if err := t.s.execRows(t.ctx, t.tx, insertAccountKeys, 2, newKeys, ""); err != nil {
		return err
	}
	pairs := make([][2]string, 0, len(delta))
	for p, d := range delta {
		if d != 0 {
			pairs = append(pairs, p)
		}
	}
	slices.SortFunc(pairs, func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) })
	args := make([]any, 0, 3*len(pairs))
	for _, p := range pairs {
		args = append(args, p[0], p[1], delta[p])
	}
	return t.s.execRows(t.ctx, t.tx, insertKeyCounts, 3, args, onConflictKeyCounts)
}
