package store_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// b2b commits one lead per spec and resolves each into a customer of its
// own; it returns the leads and their customers.
func b2b(t *testing.T, s *store.Store, specs ...leadSpec) ([]lead.Lead, []string) {
	t.Helper()
	ls := mkLeads(t, s, specs...)
	ids := make([]string, len(ls))
	var rs []lead.Resolution
	for i, l := range ls {
		ids[i] = newID()
		rs = append(rs, resolution(l, lead.OutcomeNew, ids[i], ""))
	}
	commitRes(t, s, rs...)
	return ls, ids
}

func accountOf(t *testing.T, s *store.Store, customerID string) string {
	t.Helper()
	return customer(t, s, customerID).AccountID
}

func account(t *testing.T, s *store.Store, id string) lead.AccountDetail {
	t.Helper()
	a, err := s.GetAccount(ctxT(t), id)
	if err != nil {
		t.Fatalf("GetAccount(%s): %v", id, err)
	}
	return a
}

func TestAccountsFromResolutions(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ls, cs := b2b(t, s,
			leadSpec{first: "Ann", last: "Lee", email: "ann@contoso.com", company: "Contoso Ltd", country: "GB", offer: "crm", at: 1},
			leadSpec{first: "Bob", last: "Ray", email: "bob@mail.contoso.com", company: "Contoso", country: "United Kingdom",
				stage: lead.StageActive, offer: "erp", at: 2},
			leadSpec{first: "Cara", last: "Diaz", email: "cara@gmail.com", company: "Contoso", country: "UK", at: 3},
			leadSpec{first: "Dan", last: "Fox", email: "dan@hotmail.com", company: "n/a", at: 4},
			leadSpec{first: "Eve", last: "Ng", email: "eve@fabrikam.com", company: "Fabrikam", country: "US", at: 5},
			leadSpec{first: "Fay", last: "Wu", email: "fay@gmail.com", company: "Contoso", country: "US", at: 6},
			leadSpec{first: "Gil", last: "Roy", email: "gil@contoso.fr", company: "Contoso SARL", country: "France", at: 7},
		)
		contoso := accountOf(t, s, cs[0])
		if contoso == "" || accountOf(t, s, cs[1]) != contoso || accountOf(t, s, cs[2]) != contoso {
			t.Fatalf("colleagues at contoso.com and Contoso (GB) are not one account: %s %s %s",
				contoso, accountOf(t, s, cs[1]), accountOf(t, s, cs[2]))
		}
		if a := accountOf(t, s, cs[3]); a != "" {
			t.Errorf("a free-mail individual without a company has account %s", a)
		}
		// A free-mail address says nothing of where the company is: the
		// name alone places Fay. Gil has a domain and a country of its own.
		fab, fay, gil := accountOf(t, s, cs[4]), accountOf(t, s, cs[5]), accountOf(t, s, cs[6])
		if fab == "" || fab == contoso || fay != contoso || gil == "" || gil == contoso || gil == fab {
			t.Errorf("accounts: contoso %s, fabrikam %s, Contoso (US, free mail) %s, Contoso (contoso.fr, FR) %s", contoso, fab, fay, gil)
		}
		a := account(t, s, contoso)
		if a.Name != "Contoso" || a.Country != "GB" || !slices.Equal(a.Domains, []string{"contoso.com"}) || a.PeopleCount != 4 ||
			a.LeadCount != 4 || a.Stage != lead.StageActive || !slices.Equal(a.Offers, []string{"contoso.crm", "contoso.erp", "contoso.widget"}) ||
			!a.FirstSeen.Equal(custT0.Add(60e9)) || !a.LastSeen.Equal(custT0.Add(360e9)) {
			t.Errorf("account summary: %+v", a.Account)
		}
		if len(a.People) != 4 || a.People[1].ID != cs[2] || len(a.People[0].Leads) != 1 || !slices.Contains(a.People[2].Keys, "d:contoso.com") {
			t.Errorf("people: %d, the second %s, the third with keys %v", len(a.People), a.People[1].ID, a.People[2].Keys)
		}
		if len(a.History) == 0 {
			t.Error("no history")
		}
		var ch lead.Change
		if err := json.Unmarshal(a.History[0].Payload, &ch); err != nil || len(ch.AccountMoves) != 1 || len(ch.AccountMoves[0].Because) == 0 {
			t.Errorf("the history does not say which keys placed a customer: %s", a.History[0].Payload)
		}
		l, err := s.GetLead(ctx, ls[1].ID)
		if err != nil || l.AccountID != contoso || l.CustomerID != cs[1] {
			t.Errorf("lead: customer %s account %s (%v)", l.CustomerID, l.AccountID, err)
		}
		for _, c := range []struct {
			f    lead.AccountFilter
			want []string
		}{
			{lead.AccountFilter{}, []string{gil, fab, contoso}},
			{lead.AccountFilter{Query: "FABRI"}, []string{fab}},
			{lead.AccountFilter{Query: "contoso.com"}, []string{contoso}},
			{lead.AccountFilter{Country: "us"}, []string{fab}},
			{lead.AccountFilter{Country: "FR"}, []string{gil}},
			{lead.AccountFilter{Stage: lead.StageActive}, []string{contoso}},
			{lead.AccountFilter{Offer: "contoso.erp"}, []string{contoso}},
			{lead.AccountFilter{Offer: "nothing"}, nil},
		} {
			p, err := s.ListAccounts(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range p.Accounts {
				got = append(got, a.ID)
			}
			slices.Sort(got)
			slices.Sort(c.want)
			if !slices.Equal(got, c.want) {
				t.Errorf("ListAccounts(%+v): %v, want %v", c.f, got, c.want)
			}
		}
		if _, err := s.GetAccount(ctx, "nope"); lead.KindOf(err) != lead.KindNotFound {
			t.Errorf("GetAccount(unknown): %v", err)
		}
	})
}

