package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// Job kinds of the tests.

type markArgs struct{ N int }

func (markArgs) Kind() string { return "test_mark" }

type flakyArgs struct{ N int }

func (flakyArgs) Kind() string { return "test_flaky" }

type snoozeArgs struct{ N int }

func (snoozeArgs) Kind() string { return "test_snooze" }

type blockArgs struct{ N int }

func (blockArgs) Kind() string { return "test_block" }

type refuseArgs struct{ N int }

func (refuseArgs) Kind() string { return "test_refuse" }

// run is one attempt a worker saw.
type run struct {
	kind    string
	n       int
	attempt int
	at      time.Time
}

// recorder is what the test workers report to.
type recorder struct {
	mu      sync.Mutex
	runs    []run
	changed chan struct{} // closed and replaced on every run
	started chan int64    // test_block: the job id, when it starts
}

func newRecorder() *recorder {
	return &recorder{changed: make(chan struct{}), started: make(chan int64, 16)}
}

func (r *recorder) add(kind string, n, attempt int) {
	r.mu.Lock()
	r.runs = append(r.runs, run{kind: kind, n: n, attempt: attempt, at: time.Now()})
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
}

// of returns the runs of kind with n.
func (r *recorder) of(kind string, n int) []run {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []run
	for _, x := range r.runs {
		if x.kind == kind && x.n == n {
			out = append(out, x)
		}
	}
	return out
}

// workers are the test kinds, reporting to rec.
func workers(rec *recorder) *river.Workers {
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[markArgs]) error {
		rec.add(j.Kind, j.Args.N, j.Attempt)
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[flakyArgs]) error {
		rec.add(j.Kind, j.Args.N, j.Attempt)
		if j.Attempt == 1 {
			return errors.New("crm answered 503")
		}
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[snoozeArgs]) error {
		rec.add(j.Kind, j.Args.N, j.Attempt)
		if len(rec.of(j.Kind, j.Args.N)) == 1 {
			return river.JobSnooze(time.Second) // as for a 429
		}
		return nil
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[blockArgs]) error {
		rec.add(j.Kind, j.Args.N, j.Attempt)
		rec.started <- j.ID
		<-ctx.Done()
		return ctx.Err()
	}))
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[refuseArgs]) error {
		rec.add(j.Kind, j.Args.N, j.Attempt)
		return river.JobCancel(errors.New("crm answered 400: bad field"))
	}))
	return w
}

