package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// Reading rows: every multi-row read goes through eachRow (or collect,
// which gathers what a scan function makes of each row), and every list
// that is read a page at a time through readPage.

type scanner interface{ Scan(dest ...any) error }

// eachRow calls fn for every row of rows and closes them; err is the
// error of the query that returned rows, passed through.
func eachRow(rows *sql.Rows, err error, fn func(scanner) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return closeRows(rows)
}

// collect appends to out what scan makes of every row of rows (see
// eachRow).
func collect[T any](rows *sql.Rows, err error, out []T, scan func(scanner) (T, error)) ([]T, error) {
	err = eachRow(rows, err, func(sc scanner) error {
		v, err := scan(sc)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// readOne reads the row of q ($1 the id) on the reader pool with scan;
// KindNotFound, naming what was looked for, when there is none.
func readOne[T any](ctx context.Context, s *Store, op, what, q, id string, scan func(scanner) (T, error)) (T, error) {
	v, err := scan(s.r.QueryRowContext(ctx, q, clean(id)))
	if errors.Is(err, sql.ErrNoRows) {
		var zero T
		return zero, lead.Errorf(lead.KindNotFound, "store: %s %q not found", what, id)
	}
	if err != nil {
		var zero T
		return zero, s.fail(op, err)
	}
	return v, nil
}

func closeRows(rows *sql.Rows) error {
	if err := rows.Close(); err != nil {
		return err
	}
	return rows.Err()
}

func scanString(sc scanner) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

// page is one keyset page of a list read newest first: the rows of
// sel that match where, with ids below the cursor's (the last id of the
// previous page), at most limit of them (see pageSize).
type page struct {
	op     string // what is being read, for errors
	sel    string // SELECT … FROM …, without WHERE
	where  where
	cursor string
	limit  int
}

// readPage reads one page with scan on the reader pool and returns its
// items (never nil) and the cursor of the next page ("" after the last).
// id is an item's id, for that cursor.
func readPage[T any](ctx context.Context, s *Store, p page, scan func(scanner) (T, error), id func(T) string) ([]T, string, error) {
	limit := pageSize(p.limit)
	if p.cursor != "" {
		last, err := decodeCursor(p.cursor)
		if err != nil {
			return nil, "", err
		}
		p.where.add(filterBeforeID, last)
	}
	q, args := p.where.sql(p.sel, orderNewestFirst, limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	items, err := collect(rows, err, []T{}, scan)
	if err != nil {
		return nil, "", s.fail(p.op, err)
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = encodeCursor(id(items[limit-1]))
	}
	return items, next, nil
}

func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return lead.DefaultPageSize
	case limit > lead.MaxPageSize:
		return lead.MaxPageSize
	}
	return limit
}

// Cursors are the base64url of the last id on the previous page (a ULID,
// 26 characters of Crockford base32); the next page continues with
// smaller ids.
func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte(id)) }

// decodeCursor returns the id a cursor stands for, in the canonical
// (upper) case. Anything else, however well encoded, is KindInvalid.
func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) != ulid.EncodedSize {
		err = fmt.Errorf("%d bytes, not a ULID", len(b))
	}
	var id ulid.ULID
	if err == nil {
		id, err = ulid.ParseStrict(string(b))
	}
	if err != nil {
		return "", &lead.Error{Kind: lead.KindInvalid, Op: "store",
			Message: "invalid cursor: use the next_cursor of a previous page", Err: err}
	}
	return id.String(), nil
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