// accountState is every customer's account and pin, and every account's
// summary: what account decisions change.
func accountState(t *testing.T, s *store.Store) string {
	t.Helper()
	rows, err := s.WriteDB().Query(`SELECT id, COALESCE(account_id, '-'), account_pinned FROM customers ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []byte
	for rows.Next() {
		var id, a string
		var p int
		if err := rows.Scan(&id, &a, &p); err != nil {
			t.Fatal(err)
		}
		out = append(out, []byte(id+" "+a+" "+string(rune('0'+p))+"\n")...)
	}
	rows.Close()
	rows, err = s.WriteDB().Query(`SELECT id, COALESCE(merged_into, '-'), name, country, domains, people_count, lead_count, offers, stage
FROM accounts ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v [9]string
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8]); err != nil {
			t.Fatal(err)
		}
		for _, x := range v {
			out = append(out, []byte(x+" ")...)
		}
		out = append(out, '\n')
	}
	return string(out)
}

func TestAccountDecisionsAndUndo(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		_, cs := b2b(t, s,
			leadSpec{first: "Ann", email: "ann@contoso.com", company: "Contoso", at: 1},
			leadSpec{first: "Bob", email: "bob@contoso.com", company: "Contoso", at: 2},
			leadSpec{first: "Eve", email: "eve@fabrikam.com", company: "Fabrikam", at: 3},
		)
		contoso, fab := accountOf(t, s, cs[0]), accountOf(t, s, cs[2])
		before := accountState(t, s)

		mv, err := s.MoveCustomerAccount(ctx, cs[1], fab, act)
		if err != nil {
			t.Fatal(err)
		}
		if c := customer(t, s, cs[1]); c.AccountID != fab || !c.AccountPinned {
			t.Fatalf("moved customer: %s pinned %v", c.AccountID, c.AccountPinned)
		}
		// A new lead of the moved customer leaves it where a person put it.
		l := mkLeads(t, s, leadSpec{first: "Bob", email: "bob@contoso.com", company: "Contoso", at: 9})
		commitRes(t, s, resolution(l[0], lead.OutcomeJoined, cs[1], cs[1]))
		if a := accountOf(t, s, cs[1]); a != fab {
			t.Fatalf("the rules moved a pinned customer to %s", a)
		}
		if a := account(t, s, fab); a.PeopleCount != 2 || a.LeadCount != 3 {
			t.Errorf("after the move: %+v", a.Account)
		}
		if _, err := s.MoveCustomerAccount(ctx, cs[1], fab, act); lead.KindOf(err) != lead.KindConflict {
			t.Errorf("moving into its own account: %v", err)
		}

		_, err = s.MergeAccounts(ctx, contoso, fab, act)
		if err != nil {
			t.Fatal(err)
		}
		if a := account(t, s, fab); a.MergedInto != contoso || a.PeopleCount != 0 || len(a.Domains) != 2 {
			t.Errorf("merged account: %+v", a.Account)
		}
		if a := account(t, s, contoso); a.PeopleCount != 3 || !slices.Equal(a.Domains, []string{"contoso.com", "fabrikam.com"}) {
			t.Errorf("after the merge: %+v", a.Account)
		}
		if _, err := s.MergeAccounts(ctx, contoso, fab, act); lead.KindOf(err) != lead.KindConflict {
			t.Errorf("merging a merged account: %v", err)
		}
		if _, err := s.Undo(ctx, mv.ID, act); lead.KindOf(err) != lead.KindConflict {
			t.Errorf("undoing the move under the merge that moved the customer again: %v", err)
		}

		sp, err := s.SplitAccount(ctx, contoso, []string{cs[2]}, act)
		if err != nil {
			t.Fatal(err)
		}
		split := accountOf(t, s, cs[2])
		if split == contoso || split == fab || sp.AccountIDs == nil {
			t.Fatalf("split into %s", split)
		}
		for _, bad := range []struct {
			ids  []string
			kind lead.Kind
		}{
			{nil, lead.KindInvalid},
			{[]string{cs[0], cs[1]}, lead.KindConflict}, // all of its people
			{[]string{cs[2]}, lead.KindConflict},        // not one of its own
			{[]string{"nobody"}, lead.KindNotFound},
		} {
			if _, err := s.SplitAccount(ctx, contoso, bad.ids, act); lead.KindOf(err) != bad.kind {
				t.Errorf("SplitAccount(%v): %v, want %s", bad.ids, err, bad.kind)
			}
		}
		// Undo in reverse order, the lead included, restores every account.
		page, err := s.ListAudit(ctx, lead.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Entries {
			if e.Action == lead.AuditUndo || e.UndoneBy != "" {
				continue
			}
			if e.ID < mv.ID {
				break
			}
			if _, err := s.Undo(ctx, e.ID, act); err != nil {
				t.Fatalf("undo %s %s: %v", e.Action, e.ID, err)
			}
		}
		// The joined lead's customer summary changed back, and the lead is
		// unresolved again: remove it to compare.
		if _, err := s.WriteDB().Exec(`DELETE FROM leads WHERE id = $1`, l[0].ID); err != nil {
			t.Fatal(err)
		}
		if after := accountState(t, s); after != before {
			t.Errorf("undo did not restore the accounts:\nbefore\n%s\nafter\n%s", before, after)
		}
	})
}

