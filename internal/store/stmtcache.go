package store

import (
	"context"
	"database/sql"
	"sync"
)

// The resolver runs the same few statements for every lead. Parsing one
// costs more than running it (SQLite parses a statement anew on every
// call unless it is prepared), so they are prepared once per pool and
// reused; inside a transaction through Tx.StmtContext, which reuses the
// statement prepared on the transaction's connection.
type stmtKey struct {
	db *sql.DB
	q  string
}

var (
	stmts  sync.Map // stmtKey → *sql.Stmt
	wanted sync.Map // stmtKey → true: to prepare before the next transaction
)

func prepared(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	k := stmtKey{db, q}
	if v, ok := stmts.Load(k); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := stmts.LoadOrStore(k, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// query runs a prepared read on the reader pool.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := prepared(ctx, s.r, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// inTx returns q prepared for use in tx, or nil when it is not prepared
// yet: a statement cannot be prepared on the writer pool while a
// transaction holds its (on SQLite only) connection, so it is noted and
// prepared before the next transaction begins.
func inTx(ctx context.Context, db *sql.DB, tx *sql.Tx, q string) *sql.Stmt {
	k := stmtKey{db, q}
	if v, ok := stmts.Load(k); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt))
	}
	wanted.Store(k, true)
	return nil
}

// prepareWanted prepares the statements transactions asked for.
func prepareWanted(ctx context.Context, db *sql.DB) {
	wanted.Range(func(k, _ any) bool {
		if sk := k.(stmtKey); sk.db == db {
			if _, err := prepared(ctx, db, sk.q); err == nil {
				wanted.Delete(k)
			}
		}
		return true
	})
}
