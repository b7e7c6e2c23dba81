package resolve_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func body(first, last, email, phone, company, action string, test bool) []byte {
	if test {
		first, last = "MSFT_TEST_636573304831318844", "MSFT_TEST_636573304831318844"
	}
	return fmt.Appendf(nil, `{"UserDetails": {"FirstName": %q, "LastName": %q, "Email": %q, "Phone": %q, "Company": %q, "Country": "US"},
 "LeadSource": "AzureMarketplace-%s|contoso.crm", "OfferTitle": "CRM", "Description": %q}`, first, last, email, phone, company, action, time.Now().String())
}

func postBodies(t *testing.T, s *store.Store, bodies ...[]byte) []string {
	t.Helper()
	var evs []simulate.Event
	for _, b := range bodies {
		evs = append(evs, simulate.Event{Body: b})
	}
	return postEvents(t, s, evs)
}

func leadOf(t *testing.T, s *store.Store, id string) lead.Lead {
	t.Helper()
	l, err := s.GetLead(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestTestLeadsStayApart(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ids := postBodies(t, s,
			body("Ann", "Lee", "ann@contoso.com", "+16175550100", "Contoso", "PLT", false),
			body("", "", "ann@contoso.com", "+16175550100", "Contoso", "PLT", true),
			body("", "", "ann@contoso.com", "+16175550100", "Contoso", "INS", true),
			body("Ann", "Lee", "ann@contoso.com", "+16175550100", "Contoso", "DNC", false),
		)
		r := newResolver(s, resolve.Options{})
		resolveAll(t, r)
		real1, test1, test2, real2 := leadOf(t, s, ids[0]), leadOf(t, s, ids[1]), leadOf(t, s, ids[2]), leadOf(t, s, ids[3])
		if !test1.IsTest || real1.CustomerID != real2.CustomerID || test1.CustomerID != test2.CustomerID || test1.CustomerID == real1.CustomerID {
			t.Fatalf("customers: real %s %s, test %s %s", real1.CustomerID, real2.CustomerID, test1.CustomerID, test2.CustomerID)
		}
		tc, err := s.GetCustomer(ctx, test1.CustomerID)
		if err != nil || !tc.IsTest || tc.Stage != lead.StageTest {
			t.Fatalf("test customer %+v %v", tc.Customer, err)
		}
		rc, err := s.GetCustomer(ctx, real1.CustomerID)
		if err != nil || rc.IsTest || !rc.DoNotContact {
			t.Fatalf("real customer %+v %v", rc.Customer, err)
		}
		// Two more test leads in one batch join the test customer.
		more := postBodies(t, s,
			body("", "", "ann@contoso.com", "+16175550100", "Contoso", "PLT", true),
			body("", "", "ann@contoso.com", "+16175550100", "Contoso", "StartTestDrive", true),
		)
		resolveAll(t, r)
		for _, id := range more {
			if c := leadOf(t, s, id).CustomerID; c != test1.CustomerID {
				t.Fatalf("test lead %s went to %s, not to the test customer %s", id, c, test1.CustomerID)
			}
		}
	})
}

func TestUndoAutoJoinResolvesElsewhere(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		ids := postBodies(t, s,
			body("Ann", "Lee", "ann@contoso.com", "", "Contoso", "PLT", false),
			body("Ann", "Lee", "ann@contoso.com", "", "Contoso", "INS", false),
		)
		r := newResolver(s, resolve.Options{})
		resolveAll(t, r)
		slices.Sort(ids) // resolved in id order: the first created the customer
		first, second := leadOf(t, s, ids[0]), leadOf(t, s, ids[1])
		if first.CustomerID != second.CustomerID {
			t.Fatal("the two leads were not joined")
		}
		page, err := s.ListAudit(ctx, lead.AuditFilter{Lead: second.ID})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("audit of the join: %v %v", page.Entries, err)
		}
		if _, err := s.Undo(ctx, page.Entries[0].ID, lead.Act{Actor: "t", Reason: "not her"}); err != nil {
			t.Fatal(err)
		}
		if l := leadOf(t, s, second.ID); l.CustomerID != "" {
			t.Fatalf("after undoing its resolution the lead is in %s", l.CustomerID)
		}
		resolveAll(t, r)
		again := leadOf(t, s, second.ID)
		if again.CustomerID == "" || again.CustomerID == first.CustomerID {
			t.Fatalf("re-resolved into %q; the undone join chose %s", again.CustomerID, first.CustomerID)
		}
		c, err := s.GetCustomer(ctx, again.CustomerID)
		if err != nil || len(c.Leads) != 1 || c.Leads[0].Decision == nil || !slices.Contains(c.Leads[0].Decision.Explanation.Excluded, first.CustomerID) {
			t.Fatalf("the new decision does not say what it excluded: %+v %v", c.Leads, err)
		}
	})
}

