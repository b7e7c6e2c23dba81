package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"time"
)

// Migrations are numbered, forward-only SQL files, one directory per engine:
// migrations/<engine>/NNNN_name.sql. Each runs in its own transaction
// together with its row in schema_migrations.
//
//go:embed migrations
var migrationFiles embed.FS

const (
	createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    name       TEXT   NOT NULL PRIMARY KEY,
    applied_at BIGINT NOT NULL
)`
	countMigration  = `SELECT count(*) FROM schema_migrations WHERE name = $1`
	insertMigration = `INSERT INTO schema_migrations (name, applied_at) VALUES ($1, $2)`
)

type migration struct {
	name string // file name without .sql, e.g. 0001_init
	sql  string
}

func loadMigrations(engine string) ([]migration, error) {
	dir := path.Join("migrations", engine)
	entries, err := fs.ReadDir(migrationFiles, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".sql")
		if !ok || e.IsDir() {
			continue
		}
		if len(name) < 6 || name[4] != '_' || strings.Trim(name[:4], "0123456789") != "" {
			return nil, fmt.Errorf("migration %s/%s: name must look like NNNN_name.sql", dir, e.Name())
		}
		b, err := fs.ReadFile(migrationFiles, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{name: name, sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].name < ms[j].name })
	return ms, nil
}

// Migrate applies the migrations the database does not have yet, in order,
// and returns their names. It is safe to run from several processes at once.
func (s *Store) Migrate(ctx context.Context) ([]string, error) {
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		return nil, s.fail("loading migrations", err)
	}
	var applied []string
	for _, m := range ms {
		did, err := s.applyMigration(ctx, m)
		if err != nil {
			return applied, s.fail("migration "+m.name, err)
		}
		if did {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

// applyMigration runs m unless it is recorded already. The lock is taken
// before schema_migrations is even looked at, so a concurrent migrator
// waits and then finds m applied.
func (s *Store) applyMigration(ctx context.Context, m migration) (bool, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return false, err
	}
	defer tx.Rollback()
	if s.d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, s.d.migrationLock); err != nil {
			return false, err
		}
	}
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		return false, err
	}
	var n int
	if err := tx.QueryRowContext(ctx, countMigration, m.name).Scan(&n); err != nil {
		return false, err
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, insertMigration, m.name, time.Now().UnixMicro()); err != nil {
		return false, err
	}
	return true, tx.Commit()
}
