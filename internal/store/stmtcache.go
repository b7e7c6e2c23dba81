package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"sync"
)

// stmtCache holds the statements prepared on one pool. The resolver runs
// the same few statements for every lead. Parsing one costs more than
// running it (SQLite parses a statement anew on every call unless it is
// prepared), so they are prepared once per pool and reused; inside a
// transaction through Tx.StmtContext, which reuses the statement prepared
// on the transaction's connection. Store.Close closes them.
type stmtCache struct {
	db     *sql.DB
	stmts  sync.Map // query → *sql.Stmt
	wanted sync.Map // query → true: to prepare before the next transaction
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db} }

// prepared returns q prepared on the pool.
func (c *stmtCache) prepared(ctx context.Context, q string) (*sql.Stmt, error) {
	if v, ok := c.stmts.Load(q); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := c.stmts.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// inTx returns q prepared for use in tx, or nil when it is not prepared
// yet: a statement cannot be prepared on the writer pool while a
// transaction holds its (on SQLite only) connection, so it is noted and
// prepared before the next transaction begins.
func (c *stmtCache) inTx(ctx context.Context, tx *sql.Tx, q string) *sql.Stmt {
	if v, ok := c.stmts.Load(q); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt))
	}
	c.wanted.Store(q, true)
	return nil
}

// prepareWanted prepares the statements transactions asked for.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.wanted.Range(func(k, _ any) bool {
		if _, err := c.prepared(ctx, k.(string)); err == nil {
			c.wanted.Delete(k)
		}
		return true
	})
}

// close closes every statement prepared so far.
func (c *stmtCache) close() error {
	var err error
	c.stmts.Range(func(k, v any) bool {
		err = errors.Join(err, v.(*sql.Stmt).Close())
		c.stmts.Delete(k)
		return true
	})
	return err
}

// query runs a prepared read on the reader pool.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := s.rs.prepared(ctx, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

type valuesKey struct{ rows, cols, first int }

// values returns "($first, …), (…)" for rows rows of cols parameters each,
// numbered from first. The lists are kept: a store builds the same few
// again and again.
func (s *Store) values(rows, cols, first int) string {
	k := valuesKey{rows, cols, first}
	if v, ok := s.vals.Load(k); ok {
		return v.(string)
	}
	var b strings.Builder
	b.Grow(rows * cols * 6)
	n := first
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	v := b.String()
	s.vals.Store(k, v)
	return v
}
