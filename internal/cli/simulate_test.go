package cli

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// TestSimulateToServer posts simulated leads to the real server and checks
// that the ground truth is written and the same seed writes the same truth.
func TestSimulateToServer(t *testing.T) {
	ts := startFresh(t)
	dir := t.TempDir()
	out, _, err := run(t, "simulate", "--url", ts.ingestURL, "--count", "60", "--rate", "0", "--seed", "7",
		"--truth", filepath.Join(dir, "a.csv"))
	if err != nil || !strings.Contains(out, "sent 60 leads: 60 created") {
		t.Fatalf("simulate: %v %s", err, out)
	}
	var list struct {
		Leads []lead.Lead `json:"leads"`
	}
	if s := ts.api(t, "GET", "/api/v1/leads?limit=500", nil, &list); s != 200 || len(list.Leads) != 60 {
		t.Fatalf("API lists %d leads, want 60", len(list.Leads))
	}
	// Sending the same traffic again creates nothing: every body is a redelivery.
	out, _, err = run(t, "simulate", "--url", ts.ingestURL, "--count", "60", "--rate", "0", "--seed", "7",
		"--truth", filepath.Join(dir, "b.csv"))
	if err != nil || !strings.Contains(out, "0 created, 60 duplicates") {
		t.Fatalf("second run: %v %s", err, out)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "a.csv"))
	b, _ := os.ReadFile(filepath.Join(dir, "b.csv"))
	if len(a) == 0 || string(a) != string(b) || strings.Count(string(a), "\n") != 61 {
		t.Fatalf("truth files differ or are incomplete:\n%s", a)
	}
	if _, _, err := run(t, "simulate", "--count", "5"); ExitCode(err) != 2 {
		t.Fatalf("no target: %v", err)
	}
	if _, _, err := run(t, "simulate", "--url", ts.ingestURL, "--rate", "fast"); ExitCode(err) != 2 {
		t.Fatalf("bad rate: %v", err)
	}
}

// TestSimulateThroughAzureTable writes simulated leads into an Azurite
// table and lets `serve --azure-table` pick them up, synced from the CLI.
func TestSimulateThroughAzureTable(t *testing.T) {
	endpoint := os.Getenv("LEADHUB_TEST_AZURITE")
	if endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LEADHUB_TEST_AZURITE is not set; scripts/test.sh starts Azurite")
		}
		t.Skip("LEADHUB_TEST_AZURITE is not set (scripts/test.sh starts Azurite)")
	}
	cs := "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
		"AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
		"TableEndpoint=" + endpoint + ";"
	table := "SimLeads" + time.Now().Format("150405") + "x" + strings.ReplaceAll(t.Name(), "/", "")[:4]
	out, _, err := run(t, "simulate", "--azure-table", cs, "--azure-table-name", table, "--count", "150", "--rate", "0", "--seed", "3")
	if err != nil || !strings.Contains(out, "wrote 150 leads") {
		t.Fatalf("simulate to table: %v %s", err, out)
	}
	ts := startFresh(t, "--azure-table", cs, "--azure-table-name", table, "--azure-table-poll", "1h")
	if _, _, err := run(t, "sources", "sync", "--server", ts.base, "--api-key", ts.apiKey); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Leads []lead.Lead `json:"leads"`
	}
	ts.api(t, "GET", "/api/v1/leads?limit=500", nil, &list)
	if len(list.Leads) != 150 {
		t.Fatalf("%d leads after the sync, want 150", len(list.Leads))
	}
	for _, l := range list.Leads {
		if l.Channel != lead.ChannelAzureTable {
			t.Fatalf("lead %s came by %s", l.ID, l.Channel)
		}
	}
	out, _, err = run(t, "sources", "list", "--json", "--server", ts.base, "--api-key", ts.apiKey)
	if err != nil || !strings.Contains(out, `"source":"azure_table:devstoreaccount1/`+strings.ToLower(table)+`"`) {
		t.Fatalf("sources list: %v %s", err, out)
	}
	var sts []struct {
		Source string            `json:"source"`
		Total  int               `json:"total"`
		Config map[string]string `json:"config"`
	}
	_ = json.Unmarshal([]byte(out), &sts)
	for _, s := range sts {
		if strings.HasPrefix(s.Source, "azure_table:") && (s.Total != 150 || s.Config["table"] != table) {
			t.Errorf("azure source %+v", s)
		}
	}
}

