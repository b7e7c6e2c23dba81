package jobs_test

import (
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// On SQLite the job client shares the store's single writer connection
// with ingest. While jobs are enqueued and worked without pause, the
// inbox still groups concurrent leads into few commits, and no lead waits
// long for its acknowledgement.
func TestSQLiteIngestNotStarved(t *testing.T) {
	e := storetest.Engines(t)[0]
	if e.Name != "sqlite" {
		t.Fatalf("first engine %s, want sqlite", e.Name)
	}
	st := migrated(t, e)
	rec := newRecorder()
	r := start(t, st, rec, jobs.Options{})
	ctx := ctxT(t, 2*time.Minute)

	// Jobs flow for as long as leads arrive: inserted in batches of 10,
	// each in a transaction of its own on the writer, and worked.
	stop := make(chan struct{})
	var enqueued atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n += 10 {
			select {
			case <-stop:
				return
			default:
			}
			params := make([]river.InsertManyParams, 10)
			for i := range params {
				params[i] = river.InsertManyParams{Args: markArgs{N: 1000 + n + i}}
			}
			if _, err := r.Client().InsertMany(ctx, params); err != nil {
				t.Errorf("enqueue: %v", err)
				return
			}
			enqueued.Add(10)
		}
	}()

	var commits atomic.Int64
	ib := ingest.New(st, ingest.Options{Writers: st.Writers(), OnCommit: func() { commits.Add(1) }})
	const leads, senders = 400, 40
	lat := make([]time.Duration, leads)
	var sent sync.WaitGroup
	for s := range senders {
		sent.Add(1)
		go func() {
			defer sent.Done()
			for i := s; i < leads; i += senders {
				body := fmt.Sprintf(`{"UserDetails":{"Email":"user%d@example.com"},"LeadSource":"AppSource (SPZA)-PLT|contoso.crm"}`, i)
				t0 := time.Now()
				if _, err := ib.Receive(ctx, ingest.Body{Channel: lead.ChannelHTTPS, Body: []byte(body)}); err != nil {
					t.Errorf("receive %d: %v", i, err)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	sent.Wait()
	ib.Close()
	close(stop)
	wg.Wait()

	rec.mu.Lock()
	done := len(rec.runs)
	rec.mu.Unlock()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99, maxLat := lat[leads/2], lat[leads*99/100], lat[leads-1]
	t.Logf("%d leads in %d commits while %d jobs were enqueued and %d worked; ack latency p50 %s p99 %s max %s",
		leads, commits.Load(), enqueued.Load(), done, p50.Round(time.Millisecond), p99.Round(time.Millisecond),
		maxLat.Round(time.Millisecond))
	if n := len(storetest.AllLeads(t, st)); n != leads {
		t.Errorf("stored %d leads, want %d", n, leads)
	}
	if c := commits.Load(); c >= leads/2 {
		t.Errorf("%d commits for %d leads: the group commit no longer groups", c, leads)
	}
	// Jobs went in through the same writer while the leads did; whether
	// some also ran meanwhile depends on River's poll and the machine.
	if enqueued.Load() == 0 {
		t.Errorf("no job enqueued while the leads went in: the job client did not share the writer")
	}
	if maxLat > 5*time.Second {
		t.Errorf("a lead waited %s for its commit", maxLat)
	}
	// Nor are the jobs starved: they all run once the leads are in.
	t0 := time.Now()
	waitFor(t, time.Minute, "every job worked", func() bool {
		return count(t, st.WriteDB(), `SELECT count(*) FROM river_job WHERE state <> 'completed'`) == 0
	})
	t.Logf("the remaining jobs were worked in %s", time.Since(t0).Round(time.Millisecond))
}
