package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// The engines, as Engine names them; also their migrations directories.
const (
	engineSQLite   = "sqlite"
	enginePostgres = "postgres"
)

// dialect holds everything that differs between the two engines. The
// rest of the package asks it, never the engine's name.
type dialect struct {
	name   string // engineSQLite or enginePostgres
	driver string // the database/sql driver

	// stmtParams is how many bind parameters a multi-row statement
	// carries at most. SQLite keeps $N parameters in a list that it
	// searches linearly, both when preparing a statement and when the
	// driver binds each argument, so a parameter costs more the more
	// parameters its statement has: there, several short statements beat
	// one long one. PostgreSQL takes a whole batch in one statement; its
	// protocol allows 65535 parameters.
	stmtParams int

	// writers is how many goroutines should commit ingest batches at once:
	// SQLite has one writer, so more would only queue for its lock;
	// PostgreSQL commits several transactions in parallel.
	writers int

	// forUpdate is appended to the SELECT that starts a read-modify-write
	// transaction. SQLite needs nothing: its writer transactions begin
	// IMMEDIATE and so already hold the database's write lock.
	forUpdate string

	// migrationLock runs first in every migration transaction so that two
	// processes migrating at once take turns. On SQLite, BEGIN IMMEDIATE has
	// already taken the write lock.
	migrationLock string

	// identityLock runs first in every identity transaction, so that
	// identity changes never interleave, across processes too. On SQLite,
	// BEGIN IMMEDIATE has already taken the write lock.
	identityLock string

	// A lazy identity transaction commits without waiting for the disk
	// (see CommitResolutions). On PostgreSQL that is a setting of the
	// transaction: lazyCommit is appended to identityLock (SET LOCAL
	// synchronous_commit = off, in the same round trip). On SQLite it is a
	// setting of the connection: the writer connection is pinned, lazyConn
	// relaxes it for the one transaction, and strictConn restores it before
	// anyone else can use it; a connection that cannot be restored is
	// discarded, never returned to the pool. lazyCheckpoint runs on it after
	// every lazyCheckpointEvery lazy commits.
	lazyCommit           string
	lazyConn, strictConn []string
	lazyCheckpoint       string

	// resolverLock takes the resolver lock, on a connection of its own, if
	// no other session holds it (one boolean row); resolverUnlock gives it
	// up. Empty on SQLite, where one process owns the database file and the
	// lock is nominal.
	resolverLock, resolverUnlock string

	// searchFilter is the lead filter (for where.add) of a search; its
	// argument is searchExpr of the search's words (see search.go).
	searchFilter string
	searchExpr   func([][]string) string

	uniqueViolation func(error) bool
	// foreignKeyViolation recognises a reference to a missing row.
	foreignKeyViolation func(error) bool
	unavailable         func(error) bool
}

// PostgreSQL advisory lock keys: "leadhub", "lhident" and "lhresol" in
// ASCII. Advisory locks belong to the database: the resolver's is taken
// per schema (its key hashed with the schema's name), so that leadhubs in
// other schemas of the same database (tests run so) resolve their own leads.
const (
	migrationLockKey = 0x6c656164687562
	identityLockKey  = 0x6c686964656e74
	resolverLockKey  = 0x6c687265736f6c
)

// Without the automatic checkpoint of a lazy SQLite commit, the commit
// that crosses the WAL's threshold is an ingest batch (as it would be
// without the resolver), and every lazyCheckpointEvery lazy commits one
// checkpoints the WAL itself, so that it stays small when the resolver
// alone writes.
const lazyCheckpointEvery = 512

func sqliteDialect() dialect {
	return dialect{
		name:                engineSQLite,
		driver:              "sqlite",
		stmtParams:          sqliteStmtParams,
		writers:             1,
		forUpdate:           "",
		migrationLock:       "",
		identityLock:        "",
		lazyCommit:          "",
		lazyConn:            []string{`PRAGMA synchronous = NORMAL`, `PRAGMA wal_autocheckpoint = 0`},
		strictConn:          []string{`PRAGMA synchronous = FULL`, `PRAGMA wal_autocheckpoint = 1000`},
		lazyCheckpoint:      `PRAGMA wal_checkpoint(PASSIVE)`,
		resolverLock:        "",
		resolverUnlock:      "",
		searchFilter:        `id IN (SELECT id FROM leads_fts WHERE leads_fts MATCH $#)`,
		searchExpr:          ftsMatch,
		uniqueViolation:     sqliteUniqueViolation,
		foreignKeyViolation: sqliteForeignKeyViolation,
		unavailable:         sqliteUnavailable,
	}
}

func postgresDialect() dialect {
	return dialect{
		name:           enginePostgres,
		driver:         "pgx",
		stmtParams:     65535,
		writers:        4,
		forUpdate:      " FOR UPDATE",
		migrationLock:  fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrationLockKey)),
		identityLock:   fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(identityLockKey)),
		lazyCommit:     `, set_config('synchronous_commit', 'off', true)`,
		lazyConn:       nil,
		strictConn:     nil,
		lazyCheckpoint: "",
		resolverLock:   fmt.Sprintf("SELECT pg_try_advisory_lock(hashtextextended(current_schema(), %d))", int64(resolverLockKey)),
		resolverUnlock: fmt.Sprintf("SELECT pg_advisory_unlock(hashtextextended(current_schema(), %d))", int64(resolverLockKey)),
		// The matching ids are gathered first (an InitPlan over the GIN
		// index), so that the planner never scans leads in id order
		// computing to_tsvector for each, as it would when it guesses
		// (without statistics, or for a rare word) that matches are common.
		searchFilter:        `id = ANY (ARRAY(SELECT id FROM leads WHERE to_tsvector('simple', search) @@ to_tsquery('simple', $#)))`,
		searchExpr:          tsQuery,
		uniqueViolation:     postgresUniqueViolation,
		foreignKeyViolation: postgresForeignKeyViolation,
		unavailable:         postgresUnavailable,
	}
}

// dialect returns the dialect of a parsed address.
func (a address) dialect() dialect {
	if a.engine == engineSQLite {
		return sqliteDialect()
	}
	return postgresDialect()
}

// commonUnavailable reports connection-level failures shared by both engines.
func commonUnavailable(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}

func sqliteUniqueViolation(err error) bool {
	code, ok := sqliteCode(err)
	return ok && (code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func sqliteForeignKeyViolation(err error) bool {
	code, ok := sqliteCode(err)
	return ok && code == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

func sqliteUnavailable(err error) bool {
	if commonUnavailable(err) {
		return true
	}
	code, ok := sqliteCode(err)
	if !ok {
		return false
	}
	switch code & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY:
		return true
	}
	return false
}

func postgresUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

func postgresForeignKeyViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}

func postgresUnavailable(err error) bool {
	if commonUnavailable(err) || pgconn.Timeout(err) || pgconn.SafeToRetry(err) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			strings.HasPrefix(pe.Code, "53"),       // insufficient resources
			strings.HasPrefix(pe.Code, "57P"),      // operator intervention: shutdown, cannot connect now
			pe.Code == "40001", pe.Code == "40P01": // serialization failure, deadlock: retry later
			return true
		}
	}
	return false
}