func ctxT(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// migrated returns a fresh store with River's tables on engine e.
func migrated(t *testing.T, e storetest.Engine) *store.Store {
	t.Helper()
	st := e.Open(t)
	applied, err := jobs.Migrate(ctxT(t, time.Minute), st.WriteDB(), st.Engine())
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 {
		t.Fatal("Migrate applied nothing on a fresh database")
	}
	// A second run is a no-op.
	if again, err := jobs.Migrate(ctxT(t, time.Minute), st.WriteDB(), st.Engine()); err != nil || len(again) != 0 {
		t.Fatalf("Migrate again: %v, %v", again, err)
	}
	return st
}

// start starts a runner over st working the test kinds, stopped when the
// test ends.
func start(t *testing.T, st *store.Store, rec *recorder, o jobs.Options) *jobs.Runner {
	t.Helper()
	o.Workers = workers(rec)
	if o.FetchPollInterval == 0 {
		o.FetchPollInterval = 100 * time.Millisecond
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = 5 * time.Second
	}
	r, err := jobs.New(ctxT(t, time.Minute), st.WriteDB(), st.Engine(), o)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

// waitJob waits until the job with id satisfies ok, and returns it.
func waitJob(t *testing.T, r *jobs.Runner, id int64, timeout time.Duration, ok func(jobs.Job) bool) jobs.Job {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		j, err := r.Get(context.Background(), id)
		if err != nil {
			t.Fatalf("get job %d: %v", id, err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d: still %+v after %s", id, j, timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling the condition, not waiting blindly
	}
}

func inState(s string) func(jobs.Job) bool { return func(j jobs.Job) bool { return j.State == s } }

func engines(t *testing.T, fn func(t *testing.T, e storetest.Engine)) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

var errRollback = errors.New("the change failed")

// A job enqueued in a transaction that rolls back never runs; one enqueued
// in a transaction that commits runs once, and the change it belongs to is
// there.
func TestInsertTxWithTheChange(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		ctx := ctxT(t, time.Minute)
		if _, err := st.WriteDB().ExecContext(ctx,
			`CREATE TABLE test_changes (id INTEGER NOT NULL PRIMARY KEY, note TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		rec := newRecorder()
		r := start(t, st, rec, jobs.Options{Registerer: prometheus.NewRegistry()})

		change := func(n int, fail bool) (int64, error) {
			var id int64
			err := st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO test_changes (id, note) VALUES ($1, $2)`, n, "x"); err != nil {
					return err
				}
				res, err := r.InsertTx(ctx, tx, markArgs{N: n}, nil)
				if err != nil {
					return err
				}
				id = res.Job.ID
				if fail {
					return errRollback
				}
				return nil
			})
			return id, err
		}
		rolledBack, err := change(1, true)
		if !errors.Is(err, errRollback) {
			t.Fatalf("rolled back change: %v", err)
		}
		committed, err := change(2, false)
		if err != nil {
			t.Fatal(err)
		}
		waitJob(t, r, committed, 20*time.Second, inState("completed"))
		// A job enqueued after both: once it ran, the queue was worked past them.
		after, err := r.Insert(ctx, markArgs{N: 3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		waitJob(t, r, after.Job.ID, 20*time.Second, inState("completed"))

		// SQLite may give the id of a rolled back row to the next one, so
		// the jobs are told apart by their args.
		list, err := r.List(ctx, jobs.Filter{Kind: "test_mark"})
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range list {
			if string(j.Args) == `{"N":1}` {
				t.Errorf("the rolled back job %d (enqueued as %d) exists: %+v", j.ID, rolledBack, j)
			}
		}
		if len(list) != 2 {
			t.Errorf("%d jobs listed, want 2", len(list))
		}
		if n := len(rec.of("test_mark", 1)); n != 0 {
			t.Errorf("the rolled back job ran %d times", n)
		}
		if n := len(rec.of("test_mark", 2)); n != 1 {
			t.Errorf("the committed job ran %d times, want 1", n)
		}
		var changes int
		if err := st.WriteDB().QueryRowContext(ctx, `SELECT count(*) FROM test_changes`).Scan(&changes); err != nil {
			t.Fatal(err)
		}
		if changes != 1 {
			t.Errorf("%d changes stored, want 1 (the committed one)", changes)
		}
	})
}

