package store

import "path/filepath"

// Describe names the database at dsn for people reading a command's
// output: a SQLite file by its absolute path (so that a command run from
// another directory says which file it used), a PostgreSQL address without
// its password.
func Describe(dsn string) string {
	a, err := parseDSN(dsn)
	switch {
	case err != nil:
		return "(invalid database address)"
	case a.engine == "postgres":
		return a.redacted
	}
	if abs, err := filepath.Abs(a.path); err == nil {
		return "sqlite:" + abs
	}
	return "sqlite:" + a.path
}
