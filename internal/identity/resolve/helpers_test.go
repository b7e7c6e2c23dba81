package resolve_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// engines runs fn once per engine, in parallel subtests.
func engines(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e.Open(t))
		})
	}
}

var simStart = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// postEvents sends the events' bodies through an inbox, as the HTTPS
// endpoint would, and returns each event's lead id (in event order).
func postEvents(t testing.TB, s *store.Store, evs []simulate.Event) []string {
	t.Helper()
	ib := ingest.New(s, ingest.Options{Writers: 2})
	defer ib.Close()
	ids := make([]string, len(evs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	errs := make(chan error, len(evs))
	for i := range evs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, err := ib.Receive(context.Background(), ingest.Body{Channel: lead.ChannelHTTPS, Body: evs[i].Body})
			if err != nil {
				errs <- err
				return
			}
			ids[i] = out.ID
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("submit: %v", err)
	}
	return ids
}

// generate returns a simulated run.
func generate(t testing.TB, seed uint64, count int) []simulate.Event {
	t.Helper()
	evs, err := simulate.Generate(simulate.Config{Seed: seed, Start: simStart, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// pairwise compares predicted clusters with the truth over the keys of
// both: precision is the share of predicted same-customer pairs that are
// the same person, recall the share of same-person pairs predicted.
type pairStats struct {
	truePairs, predPairs, correct int64
	precision, recall             float64
	people, customers, records    int
}

func pairwise(pred, truth map[string]string) pairStats {
	type cell struct{ p, t string }
	cells := map[cell]int64{}
	ps, ts := map[string]int64{}, map[string]int64{}
	var st pairStats
	for id, p := range pred {
		tr, ok := truth[id]
		if !ok {
			continue
		}
		st.records++
		cells[cell{p, tr}]++
		ps[p]++
		ts[tr]++
	}
	c2 := func(n int64) int64 { return n * (n - 1) / 2 }
	for _, n := range cells {
		st.correct += c2(n)
	}
	for _, n := range ps {
		st.predPairs += c2(n)
	}
	for _, n := range ts {
		st.truePairs += c2(n)
	}
	st.precision, st.recall = 1, 1
	if st.predPairs > 0 {
		st.precision = float64(st.correct) / float64(st.predPairs)
	}
	if st.truePairs > 0 {
		st.recall = float64(st.correct) / float64(st.truePairs)
	}
	st.people, st.customers = len(ts), len(ps)
	return st
}

func newResolver(s *store.Store, opt resolve.Options) *resolve.Resolver {
	return resolve.New(s, opt)
}
