package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// BareInsert measures the database alone: workers goroutines insert the
// same synthetic bodies into a bare two-column table, batch rows per
// transaction, each commit durable by the database's own settings. It is the
// baseline the ingest benchmark is compared with, in the same run.
func BareInsert(ctx context.Context, db *sql.DB, engine string, d time.Duration, workers, batch int) (LoadResult, error) {
	blob := "BLOB"
	if engine == "postgres" {
		blob = "BYTEA"
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	table := fmt.Sprintf("bench_baseline_%x", suffix)
	if _, err := db.ExecContext(ctx, "CREATE TABLE "+table+" (id TEXT PRIMARY KEY, body "+blob+" NOT NULL)"); err != nil {
		return LoadResult{}, fmt.Errorf("bench: create baseline table: %w", err)
	}
	defer db.ExecContext(context.WithoutCancel(ctx), "DROP TABLE "+table)

	var ph []string
	for i := range batch {
		ph = append(ph, fmt.Sprintf("($%d, $%d)", 2*i+1, 2*i+2))
	}
	query := "INSERT INTO " + table + " (id, body) VALUES " + strings.Join(ph, ", ")
	var next atomic.Int64
	var mu sync.Mutex
	var res LoadResult
	var firstErr error
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			var n int64
			args := make([]any, 0, 2*batch)
			for ctx.Err() == nil && time.Now().Before(deadline) {
				args = args[:0]
				for range batch {
					seq := int(next.Add(1))
					args = append(args, fmt.Sprintf("b%d", seq), Body("baseline", seq))
				}
				t0 := time.Now()
				if _, err := db.ExecContext(ctx, query, args...); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
				lat = append(lat, time.Since(t0))
				n += int64(batch)
			}
			mu.Lock()
			res.Latencies = append(res.Latencies, lat...)
			res.Acked += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if firstErr != nil {
		return res, fmt.Errorf("bench: baseline insert: %w", firstErr)
	}
	return res, nil
}

// Durability reports the settings that make a commit durable, so a
// benchmark says what it measured.
func Durability(ctx context.Context, db *sql.DB, engine string) (string, error) {
	if engine == "postgres" {
		var fsync, sync string
		if err := db.QueryRowContext(ctx, "SHOW fsync").Scan(&fsync); err != nil {
			return "", err
		}
		if err := db.QueryRowContext(ctx, "SHOW synchronous_commit").Scan(&sync); err != nil {
			return "", err
		}
		return "fsync=" + fsync + ", synchronous_commit=" + sync, nil
	}
	var mode string
	var syncLevel int
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return "", err
	}
	if err := db.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&syncLevel); err != nil {
		return "", err
	}
	names := map[int]string{0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
	return "journal_mode=" + mode + ", synchronous=" + names[syncLevel], nil
}
