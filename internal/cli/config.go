package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leadhub/leadhub/internal/store"
)

// env is how a command reads its environment; tests pass their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// newFlagSet returns a FlagSet whose errors come back to the caller rather
// than exiting the process.
func newFlagSet(name string, e env, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: leadhub %s\n", usage)
		if hasFlags(fs) {
			fmt.Fprintln(e.stderr, "\nflags (each also read from LEADHUB_<FLAG>, or LEADHUB_<FLAG>_FILE for a file holding the value):")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// EnvName is the environment variable for a flag: --azure-table-name is
// LEADHUB_AZURE_TABLE_NAME.
func EnvName(flagName string) string {
	return "LEADHUB_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parseFlags parses args, then fills every flag not given on the command
// line from LEADHUB_<FLAG>, or from the file named by LEADHUB_<FLAG>_FILE
// (for secrets; trailing newlines are trimmed). Flags win over the
// environment; the environment wins over defaults.
func parseFlags(fs *flag.FlagSet, args []string, e env) error {
	// Flags may come before or after positional arguments
	// (`leads show ID --json` and `leads show --json ID` both work).
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return usageError{err}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		name := EnvName(f.Name)
		val, ok := e.getenv(name), e.getenv(name) != ""
		if file := e.getenv(name + "_FILE"); file != "" {
			if ok {
				errs = append(errs, fmt.Errorf("both %s and %s_FILE are set; use one", name, name))
				return
			}
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return
			}
			val, ok = strings.TrimRight(string(b), "\r\n"), true
		}
		if !ok {
			return
		}
		if err := f.Value.Set(val); err != nil {
			errs = append(errs, fmt.Errorf("%s: invalid value: %w", name, err))
		}
	})
	return errors.Join(errs...)
}

// usageError marks errors that should print usage and exit with status 2.
type usageError struct{ error }

func (u usageError) Unwrap() error { return u.error }

// dbCommand is a subcommand that works on the database: it has a
// --database flag and opens the (migrated) store after parsing.
type dbCommand struct {
	*flag.FlagSet
	dsn   string
	usage string
}

func newDBCommand(name, usage string, e env) *dbCommand {
	c := &dbCommand{FlagSet: newFlagSet(name, e, usage), usage: usage}
	databaseFlag(c.FlagSet, &c.dsn)
	return c
}

// db names the command's database for people (see store.Describe).
func (c *dbCommand) db() string { return store.Describe(c.dsn) }

// run parses args, opens the store (see open), runs fn on it and closes it.
func (c *dbCommand) run(ctx context.Context, args []string, e env, nargs int, fn func(st *store.Store) error) error {
	st, err := c.open(ctx, args, e, nargs)
	if err != nil {
		return err
	}
	defer st.Close()
	return fn(st)
}

// open parses args, checks that there are nargs positional arguments (any
// number when nargs < 0) and opens the store. The caller closes it.
func (c *dbCommand) open(ctx context.Context, args []string, e env, nargs int) (*store.Store, error) {
	if err := parseFlags(c.FlagSet, args, e); err != nil {
		return nil, err
	}
	if nargs >= 0 && c.NArg() != nargs {
		return nil, usageError{fmt.Errorf("usage: leadhub %s", c.usage)}
	}
	return openStore(ctx, c.dsn, nil, false)
}
