package resolve_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// dump is a canonical text of the identity state: customers (without
// updated_at) with their accounts, each lead's customer, the keys, the
// decisions that stand with their review states, and the accounts (without
// updated_at) with their keys.
func dump(t testing.TB, s *store.Store) string {
	t.Helper()
	ctx := context.Background()
	if _, err := s.SettleAccounts(ctx, 0); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, q := range []string{
		`SELECT id, created_at, COALESCE(merged_into, '-'), stage, do_not_contact, is_test, lead_count, first_seen, last_seen, golden, offers,
 COALESCE(account_id, '-'), account_pinned FROM customers ORDER BY id`,
		`SELECT id, COALESCE(customer_id, '-') FROM leads ORDER BY id`,
		`SELECT key, lead_id, customer_id FROM customer_keys ORDER BY key, lead_id`,
		`SELECT id, lead_id, outcome, customer_id, candidate_id, review_state FROM match_decisions WHERE undone = 0 ORDER BY id`,
		`SELECT id, created_at, COALESCE(merged_into, '-'), name, country, domains, people_count, lead_count, offers, stage,
 first_seen, last_seen, search FROM accounts ORDER BY id`,
		`SELECT key, customer_id FROM account_keys ORDER BY key, customer_id`,
	} {
		rows, err := s.WriteDB().QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols, _ := rows.Columns()
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				b.WriteString(v.String)
				b.WriteByte('\t')
			}
			b.WriteByte('\n')
		}
		rows.Close()
		b.WriteString("--\n")
	}
	return b.String()
}

