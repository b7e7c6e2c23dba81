package jobs_test

import (
	"context"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"

	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

type countArgs struct{ N int }

func (countArgs) Kind() string { return "test_count" }

// replica is one leadhub process's job runner, with a pool of its own.
type replica struct {
	name   string
	db     *sql.DB
	runner *jobs.Runner
	cancel context.CancelFunc
}

// newReplica starts a runner named name on the database at dsn. Its worker
// records each run in test_runs in the transaction that completes the job,
// so a run is counted exactly when its completion commits.
func newReplica(t *testing.T, dsn, name string) *replica {
	t.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(8)
	w := river.NewWorkers()
	river.AddWorker(w, river.WorkFunc(func(ctx context.Context, j *river.Job[countArgs]) error {
		select { // the work itself: a call to a slow CRM
		case <-time.After(20 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `INSERT INTO test_runs (job_id, replica) VALUES ($1, $2)`, j.ID, name); err != nil {
			return err
		}
		if _, err := river.JobCompleteTx[*riverdatabasesql.Driver](ctx, tx, j); err != nil {
			return err
		}
		return tx.Commit()
	}))
	r, err := jobs.New(ctxT(t, time.Minute), db, jobs.EnginePostgres, jobs.Options{
		Workers: w, MaxWorkers: 4, ID: name,
		FetchPollInterval:    100 * time.Millisecond,
		RescueStuckJobsAfter: 2 * time.Second,
		JobTimeout:           time.Second,
		StopTimeout:          5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := r.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return &replica{name: name, db: db, runner: r, cancel: cancel}
}

// kill stops the replica as a crash would: its jobs' contexts end and its
// connections close, so what it was running stays "running" in the
// database until the leader's rescuer notices.
func (rp *replica) kill() {
	rp.cancel()
	rp.db.Close()
}

func count(t *testing.T, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// Two replicas on one PostgreSQL database work 200 jobs; the first, the
// leader, crashes midway; the second rescues what the first was running
// and finishes the rest. Every job completes exactly once.
func TestTwoReplicasEachJobOnce(t *testing.T) {
	if os.Getenv(storetest.PostgresURLEnv) == "" {
		t.Skipf("%s is not set", storetest.PostgresURLEnv)
	}
	var pg storetest.Engine
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			pg = e
		}
	}
	dsn := pg.NewDSN(t)
	st := storetest.OpenDSN(t, dsn)
	ctx := ctxT(t, 3*time.Minute)
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := jobs.Migrate(ctx, st.WriteDB(), st.Engine()); err != nil {
		t.Fatal(err)
	}
	db := st.WriteDB()
	if _, err := db.ExecContext(ctx, `CREATE TABLE test_runs (job_id BIGINT NOT NULL, replica TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}

	const total = 200
	a := newReplica(t, dsn, "replica-a")
	params := make([]river.InsertManyParams, total)
	for i := range params {
		params[i] = river.InsertManyParams{Args: countArgs{N: i}}
	}
	if _, err := a.runner.Client().InsertMany(ctx, params); err != nil {
		t.Fatal(err)
	}
	// a leads, so that its crash also tests the hand-over of leadership
	// (the rescuer runs on the leader only).
	waitFor(t, 30*time.Second, "replica-a to lead", func() bool {
		return count(t, db, `SELECT count(*) FROM river_leader WHERE leader_id = 'replica-a'`) == 1
	})
	b := newReplica(t, dsn, "replica-b")
	t.Cleanup(func() {
		if err := b.runner.Stop(context.Background()); err != nil {
			t.Errorf("stop replica-b: %v", err)
		}
		b.db.Close()
	})

	waitFor(t, time.Minute, "a quarter of the jobs", func() bool {
		return count(t, db, `SELECT count(*) FROM test_runs`) >= total/4
	})
	running := count(t, db, `SELECT count(*) FROM river_job WHERE state = 'running' AND $1 = ANY(attempted_by)`, "replica-a")
	killed := time.Now()
	a.kill()
	t.Logf("replica-a killed with %d jobs running, %d done", running, count(t, db, `SELECT count(*) FROM test_runs`))

	waitFor(t, 2*time.Minute, "every job completed", func() bool {
		return count(t, db, `SELECT count(*) FROM river_job WHERE state = 'completed'`) == total
	})
	t.Logf("all %d jobs completed %s after the crash", total, time.Since(killed).Round(time.Millisecond))

	runs := count(t, db, `SELECT count(*) FROM test_runs`)
	distinct := count(t, db, `SELECT count(DISTINCT job_id) FROM test_runs`)
	byA := count(t, db, `SELECT count(*) FROM test_runs WHERE replica = 'replica-a'`)
	rescued := count(t, db, `SELECT count(*) FROM river_job WHERE attempt > 1`)
	t.Logf("runs %d (distinct jobs %d): replica-a %d, replica-b %d; %d jobs ran again after the crash",
		runs, distinct, byA, runs-byA, rescued)
	if runs != total || distinct != total {
		t.Errorf("%d runs of %d distinct jobs, want %d of %d", runs, distinct, total, total)
	}
	if byA == 0 || byA == total {
		t.Errorf("replica-a did %d of %d: both replicas should have worked", byA, total)
	}
}

// waitFor polls cond until it holds, failing after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Replicas starting together migrate River's tables once, without error.
func TestMigrateConcurrently(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		dsn := e.NewDSN(t)
		const n = 3
		errs := make(chan error, n)
		applied := make(chan int, n)
		for range n {
			st := storetest.OpenDSN(t, dsn)
			go func() {
				v, err := jobs.Migrate(ctxT(t, time.Minute), st.WriteDB(), st.Engine())
				applied <- len(v)
				errs <- err
			}()
		}
		total := 0
		for range n {
			if err := <-errs; err != nil {
				t.Error(err)
			}
			total += <-applied
		}
		if all := len(mustVersions(t, e, dsn)); total != all {
			t.Errorf("%d versions applied in all, want each of the %d once", total, all)
		}
	})
}

// mustVersions returns River's migration versions recorded at dsn.
func mustVersions(t *testing.T, e storetest.Engine, dsn string) []int {
	t.Helper()
	st := storetest.OpenDSN(t, dsn)
	rows, err := st.WriteDB().QueryContext(context.Background(), `SELECT version FROM river_migration`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}
