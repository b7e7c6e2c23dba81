package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// newSQLite returns an unmigrated store on a new SQLite file, closed when
// the test ends.
func newSQLite(t *testing.T) *Store {
	t.Helper()
	s, err := Create(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "leadhub.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSQLite(t)
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		pragma string
		writer any
		reader any
	}{
		{"journal_mode", "wal", "wal"},
		{"synchronous", int64(2), nil}, // FULL
		{"foreign_keys", int64(1), nil},
		{"busy_timeout", int64(10000), int64(10000)},
		{"query_only", int64(0), int64(1)},
	} {
		for _, db := range []struct {
			name string
			want any
			q    func() (any, error)
		}{
			{"writer", tc.writer, func() (v any, err error) { return v, s.w.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&v) }},
			{"reader", tc.reader, func() (v any, err error) { return v, s.r.QueryRowContext(ctx, "PRAGMA "+tc.pragma).Scan(&v) }},
		} {
			if db.want == nil {
				continue
			}
			got, err := db.q()
			if err != nil {
				t.Fatal(err)
			}
			if b, ok := got.([]byte); ok {
				got = string(b)
			}
			if got != db.want {
				t.Errorf("%s: PRAGMA %s = %#v, want %#v", db.name, tc.pragma, got, db.want)
			}
		}
	}
	if s.w.Stats().MaxOpenConnections != 1 {
		t.Errorf("writer pool allows %d connections", s.w.Stats().MaxOpenConnections)
	}
	if _, err := s.r.ExecContext(ctx, `DELETE FROM credentials`); err == nil {
		t.Error("the read pool can write")
	}
}

// TestMigrationZeroesMergedLeadCounts: customers merged before 0004 kept
// their lead count; the migration sets it to 0 and touches nothing else.
func TestMigrationZeroesMergedLeadCounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSQLite(t)
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.name >= "0004" {
			break
		}
		if _, err := s.applyMigration(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO customers (id, created_at, updated_at, merged_into, stage, lead_count)
VALUES ('A', 1, 1, NULL, 'trial', 2), ('B', 1, 1, 'A', 'active', 3)`); err != nil {
		t.Fatal(err)
	}
	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) == 0 || applied[0] != "0004_merged_lead_count" {
		t.Fatalf("Migrate: %v %v", applied, err)
	}
	for id, want := range map[string]string{"A": "trial 2 1", "B": "active 0 1"} {
		var stage string
		var n, updated int
		if err := s.w.QueryRowContext(ctx, `SELECT stage, lead_count, updated_at FROM customers WHERE id = $1`, id).Scan(&stage, &n, &updated); err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(stage, " ", n, " ", updated); got != want {
			t.Errorf("customer %s: %s, want %s", id, got, want)
		}
	}
}
