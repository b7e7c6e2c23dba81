package resolve_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
)

// The resolution benchmark builds a store of many customers and resolves
// new leads against it one at a time.
//
//	LEADHUB_BENCH_CUSTOMERS  customers to build (default 20000; the target is 1000000)
//	LEADHUB_BENCH_DATABASE   postgres://… to build in a new schema there (default: a SQLite file)
//	LEADHUB_BENCH_DIR        keep the SQLite file here and reuse it when it has the customers already
const (
	benchNewLeads = 5000 // held-out leads resolved one by one (cycled with a nonce beyond)
)

type benchEnv struct {
	st    *store.Store
	fresh []lead.Incoming // held-out leads, not yet stored
	next  int
	build time.Duration
	size  int
	dsn   string
}

var (
	benchOnce sync.Once
	benchE    *benchEnv
	benchErr  error
	benchDrop func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchE != nil {
		benchE.st.Close()
	}
	if benchDrop != nil {
		benchDrop()
	}
	os.Exit(code)
}

func benchSize() int {
	if v := os.Getenv("LEADHUB_BENCH_CUSTOMERS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return 20000
}

// incoming turns a simulated event into what the inbox would commit.
func incoming(ev simulate.Event, at time.Time) (lead.Incoming, error) {
	p, err := ingest.Decode(lead.ChannelHTTPS, ev.Body)
	if err != nil {
		return lead.Incoming{}, err
	}
	sum := sha256.Sum256(ev.Body)
	return lead.Incoming{
		ID: ulid.MustNew(ulid.Timestamp(at), ulid.DefaultEntropy()).String(), Channel: lead.ChannelHTTPS, Source: "https",
		ReceivedAt: at, Body: ev.Body, SHA256: hex.EncodeToString(sum[:]), Parsed: p,
	}, nil
}

func setupBench(b *testing.B) *benchEnv {
	benchOnce.Do(func() { benchE, benchErr = buildBench() })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchE
}

func buildBench() (*benchEnv, error) {
	ctx := context.Background()
	n := benchSize()
	env := &benchEnv{size: n}
	dsn := os.Getenv("LEADHUB_BENCH_DATABASE")
	reuse := false
	switch {
	case dsn != "":
		d, drop, err := store.TempSchema(ctx, dsn, "lh_bench")
		if err != nil {
			return nil, err
		}
		dsn, benchDrop = d, drop // TestMain drops it when the benchmarks are done
	case os.Getenv("LEADHUB_BENCH_DIR") != "":
		path := filepath.Join(os.Getenv("LEADHUB_BENCH_DIR"), fmt.Sprintf("resolve-%d.db", n))
		_, err := os.Stat(path)
		reuse = err == nil
		dsn = "sqlite:" + path
	default:
		dir, err := os.MkdirTemp("", "leadhub-bench-")
		if err != nil {
			return nil, err
		}
		dsn = "sqlite:" + filepath.Join(dir, "resolve.db")
		benchDrop = func() { os.RemoveAll(dir) }
	}
	env.dsn = dsn
	st, err := store.Create(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		return nil, err
	}
	env.st = st
	// One lead per person on average: a million events make about a
	// million customers; the last benchNewLeads events are held out.
	cfg := simulate.Config{Seed: 42, Start: simStart, Count: n + benchNewLeads, People: n}
	seq, err := simulate.Events(cfg)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var chunk []lead.Incoming
	base := time.Now().Add(-time.Duration(n+benchNewLeads) * time.Millisecond)
	i := 0
	if reuse {
		if v, _ := st.GetCheckpoint(ctx, "bench:resolve"); v != strconv.Itoa(n) {
			reuse = false
		}
	}
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		if _, err := st.CommitBatch(ctx, chunk); err != nil {
			return err
		}
		if err := resolveAsNew(ctx, st, chunk); err != nil {
			return err
		}
		chunk = chunk[:0]
		return nil
	}
	for ev := range seq {
		in, err := incoming(ev, base.Add(time.Duration(i)*time.Millisecond))
		if err != nil {
			return nil, err
		}
		i++
		if i > n {
			env.fresh = append(env.fresh, in)
			continue
		}
		if reuse {
			continue
		}
		chunk = append(chunk, in)
		if len(chunk) == 5000 {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if !reuse {
		if err := st.SetCheckpoint(ctx, "bench:resolve", strconv.Itoa(n)); err != nil {
			return nil, err
		}
	}
	// What autovacuum and autoanalyze do to a store that grew over time:
	// the bulk load leaves a dead index entry for every lead it resolved.
	q := "ANALYZE"
	if st.Engine() == "postgres" {
		q = "VACUUM ANALYZE"
	}
	if _, err := st.WriteDB().ExecContext(ctx, q); err != nil {
		return nil, err
	}
	if st.Engine() == "postgres" {
		// Flush the load now rather than in a checkpoint during the
		// measurement (needs the right to; without, it is skipped).
		_, _ = st.WriteDB().ExecContext(ctx, "CHECKPOINT")
	}
	env.build = time.Since(start)
	return env, nil
}

// resolveAsNew makes each lead a customer of its own, with its keys, as
// the resolver would for leads with no candidate.
func resolveAsNew(ctx context.Context, st *store.Store, in []lead.Incoming) error {
	rs := make([]lead.Resolution, len(in))
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(in); i += workers {
				l := lead.Lead{ID: in[i].ID, ReceivedAt: in[i].ReceivedAt, Channel: in[i].Channel, Parsed: *in[i].Parsed}
				rs[i] = lead.Resolution{Lead: l, CustomerID: ulid.Make().String(), Outcome: lead.OutcomeNew, Keys: resolve.Keys(&l),
					DecisionID: ulid.Make().String(), AuditID: ulid.Make().String(), At: l.ReceivedAt,
					Explanation: lead.Explanation{Reason: "new customer (bulk load)", Model: resolve.DefaultModelID}}
			}
		})
	}
	wg.Wait()
	_, err := st.CommitResolutions(ctx, rs)
	return err
}

