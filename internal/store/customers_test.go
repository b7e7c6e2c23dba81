package store_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

var custT0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// leadSpec describes a lead for the customer tests.
type leadSpec struct {
	first, last, email, phone, company string
	country                            string
	stage                              lead.Stage
	isTest                             bool
	offer                              string // offer id (publisher "contoso")
	at                                 int    // minutes after custT0
}

// mkLeads commits leads and returns them as stored.
func mkLeads(t *testing.T, s *store.Store, specs ...leadSpec) []lead.Lead {
	t.Helper()
	ctx := ctxT(t)
	var in []lead.Incoming
	for i, sp := range specs {
		stage := sp.stage
		if stage == "" {
			stage = lead.StageInterest
		}
		offer := sp.offer
		if offer == "" {
			offer = "widget"
		}
		p := lead.Parsed{
			Source: "AppSource", Action: "PLT", Stage: stage, IsTest: sp.isTest,
			Offer:             lead.Offer{PublisherID: "contoso", OfferID: offer, Title: strings.ToUpper(offer)},
			Contact:           lead.Contact{FirstName: sp.first, LastName: sp.last, Email: sp.email, Phone: sp.phone, Company: sp.company, Country: sp.country},
			DescriptionParams: map[string]string{},
		}
		it := parsedItem(fmt.Sprintf(`{"n":%d,"r":%q}`, i, newID()), p)
		it.ReceivedAt = custT0.Add(time.Duration(sp.at) * time.Minute)
		in = append(in, it)
	}
	out := commit(t, s, in)
	leads := make([]lead.Lead, len(out))
	for i, o := range out {
		l, err := s.GetLead(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		leads[i] = l
	}
	return leads
}

// resolution is a decision for l: join customer (when joined) or create it.
func resolution(l lead.Lead, outcome lead.DecisionOutcome, customer, candidate string, keys ...string) lead.Resolution {
	return lead.Resolution{
		Lead: l, CustomerID: customer, Outcome: outcome, CandidateID: candidate, Probability: 0.5, Keys: keys,
		Explanation: lead.Explanation{Reason: string(outcome), Model: "test", Candidate: candidate},
		DecisionID:  newID(), AuditID: newID(), At: custT0,
	}
}

func commitRes(t *testing.T, s *store.Store, rs ...lead.Resolution) []lead.ResolutionResult {
	t.Helper()
	out, err := s.CommitResolutions(ctxT(t), rs)
	if err != nil {
		t.Fatalf("CommitResolutions: %v", err)
	}
	settle(t, s)
	return out
}

// settle sums the accounts the resolutions touched.
func settle(t testing.TB, s *store.Store) {
	t.Helper()
	if _, err := s.SettleAccounts(ctxT(t.(*testing.T)), 0); err != nil {
		t.Fatalf("SettleAccounts: %v", err)
	}
}

func customer(t *testing.T, s *store.Store, id string) lead.CustomerDetail {
	t.Helper()
	c, err := s.GetCustomer(ctxT(t), id)
	if err != nil {
		t.Fatalf("GetCustomer(%s): %v", id, err)
	}
	return c
}

var act = lead.Act{Actor: "tester", Reason: "because"}

func TestResolutionsAndSummary(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ls := mkLeads(t, s,
			leadSpec{first: "Ann", last: "Lee", email: "ann@contoso.com", company: "Contoso", stage: lead.StageInterest, offer: "crm", at: 1},
			leadSpec{first: "Annie", last: "", email: "", phone: "+1 617 555 0100", stage: lead.StageActive, offer: "erp", at: 3},
			leadSpec{first: "Ann", last: "Lee", email: "ann.lee@gmail.com", stage: lead.StageTrial, offer: "crm", at: 2},
			leadSpec{first: "Bob", last: "Ray", email: "bob@x.com", stage: lead.StageNotifyOnly, at: 4},
		)
		pending, err := s.PendingLeads(ctx, 10, nil)
		if err != nil || len(pending) != 4 || pending[0].ID != ls[0].ID {
			t.Fatalf("PendingLeads: %d %v", len(pending), err)
		}
		if p, _ := s.PendingLeads(ctx, 10, []string{ls[0].ID}); len(p) != 3 {
			t.Fatalf("PendingLeads with skip: %d", len(p))
		}
		a, b := newID(), newID()
		got := commitRes(t, s,
			resolution(ls[0], lead.OutcomeNew, a, "", "email=ann@contoso.com", "names=AN|LY"),
			resolution(ls[1], lead.OutcomeJoined, a, a, "phone=65550100"),
			resolution(ls[2], lead.OutcomeJoined, a, a, "names=AN|LY", "names=AN|LY"),
			resolution(ls[3], lead.OutcomeReview, b, a, "email=bob@x.com"),
		)
		want := []lead.ResolutionResult{lead.ResolutionCommitted, lead.ResolutionCommitted, lead.ResolutionCommitted, lead.ResolutionCommitted}
		if !slices.Equal(got, want) {
			t.Fatalf("results %v", got)
		}
		// Committing again doubles nothing; joining a missing customer is stale.
		again := resolution(ls[0], lead.OutcomeNew, newID(), "")
		gone := resolution(ls[1], lead.OutcomeJoined, "nope", "nope")
		if got := commitRes(t, s, again, gone); got[0] != lead.ResolutionSkipped || got[1] != lead.ResolutionStale {
			t.Fatalf("second commit: %v", got)
		}
		if p, _ := s.PendingLeads(ctx, 10, nil); len(p) != 0 {
			t.Fatalf("%d leads still pending", len(p))
		}

		c := customer(t, s, a)
		if c.LeadCount != 3 || c.Stage != lead.StageActive || c.DoNotContact || c.IsTest {
			t.Fatalf("customer %+v", c.Customer)
		}
		if !c.FirstSeen.Equal(custT0.Add(time.Minute)) || !c.LastSeen.Equal(custT0.Add(3*time.Minute)) {
			t.Errorf("first/last seen %s %s", c.FirstSeen, c.LastSeen)
		}
		// Golden: the most recent non-empty value of each field, with its lead.
		wantGolden := lead.Golden{Contact: lead.Contact{FirstName: "Annie", LastName: "Lee", Email: "ann.lee@gmail.com", Phone: "+1 617 555 0100", Company: "Contoso"},
			Sources: map[string]string{"first_name": ls[1].ID, "last_name": ls[2].ID, "email": ls[2].ID, "phone": ls[1].ID, "company": ls[0].ID}}
		if !reflect.DeepEqual(c.Golden, wantGolden) {
			t.Errorf("golden\n got %+v\nwant %+v", c.Golden, wantGolden)
		}
		if !slices.Equal(c.Offers, []string{"contoso.crm", "contoso.erp"}) {
			t.Errorf("offers %v", c.Offers)
		}
		// Leads in time order, each with its decision and explanation.
		var order []string
		for _, l := range c.Leads {
			order = append(order, l.ID)
			if l.Decision == nil || l.Decision.Explanation.Model != "test" || l.CustomerID != a {
				t.Errorf("lead %s: decision %+v customer %s", l.ID, l.Decision, l.CustomerID)
			}
		}
		if !slices.Equal(order, []string{ls[0].ID, ls[2].ID, ls[1].ID}) {
			t.Errorf("leads not in time order: %v", order)
		}
		if len(c.History) != 4 { // three resolves into a, and the review naming a
			t.Errorf("history has %d entries", len(c.History))
		}
		if bc := customer(t, s, b); !bc.DoNotContact || bc.Stage != lead.StageNotifyOnly {
			t.Errorf("DNC customer %+v", bc.Customer)
		}

		// Leads through keys: for each key its most recent leads, with
		// their customers and contact; grouped, how many keys found each
		// customer and which of its leads.
		rows, err := s.KeyLeads(ctx, []string{"names=AN|LY", "email=ann@contoso.com", "email=bob@x.com", "nothing"}, 20)
		if err != nil {
			t.Fatal(err)
		}
		type group struct {
			keys, leads map[string]bool
			isTest      bool
		}
		byID := map[string]*group{}
		for _, r := range rows {
			g := byID[r.CustomerID]
			if g == nil {
				g = &group{keys: map[string]bool{}, leads: map[string]bool{}}
				byID[r.CustomerID] = g
			}
			g.keys[r.Key], g.leads[r.Lead.ID], g.isTest = true, true, r.IsTest
			if r.Lead.CustomerID != r.CustomerID || r.Lead.Contact.LastName == "" {
				t.Errorf("key lead %+v", r)
			}
			if r.CustomerID == a && r.Golden.LastName != "Lee" {
				t.Errorf("golden record of %s: %+v", a, r.Golden)
			}
		}
		ga, gb := byID[a], byID[b]
		if len(byID) != 2 || ga == nil || gb == nil || len(ga.keys) != 2 || len(gb.keys) != 1 || len(ga.leads) != 2 || len(gb.leads) != 1 || gb.isTest {
			t.Fatalf("key leads %+v", rows)
		}
		if !ga.leads[ls[0].ID] || !ga.leads[ls[2].ID] {
			t.Errorf("leads of %s found: %v", a, ga.leads)
		}
		if rs, _ := s.KeyLeads(ctx, []string{"names=AN|LY"}, 1); len(rs) != 1 || rs[0].Lead.ID != ls[2].ID {
			t.Errorf("perKey 1: %+v", rs)
		}
		// More keys than one statement asks for.
		many := []string{"email=bob@x.com"}
		for i := range 40 {
			many = append(many, fmt.Sprintf("nothing=%d", i))
		}
		many = append(many, "names=AN|LY")
		if rs, err := s.KeyLeads(ctx, many, 20); err != nil || len(rs) != 3 {
			t.Errorf("41 keys: %d rows, %v", len(rs), err)
		}

		// The review queue.
		rev, err := s.ListReview(ctx, 10, "")
		if err != nil || len(rev.Items) != 1 {
			t.Fatalf("review %+v %v", rev, err)
		}
		it := rev.Items[0]
		if it.LeadID != ls[3].ID || it.LeadCustomerID != b || it.CandidateCustomerID != a || it.ReviewState != lead.ReviewOpen {
			t.Errorf("review item %+v", it)
		}
		if total, resolved, err := s.CountLeads(ctx); err != nil || total != 4 || resolved != 4 {
			t.Errorf("CountLeads %d %d %v", total, resolved, err)
		}
	})
}