// TestSimulateDurationExitsZero: a run ended by --duration cuts short the
// requests under way; they are reported as in flight, not as failures,
// and the command succeeds.
func TestSimulateDurationExitsZero(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	out, _, err := run(t, "simulate", "--url", slow.URL+"/ingest/marketplace?code=x", "--duration", "200ms",
		"--rate", "0", "--concurrency", "3")
	if err != nil || !strings.Contains(out, "3 in flight at the deadline") || !strings.Contains(out, "0 failed") {
		t.Fatalf("simulate --duration: %v (exit %d)\n%s", err, ExitCode(err), out)
	}

	// Against the real server, as fast as it goes: whatever is under way at
	// the deadline does not fail the run.
	ts := startFresh(t)
	out, _, err = run(t, "simulate", "--url", ts.ingestURL, "--duration", "500ms", "--rate", "0", "--concurrency", "8")
	if err != nil || !strings.Contains(out, "0 failed") {
		t.Fatalf("simulate --duration against the server: %v (exit %d)\n%s", err, ExitCode(err), out)
	}
}

// TestSimulateB2BEval writes a B2B run's truth and leads, scores a perfect
// clusters file, then sends the run to the real server and scores what it
// resolved.
func TestSimulateB2BEval(t *testing.T) {
	dir := t.TempDir()
	truth, leads := filepath.Join(dir, "truth.csv"), filepath.Join(dir, "leads.csv")
	runArgs := []string{"--b2b", "--companies", "30", "--count", "150", "--seed", "3"}
	out, _, err := run(t, append([]string{"simulate", "--truth", truth, "--leads", leads}, runArgs...)...)
	if err != nil || !strings.Contains(out, "wrote 150 leads") {
		t.Fatalf("simulate: %v %s", err, out)
	}
	tb, _ := os.ReadFile(truth)
	lines := strings.Split(strings.TrimSpace(string(tb)), "\n")
	if lines[0] != "lead_seq,person_id,shape,company_id" || len(lines) != 151 {
		t.Fatalf("truth: %d lines, header %q", len(lines), lines[0])
	}
	lb, _ := os.ReadFile(leads)
	if !strings.HasPrefix(string(lb), "lead_seq,first_name,last_name,email,phone,country,company,title") {
		t.Fatalf("leads: %.200s", lb)
	}
	// a clusters file that is the truth scores 1
	var cl strings.Builder
	cl.WriteString("record_id,cluster_id\n")
	for _, l := range lines[1:] {
		f := strings.Split(l, ",")
		cl.WriteString(f[0] + "," + f[1] + "\n")
	}
	clusters := filepath.Join(dir, "clusters.csv")
	if err := os.WriteFile(clusters, []byte(cl.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err = run(t, append([]string{"simulate", "eval", "--clusters", clusters}, runArgs...)...)
	if err != nil || !strings.Contains(out, "person:  pairwise P 1.0000 R 1.0000 F1 1.0000") {
		t.Fatalf("eval of the truth: %v\n%s", err, out)
	}
	// dedupe eval by company: leads without a company are left out, or
	// with --truth-singletons each is an account of its own
	var recs struct{ Records int }
	individuals := strings.Count(string(tb), ",\n")
	for _, tc := range []struct {
		flag string
		want int
	}{{"", 150 - individuals}, {"--truth-singletons", 150}} {
		args := []string{"dedupe", "eval", "--clusters", clusters, "--truth", truth, "--truth-id", "lead_seq", "--truth-entity", "company_id", "--format", "json"}
		if tc.flag != "" {
			args = append(args, tc.flag)
		}
		out, _, err := run(t, args...)
		if err := errors.Join(err, json.Unmarshal([]byte(out), &recs)); err != nil || recs.Records != tc.want || individuals == 0 {
			t.Fatalf("dedupe eval %s: %v %d records, want %d (%d individuals)", tc.flag, err, recs.Records, tc.want, individuals)
		}
	}

	// online: send, wait for every lead to be resolved, score
	ts := startFresh(t)
	out, stderr, err := run(t, append([]string{"simulate", "eval", "--url", ts.ingestURL, "--server", ts.base,
		"--api-key", ts.apiKey, "--format", "json"}, runArgs...)...)
	if err != nil {
		t.Fatalf("online eval: %v\n%s\n%s", err, out, stderr)
	}
	var rep struct {
		Leads, Tests, Missing int
		Person                struct{ Records int }
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || rep.Leads != 150 || rep.Missing != 0 || rep.Person.Records != 150-rep.Tests || rep.Tests != 1 {
		t.Fatalf("online eval: %v %+v\n%s", err, rep, out)
	}
	if _, _, err := run(t, "simulate", "eval", "--count", "5"); ExitCode(err) != 2 {
		t.Fatalf("eval without a clustering: %v", err)
	}
	if _, _, err := run(t, "simulate", "--truth", truth, "--large"); ExitCode(err) != 2 {
		t.Fatalf("--large without --b2b: %v", err)
	}
}
