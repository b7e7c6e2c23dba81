package store_test

import (
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// TestAuditFilterByActor: the audit log filtered by actor lists that
// actor's entries only, newest first, alone or with another filter.
func TestAuditFilterByActor(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ls := mkLeads(t, s,
			leadSpec{first: "Ann", last: "Lee", email: "ann@contoso.com", at: 1},
			leadSpec{first: "Bob", last: "Ray", email: "bob@contoso.com", at: 2},
			leadSpec{first: "Cy", last: "Fox", email: "cy@contoso.com", at: 3},
		)
		a, b, c := newID(), newID(), newID()
		commitRes(t, s,
			resolution(ls[0], lead.OutcomeNew, a, ""),
			resolution(ls[1], lead.OutcomeNew, b, ""),
			resolution(ls[2], lead.OutcomeNew, c, ""))
		pat, kim := lead.Act{Actor: "user:Pat (u-1)", Reason: "same"}, lead.Act{Actor: "user:Kim (u-2)"}
		m1, err := s.MergeCustomers(ctx, a, b, pat)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := s.MergeCustomers(ctx, a, c, kim)
		if err != nil {
			t.Fatal(err)
		}
		u, err := s.Undo(ctx, m2.ID, pat)
		if err != nil {
			t.Fatal(err)
		}
		ids := func(f lead.AuditFilter) []string {
			t.Helper()
			page, err := s.ListAudit(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range page.Entries {
				out = append(out, e.ID)
			}
			return out
		}
		for _, tc := range []struct {
			f    lead.AuditFilter
			want []string
		}{
			{lead.AuditFilter{Actor: pat.Actor}, []string{u.ID, m1.ID}},
			{lead.AuditFilter{Actor: kim.Actor}, []string{m2.ID}},
			{lead.AuditFilter{Actor: pat.Actor, Action: lead.AuditMerge}, []string{m1.ID}},
			{lead.AuditFilter{Actor: pat.Actor, Customer: c}, []string{u.ID}},
			{lead.AuditFilter{Actor: "user:Nobody (u-3)"}, nil},
		} {
			if got := ids(tc.f); len(got) != len(tc.want) || (len(got) > 0 && (got[0] != tc.want[0] || got[len(got)-1] != tc.want[len(tc.want)-1])) {
				t.Errorf("%+v: %v, want %v", tc.f, got, tc.want)
			}
		}
		if n := len(ids(lead.AuditFilter{Actor: lead.ActorResolver})); n != 3 {
			t.Errorf("the resolver's entries: %d", n)
		}
	})
}