func TestMergeSplitUndo(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ls := mkLeads(t, s,
			leadSpec{first: "Test", last: "Lead", email: "test@microsoft.com", isTest: true, stage: lead.StageTest, at: 1},
			leadSpec{first: "Dee", last: "Nc", email: "d@x.com", stage: lead.StageNotifyOnly, at: 2},
			leadSpec{first: "Dee", last: "Nc", email: "d@y.com", stage: lead.StageTrial, at: 3},
			leadSpec{first: "Dee", last: "Nc", email: "d@z.com", stage: lead.StageInterest, at: 4},
		)
		tc, dnc, trial, other := newID(), newID(), newID(), newID()
		commitRes(t, s,
			resolution(ls[0], lead.OutcomeNew, tc, "", "test|email=test@microsoft.com"),
			resolution(ls[1], lead.OutcomeNew, dnc, "", "email=d@x.com"),
			resolution(ls[2], lead.OutcomeReview, trial, dnc, "email=d@y.com", "names=D|N"),
			resolution(ls[3], lead.OutcomeNew, other, "", "email=d@z.com"),
		)
		if c := customer(t, s, tc); !c.IsTest || c.Stage != lead.StageTest {
			t.Fatalf("test customer %+v", c.Customer)
		}

		// A test customer merged into a real one: the real lead clears is_test.
		m1, err := s.MergeCustomers(ctx, other, tc, act)
		if err != nil {
			t.Fatal(err)
		}
		if c := customer(t, s, other); c.IsTest || c.LeadCount != 2 || c.Stage != lead.StageInterest {
			t.Fatalf("after merging the test customer: %+v", c.Customer)
		}
		if c := customer(t, s, tc); c.MergedInto != other || len(c.Leads) != 0 || !c.IsTest {
			t.Fatalf("merged customer: %+v", c.Customer)
		}
		// The DNC flag survives a merge either way.
		m2, err := s.MergeCustomers(ctx, trial, dnc, act)
		if err != nil {
			t.Fatal(err)
		}
		c := customer(t, s, trial)
		if !c.DoNotContact || c.Stage != lead.StageTrial || c.LeadCount != 2 {
			t.Fatalf("DNC lost in a merge: %+v", c.Customer)
		}
		// The merge answered the review item between the two.
		if rev, _ := s.ListReview(ctx, 10, ""); len(rev.Items) != 0 {
			t.Errorf("review item still open after merging its customers: %+v", rev.Items)
		}
		var ch lead.Change
		if err := json.Unmarshal(m2.Payload, &ch); err != nil {
			t.Fatal(err)
		}
		if len(ch.Moves) != 1 || ch.Moves[0].Lead != ls[1].ID || ch.KeysMoved != 1 || len(ch.Reviews) != 1 || ch.Reviews[0].To != lead.ReviewMerged {
			t.Errorf("merge payload %s", m2.Payload)
		}
		m3, err := s.MergeCustomers(ctx, other, trial, act)
		if err != nil {
			t.Fatal(err)
		}
		if c := customer(t, s, other); !c.DoNotContact || c.LeadCount != 4 || c.Stage != lead.StageTrial {
			t.Fatalf("after the second merge: %+v", c.Customer)
		}

		// Conflicts. Undoing m1 now would be fine (nothing since depends on
		// it); m2 is not: m3 moved its leads on.
		for _, tc := range []struct {
			name string
			call func() error
		}{
			{"merge into itself", func() error { return second(s.MergeCustomers(ctx, other, other, act)) }},
			{"merge a merged", func() error { return second(s.MergeCustomers(ctx, other, dnc, act)) }},
			{"merge into a merged", func() error { return second(s.MergeCustomers(ctx, dnc, other, act)) }},
			{"undo out of order", func() error { return second(s.Undo(ctx, m2.ID, act)) }},
			{"split alone", func() error { return second(s.SplitLead(ctx, mkLeadAlone(t, s), act)) }},
			{"split unresolved", func() error { return second(s.SplitLead(ctx, mkLeads(t, s, leadSpec{first: "U"})[0].ID, act)) }},
			{"dismiss a merged item", func() error { return second(s.DismissReview(ctx, decisionOf(t, s, ls[2].ID), act)) }},
			{"review-merge a decided", func() error { return second(s.MergeReview(ctx, decisionOf(t, s, ls[2].ID), act)) }},
		} {
			if err := tc.call(); lead.KindOf(err) != lead.KindConflict {
				t.Fatalf("%s: got %v, want a conflict", tc.name, err)
			}
		}
		wantKind(t, second(s.MergeCustomers(ctx, other, "nope", act)), lead.KindNotFound)
		wantKind(t, second(s.SplitLead(ctx, "nope", act)), lead.KindNotFound)
		wantKind(t, second(s.Undo(ctx, "nope", act)), lead.KindNotFound)
		wantKind(t, second(s.MergeCustomers(ctx, other, trial, lead.Act{})), lead.KindInvalid)

		// Split the DNC lead out: the flag goes with it.
		sp, err := s.SplitLead(ctx, ls[1].ID, act)
		if err != nil {
			t.Fatal(err)
		}
		if c := customer(t, s, other); c.DoNotContact || c.LeadCount != 3 {
			t.Fatalf("after split: %+v", c.Customer)
		}
		if sp.CustomerIDs[0] != other {
			t.Fatalf("split entry %+v", sp)
		}
		if c := customer(t, s, sp.CustomerIDs[1]); !c.DoNotContact || c.LeadCount != 1 {
			t.Fatalf("split customer %+v", c.Customer)
		}

		// Undo in reverse order restores everything.
		for _, e := range []lead.AuditEntry{sp, m3, m2, m1} {
			u, err := s.Undo(ctx, e.ID, act)
			if err != nil {
				t.Fatalf("undo %s %s: %v", e.Action, e.ID, err)
			}
			if u.Undoes != e.ID || u.Action != lead.AuditUndo {
				t.Fatalf("undo entry %+v", u)
			}
		}
		wantKind(t, second(s.Undo(ctx, m1.ID, act)), lead.KindConflict) // undone already
		if c := customer(t, s, tc); !c.IsTest || c.MergedInto != "" || c.LeadCount != 1 {
			t.Fatalf("test customer after undo: %+v", c.Customer)
		}
		if c := customer(t, s, dnc); !c.DoNotContact || c.Stage != lead.StageNotifyOnly || c.MergedInto != "" {
			t.Fatalf("DNC customer after undo: %+v", c.Customer)
		}
		if _, err := s.GetCustomer(ctx, sp.CustomerIDs[1]); lead.KindOf(err) != lead.KindNotFound {
			t.Fatalf("the split's customer survived its undo: %v", err)
		}
		rev, err := s.ListReview(ctx, 10, "")
		if err != nil || len(rev.Items) != 1 || rev.Items[0].LeadID != ls[2].ID {
			t.Fatalf("review item not reopened: %+v %v", rev.Items, err)
		}
		// An undo cannot be undone.
		page, err := s.ListAudit(ctx, lead.AuditFilter{Action: lead.AuditUndo})
		if err != nil || len(page.Entries) != 4 {
			t.Fatalf("undo entries %d %v", len(page.Entries), err)
		}
		wantKind(t, second(s.Undo(ctx, page.Entries[0].ID, act)), lead.KindConflict)

		// Dismiss, then undo the dismissal; merge from the queue.
		d, err := s.DismissReview(ctx, rev.Items[0].ID, act)
		if err != nil {
			t.Fatal(err)
		}
		if r, _ := s.ListReview(ctx, 10, ""); len(r.Items) != 0 {
			t.Fatal("dismissed item still in the queue")
		}
		if _, err := s.Undo(ctx, d.ID, act); err != nil {
			t.Fatal(err)
		}
		rm, err := s.MergeReview(ctx, rev.Items[0].ID, act)
		if err != nil {
			t.Fatal(err)
		}
		if rm.CustomerIDs[0] != dnc || rm.CustomerIDs[1] != trial {
			t.Fatalf("review merge went %v, want trial into dnc", rm.CustomerIDs)
		}
		// Undoing the resolve of the candidate's only lead is refused while
		// the review merge depends on it; in reverse order it works, and the
		// lead is unresolved again.
		resolveOf := func(leadID string) string {
			p, err := s.ListAudit(ctx, lead.AuditFilter{Lead: leadID, Action: lead.AuditResolve})
			if err != nil || len(p.Entries) != 1 {
				t.Fatalf("resolve entry of %s: %v %v", leadID, p.Entries, err)
			}
			return p.Entries[0].ID
		}
		wantKind(t, second(s.Undo(ctx, resolveOf(ls[1].ID), act)), lead.KindConflict)
		for _, id := range []string{rm.ID, resolveOf(ls[2].ID), resolveOf(ls[1].ID)} {
			if _, err := s.Undo(ctx, id, act); err != nil {
				t.Fatalf("undo %s: %v", id, err)
			}
		}
		pending, err := s.PendingLeads(ctx, 10, nil)
		if err != nil || len(pending) != 3 { // the two undone, and "U"
			t.Fatalf("pending after undoing resolves: %d %v", len(pending), err)
		}
		undone, err := s.UndoneDecisions(ctx, []string{ls[1].ID, ls[2].ID})
		if err != nil || len(undone[ls[1].ID]) != 0 || !slices.Equal(undone[ls[2].ID], []string{dnc}) {
			t.Fatalf("undone decisions %v %v", undone, err)
		}
	})
}

