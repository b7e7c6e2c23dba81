package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

const (
	selectCheckpoint = `SELECT value FROM source_checkpoints WHERE source = $1`
	upsertCheckpoint = `INSERT INTO source_checkpoints (source, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (source) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`

	recordSourceOK = `INSERT INTO source_status (source, last_ok_at, failures) VALUES ($1, $2, 0)
ON CONFLICT (source) DO UPDATE SET last_ok_at = excluded.last_ok_at, failures = 0`
	recordSourceError = `INSERT INTO source_status (source, last_error, last_error_at, failures) VALUES ($1, $2, $3, 1)
ON CONFLICT (source) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,
failures = source_status.failures + 1`

	// selectSourceDays reads the per-day counts that ingest keeps
	// (0015_source_days): a few rows per source and day.
	selectSourceDays   = `SELECT source, day, sum(leads), max(last_received) FROM source_days GROUP BY source, day`
	selectSourceStatus = `SELECT source, last_error, last_error_at, last_ok_at, failures FROM source_status`

	importColumns = `id, filename, status, created_at, updated_at, finished_at, rows_read, created, duplicates, failed, errors, error, flagged, quarantined`
	insertImport  = `INSERT INTO imports (` + importColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
	updateImport  = `UPDATE imports SET filename = $2, status = $3, updated_at = $4, finished_at = $5, rows_read = $6,
created = $7, duplicates = $8, failed = $9, errors = $10, error = $11, flagged = $12, quarantined = $13 WHERE id = $1`
	selectImport  = `SELECT ` + importColumns + ` FROM imports WHERE id = $1`
	selectImports = `SELECT ` + importColumns + ` FROM imports ORDER BY id DESC LIMIT $1`
	failStale     = `UPDATE imports SET status = 'failed', error = $2, finished_at = $3, updated_at = $3
WHERE status = 'running' AND updated_at < $1`
)

// GetCheckpoint returns a source's saved progress, or "" when there is none.
func (s *Store) GetCheckpoint(ctx context.Context, source string) (string, error) {
	var v string
	err := s.r.QueryRowContext(ctx, selectCheckpoint, clean(source)).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", s.fail("reading checkpoint", err)
	}
	return v, nil
}

// SetCheckpoint saves a source's progress durably.
func (s *Store) SetCheckpoint(ctx context.Context, source, value string) error {
	_, err := s.w.ExecContext(ctx, upsertCheckpoint, clean(source), clean(value), time.Now().UnixMicro())
	return s.fail("saving checkpoint", err)
}

// RecordSourceResult notes the outcome of a poll or an import.
func (s *Store) RecordSourceResult(ctx context.Context, source, errText string, at time.Time) error {
	var err error
	if errText == "" {
		_, err = s.w.ExecContext(ctx, recordSourceOK, clean(source), at.UnixMicro())
	} else {
		_, err = s.w.ExecContext(ctx, recordSourceError, clean(source), clean(errText), at.UnixMicro())
	}
	return s.fail("recording source result", err)
}

