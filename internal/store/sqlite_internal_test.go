package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "leadhub.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
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