// A failing job is retried with River's backoff, and its error is kept;
// the metrics count the retry and the completion.
func TestFailingJobIsRetried(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		rec := newRecorder()
		reg := prometheus.NewRegistry()
		logs := &lockedBuffer{}
		r := start(t, st, rec, jobs.Options{Registerer: reg, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
		res, err := r.Insert(ctxT(t, time.Minute), flakyArgs{N: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, res.Job.ID, 30*time.Second, inState("completed"))
		if j.Attempt != 2 {
			t.Errorf("completed at attempt %d, want 2", j.Attempt)
		}
		if len(j.Errors) != 1 || j.Errors[0].Attempt != 1 || !strings.Contains(j.Errors[0].Error, "crm answered 503") {
			t.Errorf("errors %+v, want attempt 1's", j.Errors)
		}
		runs := rec.of("test_flaky", 1)
		if len(runs) != 2 {
			t.Fatalf("%d runs, want 2", len(runs))
		}
		gap := runs[1].at.Sub(runs[0].at)
		t.Logf("%s: retried %s after the failure", e.Name, gap.Round(time.Millisecond))
		if gap < 900*time.Millisecond { // River's backoff for attempt 1 is 1s (±10%)
			t.Errorf("retried after %s, want River's backoff of about 1s", gap)
		}
		waitCounter(t, reg, "test_flaky", jobs.OutcomeRetried, 1)
		waitCounter(t, reg, "test_flaky", jobs.OutcomeCompleted, 1)
		want := fmt.Sprintf(`"msg":"job failed","job_id":%d,"kind":"test_flaky","attempt":1,"max_attempts":25`, res.Job.ID)
		if line := logs.String(); !strings.Contains(line, want) || !strings.Contains(line, `"error":"crm answered 503"`) {
			t.Errorf("the log does not report the failure with %s:\n%s", want, line)
		}
	})
}

// lockedBuffer is a log destination that tests read while jobs write.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A job that snoozes (a CRM's 429) runs again after the snooze, which is
// not an attempt that failed.
func TestSnoozedJobRunsLater(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		rec := newRecorder()
		r := start(t, st, rec, jobs.Options{})
		res, err := r.Insert(ctxT(t, time.Minute), snoozeArgs{N: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, res.Job.ID, 30*time.Second, inState("completed"))
		if len(j.Errors) != 0 {
			t.Errorf("a snooze recorded errors: %+v", j.Errors)
		}
		runs := rec.of("test_snooze", 1)
		if len(runs) != 2 {
			t.Fatalf("%d runs, want 2", len(runs))
		}
		gap := runs[1].at.Sub(runs[0].at)
		t.Logf("%s: ran again %s after snoozing 1s", e.Name, gap.Round(time.Millisecond))
		if gap < time.Second {
			t.Errorf("ran again after %s, before the snooze ended", gap)
		}
	})
}

// A running job cancelled by an admin stops (its context ends) and is not
// retried; a job whose worker cancels itself (a permanent 4xx) is not
// retried either.
func TestCancelledJobStops(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		rec := newRecorder()
		reg := prometheus.NewRegistry()
		r := start(t, st, rec, jobs.Options{Registerer: reg})
		ctx := ctxT(t, time.Minute)
		res, err := r.Insert(ctx, blockArgs{N: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-rec.started:
			if id != res.Job.ID {
				t.Fatalf("started job %d, want %d", id, res.Job.ID)
			}
		case <-ctx.Done():
			t.Fatal("the job never started")
		}
		if _, err := r.Cancel(ctx, res.Job.ID); err != nil {
			t.Fatal(err)
		}
		j := waitJob(t, r, res.Job.ID, 20*time.Second, inState("cancelled"))
		if j.FinalizedAt == nil {
			t.Error("a cancelled job has no finalized_at")
		}
		if n := len(rec.of("test_block", 1)); n != 1 {
			t.Errorf("ran %d times, want 1", n)
		}

		refused, err := r.Insert(ctx, refuseArgs{N: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		j = waitJob(t, r, refused.Job.ID, 20*time.Second, inState("cancelled"))
		if len(j.Errors) != 1 || !strings.Contains(j.Errors[0].Error, "bad field") {
			t.Errorf("errors %+v, want the 400", j.Errors)
		}
		waitCounter(t, reg, "test_refuse", jobs.OutcomeCancelled, 1)

		if _, err := r.Cancel(ctx, 1<<40); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("cancel of a missing job: %v, want ErrNotFound", err)
		}
	})
}