// TestResolverLeavesAccountSummariesToSettle: the resolver's commits place
// customers in accounts at once, and leave the accounts' summaries to
// SettleAccounts, which sums each marked account and unmarks it.
func TestResolverLeavesAccountSummariesToSettle(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ls := mkLeads(t, s,
			leadSpec{first: "Ann", last: "Lee", email: "ann@contoso.com", company: "Contoso", country: "GB", at: 1},
			leadSpec{first: "Bob", last: "Ray", email: "bob@contoso.com", company: "Contoso", country: "GB", at: 2},
		)
		ids := []string{newID(), newID()}
		if _, err := s.CommitResolutions(ctx, []lead.Resolution{resolution(ls[0], lead.OutcomeNew, ids[0], ""),
			resolution(ls[1], lead.OutcomeNew, ids[1], "")}); err != nil {
			t.Fatal(err)
		}
		contoso := accountOf(t, s, ids[0])
		if contoso == "" || accountOf(t, s, ids[1]) != contoso {
			t.Fatalf("colleagues not placed together at once: %s %s", contoso, accountOf(t, s, ids[1]))
		}
		if n, err := s.DirtyAccounts(ctx); err != nil || n != 1 {
			t.Fatalf("%d accounts wait for their summary (%v), want 1", n, err)
		}
		if a := account(t, s, contoso); a.PeopleCount != 0 {
			t.Errorf("summed before settling: %+v", a.Account)
		}
		if n, err := s.SettleAccounts(ctx, 0); err != nil || n != 1 {
			t.Fatalf("SettleAccounts = %d, %v; want 1", n, err)
		}
		if a := account(t, s, contoso); a.PeopleCount != 2 || a.LeadCount != 2 || a.Name != "Contoso" {
			t.Errorf("after settling: %+v", a.Account)
		}
		if n, err := s.DirtyAccounts(ctx); err != nil || n != 0 {
			t.Errorf("%d accounts still wait (%v)", n, err)
		}
		if n, err := s.SettleAccounts(ctx, 0); err != nil || n != 0 {
			t.Errorf("a second SettleAccounts = %d, %v; want 0", n, err)
		}
	})
}

// TestSettleAlongsideResolver: summing accounts while the resolver commits
// into them neither fails nor blocks it, and once both are done every
// account's summary is that of its people.
func TestSettleAlongsideResolver(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		companies := []string{"contoso.com", "fabrikam.com", "northwind.com"}
		var specs []leadSpec
		for i := range 240 {
			d := companies[i%len(companies)]
			specs = append(specs, leadSpec{first: fmt.Sprintf("P%d", i), last: "Lee", email: fmt.Sprintf("p%d@%s", i, d),
				company: strings.TrimSuffix(d, ".com"), country: "US", at: i})
		}
		ls := mkLeads(t, s, specs...)
		done := make(chan error, 1)
		go func() {
			var err error
			for i := 0; i < len(ls) && err == nil; i += 8 {
				var rs []lead.Resolution
				for _, l := range ls[i : i+8] {
					rs = append(rs, resolution(l, lead.OutcomeNew, newID(), ""))
				}
				_, err = s.CommitResolutions(ctx, rs)
			}
			done <- err
		}()
		settled := 0
		for running := true; running; {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("CommitResolutions alongside SettleAccounts: %v", err)
				}
				running = false
			default:
				n, err := s.SettleAccounts(ctx, 0)
				if err != nil {
					t.Fatalf("SettleAccounts alongside the resolver: %v", err)
				}
				settled += n
			}
		}
		if _, err := s.SettleAccounts(ctx, 0); err != nil {
			t.Fatal(err)
		}
		page, err := s.ListAccounts(ctx, lead.AccountFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Accounts) != len(companies) {
			t.Fatalf("%d accounts, want %d", len(page.Accounts), len(companies))
		}
		for _, a := range page.Accounts {
			if a.PeopleCount != 80 || a.LeadCount != 80 || len(a.Domains) != 1 {
				t.Errorf("account %s: %d people, %d leads, domains %v; want 80, 80, one", a.ID, a.PeopleCount, a.LeadCount, a.Domains)
			}
		}
		t.Logf("%d accounts summed while the resolver committed", settled)
	})
}