// BenchmarkResolveOneLead resolves new leads one at a time against a store
// of LEADHUB_BENCH_CUSTOMERS customers: each iteration stores one new lead
// (not timed) and resolves it durably (timed: finding it, its candidates
// through the key index, their leads, scoring, and the commit).
func BenchmarkResolveOneLead(b *testing.B) {
	env := setupBench(b)
	ctx := context.Background()
	var decide, commit []time.Duration
	r := resolve.New(env.st, resolve.Options{Batch: 1, Observe: func(_ int, d, c time.Duration) {
		decide = append(decide, d)
		commit = append(commit, c)
	}})
	total := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		in := env.fresh[env.next%len(env.fresh)]
		in.ID = ulid.Make().String()
		in.ReceivedAt = time.Now()
		if env.next >= len(env.fresh) || os.Getenv("LEADHUB_BENCH_DIR") != "" {
			// A lead seen before: make its body new.
			in.Body = fmt.Appendf(slices.Clone(in.Body), " %s", in.ID)
			sum := sha256.Sum256(in.Body)
			in.SHA256 = hex.EncodeToString(sum[:])
		}
		env.next++
		if _, err := env.st.CommitBatch(ctx, []lead.Incoming{in}); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t := time.Now()
		n, err := r.ResolvePending(ctx)
		total = append(total, time.Since(t))
		if err != nil || n != 1 {
			b.Fatalf("resolved %d: %v", n, err)
		}
		b.StopTimer()
		l, err := env.st.GetLead(ctx, in.ID)
		if err != nil || l.CustomerID == "" {
			b.Fatalf("lead %s not resolved: %v", in.ID, err)
		}
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(ms(pct(total, 0.50)), "p50-ms")
	b.ReportMetric(ms(pct(total, 0.99)), "p99-ms")
	b.ReportMetric(ms(pct(decide, 0.99)), "decide-p99-ms")
	b.ReportMetric(ms(pct(commit, 0.99)), "commit-p99-ms")
	if b.N >= 100 {
		b.Logf("%d customers on %s (built in %s); %d leads resolved one by one: total p50 %.2f ms p90 %.2f p99 %.2f max %.2f; decide p50 %.2f p99 %.2f; commit p50 %.2f p99 %.2f",
			env.size, env.st.Engine(), env.build.Round(time.Second), len(total),
			ms(pct(total, 0.5)), ms(pct(total, 0.9)), ms(pct(total, 0.99)), ms(pct(total, 1)),
			ms(pct(decide, 0.5)), ms(pct(decide, 0.99)), ms(pct(commit, 0.5)), ms(pct(commit, 0.99)))
		b.Logf("commit p90 %.2f p95 %.2f p98 %.2f; decide p90 %.2f p95 %.2f p98 %.2f", ms(pct(commit, 0.9)), ms(pct(commit, 0.95)), ms(pct(commit, 0.98)), ms(pct(decide, 0.9)), ms(pct(decide, 0.95)), ms(pct(decide, 0.98)))
	}
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p+0.5) - 1
	return s[max(0, min(len(s)-1, i))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
