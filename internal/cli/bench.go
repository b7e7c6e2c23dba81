package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/bench"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
)

// benchLoad posts synthetic leads to a running server and records every
// acknowledgement, riding through restarts with retries (the kill test).
func benchLoad(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("bench load", e, "bench load --url INGEST_URL --acks FILE [flags]")
	var cfg bench.LoadConfig
	var acksPath string
	fs.StringVar(&cfg.URL, "url", "", "the ingest URL, with its code")
	fs.StringVar(&cfg.Run, "run", "load", "a name for this run; it is written into each lead's description")
	fs.IntVar(&cfg.Count, "count", 5000, "leads to post")
	fs.IntVar(&cfg.Concurrency, "concurrency", 32, "concurrent clients")
	fs.DurationVar(&cfg.RetryFor, "retry-for", 2*time.Minute, "keep retrying a lead whose request failed for this long")
	fs.StringVar(&acksPath, "acks", "", "file to append one JSON line per acknowledged lead to")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if cfg.URL == "" || acksPath == "" {
		return usageError{errors.New("bench load: --url and --acks are required")}
	}
	f, err := os.OpenFile(acksPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var mu sync.Mutex
	var writeErr error
	cfg.OnAck = func(a bench.Ack) {
		b, _ := json.Marshal(a)
		mu.Lock()
		defer mu.Unlock()
		if _, err := f.Write(append(b, '\n')); err != nil && writeErr == nil {
			writeErr = err
		}
	}
	res, err := bench.Load(ctx, cfg)
	if err != nil {
		return err
	}
	if writeErr != nil {
		return writeErr
	}
	fmt.Fprintf(e.stdout, "posted %d leads: %d acknowledged, %d given up, %d retries, %.0f leads/s, p50 %s, p99 %s\n",
		cfg.Count, res.Acked, res.Failed, res.Retries, res.Rate(), ms(res.Percentile(50)), ms(res.Percentile(99)))
	if res.Failed > 0 {
		return fmt.Errorf("%d leads were never acknowledged", res.Failed)
	}
	return nil
}

// benchVerify checks that every acknowledged lead of a run is stored
// exactly once, under the id it was acknowledged with.
func benchVerify(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("bench verify", e, "bench verify --acks FILE [--run NAME] [--database DSN]")
	var dsn, acksPath, run string
	databaseFlag(fs, &dsn)
	fs.StringVar(&acksPath, "acks", "", "the acks file written by bench load")
	fs.StringVar(&run, "run", "load", "the run name given to bench load")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	acks, err := readAcks(acksPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, dsn, nil, false)
	if err != nil {
		return err
	}
	defer st.Close()
	stored := map[string][]string{} // marker → lead ids
	f := lead.LeadFilter{Limit: lead.MaxPageSize}
	for {
		page, err := st.ListLeads(ctx, f)
		if err != nil {
			return err
		}
		for _, l := range page.Leads {
			if strings.HasPrefix(l.Description, "bench "+run+" #") {
				stored[l.Description] = append(stored[l.Description], l.ID)
			}
		}
		if f.Cursor = page.NextCursor; f.Cursor == "" {
			break
		}
	}
	ackedSeqs := map[int]bool{}
	var missing, wrongID, redelivered int
	for _, a := range acks {
		ackedSeqs[a.Seq] = true
		if a.Status == 200 {
			redelivered++
		}
		ids := stored[bench.Marker(run, a.Seq)]
		switch {
		case len(ids) == 0:
			missing++
		case ids[0] != a.ID && (len(ids) == 1):
			wrongID++
		}
	}
	doubled, storedTotal := 0, 0
	for _, ids := range stored {
		storedTotal += len(ids)
		if len(ids) > 1 {
			doubled++
		}
	}
	fmt.Fprintf(e.stdout, "acknowledged %d distinct leads (%d ack lines, %d of them answered 200 as redeliveries of a body already committed); stored %d leads of run %q; missing %d; stored more than once %d; id mismatches %d\n",
		len(ackedSeqs), len(acks), redelivered, storedTotal, run, missing, doubled, wrongID)
	if missing > 0 || doubled > 0 || wrongID > 0 {
		return errors.New("verification failed: an acknowledged lead is missing or doubled")
	}
	fmt.Fprintln(e.stdout, "OK: every acknowledged lead is stored exactly once")
	return nil
}

func readAcks(path string) ([]bench.Ack, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var acks []bench.Ack
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		var a bench.Ack
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		acks = append(acks, a)
	}
	return acks, sc.Err()
}

