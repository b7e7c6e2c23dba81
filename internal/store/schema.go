package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// Redact returns a database address that is safe to log: a PostgreSQL
// password is replaced, a SQLite path is returned as is.
func Redact(dsn string) string {
	a, err := parseDSN(dsn)
	if err != nil {
		return "(invalid database address)"
	}
	if a.postgres() {
		return a.redacted
	}
	return dsn
}

// TempSchema creates a new, empty schema named prefix_<random> in the
// PostgreSQL database at dsn and returns an address that uses it (through
// search_path) and a function that drops it. Benchmarks and tests use it to
// work in a database of their own.
func TempSchema(ctx context.Context, dsn, prefix string) (string, func(), error) {
	a, err := parseDSN(dsn)
	if err != nil {
		return "", nil, err
	}
	if !a.postgres() {
		return "", nil, lead.Errorf(lead.KindInvalid, "store: a temporary schema needs a PostgreSQL address")
	}
	db, err := sql.Open(postgresDialect().driver, a.dsn)
	if err != nil {
		return "", nil, a.redact(err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	// The schema name is built here from a fixed prefix and hex digits;
	// identifiers cannot be bound as parameters.
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+quoteIdent(schema)); err != nil {
		db.Close()
		return "", nil, a.redact(err)
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+quoteIdent(schema)+" CASCADE")
		db.Close()
	}
	u, err := url.Parse(a.dsn)
	if err != nil {
		drop()
		return "", nil, lead.Errorf(lead.KindInvalid, "store: PostgreSQL address is not a valid URL")
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func quoteIdent(s string) string {
	out := []byte{'"'}
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			out = append(out, '"')
		}
		out = append(out, s[i])
	}
	return string(append(out, '"'))
}
