package store_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/leadhub/leadhub/internal/store"
)

// Write commits what its function did when it returns nil, and rolls it
// back, returning the function's error as it is, otherwise.
func TestWriteCommitsOrRollsBack(t *testing.T) {
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if _, err := s.WriteDB().ExecContext(ctx, `CREATE TABLE test_marks (n INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		mark := func(n int, fail error) error {
			return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO test_marks (n) VALUES ($1)`, n); err != nil {
					return err
				}
				return fail
			})
		}
		errFail := errors.New("the change failed")
		if err := mark(1, errFail); err != errFail {
			t.Fatalf("Write with a failing function: %v, want its error", err)
		}
		if err := mark(2, nil); err != nil {
			t.Fatal(err)
		}
		var n, sum int
		if err := s.WriteDB().QueryRowContext(ctx, `SELECT count(*), coalesce(sum(n), 0) FROM test_marks`).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if n != 1 || sum != 2 {
			t.Errorf("%d rows summing to %d, want only the committed one (2)", n, sum)
		}
	})
}
