// Package store is leadhub's persistence on SQLite and PostgreSQL.
//
// One implementation of the domain's storage roles runs over database/sql for both engines.
// The SQL is written once with $N placeholders, which modernc.org/sqlite and
// pgx both accept unchanged (queries.go, identity_queries.go); the few
// places where the engines differ are collected side by side in the dialect
// struct (dialect.go). Everything a Store keeps (prepared statements,
// built VALUES lists) belongs to it and goes with Close: the package holds
// no state of its own.
//
// Times are stored as BIGINT unix microseconds (UTC), booleans as INTEGER 0/1,
// bodies as BLOB/BYTEA and JSON as TEXT, so both schemas hold the same values.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"             // registers the "sqlite" driver

	"github.com/leadhub/leadhub/internal/lead"
)

// Store implements every storage role of the domain.
var (
	_ lead.BatchCommitter       = (*Store)(nil)
	_ lead.LeadReader           = (*Store)(nil)
	_ lead.QuarantineStore      = (*Store)(nil)
	_ lead.CredentialStore      = (*Store)(nil)
	_ lead.SourceProgress       = (*Store)(nil)
	_ lead.SourceActivityReader = (*Store)(nil)
	_ lead.ImportStore          = (*Store)(nil)
	_ lead.Pinger               = (*Store)(nil)
	_ lead.ResolutionStore      = (*Store)(nil)
	_ lead.ModelStore           = (*Store)(nil)
	_ lead.CustomerReader       = (*Store)(nil)
	_ lead.ReviewReader         = (*Store)(nil)
	_ lead.AuditReader          = (*Store)(nil)
	_ lead.IdentityEditor       = (*Store)(nil)
	_ lead.ResolverLocker       = (*Store)(nil)
)

// Store is leadhub's database, on SQLite or PostgreSQL.
type Store struct {
	d dialect
	w *sql.DB // writer: every transaction that writes
	r *sql.DB // readers: on PostgreSQL the same pool as w

	ws, rs *stmtCache // statements prepared on w and on r (one cache when r is w)
	vals   sync.Map   // valuesKey → string, for values()

	// lazyCommits counts the identity transactions committed without
	// waiting for the disk (see dialect.lazyConn).
	lazyCommits atomic.Int64
}

func newStore(d dialect, w, r *sql.DB) *Store {
	s := &Store{d: d, w: w, r: r, ws: newStmtCache(w)}
	s.rs = s.ws
	if r != w {
		s.rs = newStmtCache(r)
	}
	return s
}

// SQLite connection settings. The shorthand keys are applied by the driver
// in a fixed order with busy_timeout first, so that the PRAGMAs after it wait
// for a lock held by another process instead of failing with SQLITE_BUSY.
//
// synchronous=FULL: in WAL mode FULL fsyncs the WAL on every commit, so a
// committed transaction survives power loss. NORMAL would fsync only at
// checkpoints, and a commit would only survive a crash of the process.
//
// _txlock=immediate makes every writer transaction BEGIN IMMEDIATE: it takes
// the write lock up front, so a transaction that reads before it writes can
// never fail halfway with SQLITE_BUSY when upgrading its lock.
const (
	sqliteWriterParams = "_busy_timeout=10000&_journal_mode=WAL&_foreign_keys=1&_synchronous=FULL&_txlock=immediate"
	sqliteReaderParams = "_busy_timeout=10000&_query_only=1"
	sqliteReaders      = 4
)

// sqliteStmtParams bounds multi-row statements on SQLite (see
// dialect.stmtParams). Measured: CPU per item is flat from about 64 to 256
// parameters per statement and grows quickly beyond; 256 rows of leads in
// one statement (5632 parameters) cost seven times as much CPU.
const sqliteStmtParams = 200

// PostgreSQL pool settings; one pool serves reads and writes.
const (
	postgresMaxConns    = 16
	postgresMaxIdleTime = 5 * time.Minute
	postgresMaxLifetime = 30 * time.Minute
)

// Open connects to an existing database at dsn without migrating it:
//
//	sqlite:<path>          e.g. sqlite:./leadhub.db (also sqlite://<path> and file:<path>)
//	postgres://user@host/db (or postgresql://…)
//
// Opening never creates a database: a SQLite file that does not exist is
// KindNotFound, with its absolute path in the message (a relative path is
// relative to the working directory). Create is the form that creates it.
func Open(ctx context.Context, dsn string) (*Store, error) { return open(ctx, dsn, false) }

// Create is Open, except that a missing SQLite database is created, with
// mode 0600 (SQLite gives its -wal and -shm files the same mode); its
// directory must exist. An existing file is opened as it is, its mode
// unchanged. A PostgreSQL database is never created: Create opens it like
// Open.
func Create(ctx context.Context, dsn string) (*Store, error) { return open(ctx, dsn, true) }

func open(ctx context.Context, dsn string, create bool) (*Store, error) {
	a, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if a.sqlite() {
		return openSQLite(ctx, a.path, create)
	}
	return openPostgres(ctx, a)
}

