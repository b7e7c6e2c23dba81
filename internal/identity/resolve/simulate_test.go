package resolve_test

import (
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/store"
)

// TestSimulatedTraffic posts simulated marketplace traffic (people with
// journeys across offers, retyping their details) through the inbox,
// resolves it, and compares the customers with the ground truth.
func TestSimulatedTraffic(t *testing.T) {
	engines(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		count := 3000
		if testing.Short() {
			count = 800
		}
		evs := generate(t, 7, count)
		ids := postEvents(t, s, evs)
		r := newResolver(s, resolve.Options{})
		start := time.Now()
		n, err := r.ResolveAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		t.Logf("resolved %d leads in %s (%.0f leads/s)", n, took.Round(time.Millisecond), float64(n)/took.Seconds())

		pred, truth := map[string]string{}, map[string]string{}
		for i, ev := range evs {
			l, err := s.GetLead(ctx, ids[i])
			if err != nil {
				t.Fatal(err)
			}
			if l.CustomerID == "" {
				t.Fatalf("lead %s was not resolved", l.ID)
			}
			if ev.IsTest || strings.HasPrefix(ev.PersonID, "MSFT_TEST") {
				continue
			}
			pred[l.ID], truth[l.ID] = l.CustomerID, ev.PersonID
		}
		m := batch.Evaluate(pred, truth)
		rev, err := s.ListReview(ctx, 500, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%d leads of %d people → %d customers; pairwise precision %.4f recall %.4f (pairs: true %d, predicted %d, correct %d); %d in review",
			m.Records, m.TrueClusters, m.PredictedClusters, m.Precision, m.Recall, m.TruePairs, m.PredictedPairs, m.CorrectPairs, len(rev.Items))
		if m.Precision < 0.97 || m.Recall < 0.85 {
			t.Errorf("pairwise precision %.4f (want ≥ 0.97), recall %.4f (want ≥ 0.85)", m.Precision, m.Recall)
		}
	})
}