func second[T any](_ T, err error) error { return err }

// mkLeadAlone makes a resolved lead that is its customer's only lead.
func mkLeadAlone(t *testing.T, s *store.Store) string {
	l := mkLeads(t, s, leadSpec{first: "Solo"})[0]
	commitRes(t, s, resolution(l, lead.OutcomeNew, newID(), ""))
	return l.ID
}

func decisionOf(t *testing.T, s *store.Store, leadID string) string {
	t.Helper()
	var id string
	if err := s.WriteDB().QueryRow(`SELECT id FROM match_decisions WHERE lead_id = $1 ORDER BY id DESC LIMIT 1`, leadID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func TestListCustomers(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var rs []lead.Resolution
		var ids []string
		for i := range 7 {
			sp := leadSpec{first: fmt.Sprintf("P%d", i), last: "Q", email: fmt.Sprintf("p%d@x.com", i), company: "Co" + fmt.Sprint(i%2), offer: "o" + fmt.Sprint(i%3)}
			if i%3 == 0 {
				sp.country = "Germany"
			}
			switch i {
			case 5:
				sp.stage, sp.isTest = lead.StageTest, true
			case 6:
				sp.stage = lead.StageNotifyOnly
			case 1:
				sp.stage = lead.StageActive
			}
			l := mkLeads(t, s, sp)[0]
			id := newID()
			ids = append(ids, id)
			rs = append(rs, resolution(l, lead.OutcomeNew, id, ""))
		}
		commitRes(t, s, rs...)
		yes, no := true, false
		for name, tc := range map[string]struct {
			f    lead.CustomerFilter
			want []int
		}{
			"all":         {lead.CustomerFilter{}, []int{6, 5, 4, 3, 2, 1, 0}},
			"stage":       {lead.CustomerFilter{Stage: lead.StageActive}, []int{1}},
			"offer":       {lead.CustomerFilter{Offer: "contoso.o1"}, []int{4, 1}},
			"title":       {lead.CustomerFilter{Offer: "O2"}, []int{5, 2}},
			"q":           {lead.CustomerFilter{Query: "CO1"}, []int{5, 3, 1}},
			"q email":     {lead.CustomerFilter{Query: "p3@X.com"}, []int{3}},
			"q domain":    {lead.CustomerFilter{Query: "x.com"}, []int{6, 5, 4, 3, 2, 1, 0}},
			"q words":     {lead.CustomerFilter{Query: "q co1 p"}, []int{5, 3, 1}},
			"q mid-word":  {lead.CustomerFilter{Query: "o1"}, nil},
			"q syntax":    {lead.CustomerFilter{Query: `"*-(OR`}, nil},
			"q nothing":   {lead.CustomerFilter{Query: `*`}, nil},
			"country":     {lead.CustomerFilter{Country: "de"}, []int{6, 3, 0}},
			"country q":   {lead.CustomerFilter{Country: "DE", Query: "co1"}, []int{3}},
			"source":      {lead.CustomerFilter{Source: "AppSource", Stage: lead.StageActive}, []int{1}},
			"source none": {lead.CustomerFilter{Source: "AzureMarketplace"}, nil},
			"action":      {lead.CustomerFilter{Action: "PLT", IsTest: &yes}, []int{5}},
			"action none": {lead.CustomerFilter{Action: "INS"}, nil},
			"is_test":     {lead.CustomerFilter{IsTest: &yes}, []int{5}},
			"dnc":         {lead.CustomerFilter{DoNotContact: &yes, IsTest: &no}, []int{6}},
		} {
			page, err := s.ListCustomers(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var got []string
			for _, c := range page.Customers {
				got = append(got, c.ID)
			}
			var want []string
			for _, i := range tc.want {
				want = append(want, ids[i])
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v, want %v", name, got, want)
			}
		}
		// Pages.
		var all []string
		f := lead.CustomerFilter{Limit: 3}
		for {
			page, err := s.ListCustomers(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Customers {
				all = append(all, c.ID)
			}
			if page.NextCursor == "" {
				break
			}
			f.Cursor = page.NextCursor
		}
		if len(all) != 7 || all[0] != ids[6] || all[6] != ids[0] {
			t.Errorf("paged: %v", all)
		}
		_, err := s.ListCustomers(ctx, lead.CustomerFilter{Cursor: "!!"})
		wantKind(t, err, lead.KindInvalid)
		// Merged customers are not listed.
		if _, err := s.MergeCustomers(ctx, ids[0], ids[1], act); err != nil {
			t.Fatal(err)
		}
		page, _ := s.ListCustomers(ctx, lead.CustomerFilter{})
		if len(page.Customers) != 6 {
			t.Errorf("after a merge %d customers are listed", len(page.Customers))
		}
		// Audit filters.
		ap, err := s.ListAudit(ctx, lead.AuditFilter{Customer: ids[1]})
		if err != nil || len(ap.Entries) != 2 || ap.Entries[0].Action != lead.AuditMerge || ap.Entries[0].Actor != "tester" || ap.Entries[0].Reason != "because" {
			t.Errorf("audit of a merged customer: %+v %v", ap.Entries, err)
		}
		if e, err := s.GetAudit(ctx, ap.Entries[0].ID); err != nil || e.ID != ap.Entries[0].ID {
			t.Errorf("GetAudit %v", err)
		}
	})
}

func TestModelsAndLock(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		_, err := s.LatestModel(ctx)
		wantKind(t, err, lead.KindNotFound)
		for _, id := range []string{"m1", "m2"} {
			if err := s.SaveModel(ctx, lead.StoredModel{ID: id, Leads: 5, Model: json.RawMessage(`{"prior":0.1}`)}); err != nil {
				t.Fatal(err)
			}
		}
		m, err := s.LatestModel(ctx)
		if err != nil || m.ID != "m2" || m.Leads != 5 || string(m.Model) != `{"prior":0.1}` {
			t.Fatalf("LatestModel %+v %v", m, err)
		}
		l1 := takeResolverLock(t, s)
		if s.Engine() == "postgres" {
			if l2, err := s.TryResolverLock(ctx); err != nil || l2 != nil {
				t.Fatalf("second lock taken while the first is held: %v %v", l2, err)
			}
		}
		if err := l1.Alive(ctx); err != nil {
			t.Fatal(err)
		}
		l1.Release()
		takeResolverLock(t, s).Release()
	})
}

