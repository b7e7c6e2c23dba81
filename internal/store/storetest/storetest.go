// Package storetest gives tests a fresh, migrated store on every engine
// available: SQLite always, PostgreSQL when LEADHUB_TEST_POSTGRES_URL is set.
//
// Each PostgreSQL database is a schema of its own (lh_test_<random>),
// reached through search_path and dropped when the test ends. When the
// variable is set but the server does not answer, PostgreSQL tests are
// skipped, or fail when CI=true.
//
// AllLeads reads back every lead a store holds, for tests that count or
// check what was stored.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// PostgresURLEnv names the variable holding the PostgreSQL server to test
// against, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const PostgresURLEnv = "LEADHUB_TEST_POSTGRES_URL"

// Engine is one database engine to run tests against.
type Engine struct {
	Name string // "sqlite" or "postgres"

	// NewDSN returns the address of a fresh, empty (unmigrated) database
	// that is removed when the test ends. It exists: store.Open opens it.
	NewDSN func(t testing.TB) string

	// Open returns a migrated store on a fresh database, closed when the
	// test ends.
	Open func(t testing.TB) *store.Store
}

// Engines returns SQLite and, when PostgresURLEnv is set, PostgreSQL.
func Engines(t testing.TB) []Engine {
	t.Helper()
	es := []Engine{engine("sqlite", sqliteDSN)}
	if os.Getenv(PostgresURLEnv) != "" {
		es = append(es, engine("postgres", postgresDSN))
	}
	return es
}

func engine(name string, newDSN func(testing.TB) string) Engine {
	return Engine{
		Name:   name,
		NewDSN: newDSN,
		Open: func(t testing.TB) *store.Store {
			t.Helper()
			s := OpenDSN(t, newDSN(t))
			if _, err := s.Migrate(context.Background()); err != nil {
				t.Fatalf("migrate: %v", err)
			}
			return s
		},
	}
}

// OpenDSN opens a store on dsn without migrating it and closes it when the
// test ends.
func OpenDSN(t testing.TB, dsn string) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close store: %v", err)
		}
	})
	return s
}

// AllLeads returns every lead r holds, reading them page by page in the
// order ListLeads gives them.
func AllLeads(t testing.TB, r lead.LeadReader) []lead.Lead {
	t.Helper()
	var all []lead.Lead
	f := lead.LeadFilter{Limit: lead.MaxPageSize}
	for {
		page, err := r.ListLeads(context.Background(), f)
		if err != nil {
			t.Fatalf("list leads: %v", err)
		}
		all = append(all, page.Leads...)
		if page.NextCursor == "" {
			return all
		}
		f.Cursor = page.NextCursor
	}
}

func sqliteDSN(t testing.TB) string {
	t.Helper()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "leadhub.db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Create(ctx, dsn)
	if err != nil {
		t.Fatalf("create %s: %v", dsn, err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("create %s: %v", dsn, err)
	}
	return dsn
}

var (
	adminOnce sync.Once
	adminDB   *sql.DB
	adminErr  error
)

// admin returns a connection to the test server, shared by all tests of
// the process.
func admin() (*sql.DB, error) {
	adminOnce.Do(func() {
		db, err := sql.Open("pgx", os.Getenv(PostgresURLEnv))
		if err != nil {
			adminErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminErr = err
			return
		}
		db.SetMaxOpenConns(4)
		adminDB = db
	})
	return adminDB, adminErr
}

func postgresDSN(t testing.TB) string {
	t.Helper()
	raw := os.Getenv(PostgresURLEnv)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresURLEnv)
	}
	db, err := admin()
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s is unreachable: %v", u.Redacted(), err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	schema := "lh_test_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema %s: %v", schema, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
