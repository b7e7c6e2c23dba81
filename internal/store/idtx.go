package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// Identity resolution: customers, their blocking keys, the resolver's
// decisions, the review queue and the audit log.
//
// Every transaction that changes who belongs to which customer takes the
// identity lock first: on PostgreSQL a transaction-scoped advisory lock, on
// SQLite the write lock that BEGIN IMMEDIATE holds already. Identity writes
// are short and so are serialised, which keeps the rules simple: no
// deadlocks, and every check made inside a transaction stays true until it
// commits.
//
// A customer's summary (stage, flags, golden record, offers, counts) is
// lead.Summary, a fold over its leads that does not depend on their order,
// so adding one lead to it (the resolver's join) gives exactly what
// recomputing it from all the leads gives (after a merge, a split or an
// undo); customer_rows.go maps it to and from the customers row.
//
// The files: idtx.go the transaction and the moves every change makes,
// resolutions.go the resolver's side, customers.go, review.go, audit.go
// and undo.go the reads and human decisions, identity_queries.go the SQL.

// idTx is one identity transaction.
type idTx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	now int64
}

// change runs a person's identity change (act says who, and why) in one
// identity transaction; fn fills in the change's audit entry.
func (s *Store) change(ctx context.Context, op string, act lead.Act, fn func(t *idTx, e *lead.AuditEntry) error) (lead.AuditEntry, error) {
	if err := checkAct(act); err != nil {
		return lead.AuditEntry{}, err
	}
	var e lead.AuditEntry
	err := s.identity(ctx, op, func(t *idTx) error { return fn(t, &e) })
	return e, err
}

// identity runs fn in a transaction that holds the identity lock, and
// moves the identity generation on: a change the resolver did not make
// itself, after which it must read the index again.
func (s *Store) identity(ctx context.Context, op string, fn func(t *idTx) error) error {
	return s.identityTx(ctx, op, false, func(t *idTx) error {
		if _, err := t.exec(bumpIdentityGeneration); err != nil {
			return err
		}
		return fn(t)
	})
}

// identityTx is identity; with lazy, the commit does not wait for the disk
// (see CommitResolutions, and dialect.lazyCommit for how each engine does
// it).
func (s *Store) identityTx(ctx context.Context, op string, lazy bool, fn func(t *idTx) error) error {
	return s.writeTx(ctx, op, lazy, true, fn)
}

// writeTx runs fn in a write transaction, holding the identity lock when
// locked.
func (s *Store) writeTx(ctx context.Context, op string, lazy, locked bool, fn func(t *idTx) error) (err error) {
	s.ws.prepareWanted(ctx)
	var tx *sql.Tx
	if lazy && len(s.d.lazyConn) > 0 {
		conn, cerr := s.w.Conn(ctx)
		if cerr != nil {
			return s.fail(op, cerr)
		}
		defer func() { s.restoreConn(conn, err == nil) }()
		for _, q := range s.d.lazyConn {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return s.fail(op, err)
			}
		}
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return s.fail(op, err)
		}
	} else if tx, err = s.w.BeginTx(ctx, nil); err != nil {
		return s.fail(op, err)
	}
	defer tx.Rollback()
	lock := ""
	if locked {
		lock = s.d.identityLock
	}
	if lazy && s.d.lazyCommit != "" {
		if lock == "" {
			lock = "SELECT " + strings.TrimPrefix(s.d.lazyCommit, ", ")
		} else {
			lock += s.d.lazyCommit
		}
	}
	if lock != "" {
		if _, err := tx.ExecContext(ctx, lock); err != nil {
			return s.fail(op, err)
		}
	}
	t := &idTx{s: s, ctx: ctx, tx: tx, now: time.Now().UnixMicro()}
	if err := fn(t); err != nil {
		return s.fail(op, err)
	}
	return s.fail(op, tx.Commit())
}

// restoreConn undoes lazyConn on a pinned writer connection (after a
// lazy commit, every lazyCheckpointEvery times, checkpointing the WAL
// first) and releases it. A connection that cannot be restored is
// discarded rather than returned to the pool; the transaction's outcome
// stands either way.
func (s *Store) restoreConn(conn *sql.Conn, committed bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	defer conn.Close()
	if committed && s.lazyCommits.Add(1)%lazyCheckpointEvery == 0 {
		_, _ = conn.ExecContext(ctx, s.d.lazyCheckpoint)
	}
	for _, q := range s.d.strictConn {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			return
		}
	}
}

// exec runs q in t's transaction, prepared when it can be.
func (t *idTx) exec(q string, args ...any) (sql.Result, error) {
	if st := t.s.ws.inTx(t.ctx, t.tx, q); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

// execRows runs head + VALUES for args, cols values a row, in chunks that
// fit the dialect.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, head string, cols int, args []any, tail string) error {
	per := s.d.rowsPerStatement(cols, 0)
	for len(args) > 0 {
		n := min(per, len(args)/cols)
		q := head + s.values(n, cols, 1) + tail
		var err error
		if st := s.ws.inTx(ctx, tx, q); st != nil {
			_, err = st.ExecContext(ctx, args[:n*cols]...)
		} else {
			_, err = tx.ExecContext(ctx, q, args[:n*cols]...)
		}
		if err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}

// root follows merged_into from id to the customer that holds its leads
// now; "" when id does not exist.
func (t *idTx) root(id string) (string, error) {
	return rootOf(t.ctx, t.tx, id)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func rootOf(ctx context.Context, q queryer, id string) (string, error) {
	for range 64 {
		var merged sql.NullString
		err := q.QueryRowContext(ctx, selectMerged, id).Scan(&merged)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if !merged.Valid || merged.String == "" {
			return id, nil
		}
		id = merged.String
	}
	return "", fmt.Errorf("customer %s: merged_into chain too long", id)
}

// leadIDsOf returns the ids of a customer's leads, in id order.
func (t *idTx) leadIDsOf(customer string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, selectLeadIDsOf, customer)
	return collect(rows, err, nil, scanString)
}

// owners returns the current customer of each lead ("" when unresolved);
// a lead that does not exist is missing from the map.
func (t *idTx) owners(leadIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(leadIDs))
	for chunk := range slices.Chunk(leadIDs, t.s.d.rowsPerStatement(1, 0)) {
		rows, err := t.tx.QueryContext(t.ctx, selectOwnersIn+t.s.values(1, len(chunk), 1), anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			var id string
			var c sql.NullString
			if err := sc.Scan(&id, &c); err != nil {
				return err
			}
			out[id] = c.String
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// moveLeads moves leads from one customer to another ("" to: unresolved,
// which drops their keys) and returns how many keys followed.
func (t *idTx) moveLeads(from, to string, leadIDs []string) (int, error) {
	per := t.s.d.rowsPerStatement(1, 2)
	keys := 0
	for chunk := range slices.Chunk(leadIDs, per) {
		args := make([]any, 0, len(chunk)+2)
		var target any
		if to != "" {
			target = to
		}
		args = append(args, target, from)
		for _, id := range chunk {
			args = append(args, id)
		}
		in := t.s.values(1, len(chunk), 3)
		if _, err := t.tx.ExecContext(t.ctx, moveLeadsIn+in, args...); err != nil {
			return 0, err
		}
		var res sql.Result
		var err error
		if to == "" {
			res, err = t.tx.ExecContext(t.ctx, dropKeysIn+t.s.values(1, len(chunk), 2), args[1:]...)
		} else {
			res, err = t.tx.ExecContext(t.ctx, moveKeysIn+in, args...)
		}
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		keys += int(n)
	}
	return keys, nil
}
