package cli

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/sources"
)

func TestSourcesCommands(t *testing.T) {
	ts := startFresh(t)
	ts.do(t, "POST", ts.ingestURL, "", []byte(sampleLead))

	out, _, err := run(t, "sources", "list", "--json", "--server", ts.base, "--api-key", ts.apiKey)
	if err != nil {
		t.Fatal(err)
	}
	var sts []sources.Status
	if err := json.Unmarshal([]byte(out), &sts); err != nil || len(sts) != 1 {
		t.Fatalf("sources list: %v %s", err, out)
	}
	if s := sts[0]; s.Source != "https" || s.State != sources.StateOK || s.Total != 1 || s.PerDay[len(s.PerDay)-1].Count != 1 {
		t.Fatalf("https source: %+v", s)
	}
	out, _, err = run(t, "sources", "list", "--server", ts.base, "--api-key", ts.apiKey)
	if err != nil || !strings.Contains(out, "https") || !strings.Contains(out, "ok") {
		t.Fatalf("sources list table: %v %s", err, out)
	}

	// The API key may come from the environment; a wrong one is refused with the server's reason.
	env := map[string]string{"LEADHUB_API_KEY": ts.apiKey, "LEADHUB_SERVER": ts.base}
	var b strings.Builder
	if err := Run(t.Context(), []string{"sources", "sync"}, func(k string) string { return env[k] }, nil, &b, &b); err != nil ||
		!strings.Contains(b.String(), "no polled sources") {
		t.Fatalf("sources sync: %v %s", err, b.String())
	}
	if _, _, err := run(t, "sources", "sync", "--server", ts.base, "--api-key", "lhk_wrong"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong key: %v", err)
	}
	if _, _, err := run(t, "sources", "sync", "--server", ts.base); ExitCode(err) != 2 {
		t.Fatalf("no key: %v", err)
	}
	if _, _, err := run(t, "sources", "sync", "--source", "azure_table:x/y", "--server", ts.base, "--api-key", ts.apiKey); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown source: %v", err)
	}
}
