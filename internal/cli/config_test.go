package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// A command line leadhub cannot run is a usage error: exit 2.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"nope"}, {"leads"}, {"leads", "nope"}, {"token", "revoke"}} {
		if _, _, err := run(t, args...); ExitCode(err) != 2 {
			t.Errorf("leadhub %v: exit %d (%v), want 2", args, ExitCode(err), err)
		}
	}
	if out, _, err := run(t, "help"); err != nil || !strings.Contains(out, "serve") {
		t.Errorf("help: %v %s", err, out)
	}
}

func TestServeRejectsBadConfig(t *testing.T) {
	_, _, err := run(t, "serve", "--addr", "nonsense", "--log-level", "loud")
	if ExitCode(err) != 2 || !strings.Contains(err.Error(), "--addr") || !strings.Contains(err.Error(), "--log-level") {
		t.Fatalf("got %v (exit %d), want a usage error naming both flags", err, ExitCode(err))
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "db")
	if err := os.WriteFile(secretFile, []byte("sqlite:"+filepath.Join(dir, "from-file.db")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"LEADHUB_DATABASE_FILE": secretFile}
	var out bytes.Buffer
	// migrate does not create a database: its error names the one it was given.
	err := Run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "from-file.db")) {
		t.Fatalf("LEADHUB_DATABASE_FILE was not used: %v", err)
	}
	env["LEADHUB_DATABASE"] = "sqlite:x.db"
	err = Run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, nil, &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "use one") {
		t.Fatalf("both LEADHUB_DATABASE and _FILE set: got %v", err)
	}
}

// TestCommandsDoNotCreateDatabases: a command run in the wrong directory
// (or with the wrong --database) says which database it did not find,
// instead of creating and using a new, empty one; on an empty database a
// list says where it looked.
func TestCommandsDoNotCreateDatabases(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "leadhub.db")
	csv := filepath.Join(dir, "leads.csv")
	if err := os.WriteFile(csv, []byte("First Name,Email\nAnn,ann@contoso.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"leads", "list"}, {"leads", "show", "01ARZ3NDEKTSV4RRFFQ69G5FAV"}, {"apikey", "create"}, {"token", "list"},
		{"customers", "list"}, {"review", "list"}, {"audit", "list"}, {"quarantine", "list"}, {"migrate"},
		{"import", csv},
	} {
		_, _, err := run(t, append(args, "--database", "sqlite:"+missing)...)
		if err == nil || ExitCode(err) != 1 || !strings.Contains(err.Error(), missing) {
			t.Errorf("%v on a missing database: %v (exit %d); want an error naming %s", args, err, ExitCode(err), missing)
		}
		if _, err := os.Stat(missing); err == nil {
			t.Fatalf("%v created %s", args, missing)
		}
	}

	// Asked for in so many words, migrate creates it.
	if out, _, err := run(t, "migrate", "--create", "--database", "sqlite:"+missing); err != nil || !strings.Contains(out, missing) {
		t.Fatalf("migrate --create: %v %q", err, out)
	}
	if fi, err := os.Stat(missing); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("migrate --create made %v (%v), want a file of mode 0600", fi, err)
	}

	dsn := storetest.Engines(t)[0].NewDSN(t)
	if _, _, err := run(t, "migrate", "--database", dsn); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"leads", "list"}, {"customers", "list"}, {"audit", "list"}, {"review", "list"}, {"quarantine", "list"}} {
		_, errOut, err := run(t, append(args, "--database", dsn)...)
		if err != nil || !strings.Contains(errOut, "no ") || !strings.Contains(errOut, " in "+store.Describe(dsn)) {
			t.Errorf("%v on an empty database: %v, stderr %q; want it to name %s", args, err, errOut, store.Describe(dsn))
		}
	}
}
