package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDedupeCommand(t *testing.T) {
	dir := t.TempDir()
	fixture := filepath.Join("..", "identity", "testdata", "febrl3_subset.csv")
	clusters := filepath.Join(dir, "clusters.csv")
	stats := filepath.Join(dir, "stats.json")
	explain := filepath.Join(dir, "explain.jsonl")
	_, stderr, err := run(t, "dedupe", "--input", fixture, "--id-column", "rec_id", "--output", clusters,
		"--stats", stats, "--explain", explain, "--model", filepath.Join(dir, "model.json"))
	if err != nil {
		t.Fatalf("dedupe: %v\n%s", err, stderr)
	}
	for _, want := range []string{"202 records", "candidate pairs", "load", "block", "estimate", "score", "cluster"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("progress output lacks %q:\n%s", want, stderr)
		}
	}
	b, err := os.ReadFile(clusters)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if lines[0] != "record_id,cluster_id" || len(lines) != 203 {
		t.Errorf("clusters: header %q, %d lines", lines[0], len(lines))
	}
	var st map[string]any
	if b, err := os.ReadFile(stats); err != nil || json.Unmarshal(b, &st) != nil || st["candidate_pairs"] == nil {
		t.Errorf("stats: %v %v", err, st)
	}
	if b, err := os.ReadFile(explain); err != nil || !bytes.Contains(b, []byte(`"probability"`)) {
		t.Errorf("explanations: %v", err)
	}

	out, _, err := run(t, "dedupe", "eval", "--clusters", clusters, "--truth-from-id", `^rec-(\d+)-`, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ F1, Precision, Recall float64 }
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if m.F1 < 0.95 {
		t.Errorf("F1 %.4f on the FEBRL subset", m.F1)
	}

	// With a map and a truth table (the Splink subset).
	splink := filepath.Join("..", "identity", "testdata", "splink_fake_subset.csv")
	_, stderr, err = run(t, "dedupe", "--input", splink, "--id-column", "unique_id", "--quiet",
		"--map", "first_name=first_name,surname=last_name", "--map", "dob=date,city=city,email=email", "--output", clusters)
	if err != nil || stderr != "" {
		t.Fatalf("dedupe: %v %q", err, stderr)
	}
	out, _, err = run(t, "dedupe", "eval", "--clusters", clusters, "--truth", splink, "--truth-id", "unique_id", "--truth-entity", "cluster", "--format", "markdown", "--label", "splink")
	if err != nil || !strings.HasPrefix(out, "| splink | 200 |") {
		t.Errorf("eval: %v %q", err, out)
	}
}

func TestDedupeTwoInputs(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.csv")
	b := filepath.Join(dir, "b.csv")
	os.WriteFile(a, []byte("id,first_name,last_name,email\r\n1,Jane,Smith,jane@contoso.com\r\n2,Bob,Brown,bob@fabrikam.com\r\n"), 0o644)
	os.WriteFile(b, []byte("id,first_name,last_name,email\n\"x\",\"Jane\",\"Smyth\",\"JANE@contoso.com\"\ny,Ann,Lee,\n"), 0o644)
	out := filepath.Join(dir, "out.csv")
	if _, stderr, err := run(t, "dedupe", "--input", a, "--input", b, "--id-column", "id", "--output", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	got, _ := os.ReadFile(out)
	want := "record_id,cluster_id\n1,1\n2,2\nx,1\ny,y\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDedupeUsage(t *testing.T) {
	for _, args := range [][]string{
		{"dedupe"},
		{"dedupe", "--input", "x.csv", "--output", "o.csv"},
		{"dedupe", "--input", "x.csv", "--id-column", "id", "--output", "o.csv", "--map", "a=nonsense"},
		{"dedupe", "eval", "--clusters", "c.csv"},
	} {
		if _, _, err := run(t, args...); ExitCode(err) != 2 {
			t.Errorf("%v: exit %d (%v), want 2", args, ExitCode(err), err)
		}
	}
}

// TestDedupeB2BWarnsAndFindsPeople: on B2B leads (colleagues sharing a
// company's name, domain and switchboard) the model EM learns is the
// company's; dedupe says so on standard error, even with --quiet, and
// clusters people with the built-in model instead; --accounts places the
// clusters in accounts.
func TestDedupeB2BWarnsAndFindsPeople(t *testing.T) {
	dir := t.TempDir()
	truth, leads, clusters := filepath.Join(dir, "truth.csv"), filepath.Join(dir, "leads.csv"), filepath.Join(dir, "clusters.csv")
	if _, stderr, err := run(t, "simulate", "--b2b", "--seed", "5", "--count", "2000", "--companies", "150",
		"--truth", truth, "--leads", leads); err != nil {
		t.Fatalf("simulate: %v\n%s", err, stderr)
	}
	_, stderr, err := run(t, "dedupe", "--input", leads, "--id-column", "lead_seq", "--output", clusters, "--quiet", "--accounts")
	if err != nil {
		t.Fatalf("dedupe: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "warning: the estimated model was rejected") || !strings.Contains(stderr, "learnt the company") {
		t.Errorf("stderr lacks the warning: %q", stderr)
	}
	out, _, err := run(t, "dedupe", "eval", "--clusters", clusters, "--truth", truth, "--truth-id", "lead_seq",
		"--truth-entity", "person_id", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ F1, Precision, Recall float64 }
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if m.F1 < 0.93 {
		t.Errorf("person F1 %.4f (P %.4f R %.4f), want ≥ 0.93", m.F1, m.Precision, m.Recall)
	}
	// The accounts of the clusters, scored against the companies.
	out, _, err = run(t, "simulate", "eval", "--b2b", "--seed", "5", "--count", "2000", "--companies", "150",
		"--clusters", clusters, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var rep struct{ Person, Account *struct{ F1 float64 } }
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Person == nil || rep.Account == nil {
		t.Fatalf("%v: %.300s", err, out)
	}
	if rep.Person.F1 < 0.93 || rep.Account.F1 < 0.9 {
		t.Errorf("simulate eval: person F1 %.4f, account F1 %.4f, want ≥ 0.93 and ≥ 0.9", rep.Person.F1, rep.Account.F1)
	}
}
