package cli

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/bench"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// TestGracefulShutdownKeepsAcknowledgedLeads stops the server (as SIGTERM
// does) while 16 clients are posting: every lead that was acknowledged is
// in the database afterwards.
func TestGracefulShutdownKeepsAcknowledgedLeads(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ts := startTestServer(t, dsn)
			var mu sync.Mutex
			acked := map[string]int{}
			var n atomic.Int64
			loadDone := make(chan bench.LoadResult)
			go func() {
				res, _ := bench.Load(context.Background(), bench.LoadConfig{
					URL: ts.ingestURL, Run: "shutdown", Count: 20000, Concurrency: 16,
					OnAck: func(a bench.Ack) {
						mu.Lock()
						acked[a.ID] = a.Seq
						mu.Unlock()
						n.Add(1)
					},
				})
				loadDone <- res
			}()
			eventually.True(t, 30*time.Second, "some leads to be acknowledged", func() bool { return n.Load() >= 300 })
			if err := ts.stop(t); err != nil {
				t.Fatalf("serve: %v", err)
			}
			res := <-loadDone
			if res.Failed == 0 {
				t.Fatal("the load finished before the server stopped; the test proved nothing")
			}
			st := storetest.OpenDSN(t, dsn)
			for id, seq := range acked {
				l, err := st.GetLead(context.Background(), id)
				if err != nil {
					t.Fatalf("acknowledged lead %s (#%d) is missing after shutdown: %v", id, seq, err)
				}
				if l.Description != bench.Marker("shutdown", seq) {
					t.Fatalf("lead %s holds %q, want body #%d", id, l.Description, seq)
				}
			}
			t.Logf("%d leads acknowledged before shutdown, all stored; %d requests refused or cut", len(acked), res.Failed)
		})
	}
}