// takeResolverLock takes the resolver lock, waiting while another holds
// it: on PostgreSQL advisory locks belong to the database, and the tests of
// other packages, each in a schema of its own, may hold it for a while.
func takeResolverLock(t *testing.T, s *store.Store) lead.Lock {
	t.Helper()
	ctx := ctxT(t)
	for {
		l, err := s.TryResolverLock(ctx)
		if err != nil {
			t.Fatalf("TryResolverLock: %v", err)
		}
		if l != nil {
			return l
		}
		select {
		case <-ctx.Done():
			t.Fatal("the resolver lock stayed taken")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// TestSummaryColumns pins the stored form of a customer's golden record and
// offers: existing databases hold it, and it must stay readable byte for
// byte.
func TestSummaryColumns(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ls := mkLeads(t, s,
			leadSpec{first: "Ann", last: "Lee", email: "ann@contoso.com", offer: "crm", at: 1},
			leadSpec{first: "Annie", phone: "+1 617 555 0100", offer: "erp", at: 2},
		)
		c := newID()
		commitRes(t, s, resolution(ls[0], lead.OutcomeNew, c, ""), resolution(ls[1], lead.OutcomeJoined, c, c))
		var golden, offers string
		var first, last, count int64
		if err := s.WriteDB().QueryRow(`SELECT golden, offers, first_seen, last_seen, lead_count FROM customers WHERE id = $1`, c).
			Scan(&golden, &offers, &first, &last, &count); err != nil {
			t.Fatal(err)
		}
		t1, t2 := custT0.Add(time.Minute).UnixMicro(), custT0.Add(2*time.Minute).UnixMicro()
		wantGolden := fmt.Sprintf(`{"email":{"v":"ann@contoso.com","l":"%[1]s","at":%[3]d},"first_name":{"v":"Annie","l":"%[2]s","at":%[4]d},`+
			`"last_name":{"v":"Lee","l":"%[1]s","at":%[3]d},"phone":{"v":"+1 617 555 0100","l":"%[2]s","at":%[4]d}}`, ls[0].ID, ls[1].ID, t1, t2)
		if golden != wantGolden {
			t.Errorf("golden\n got %s\nwant %s", golden, wantGolden)
		}
		if offers != `["contoso.crm","contoso.erp"]` {
			t.Errorf("offers %s", offers)
		}
		if first != t1 || last != t2 || count != 2 {
			t.Errorf("first_seen %d, last_seen %d, lead_count %d", first, last, count)
		}
	})
}

// TestMergedCustomerLeadCount: a merged customer lists no leads, so it
// counts none; it keeps the rest of its summary for recognition, and an
// undo of the merge restores it exactly.
func TestMergedCustomerLeadCount(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ls := mkLeads(t, s,
			leadSpec{first: "Ann", last: "Lee", email: "ann@contoso.com", offer: "crm", stage: lead.StageTrial, at: 1},
			leadSpec{first: "Ann", last: "Lee", phone: "+1 617 555 0100", offer: "erp", stage: lead.StageNotifyOnly, at: 2},
			leadSpec{first: "Annie", last: "Lee", email: "annie@contoso.com", offer: "crm", at: 3},
		)
		into, other := newID(), newID()
		commitRes(t, s,
			resolution(ls[0], lead.OutcomeNew, other, ""),
			resolution(ls[1], lead.OutcomeJoined, other, other),
			resolution(ls[2], lead.OutcomeNew, into, ""),
		)
		before := customer(t, s, other).Customer
		m, err := s.MergeCustomers(ctx, into, other, act)
		if err != nil {
			t.Fatal(err)
		}
		merged := customer(t, s, other)
		if len(merged.Leads) != 0 || merged.LeadCount != 0 {
			t.Errorf("merged customer lists %d leads and counts %d", len(merged.Leads), merged.LeadCount)
		}
		want := before
		want.LeadCount, want.MergedInto, want.UpdatedAt = 0, into, merged.UpdatedAt
		if !reflect.DeepEqual(merged.Customer, want) {
			t.Errorf("merged customer\n got %+v\nwant %+v", merged.Customer, want)
		}
		if c := customer(t, s, into); c.LeadCount != 3 || len(c.Leads) != 3 {
			t.Errorf("survivor counts %d leads, lists %d", c.LeadCount, len(c.Leads))
		}
		if _, err := s.Undo(ctx, m.ID, act); err != nil {
			t.Fatal(err)
		}
		after := customer(t, s, other).Customer
		after.UpdatedAt = before.UpdatedAt
		if !reflect.DeepEqual(after, before) {
			t.Errorf("after undoing the merge\n got %+v\nwant %+v", after, before)
		}
	})
}
