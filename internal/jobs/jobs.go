// Package jobs is leadhub's durable job runner: a River client over the
// store's database, on SQLite and on PostgreSQL alike.
//
// Job kinds live with their owners: a package that needs background work
// declares its args type (a river.JobArgs) and its river.Worker, and the
// composition root adds the workers to one *river.Workers handed to New.
// A job is enqueued in the same transaction as the change that causes it
// (InsertTx with the store's *sql.Tx): when that transaction rolls back the
// job never existed, when it commits the job runs, once.
//
// On SQLite the client shares the store's single writer connection, so
// every River statement (fetch, complete, the maintenance services) is one
// short transaction queued behind ingest's group commits; River polls
// instead of listening. On PostgreSQL the client uses the store's pool for
// everything and a small pgx pool only for LISTEN, and several replicas
// share the queue: jobs are claimed with FOR UPDATE SKIP LOCKED, and the
// elected leader runs the scheduler, the rescuer of jobs whose replica died
// and the cleaner.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Engines the runner knows, as the store names them (store.Engine).
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// Defaults of Options.
const (
	DefaultMaxWorkers  = 4
	DefaultStopTimeout = 30 * time.Second
	// DefaultRescueAfter is how long a job may stay running before the
	// leader takes it for lost with its replica. River's own default is an
	// hour; a job kind must finish well within this (River's JobTimeout,
	// 1 minute unless the worker's Timeout says otherwise).
	DefaultRescueAfter = 10 * time.Minute
)

// Options configure a Runner. The zero value is serve's configuration.
type Options struct {
	// Workers are the job kinds this process works. Nil makes a runner
	// that only enqueues and lists jobs (another process works them).
	Workers *river.Workers

	// PeriodicJobs are inserted on their schedules by the leader among the
	// replicas (only with Workers).
	PeriodicJobs []*river.PeriodicJob

	// MaxWorkers bounds the jobs one process works at once
	// (DefaultMaxWorkers when 0).
	MaxWorkers int

	// StopTimeout bounds how long Stop waits for running jobs before it
	// cancels them (DefaultStopTimeout when 0).
	StopTimeout time.Duration

	// FetchPollInterval is how often the queue is polled for new jobs when
	// no notification comes (River's default, 1s, when 0). On SQLite it is
	// the only way another process's jobs are seen.
	FetchPollInterval time.Duration

	// RescueStuckJobsAfter is how long a running job may go without
	// finishing before the leader makes it available again, on the
	// assumption that its process died (DefaultRescueAfter when 0).
	RescueStuckJobsAfter time.Duration

	// JobTimeout bounds one attempt of a job (River's default, 1m, when
	// 0); a worker's Timeout method overrides it. RescueStuckJobsAfter
	// must not be shorter.
	JobTimeout time.Duration

	// ID names this client among the replicas (River makes one when "").
	ID string

	// Registerer receives the runner's metrics (none when nil).
	Registerer prometheus.Registerer

	// Logger receives job errors and River's own messages.
	Logger *slog.Logger
}

// Runner owns the River client of one process.
type Runner struct {
	client   *river.Client[*sql.Tx]
	db       *sql.DB
	engine   string
	listener *pgxpool.Pool // PostgreSQL only: LISTEN for new jobs
	log      *slog.Logger
	metrics  *metrics
	stopWait time.Duration
	working  bool

	cancel    context.CancelFunc // stops the event loop and the client's work context
	eventDone chan struct{}
}

// migrateLockKey is the PostgreSQL advisory lock that serialises replicas
// migrating River's tables at once (rivermigrate takes none itself).
const migrateLockKey int64 = 0x6c68_7269_7665_72 // "lhriver"

