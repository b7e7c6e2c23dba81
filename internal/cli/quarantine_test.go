package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestImportQuarantineFix: a row of an import that cannot be a lead is
// listed with its import, corrected from a file and reprocessed into a lead
// by the quarantine commands.
func TestImportQuarantineFix(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			out, errOut, err := run(t, "import", importFixtures+"crm-bad-emails.csv", "--database", dsn)
			if err != nil || importCounts(out) != "2 created, 8 flagged, 0 duplicates, 1 quarantined, 0 failed" {
				t.Fatalf("import: %v\n%s%s", err, out, errOut)
			}
			for _, want := range []string{`line 2: flagged `, `email "wei..jackson@gmail.com" is not an email address`, "line 12: quarantined "} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			imID := regexp.MustCompile(`quarantine list --import (\S+);`).FindStringSubmatch(out)
			if imID == nil {
				t.Fatalf("no import id in:\n%s", out)
			}

			out, _, err = run(t, "quarantine", "list", "--import", imID[1], "--json", "--database", dsn)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if err != nil || len(lines) != 1 {
				t.Fatalf("quarantine list --import: %v\n%s", err, out)
			}
			var raw struct {
				ID       string `json:"id"`
				ImportID string `json:"import_id"`
				Error    string `json:"error"`
				RawBody  string `json:"raw_body"`
			}
			if err := json.Unmarshal([]byte(lines[0]), &raw); err != nil || raw.ImportID != imID[1] || !strings.Contains(raw.Error, "no contact details") {
				t.Fatalf("listed raw lead %+v %v", raw, err)
			}
			if out, _, _ := run(t, "quarantine", "list", "--import", "01NOSUCHIMPORT", "--database", dsn); strings.Contains(out, raw.ID) {
				t.Errorf("another import lists the row:\n%s", out)
			}

			// The operator adds what was missing and reprocesses.
			var body map[string]json.RawMessage
			if err := json.Unmarshal([]byte(raw.RawBody), &body); err != nil {
				t.Fatal(err)
			}
			body["UserDetails"] = json.RawMessage(`{"FirstName":"Hana","LastName":"Vogel","Email":"hana@contoso.de"}`)
			fix, _ := json.Marshal(body)
			file := filepath.Join(t.TempDir(), "fix.json")
			if err := os.WriteFile(file, fix, 0o600); err != nil {
				t.Fatal(err)
			}
			bad := filepath.Join(t.TempDir(), "bad.json")
			if err := os.WriteFile(bad, []byte(`{"UserDetails":{"Email":"-"}}`), 0o600); err != nil {
				t.Fatal(err)
			}
			if out, _, err := run(t, "quarantine", "fix", raw.ID, bad, "--database", dsn); err == nil || !strings.Contains(out, "still quarantined") {
				t.Errorf("a correction that does not parse: %v\n%s", err, out)
			}
			out, _, err = run(t, "quarantine", "fix", raw.ID, file, "--database", dsn)
			if err != nil || !strings.Contains(out, raw.ID+"\tparsed") {
				t.Fatalf("quarantine fix: %v\n%s", err, out)
			}
			out, _, err = run(t, "leads", "show", raw.ID, "--database", dsn)
			if err != nil || !strings.Contains(out, "hana@contoso.de") {
				t.Errorf("the corrected lead: %v\n%s", err, out)
			}
			out, _, err = run(t, "quarantine", "show", raw.ID, "--database", dsn)
			if err != nil || !strings.Contains(out, `"fixed_body"`) || !strings.Contains(out, `"status": "parsed"`) {
				t.Errorf("quarantine show after the fix: %v\n%s", err, out)
			}
			if n := countImported(t, dsn); n != 11 {
				t.Errorf("%d imported leads, want 11: one per row", n)
			}
		})
	}
}