// TestConcurrentResolversNeverDouble runs two resolvers (as two replicas
// would) while leads arrive: every lead ends with exactly one decision.
// On PostgreSQL the lock lets one resolve while the other stands by.
func TestConcurrentResolversNeverDouble(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			dsn := e.NewDSN(t)
			s1 := storetest.OpenDSN(t, dsn)
			if _, err := s1.Migrate(ctxT(t)); err != nil {
				t.Fatal(err)
			}
			s2 := storetest.OpenDSN(t, dsn)
			ctx, cancel := context.WithCancel(ctxT(t))
			var wg sync.WaitGroup
			var rs []*resolve.Resolver
			for _, s := range []*store.Store{s1, s2} {
				r := newResolver(s, resolve.Options{Batch: 8, Interval: 20 * time.Millisecond, Lock: s})
				rs = append(rs, r)
				wg.Go(func() { r.Run(ctx) })
			}
			evs := generate(t, 5, 600)
			ids := postEvents(t, s1, evs[:300])
			for _, r := range rs {
				r.Nudge()
			}
			ids = append(ids, postEvents(t, s2, evs[300:])...)
			deadline := time.Now().Add(2 * time.Minute)
			for {
				_, resolved, err := s1.CountLeads(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if resolved == int64(len(ids)) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d leads resolved", resolved, len(ids))
				}
				time.Sleep(20 * time.Millisecond)
			}
			cancel()
			wg.Wait()
			var leads, decisions, audits int
			db := s1.WriteDB()
			if err := db.QueryRow(`SELECT count(*), count(DISTINCT lead_id) FROM match_decisions WHERE undone = 0`).Scan(&decisions, &leads); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'resolve'`).Scan(&audits); err != nil {
				t.Fatal(err)
			}
			if decisions != len(ids) || leads != len(ids) || audits != len(ids) {
				t.Fatalf("%d leads: %d decisions for %d leads, %d audit entries", len(ids), decisions, leads, audits)
			}
			checkInvariants(t, s1, "after concurrent resolvers")
		})
	}
}

// TestEveryDecisionExplained checks, on simulated traffic, that each lead
// has one standing decision with its explanation and audit entry.
func TestEveryDecisionExplained(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		postEvents(t, s, generate(t, 3, 400))
		resolveAll(t, newResolver(s, resolve.Options{}))
		page, err := s.ListCustomers(ctx, lead.CustomerFilter{Limit: lead.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		outcomes := map[lead.DecisionOutcome]int{}
		n := 0
		for _, c := range page.Customers {
			d, err := s.GetCustomer(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range d.Leads {
				n++
				x := l.Decision
				if x == nil {
					t.Fatalf("lead %s has no decision", l.ID)
				}
				outcomes[x.Outcome]++
				e := x.Explanation
				if e.Reason == "" || e.Model != resolve.DefaultModelID || e.Thresholds.Auto != resolve.DefaultAuto || x.AuditID == "" {
					t.Fatalf("lead %s: explanation %+v", l.ID, e)
				}
				if x.CandidateID != "" && (len(e.Fields) != len(resolve.Schema) || e.Probability != x.Probability || e.Candidate != x.CandidateID || len(e.Candidates) == 0) {
					t.Fatalf("lead %s: explanation of a decision with a candidate: %+v", l.ID, e)
				}
				if x.Outcome == lead.OutcomeJoined && (x.CustomerID != x.CandidateID || x.Probability < resolve.DefaultAuto) {
					t.Fatalf("lead %s: join %+v", l.ID, x)
				}
				if _, err := s.GetAudit(ctx, x.AuditID); err != nil {
					t.Fatalf("lead %s: audit entry %s: %v", l.ID, x.AuditID, err)
				}
			}
		}
		if n != 400 || outcomes[lead.OutcomeJoined] == 0 || outcomes[lead.OutcomeNew] == 0 {
			t.Fatalf("%d leads, outcomes %v", n, outcomes)
		}
		t.Logf("outcomes %v", outcomes)
	})
}

// TestTrainedModel trains the model on simulated traffic and resolves the
// same traffic again with it.
func TestTrainedModel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	e := storetest.Engines(t)[0]
	ctx := ctxT(t)
	evs := generate(t, 13, 4000)
	s := e.Open(t)
	postEvents(t, s, evs)
	if _, _, err := resolve.Train(ctx, s, resolve.TrainOptions{MinLeads: 5000}); lead.KindOf(err) != lead.KindConflict {
		t.Fatalf("training on too few leads: %v", err)
	}
	sm, _, err := resolve.Train(ctx, s, resolve.TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	eng, _, err := resolve.LoadEngine(ctx, s)
	if err != nil || eng == nil || eng.ID != sm.ID {
		t.Fatalf("LoadEngine: %v %v", eng, err)
	}
	r := newResolver(s, resolve.Options{})
	if err := r.LoadModel(ctx); err != nil || r.Engine().ID != sm.ID {
		t.Fatalf("LoadModel: %v", err)
	}
	resolveAll(t, r)
	pred, truth := map[string]string{}, map[string]string{}
	ids := make([]string, 0, len(evs))
	rows, err := s.WriteDB().Query(`SELECT id, customer_id FROM leads ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for rows.Next() {
		var id, c string
		if err := rows.Scan(&id, &c); err != nil {
			t.Fatal(err)
		}
		owner[id] = c
		ids = append(ids, id)
	}
	rows.Close()
	// Leads were posted concurrently: match them to events by body.
	byBody := map[string]string{}
	for _, id := range ids {
		l, err := s.GetLead(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		byBody[string(l.RawBody)] = id
	}
	for _, ev := range evs {
		if ev.IsTest || strings.HasPrefix(ev.PersonID, "MSFT_TEST") {
			continue
		}
		id := byBody[string(ev.Body)]
		pred[id], truth[id] = owner[id], ev.PersonID
	}
	m := batch.Evaluate(pred, truth)
	t.Logf("trained model %s on %d leads: pairwise precision %.4f recall %.4f", sm.ID, sm.Leads, m.Precision, m.Recall)
	if m.Precision < 0.97 || m.Recall < 0.9 {
		t.Errorf("with the trained model: precision %.4f recall %.4f", m.Precision, m.Recall)
	}
}
