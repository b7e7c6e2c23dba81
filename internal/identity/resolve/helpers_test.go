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

func newResolver(s *store.Store, opt resolve.Options) *resolve.Resolver {
	return resolve.New(s, opt)
}

// resolveAll resolves every lead waiting for r, failing t on an error.
func resolveAll(t *testing.T, r *resolve.Resolver) {
	t.Helper()
	if _, err := r.ResolveAll(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}
