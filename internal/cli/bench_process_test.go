package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBenchProcess runs bench process small on each engine: every
// customer gets its process and its two clock jobs, every due clock makes
// exactly one breach notice on Slack, and --write puts the result in its
// section.
func TestBenchProcess(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			doc := filepath.Join(t.TempDir(), "BENCHMARKS.md")
			if err := os.WriteFile(doc, []byte("# Benchmarks\n\n## Results\n\nolder results\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, _, err := run(t, "bench", "process", "--database", dsn, "--customers", "200", "--due", "20",
				"--idle", "2s", "--warmup", "1s", "--due-window", "5s", "--due-lead", "15s", "--write", doc)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			for _, want := range []string{"**200 open customers**", "**400 clock jobs**", "| empty |", "| 400 live clocks |",
				"20 breach notices for 20 due clocks: every due clock made exactly one breach notice"} {
				if !strings.Contains(out, want) {
					t.Errorf("no %q in the output:\n%s", want, out)
				}
			}
			// The breach row: 20 messages, none missing, no duplicates.
			row := regexp.MustCompile(`(?m)^\| breached [^|]* \| (\d+) \|[^|]*\|[^|]*\|[^|]*\| (\d+) \| (\d+) \|`).FindStringSubmatch(out)
			if row == nil || row[1] != "20" || row[2] != "0" || row[3] != "0" {
				t.Errorf("breach row %q:\n%s", row, out)
			}
			b, err := os.ReadFile(doc)
			if err != nil {
				t.Fatal(err)
			}
			if s := string(b); !strings.HasPrefix(s, "# Benchmarks\n\n## Results\n\nolder results\n") ||
				strings.Count(s, "\n"+processSection+"\n") != 1 || !strings.Contains(s, strings.TrimSpace(out)) {
				t.Errorf("the file after --write:\n%s", s)
			}
		})
	}
}

// TestWriteSection replaces an engine's last result in its section and
// keeps everything else.
func TestWriteSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doc.md")
	const prefix = "### Follow-up process at scale — sqlite,"
	if err := writeSection(path, processSection, "\nintro\n", prefix, "\n### Follow-up process at scale — sqlite, 1\n\nfirst\n"); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(path, processSection, "\nintro\n", "### Follow-up process at scale — postgres,", "### Follow-up process at scale — postgres, 1\n\npg\n"); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	// Another section after it stays where it is.
	if err := os.WriteFile(path, append(b, "\n## Later\n\nlater\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeSection(path, processSection, "\nintro\n", prefix, "### Follow-up process at scale — sqlite, 2\n\nsecond\n"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	want := "\n\n## Follow-up process at scale\n\nintro\n\n### Follow-up process at scale — postgres, 1\n\npg\n\n" +
		"### Follow-up process at scale — sqlite, 2\n\nsecond\n\n## Later\n\nlater\n"
	if string(b) != want {
		t.Errorf("got\n%q\nwant\n%q", b, want)
	}
}