// benchIngest measures sustained ingest over loopback HTTP against the real
// server, then a bare durable INSERT of the same bodies into the same
// database, and reports both and their ratio.
func benchIngest(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("bench ingest", e, "bench ingest [--database DSN] [--duration D] [--concurrency N] [--write FILE]")
	var dsn, writePath string
	var dur, warm time.Duration
	var conc int
	fs.StringVar(&dsn, "database", "", "database to measure (default: a new SQLite file in a temporary directory); a PostgreSQL database gets a throw-away schema")
	fs.DurationVar(&dur, "duration", 20*time.Second, "how long to measure each phase")
	fs.DurationVar(&warm, "warmup", 2*time.Second, "load before measuring")
	fs.IntVar(&conc, "concurrency", 32, "concurrent HTTP clients")
	fs.StringVar(&writePath, "write", "", "append the results as a Markdown section to this file (e.g. docs/BENCHMARKS.md)")
	var profilePath string
	fs.StringVar(&profilePath, "cpuprofile", "", "write a CPU profile of the measured phase and the resolver's catch-up to this file")
	var b2b bool
	fs.BoolVar(&b2b, "b2b", false, "send generated business leads (colleagues at Zipf-sized companies, as simulate --b2b: "+
		strconv.Itoa(b2bBodies)+" leads of about "+strconv.Itoa(b2bBodies*2/5)+" people) instead of the fixed synthetic bodies")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	var bodies func(int) []byte
	if b2b {
		fmt.Fprintf(e.stderr, "generating %d business leads…\n", b2bBodies)
		var err error
		if bodies, err = b2bBodySource(); err != nil {
			return err
		}
	}
	label, givenDSN := store.Redact(dsn), dsn
	if dsn == "" {
		dir, err := os.MkdirTemp("", "leadhub-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsn = "sqlite:" + filepath.Join(dir, "bench.db")
		label = "sqlite (temporary file)"
	} else if isPostgres(dsn) {
		schemaDSN, drop, err := store.TempSchema(ctx, dsn, "leadhub_bench")
		if err != nil {
			return err
		}
		defer drop()
		dsn = schemaDSN
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	st, err := openStore(ctx, dsn, nil, true)
	if err != nil {
		return err
	}
	defer st.Close()
	secret, cred := auth.NewSecret(lead.CredentialIngest, "bench", time.Now())
	if err := st.CreateCredential(ctx, cred); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	// The product as shipped: serve's defaults, the resolver and every
	// other background step on.
	srv, err := app.Start(ctx, st, ln, app.Defaults(), log)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = srv.Shutdown(10 * time.Second)
		}
	}()
	target := ingestURL("http://"+ln.Addr().String(), secret)

	fmt.Fprintf(e.stderr, "warming up for %s…\n", warm)
	if _, err := bench.Load(ctx, bench.LoadConfig{URL: target, Run: "warmup", Duration: warm, Concurrency: conc, Bodies: bodies}); err != nil {
		return err
	}
	stopProfile, err := startCPUProfile(profilePath)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Fprintf(e.stderr, "measuring leadhub over HTTP for %s with %d clients…\n", dur, conc)
	res, err := bench.Load(ctx, bench.LoadConfig{URL: target, Run: "measure", Duration: dur, Concurrency: conc, Bodies: bodies})
	if err != nil {
		return err
	}
	nonOK := res.Sent - res.Acked
	// The resolver runs beside ingest: how far behind did it fall? Then
	// stop the server, so that the baselines measure the database alone.
	fmt.Fprintln(e.stderr, "waiting for the resolver to resolve every lead…")
	caughtUp, backlog, err := waitResolved(ctx, st, 5*time.Minute)
	if err != nil {
		return err
	}
	stopProfile()
	stopped = true
	if err := srv.Shutdown(10 * time.Second); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "measuring a bare durable INSERT, one transaction each, %d clients…\n", conc)
	single, err := bench.BareInsert(ctx, st.WriteDB(), st.Engine(), dur, conc, 1)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "measuring a bare durable INSERT in batches of %d…\n", conc)
	batched, err := bench.BareInsert(ctx, st.WriteDB(), st.Engine(), dur, 1, conc)
	if err != nil {
		return err
	}
	durability, err := bench.Durability(ctx, st.WriteDB(), st.Engine())
	if err != nil {
		return err
	}

	var b strings.Builder
	fmt.Fprintf(&b, "\n### Ingest over loopback HTTP — %s, %s\n\n", st.Engine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s. Go %s. Database: %s (%s). Command: `%s`\n\n",
		machine(), runtime.Version(), label, durability, benchCommand(givenDSN, dur, conc, b2b))
	fmt.Fprintln(&b, "| what | rate | p50 | p99 | max | notes |")
	fmt.Fprintln(&b, "|---|---:|---:|---:|---:|---|")
	resolved := fmt.Sprintf("every lead resolved %.1f s after the load ended (%d unresolved then)", caughtUp.Seconds(), backlog)
	if caughtUp < 0 {
		resolved = fmt.Sprintf("%d leads still unresolved 5 min after the load ended", backlog)
	}
	fmt.Fprintf(&b, "| leadhub `POST /ingest/marketplace`, %d clients, as shipped (resolver on) | **%.0f leads/s** | %s | **%s** | %s | %d acknowledged, %d not 2xx; %s |\n",
		conc, res.Rate(), ms(res.Percentile(50)), ms(res.Percentile(99)), ms(res.Percentile(100)), res.Acked, nonOK, resolved)
	fmt.Fprintf(&b, "| bare INSERT, 1 row per transaction, %d goroutines | %.0f rows/s | %s | %s | %s | ratio leadhub/this = **%.2f** |\n",
		conc, single.Rate(), ms(single.Percentile(50)), ms(single.Percentile(99)), ms(single.Percentile(100)), res.Rate()/single.Rate())
	fmt.Fprintf(&b, "| bare INSERT, %d rows per transaction, 1 goroutine (no HTTP, no parsing) | %.0f rows/s | %s | %s | %s | ratio leadhub/this = **%.2f** |\n",
		conc, batched.Rate(), ms(batched.Percentile(50)), ms(batched.Percentile(99)), ms(batched.Percentile(100)), res.Rate()/batched.Rate())
	fmt.Fprint(e.stdout, b.String())
	if writePath != "" {
		f, err := os.OpenFile(writePath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString(b.String()); err != nil {
			return err
		}
	}
	return nil
}