// sqliteFileMode is the mode of a SQLite database leadhub creates: it
// holds personal data, so only its owner may read it.
const sqliteFileMode = 0o600

func openSQLite(ctx context.Context, path string, create bool) (*Store, error) {
	dir := filepath.Dir(path)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, lead.Errorf(lead.KindInvalid,
			"store: directory %q for the SQLite database %q does not exist; create it first", dir, path)
	}
	if err := ensureSQLiteFile(path, create); err != nil {
		return nil, err
	}
	name := path
	if strings.HasPrefix(name, "file:") {
		// Without this the driver would read the path as a URI.
		name = "./" + name
	}

	d := sqliteDialect()
	w, err := sql.Open(d.driver, name+"?"+sqliteWriterParams)
	if err != nil {
		return nil, openError(d, path, err, nil)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)

	// The writer connects first: it switches the file to WAL before any
	// reader opens it.
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		w.Close()
		return nil, openError(d, path, err, nil)
	}
	if !strings.EqualFold(mode, "wal") {
		w.Close()
		return nil, lead.Errorf(lead.KindUnavailable,
			"store: SQLite database %q is in journal mode %q, not WAL (is it on a file system without shared memory?)", path, mode)
	}

	r, err := sql.Open(d.driver, name+"?"+sqliteReaderParams)
	if err != nil {
		w.Close()
		return nil, openError(d, path, err, nil)
	}
	r.SetMaxOpenConns(sqliteReaders)
	r.SetMaxIdleConns(sqliteReaders)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return nil, openError(d, path, err, nil)
	}
	return newStore(d, w, r), nil
}

// ensureSQLiteFile checks that the database file at path exists or, with
// create, creates it empty with sqliteFileMode (the driver would create it
// with the umask's default mode); an empty file is an empty database.
func ensureSQLiteFile(path string, create bool) error {
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.IsDir():
		return lead.Errorf(lead.KindInvalid, "store: %s is a directory, not a SQLite database", absPath(path))
	case err == nil, !errors.Is(err, fs.ErrNotExist):
		return nil // the driver reports what else may be wrong with it
	case !create:
		return lead.Errorf(lead.KindNotFound,
			"store: there is no SQLite database at %s; opening does not create one", absPath(path))
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, sqliteFileMode)
	if errors.Is(err, fs.ErrExist) {
		return nil // created meanwhile, by another process
	}
	if err != nil {
		return &lead.Error{Kind: lead.KindUnavailable, Op: "store",
			Message: fmt.Sprintf("cannot create the SQLite database %s", absPath(path)), Err: err}
	}
	return f.Close()
}

// absPath is path made absolute, for messages; path when that fails.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

func openPostgres(ctx context.Context, a address) (*Store, error) {
	d := postgresDialect()
	db, err := sql.Open(d.driver, a.dsn)
	if err != nil {
		return nil, openError(d, a.redacted, err, a.redact)
	}
	db.SetMaxOpenConns(postgresMaxConns)
	db.SetMaxIdleConns(postgresMaxConns)
	db.SetConnMaxIdleTime(postgresMaxIdleTime)
	db.SetConnMaxLifetime(postgresMaxLifetime)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, openError(d, a.redacted, err, a.redact)
	}
	return newStore(d, db, db), nil
}

// openError classifies err, then passes it through redact (when not nil)
// before keeping it.
func openError(d dialect, where string, err error, redact func(error) error) error {
	kind := lead.KindInternal
	if d.unavailable(err) {
		kind = lead.KindUnavailable
	}
	if redact != nil {
		err = redact(err)
	}
	return &lead.Error{Kind: kind, Op: "store", Message: fmt.Sprintf("cannot open %s database %s", d.name, where), Err: err}
}

// Writers is how many goroutines should commit ingest batches at once on
// this engine (1 on SQLite, 4 on PostgreSQL).
func (s *Store) Writers() int { return s.d.writers }

// Engine returns "sqlite" or "postgres".
func (s *Store) Engine() string { return s.d.name }

// WriteDB returns the pool that write transactions use. On SQLite it has a
// single connection: holding it blocks every other writer.
func (s *Store) WriteDB() *sql.DB { return s.w }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return s.fail("ping", err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return s.fail("ping", err)
		}
	}
	return nil
}

// Close closes the prepared statements and the pools.
func (s *Store) Close() error {
	err := s.ws.close()
	if s.rs != s.ws {
		err = errors.Join(err, s.rs.close())
	}
	err = errors.Join(err, s.w.Close())
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	if err != nil {
		return s.fail("close", err)
	}
	return nil
}

// fail wraps err in a *lead.Error describing the operation op; errors that
// already are *lead.Error pass through.
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	var le *lead.Error
	if errors.As(err, &le) {
		return err
	}
	if s.d.unavailable(err) {
		return &lead.Error{Kind: lead.KindUnavailable, Op: "store", Message: "" + op + ": database unavailable", Err: err}
	}
	return &lead.Error{Kind: lead.KindInternal, Op: "store", Message: "" + op + " failed", Err: err}
}