// A job scheduled 1.5s ahead runs at its time, not before, and not much
// after.
func TestScheduledJobRunsAtItsTime(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		rec := newRecorder()
		r := start(t, st, rec, jobs.Options{})
		at := time.Now().Add(1500 * time.Millisecond)
		res, err := r.Insert(ctxT(t, time.Minute), markArgs{N: 7}, &river.InsertOpts{ScheduledAt: at})
		if err != nil {
			t.Fatal(err)
		}
		if res.Job.State != "scheduled" {
			t.Errorf("state %s, want scheduled", res.Job.State)
		}
		waitJob(t, r, res.Job.ID, 30*time.Second, inState("completed"))
		runs := rec.of("test_mark", 7)
		if len(runs) != 1 {
			t.Fatalf("%d runs, want 1", len(runs))
		}
		late := runs[0].at.Sub(at)
		t.Logf("%s: a job scheduled 1.5s ahead ran %s after its time", e.Name, late.Round(time.Millisecond))
		if late < 0 {
			t.Errorf("ran %s early", -late)
		}
		// River's scheduler moves due jobs every 5s.
		if late > 7*time.Second {
			t.Errorf("ran %s late", late)
		}
	})
}

// A unique job is not enqueued twice while the first waits.
func TestUniqueJob(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		r, err := jobs.New(ctxT(t, time.Minute), st.WriteDB(), st.Engine(), jobs.Options{}) // enqueue only
		if err != nil {
			t.Fatal(err)
		}
		ctx := ctxT(t, time.Minute)
		opts := &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
		var ids []int64
		for i, want := range []bool{false, true} {
			var skipped bool
			err := st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				res, err := r.InsertTx(ctx, tx, markArgs{N: 9}, opts)
				if err == nil {
					skipped = res.UniqueSkippedAsDuplicate
					ids = append(ids, res.Job.ID)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if skipped != want {
				t.Errorf("insert %d: skipped %v, want %v", i+1, skipped, want)
			}
		}
		if ids[0] != ids[1] {
			t.Errorf("the duplicate returned job %d, want %d", ids[1], ids[0])
		}
		list, err := r.List(ctx, jobs.Filter{Kind: "test_mark"})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 {
			t.Errorf("%d jobs listed, want 1", len(list))
		}
	})
}

// counterValue is one series of leadhub_jobs_run_total in reg.
type counterValue struct {
	reg           *prometheus.Registry
	kind, outcome string
}

func (c counterValue) value() float64 {
	mfs, err := c.reg.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() != "leadhub_jobs_run_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["kind"] == c.kind && labels["outcome"] == c.outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// waitCounter waits until leadhub_jobs_run_total{kind,outcome} is want:
// events reach the metrics a moment after the job's row changes.
func waitCounter(t *testing.T, reg *prometheus.Registry, kind, outcome string, want float64) {
	t.Helper()
	c := counterValue{reg: reg, kind: kind, outcome: outcome}
	deadline := time.Now().Add(10 * time.Second)
	for c.value() != want {
		if time.Now().After(deadline) {
			t.Fatalf("leadhub_jobs_run_total{kind=%q,outcome=%q} = %v, want %v", kind, outcome, c.value(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Stop waits for running jobs at most StopTimeout, then cancels them: the
// job is not lost but retryable, for this process's next start or another
// replica.
func TestStopIsBounded(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		st := migrated(t, e)
		rec := newRecorder()
		o := jobs.Options{Workers: workers(rec), FetchPollInterval: 100 * time.Millisecond, StopTimeout: 300 * time.Millisecond}
		ctx := ctxT(t, time.Minute)
		r, err := jobs.New(ctx, st.WriteDB(), st.Engine(), o)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		res, err := r.Insert(ctx, blockArgs{N: 2}, nil)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-rec.started:
		case <-ctx.Done():
			t.Fatal("the job never started")
		}
		t0 := time.Now()
		if err := r.Stop(ctx); err != nil {
			t.Fatalf("stop: %v", err)
		}
		took := time.Since(t0)
		t.Logf("%s: stopped in %s with a job that never ends by itself", e.Name, took.Round(time.Millisecond))
		if took < 300*time.Millisecond || took > 5*time.Second {
			t.Errorf("stop took %s, want a little more than the 300ms bound", took)
		}
		j, err := r.Get(ctx, res.Job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != "retryable" && j.State != "available" {
			t.Errorf("after the stop the job is %s, want retryable", j.State)
		}
	})
}