// Migrate brings River's own tables (river_job, river_leader, …) in db up
// to date with rivermigrate, and returns the versions it applied. It runs
// at start next to the store's migrations. Replicas starting together
// apply each version once: on SQLite the versions are applied in one
// immediate transaction of the store's writer; on PostgreSQL, where a
// version that adds an enum value cannot share a transaction with the next
// one that uses it, a session advisory lock is held while rivermigrate
// applies them one by one.
func Migrate(ctx context.Context, db *sql.DB, engine string) ([]int, error) {
	driver, err := newDriver(db, engine, nil)
	if err != nil {
		return nil, err
	}
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil, fmt.Errorf("jobs: migrator: %w", err)
	}
	var res *rivermigrate.MigrateResult
	if engine == EnginePostgres {
		res, err = migrateLocked(ctx, db, m)
	} else {
		res, err = migrateInTx(ctx, db, m)
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: migrate River's tables: %w", err)
	}
	var applied []int
	for _, v := range res.Versions {
		applied = append(applied, v.Version)
	}
	return applied, nil
}

func migrateInTx(ctx context.Context, db *sql.DB, m *rivermigrate.Migrator[*sql.Tx]) (*rivermigrate.MigrateResult, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, err
	}
	return res, tx.Commit()
}

func migrateLocked(ctx context.Context, db *sql.DB, m *rivermigrate.Migrator[*sql.Tx]) (*rivermigrate.MigrateResult, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrateLockKey); err != nil {
		return nil, err
	}
	defer func() {
		// Closing the session would release it too; unlock so that the
		// connection goes back to the pool clean.
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLockKey)
	}()
	return m.Migrate(ctx, rivermigrate.DirectionUp, nil)
}

// New builds a runner over db, the store's writer pool (store.WriteDB), on
// engine (store.Engine). River's tables must be migrated (Migrate). The
// runner works nothing until Start.
func New(ctx context.Context, db *sql.DB, engine string, o Options) (*Runner, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Runner{db: db, engine: engine, log: log, stopWait: o.StopTimeout}
	if r.stopWait <= 0 {
		r.stopWait = DefaultStopTimeout
	}
	if engine == EnginePostgres && o.Workers != nil {
		pool, err := listenerPool(ctx, db)
		if err != nil {
			return nil, err
		}
		r.listener = pool
	}
	driver, err := newDriver(db, engine, r.listener)
	if err != nil {
		r.closeListener()
		return nil, err
	}
	c := &river.Config{
		FetchPollInterval:    o.FetchPollInterval,
		RescueStuckJobsAfter: cmp.Or(o.RescueStuckJobsAfter, DefaultRescueAfter),
		JobTimeout:           o.JobTimeout,
		ID:                   o.ID,
		Logger:               riverLogger(log),
		// The job's own error is logged by the event loop, with its id,
		// kind and attempt; River's executor logs it too, at error level.
	}
	if o.Workers != nil {
		maxWorkers := o.MaxWorkers
		if maxWorkers <= 0 {
			maxWorkers = DefaultMaxWorkers
		}
		c.Workers = o.Workers
		c.PeriodicJobs = o.PeriodicJobs
		c.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}}
		r.working = true
	}
	client, err := river.NewClient(driver, c)
	if err != nil {
		r.closeListener()
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r.client = client
	r.metrics = newMetrics(o.Registerer, db)
	return r, nil
}

func newDriver(db *sql.DB, engine string, listener *pgxpool.Pool) (riverdriver.Driver[*sql.Tx], error) {
	switch engine {
	case EngineSQLite:
		return riversqlite.New(db), nil
	case EnginePostgres:
		if listener != nil {
			return riverdatabasesql.NewWithPgxListener(db, listener), nil
		}
		return riverdatabasesql.New(db), nil
	}
	return nil, fmt.Errorf("jobs: unknown database engine %q", engine)
}

// listenerPool opens a small pgx pool with the connection settings of db
// (a pgx stdlib pool): same server, credentials and search_path.
func listenerPool(ctx context.Context, db *sql.DB) (*pgxpool.Pool, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("jobs: listener: %w", err)
	}
	defer conn.Close()
	var pc *pgxpool.Config
	err = conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("jobs: listener: the database is not a pgx pool (%T)", dc)
		}
		pc, err = pgxpool.ParseConfig("")
		if err != nil {
			return err
		}
		pc.ConnConfig = sc.Conn().Config().Copy()
		// The copy keeps the handler that sends notifications to the
		// buffer of the connection it was copied from: without clearing
		// it, the listener's own connection would never see one.
		pc.ConnConfig.OnNotification = nil
		return nil
	})
	if err != nil {
		return nil, err
	}
	pc.MaxConns = 2
	pc.MinConns = 0
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("jobs: listener: %w", err)
	}
	return pool, nil
}