// waitResolved waits until every lead of st has its customer and says how
// long that took and how many leads were unresolved when it began; a
// negative duration means it gave up after limit (the backlog is then what
// is left).
func waitResolved(ctx context.Context, st *store.Store, limit time.Duration) (time.Duration, int64, error) {
	start := time.Now()
	// Polled from the index of unresolved leads: counting every lead as
	// often would take the resolver's CPU on a small machine.
	backlog, err := st.UnresolvedLeads(ctx)
	if err != nil {
		return 0, 0, err
	}
	for left := backlog; left > 0; {
		if time.Since(start) > limit {
			return -1, left, nil
		}
		select {
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if left, err = st.UnresolvedLeads(ctx); err != nil {
			return 0, 0, err
		}
	}
	return time.Since(start), backlog, nil
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// benchCommand is the command line that reproduces a benchmark.
func benchCommand(dsn string, dur time.Duration, conc int, b2b bool) string {
	cmd := "leadhub bench ingest"
	if b2b {
		cmd += " --b2b"
	}
	if dsn != "" {
		cmd += " --database '" + store.Redact(dsn) + "'"
	}
	return fmt.Sprintf("%s --duration %s --concurrency %d", cmd, dur, conc)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// machine describes the CPU for benchmark reports.
func machine() string {
	model := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	if model == "" {
		model = runtime.GOARCH
	}
	return fmt.Sprintf("%d cores (%s), %s", runtime.NumCPU(), model, runtime.GOOS)
}

// startCPUProfile starts a CPU profile into path (nothing when path is
// empty) and returns the function that stops it, safe to call twice.
func startCPUProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}, nil
}

// b2bBodies is how many business leads bench ingest --b2b generates.
const b2bBodies = 120_000

// b2bBodySource generates the business leads of bench ingest --b2b before
// the load starts, and hands them out in order across the warm-up and the
// measured phase, so that no body is sent twice (after b2bBodies, they
// start again and count as redeliveries).
func b2bBodySource() (func(int) []byte, error) {
	events, err := simulate.Generate(simulate.Config{Seed: 1, Start: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		Count: b2bBodies, B2B: &simulate.B2BConfig{Companies: min(b2bBodies*3/40, simulate.MaxCompanies)}})
	if err != nil {
		return nil, err
	}
	var next atomic.Int64
	return func(int) []byte { return events[int(next.Add(1)-1)%len(events)].Body }, nil
}
