package store

import (
	"context"
	"database/sql"
)

// TxFunc is work done inside a store write transaction, such as enqueueing
// the jobs a change causes (jobs.Runner.InsertTx), so that they commit or
// roll back with it.
type TxFunc func(ctx context.Context, tx *sql.Tx) error

// Write runs fn in a transaction of the writer and commits it when fn
// returns nil; otherwise it rolls back and returns fn's error as it is.
// On SQLite the writer has one connection: fn must not wait on another
// store call that writes, or it waits forever.
func (s *Store) Write(ctx context.Context, fn TxFunc) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail("begin", err)
	}
	defer tx.Rollback()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return s.fail("commit", err)
	}
	return nil
}