// SourceActivity lists every source that delivered a raw lead or recorded
// a result, with per-day counts from since on.
func (s *Store) SourceActivity(ctx context.Context, since time.Time) ([]lead.SourceActivity, error) {
	const op = "reading source activity"
	by := map[string]*lead.SourceActivity{}
	get := func(src string) *lead.SourceActivity {
		a, ok := by[src]
		if !ok {
			a = &lead.SourceActivity{Source: src, PerDay: map[string]int{}}
			by[src] = a
		}
		return a
	}
	day0 := since.UTC().Truncate(24*time.Hour).UnixMicro() / microsPerDay
	rows, err := s.r.QueryContext(ctx, selectSourceDays)
	err = eachRow(rows, err, func(sc scanner) error {
		var src string
		var day, n, last int64
		if err := sc.Scan(&src, &day, &n, &last); err != nil {
			return err
		}
		a := get(src)
		a.Total += n
		if t := fromMicros(last); t.After(a.LastReceived) {
			a.LastReceived = t
		}
		if day >= day0 {
			a.PerDay[time.Unix(day*86400, 0).UTC().Format(time.DateOnly)] = int(n)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}

	rows, err = s.r.QueryContext(ctx, selectSourceStatus)
	err = eachRow(rows, err, func(sc scanner) error {
		var src, lastErr string
		var errAt, okAt, failures int64
		if err := sc.Scan(&src, &lastErr, &errAt, &okAt, &failures); err != nil {
			return err
		}
		a := get(src)
		a.LastError, a.Failures = lastErr, int(failures)
		if errAt > 0 {
			a.LastErrorAt = fromMicros(errAt)
		}
		if okAt > 0 {
			a.LastOKAt = fromMicros(okAt)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(op, err)
	}
	out := make([]lead.SourceActivity, 0, len(by))
	for _, a := range by {
		out = append(out, *a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out, nil
}

// CreateImport records a new import.
func (s *Store) CreateImport(ctx context.Context, im lead.Import) error {
	args, err := importArgs(im)
	if err != nil {
		return s.fail("creating import", err)
	}
	args = append(args[:3], append([]any{im.CreatedAt.UnixMicro()}, args[3:]...)...)
	_, err = s.w.ExecContext(ctx, insertImport, args...)
	return s.fail("creating import", err)
}

// UpdateImport saves an import's progress.
func (s *Store) UpdateImport(ctx context.Context, im lead.Import) error {
	args, err := importArgs(im)
	if err != nil {
		return s.fail("updating import", err)
	}
	res, err := s.w.ExecContext(ctx, updateImport, args...)
	if err != nil {
		return s.fail("updating import", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lead.Errorf(lead.KindNotFound, "store: import %q not found", im.ID)
	}
	return nil
}

// importArgs are the parameters of updateImport, in order.
func importArgs(im lead.Import) ([]any, error) {
	errs := im.Errors
	if errs == nil {
		errs = []lead.RowError{}
	}
	if len(errs) > lead.MaxImportErrors {
		errs = errs[:lead.MaxImportErrors]
	}
	b, err := json.Marshal(errs)
	if err != nil {
		return nil, err
	}
	var finished any
	if im.FinishedAt != nil {
		finished = im.FinishedAt.UnixMicro()
	}
	return []any{clean(im.ID), clean(im.Filename), string(im.Status), im.UpdatedAt.UnixMicro(), finished,
		im.Rows, im.Created, im.Duplicates, im.Failed, clean(string(b)), clean(im.Error), im.Flagged, im.Quarantined}, nil
}

// GetImport returns one import.
func (s *Store) GetImport(ctx context.Context, id string) (lead.Import, error) {
	return readOne(ctx, s, "reading import", "import", selectImport, id, scanImport)
}

// ListImports returns the most recent imports, newest first.
func (s *Store) ListImports(ctx context.Context, limit int) ([]lead.Import, error) {
	if limit <= 0 || limit > lead.MaxPageSize {
		limit = lead.DefaultPageSize
	}
	rows, err := s.r.QueryContext(ctx, selectImports, limit)
	out, err := collect(rows, err, nil, scanImport)
	if err != nil {
		return nil, s.fail("listing imports", err)
	}
	return out, nil
}

func scanImport(sc scanner) (lead.Import, error) {
	var (
		im               lead.Import
		status, errs     string
		created, updated int64
		finished         sql.NullInt64
	)
	if err := sc.Scan(&im.ID, &im.Filename, &status, &created, &updated, &finished,
		&im.Rows, &im.Created, &im.Duplicates, &im.Failed, &errs, &im.Error, &im.Flagged, &im.Quarantined); err != nil {
		return lead.Import{}, err
	}
	im.Status = lead.ImportStatus(status)
	im.CreatedAt, im.UpdatedAt = fromMicros(created), fromMicros(updated)
	if finished.Valid {
		t := fromMicros(finished.Int64)
		im.FinishedAt = &t
	}
	if err := json.Unmarshal([]byte(errs), &im.Errors); err != nil {
		return lead.Import{}, err
	}
	return im, nil
}

// FailStaleImports marks running imports not updated since before as failed.
func (s *Store) FailStaleImports(ctx context.Context, before time.Time, reason string) (int, error) {
	now := time.Now().UnixMicro()
	res, err := s.w.ExecContext(ctx, failStale, before.UnixMicro(), clean(reason), now)
	if err != nil {
		return 0, s.fail("failing stale imports", err)
	}
	n, err := res.RowsAffected()
	return int(n), s.fail("failing stale imports", err)
}