// checkInvariants verifies what must hold after any change.
func checkInvariants(t testing.TB, s *store.Store, when string) {
	t.Helper()
	if _, err := s.SettleAccounts(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	for what, q := range map[string]string{
		"keys that do not follow their lead": `SELECT count(*) FROM customer_keys k JOIN leads l ON l.id = k.lead_id
WHERE l.customer_id IS NULL OR l.customer_id <> k.customer_id`,
		"keys of missing leads": `SELECT count(*) FROM customer_keys k WHERE NOT EXISTS (SELECT 1 FROM leads l WHERE l.id = k.lead_id)`,
		"active customers without leads": `SELECT count(*) FROM customers c WHERE merged_into IS NULL
AND NOT EXISTS (SELECT 1 FROM leads l WHERE l.customer_id = c.id)`,
		"leads in merged or missing customers": `SELECT count(*) FROM leads l LEFT JOIN customers c ON c.id = l.customer_id
WHERE l.customer_id IS NOT NULL AND (c.id IS NULL OR c.merged_into IS NOT NULL)`,
		"active customers with a wrong lead count": `SELECT count(*) FROM customers c WHERE merged_into IS NULL
AND lead_count <> (SELECT count(*) FROM leads l WHERE l.customer_id = c.id)`,
		"open review items whose lead and candidate are one customer": `SELECT count(*) FROM match_decisions d JOIN leads l ON l.id = d.lead_id
WHERE d.review_state = 'open' AND d.undone = 0 AND l.customer_id = d.candidate_id`,
		"active customers in merged or missing accounts": `SELECT count(*) FROM customers c LEFT JOIN accounts a ON a.id = c.account_id
WHERE c.merged_into IS NULL AND c.account_id IS NOT NULL AND (a.id IS NULL OR a.merged_into IS NOT NULL)`,
		"active accounts with a wrong people or lead count": `SELECT count(*) FROM accounts a WHERE merged_into IS NULL
AND (people_count <> (SELECT count(*) FROM customers c WHERE c.account_id = a.id AND c.merged_into IS NULL)
 OR lead_count <> (SELECT count(*) FROM leads l JOIN customers c ON c.id = l.customer_id WHERE c.account_id = a.id))`,
		"account keys of merged or missing customers": `SELECT count(*) FROM account_keys k LEFT JOIN customers c ON c.id = k.customer_id
WHERE c.id IS NULL OR c.merged_into IS NOT NULL`,
		"account key counts that differ from the keys": `SELECT count(*) FROM (
SELECT key, account_id, people FROM account_key_counts WHERE people <> 0
EXCEPT SELECT k.key, c.account_id, count(*) FROM account_keys k JOIN customers c ON c.id = k.customer_id
 WHERE c.account_id IS NOT NULL GROUP BY k.key, c.account_id) d`,
		"account keys missing from the counts": `SELECT count(*) FROM (
SELECT k.key, c.account_id, count(*) FROM account_keys k JOIN customers c ON c.id = k.customer_id
 WHERE c.account_id IS NOT NULL GROUP BY k.key, c.account_id
EXCEPT SELECT key, account_id, people FROM account_key_counts) d`,
		"unpinned customers with keys but no account": `SELECT count(*) FROM customers c WHERE c.merged_into IS NULL
AND c.account_id IS NULL AND EXISTS (SELECT 1 FROM account_keys k WHERE k.customer_id = c.id)`,
	} {
		var n int
		if err := s.WriteDB().QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != 0 {
			t.Fatalf("%s: %d %s", when, n, what)
		}
	}
}

// state lists what random operations can act on.
type state struct {
	customers  []string            // active
	leadsOf    map[string][]string // active customer → leads
	openReview []string
	accounts   []string            // active, with people
	membersOf  map[string][]string // active account → its active customers
}

func readState(t testing.TB, s *store.Store) state {
	t.Helper()
	st := state{leadsOf: map[string][]string{}, membersOf: map[string][]string{}}
	rows, err := s.WriteDB().Query(`SELECT l.id, l.customer_id FROM leads l WHERE l.customer_id IS NOT NULL ORDER BY l.customer_id, l.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var l, c string
		if err := rows.Scan(&l, &c); err != nil {
			t.Fatal(err)
		}
		if len(st.leadsOf[c]) == 0 {
			st.customers = append(st.customers, c)
		}
		st.leadsOf[c] = append(st.leadsOf[c], l)
	}
	rows.Close()
	rows, err = s.WriteDB().Query(`SELECT c.id, c.account_id FROM customers c JOIN accounts a ON a.id = c.account_id
WHERE c.merged_into IS NULL AND a.merged_into IS NULL ORDER BY c.account_id, c.id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, a string
		if err := rows.Scan(&c, &a); err != nil {
			t.Fatal(err)
		}
		if len(st.membersOf[a]) == 0 {
			st.accounts = append(st.accounts, a)
		}
		st.membersOf[a] = append(st.membersOf[a], c)
	}
	rows.Close()
	page, err := s.ListReview(context.Background(), lead.MaxPageSize, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		st.openReview = append(st.openReview, it.ID)
	}
	return st
}

func entriesAfter(t testing.TB, s *store.Store, after string) []string {
	t.Helper()
	rows, err := s.WriteDB().Query(`SELECT id FROM audit_log WHERE id > $1 ORDER BY id`, after)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func lastEntry(t testing.TB, s *store.Store) string {
	t.Helper()
	var id sql.NullString
	if err := s.WriteDB().QueryRow(`SELECT max(id) FROM audit_log`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id.String
}

// TestUndoInReverseRestoresState is the property: any sequence of
// automatic decisions, merges, splits, review merges and dismissals, and
// account moves, merges and splits, undone in reverse order, returns
// exactly the original state (accounts included).
func TestUndoInReverseRestoresState(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		trials := 40
		if s.Engine() == "postgres" || testing.Short() {
			trials = 12
		}
		evs := generate(t, 11, 1200)
		postEvents(t, s, evs)
		// Wide review band: more possible duplicates to act on.
		r := newResolver(s, resolve.Options{Thresholds: lead.Thresholds{Auto: 0.995, Review: 0.2}, Batch: 4})
		for range 40 { // resolve the first 160 leads
			if _, err := r.ResolvePending(ctx); err != nil {
				t.Fatal(err)
			}
		}
		act := lead.Act{Actor: "test", Reason: "property"}
		rng := rand.New(rand.NewPCG(20260302, uint64(len(s.Engine()))))
		counts := map[string]int{}
		for trial := range trials {
			before := dump(t, s)
			mark := lastEntry(t, s)
			steps := 1 + rng.IntN(25)
			var log []string
			for range steps {
				st := readState(t, s)
				var err error
				op := ""
				switch k := rng.IntN(14); {
				case k >= 10:
					op, err = accountOp(ctx, s, st, rng, k-10, act)
					if op == "" {
						continue
					}
				case k < 3:
					op = "resolve"
					_, err = r.ResolvePending(ctx)
				case k < 6 && len(st.customers) >= 2:
					op = "merge"
					a := st.customers[rng.IntN(len(st.customers))]
					b := st.customers[rng.IntN(len(st.customers))]
					if a == b {
						continue
					}
					_, err = s.MergeCustomers(ctx, a, b, act)
				case k < 8:
					op = "split"
					var multi []string
					for _, c := range st.customers {
						if len(st.leadsOf[c]) > 1 {
							multi = append(multi, c)
						}
					}
					if len(multi) == 0 {
						continue
					}
					ls := st.leadsOf[multi[rng.IntN(len(multi))]]
					_, err = s.SplitLead(ctx, ls[rng.IntN(len(ls))], act)
				case len(st.openReview) > 0:
					id := st.openReview[rng.IntN(len(st.openReview))]
					if k == 8 {
						op = "review-merge"
						_, err = s.MergeReview(ctx, id, act)
					} else {
						op = "dismiss"
						_, err = s.DismissReview(ctx, id, act)
					}
				default:
					continue
				}
				if err != nil {
					t.Fatalf("trial %d: %s: %v", trial, op, err)
				}
				counts[op]++
				log = append(log, op)
				checkInvariants(t, s, fmt.Sprintf("trial %d after %s", trial, op))
			}
			entries := entriesAfter(t, s, mark)
			for i := len(entries) - 1; i >= 0; i-- {
				if _, err := s.Undo(ctx, entries[i], act); err != nil {
					t.Fatalf("trial %d (%s): undo %s in reverse order: %v", trial, strings.Join(log, ","), entries[i], err)
				}
				checkInvariants(t, s, fmt.Sprintf("trial %d after undoing %s", trial, entries[i]))
			}
			if after := dump(t, s); after != before {
				t.Fatalf("trial %d (%s): undoing %d entries in reverse order did not restore the state:\n%s",
					trial, strings.Join(log, ","), len(entries), diff(before, after))
			}
			// Move on: the next trial starts from a state with more done.
			for range 3 {
				if _, err := r.ResolvePending(ctx); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Logf("operations undone in reverse: %v", counts)
		for _, op := range []string{"resolve", "merge", "split", "review-merge", "dismiss", "account-move", "account-merge", "account-split"} {
			if counts[op] == 0 {
				t.Errorf("no %s was exercised", op)
			}
		}
	})
}

// accountOp makes a random account decision of kind k (0: move a
// customer, 1: merge two accounts, 2 and 3: split one); op is "" when the
// state offers nothing to do it to.
func accountOp(ctx context.Context, s *store.Store, st state, rng *rand.Rand, k int, act lead.Act) (string, error) {
	switch {
	case k == 0 && len(st.accounts) >= 1 && len(st.customers) >= 1:
		c := st.customers[rng.IntN(len(st.customers))]
		a := st.accounts[rng.IntN(len(st.accounts))]
		if slices.Contains(st.membersOf[a], c) {
			return "", nil
		}
		_, err := s.MoveCustomerAccount(ctx, c, a, act)
		return "account-move", err
	case k == 1 && len(st.accounts) >= 2:
		a, b := st.accounts[rng.IntN(len(st.accounts))], st.accounts[rng.IntN(len(st.accounts))]
		if a == b {
			return "", nil
		}
		_, err := s.MergeAccounts(ctx, a, b, act)
		return "account-merge", err
	case k >= 2:
		var multi []string
		for _, a := range st.accounts {
			if len(st.membersOf[a]) > 1 {
				multi = append(multi, a)
			}
		}
		if len(multi) == 0 {
			return "", nil
		}
		a := multi[rng.IntN(len(multi))]
		ms := slices.Clone(st.membersOf[a])
		rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
		_, err := s.SplitAccount(ctx, a, ms[:1+rng.IntN(len(ms)-1)], act)
		return "account-split", err
	}
	return "", nil
}

// diff shows the first lines that differ.
func diff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var out []string
	for i := 0; i < max(len(al), len(bl)) && len(out) < 10; i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, fmt.Sprintf("line %d:\n  before %s\n  after  %s", i, x, y))
		}
	}
	return strings.Join(out, "\n")
}