// riverLogger passes River's own messages on from warnings up: at info it
// reports every leadership change and maintenance pass.
func riverLogger(log *slog.Logger) *slog.Logger {
	return slog.New(minLevel{log.Handler(), slog.LevelWarn}).With("component", "jobs")
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}
func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{h.Handler.WithAttrs(as), h.min}
}
func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{h.Handler.WithGroup(name), h.min}
}

// Client is the River client, for what the runner does not wrap.
func (r *Runner) Client() *river.Client[*sql.Tx] { return r.client }

// Engine is the database engine the runner is on.
func (r *Runner) Engine() string { return r.engine }

// Start starts working jobs (a runner without workers only enqueues, and
// Start does nothing). The client runs until Stop, or until ctx ends, which
// stops it abruptly (running jobs' contexts end): a server passes a context
// that its shutdown signal does not cancel, and calls Stop.
func (r *Runner) Start(ctx context.Context) error {
	if !r.working {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	events, unsubscribe := r.client.Subscribe(river.EventKindJobCompleted, river.EventKindJobFailed,
		river.EventKindJobCancelled, river.EventKindJobSnoozed)
	if err := r.client.Start(ctx); err != nil {
		unsubscribe()
		cancel()
		return fmt.Errorf("jobs: start: %w", err)
	}
	r.cancel = cancel
	r.eventDone = make(chan struct{})
	go func() {
		defer close(r.eventDone)
		defer unsubscribe()
		for {
			select {
			case <-ctx.Done():
				return
			case <-r.client.Stopped():
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				r.observe(ev)
			}
		}
	}()
	return nil
}

// observe counts an event and logs a job's error.
func (r *Runner) observe(ev *river.Event) {
	j := ev.Job
	if j == nil {
		return
	}
	r.metrics.observe(ev.Kind, j)
	switch ev.Kind {
	case river.EventKindJobFailed, river.EventKindJobCancelled:
		msg := ""
		if n := len(j.Errors); n > 0 {
			msg = j.Errors[n-1].Error
		}
		level := slog.LevelWarn
		if j.State == rivertype.JobStateDiscarded {
			level = slog.LevelError
		}
		r.log.Log(context.Background(), level, "job failed",
			"job_id", j.ID, "kind", j.Kind, "attempt", j.Attempt, "max_attempts", j.MaxAttempts,
			"state", string(j.State), "next_at", j.ScheduledAt, "error", msg)
	}
}

// Stop stops fetching new jobs and waits for the running ones, at most
// Options.StopTimeout or until ctx ends, whichever comes first; then it
// cancels them and waits, at most StopTimeout again, for them to return.
// A cancelled job is retried later, by this process or another replica.
func (r *Runner) Stop(ctx context.Context) error {
	var err error
	if r.working && r.cancel != nil {
		graceful, cancel := context.WithTimeout(ctx, r.stopWait)
		err = r.client.Stop(graceful)
		cancel()
		if err != nil && graceful.Err() != nil {
			r.log.Warn("jobs still running at the stop deadline; cancelling them", "timeout", r.stopWait.String())
			hard, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.stopWait)
			err = r.client.StopAndCancel(hard)
			cancel()
		}
		r.cancel()
		<-r.eventDone
		r.cancel = nil
	}
	r.closeListener()
	if err != nil {
		return fmt.Errorf("jobs: stop: %w", err)
	}
	return nil
}

func (r *Runner) closeListener() {
	if r.listener != nil {
		r.listener.Close()
		r.listener = nil
	}
}

// InsertTx enqueues a job in tx, the transaction of the change that causes
// it: the job exists only if tx commits. On SQLite tx must be a transaction
// of the store's writer (it is the only one that writes).
func (r *Runner) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := r.client.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}

// Insert enqueues a job in a transaction of its own, for work that no
// database change causes (an admin's request, a timer).
func (r *Runner) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := r.client.Insert(ctx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return res, nil
}

// Enqueuer is what a package that causes jobs needs: a Runner, or a fake
// in its tests.
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

var _ Enqueuer = (*Runner)(nil)
