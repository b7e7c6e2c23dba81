package resolve

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// TestKeyCacheAnswersLikeTheIndex resolves simulated traffic batch after
// batch, with people's merges, splits and undos in between, and checks
// before every batch that what the resolver's key cache answers for the
// batch's keys (and for keys of leads resolved long ago) is exactly what
// the database answers.
func TestKeyCacheAnswersLikeTheIndex(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			s := e.Open(t)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			evs, err := simulate.Generate(simulate.Config{Seed: 11, Start: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), Count: 1200})
			if err != nil {
				t.Fatal(err)
			}
			post(t, s, evs)
			// A small cache, so that generations turn over during the run.
			r := New(s, Options{Batch: 16, MaxBatch: 64})
			r.keys = newKeyCache(r.opt.PerKey, 500)
			rnd := rand.New(rand.NewPCG(3, 4))
			var resolved []lead.Lead
			act := lead.Act{Actor: "test", Reason: "cache check"}
			for round := 0; ; round++ {
				pending, err := s.PendingLeads(ctx, 64, nil)
				if err != nil {
					t.Fatal(err)
				}
				probe := append([]lead.Lead(nil), pending...)
				for range 8 {
					if len(resolved) > 0 {
						probe = append(probe, resolved[rnd.IntN(len(resolved))])
					}
				}
				checkKeyCache(ctx, t, r, s, probe, round)
				if len(pending) == 0 {
					break
				}
				if _, err := r.ResolvePending(ctx); err != nil {
					t.Fatal(err)
				}
				resolved = append(resolved, pending...)
				switch round % 5 {
				case 2: // merge two customers of resolved leads
					a, b := leadOwner(ctx, t, s, resolved[rnd.IntN(len(resolved))]), leadOwner(ctx, t, s, resolved[rnd.IntN(len(resolved))])
					if a != b {
						if _, err := s.MergeCustomers(ctx, a, b, act); err != nil {
							t.Fatal(err)
						}
					}
				case 3: // split a lead out, then undo an automatic decision
					if _, err := s.SplitLead(ctx, resolved[rnd.IntN(len(resolved))].ID, act); err != nil && lead.KindOf(err) != lead.KindConflict {
						t.Fatal(err)
					}
					page, err := s.ListAudit(ctx, lead.AuditFilter{Limit: 50})
					if err != nil {
						t.Fatal(err)
					}
					for _, a := range page.Entries {
						if a.Action == lead.AuditResolve {
							if _, err := s.Undo(ctx, a.ID, act); err == nil {
								break
							}
						}
					}
				}
			}
		})
	}
}

// checkKeyCache compares the cache's answer for the keys of leads with the
// store's.
func checkKeyCache(ctx context.Context, t *testing.T, r *Resolver, s *store.Store, leads []lead.Lead, round int) {
	t.Helper()
	var keys []string
	for i := range leads {
		keys = append(keys, Keys(&leads[i])...)
	}
	gen, err := s.IdentityGeneration(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r.resolving.Lock()
	r.keys.sync(gen)
	got, err := r.keys.keyLeads(ctx, s, keys)
	r.resolving.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	want, err := s.KeyLeads(ctx, keys, r.opt.PerKey)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := canonical(got), canonical(want); g != w {
		t.Fatalf("round %d: the key cache answers\n%s\nthe index\n%s", round, g, w)
	}
}

func canonical(rows []lead.KeyLead) string {
	lines := make([]string, len(rows))
	for i, kl := range rows {
		lines[i] = fmt.Sprintf("%s %s %s %v %+v %+v %s", kl.Key, kl.Lead.ID, kl.CustomerID, kl.IsTest, kl.Golden, kl.Lead.Contact,
			kl.Lead.ReceivedAt.UTC().Format(time.RFC3339Nano))
	}
	slices.SortFunc(lines, cmp.Compare)
	return strings.Join(lines, "\n")
}

func leadOwner(ctx context.Context, t *testing.T, s *store.Store, l lead.Lead) string {
	t.Helper()
	got, err := s.GetLead(ctx, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got.CustomerID
}

// post commits the events' bodies through an inbox.
func post(t *testing.T, s *store.Store, evs []simulate.Event) {
	t.Helper()
	ib := ingest.New(s, ingest.Options{Writers: 2})
	defer ib.Close()
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	errs := make(chan error, len(evs))
	for i := range evs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := ib.Receive(context.Background(), ingest.Body{Channel: lead.ChannelHTTPS, Body: evs[i].Body}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
