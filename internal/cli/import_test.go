package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

const importFixtures = "../csvimport/testdata/"

// importCounts reads the summary line of `leadhub import`.
func importCounts(out string) string {
	for _, line := range strings.Split(out, "\n") {
		if i := strings.Index(line, " rows in "); i >= 0 && strings.HasPrefix(line, "import ") {
			_, after, _ := strings.Cut(line, ": ")
			_, after, _ = strings.Cut(after, ": ")
			return strings.TrimSuffix(after, ".")
		}
	}
	return "no summary in:\n" + out
}

func countImported(t *testing.T, dsn string) int {
	t.Helper()
	out, _, err := run(t, "leads", "list", "--json", "--all", "--limit", "500", "--database", dsn)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var l lead.Lead
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if l.Channel == lead.ChannelImport {
			n++
		}
	}
	return n
}

func TestImportCommand(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			pc := importFixtures + "partner-center.csv"
			out, _, err := run(t, "import", "--dry-run", pc)
			if err != nil || !strings.Contains(out, `warning: column 13 "Status" is kept with each lead`) {
				t.Errorf("dry run: %v %s", err, out)
			}
			out, errOut, err := run(t, "import", pc, "--map", "Status=ignore", "--database", dsn)
			if err != nil {
				t.Fatalf("import: %v\n%s%s", err, out, errOut)
			}
			for _, want := range []string{"comma-delimited, 15 columns", "Contact email", "email", `extra, kept as "Lead ID"`,
				"ignore (--map)", "done."} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
			if got := importCounts(out); got != "6 created, 0 flagged, 0 duplicates, 0 quarantined, 0 failed" {
				t.Errorf("first import: %s", got)
			}
			if n := countImported(t, dsn); n != 6 {
				t.Errorf("%d imported leads", n)
			}

			// The same file again creates nothing.
			out, _, err = run(t, "import", pc, "--map", "Status=ignore", "--database", dsn)
			if err != nil || importCounts(out) != "0 created, 0 flagged, 6 duplicates, 0 quarantined, 0 failed" || strings.Contains(out, "warning") {
				t.Errorf("second import: %v %s", err, out)
			}

			// A dry run of a messy file reports every bad row and stores nothing.
			messy := importFixtures + "messy.csv"
			out, _, err = run(t, "import", "--dry-run", messy)
			if err != nil || !strings.Contains(out, "11 rows read") || !strings.Contains(out, "5 would be imported clean and 1 flagged") ||
				!strings.Contains(out, "5 kept in quarantine, 0 failed. Nothing was stored.") || !strings.Contains(out, "  line 3: flagged: email \"not-an-email\"") {
				t.Errorf("dry run: %v\n%s", err, out)
			}
			if n := countImported(t, dsn); n != 6 {
				t.Errorf("the dry run stored leads: %d", n)
			}

			// The messy file for real: exit 0, the bad rows listed by line.
			out, _, err = run(t, "import", messy, "--database", dsn)
			if err != nil || importCounts(out) != "4 created, 1 flagged, 1 duplicates, 5 quarantined, 0 failed" || !strings.Contains(out, "leadhub quarantine list --import ") {
				t.Errorf("messy import: %v %s", err, out)
			}
			for _, line := range []string{"line 3:", "line 4:", "line 6:", "line 7:", "line 8:", "line 15:"} {
				if !strings.Contains(out, "  "+line) {
					t.Errorf("output lacks %q", line)
				}
			}

			// Standard input, a semicolon file with a BOM.
			crm, err := os.ReadFile(importFixtures + "crm-semicolon-bom.csv")
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			err = Run(context.Background(), []string{"import", "-", "--database", dsn}, func(string) string { return "" },
				bytes.NewReader(crm), &stdout, &stderr)
			if err != nil || !strings.Contains(stdout.String(), "stdin: semicolon-delimited") || importCounts(stdout.String()) != "4 created, 0 flagged, 0 duplicates, 0 quarantined, 0 failed" {
				t.Errorf("stdin: %v\n%s%s", err, stdout.String(), stderr.String())
			}
			if n := countImported(t, dsn); n != 15 {
				t.Errorf("%d imported leads, want 15", n)
			}
		})
	}
}

func TestImportCommandErrors(t *testing.T) {
	dsn := storetest.Engines(t)[0].NewDSN(t)
	pc := importFixtures + "partner-center.csv"
	dir := t.TempDir()
	noContact := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(noContact, []byte("Lead ID,Status\n1,New\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		args []string
		exit int
		want string
	}{
		"no file":         {[]string{"import"}, 2, "usage"},
		"two files":       {[]string{"import", pc, pc}, 2, "usage"},
		"bad map":         {[]string{"import", pc, "--map", "Email"}, 2, "want column=field"},
		"unknown field":   {[]string{"import", pc, "--map", "Offer=product"}, 2, `unknown field "product"`},
		"missing column":  {[]string{"import", pc, "--map", "Mail=email"}, 1, `no column named "Mail"`},
		"missing file":    {[]string{"import", filepath.Join(dir, "nope.csv")}, 1, "no such file"},
		"no contact":      {[]string{"import", noContact}, 1, "no column holds contact details"},
		"stdin, no input": {[]string{"import", "-"}, 2, "no standard input"},
	} {
		_, _, err := run(t, append(tc.args, "--database", dsn)...)
		if ExitCode(err) != tc.exit || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: exit %d (%v), want %d and %q", name, ExitCode(err), err, tc.exit, tc.want)
		}
	}
}

// multipartBody is an upload form: the file in a part named file (none
// when file is nil), and fields.
func multipartBody(t *testing.T, filename string, file []byte, fields map[string]string) (contentType string, body []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if file != nil {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), b.Bytes()
}

// upload posts a multipart form to /api/v1/imports.
func upload(t *testing.T, ts *testServer, key, filename string, file []byte, fields map[string]string) (int, http.Header, []byte) {
	t.Helper()
	ct, body := multipartBody(t, filename, file, fields)
	resp, b := apitest.Do(t, "POST", ts.base+"/api/v1/imports", key, body, map[string]string{"Content-Type": ct})
	return resp.StatusCode, resp.Header, b
}

type importAnswer struct {
	lead.Import
	DryRun  bool `json:"dry_run"`
	Mapping []struct {
		Index  int    `json:"index"`
		Header string `json:"header"`
		Field  string `json:"field"`
		Key    string `json:"key"`
		By     string `json:"by"`
	} `json:"mapping"`
	Warnings []string `json:"warnings"`
}

// waitImport polls an import until it is no longer running.
func waitImport(t *testing.T, ts *testServer, id string) lead.Import {
	t.Helper()
	var im lead.Import
	eventually.True(t, 60*time.Second, "import "+id+" to finish", func() bool {
		im = lead.Import{}
		if s := ts.api(t, "GET", "/api/v1/imports/"+id, nil, &im); s != 200 {
			t.Fatalf("GET import: %d", s)
		}
		return im.Status != lead.ImportRunning
	})
	return im
}

func TestImportAPI(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ts := startTestServer(t, dsn)
			pc, err := os.ReadFile(importFixtures + "partner-center.csv")
			if err != nil {
				t.Fatal(err)
			}

			status, hdr, b := upload(t, ts, ts.apiKey, "partner-center.csv", pc, map[string]string{"map": "Lead ID=ignore"})
			var ans importAnswer
			if err := json.Unmarshal(b, &ans); err != nil || status != http.StatusAccepted {
				t.Fatalf("upload: %d %s", status, b)
			}
			if hdr.Get("Location") != "/api/v1/imports/"+ans.ID || ans.ID == "" || ans.Filename != "partner-center.csv" || ans.DryRun {
				t.Errorf("answer %s, Location %q", b, hdr.Get("Location"))
			}
			if len(ans.Mapping) != 15 || ans.Mapping[0].Field != "ignore" || ans.Mapping[0].By != "map" || ans.Mapping[4].Field != "email" ||
				len(ans.Warnings) != 1 {
				t.Errorf("mapping %+v warnings %v", ans.Mapping, ans.Warnings)
			}
			im := waitImport(t, ts, ans.ID)
			if im.Status != lead.ImportDone || im.Created != 6 || im.Rows != 6 || im.FinishedAt == nil || im.Errors == nil {
				t.Fatalf("import %+v", im)
			}
			var leads struct{ Leads []lead.Lead }
			ts.api(t, "GET", "/api/v1/leads?q=someone@contoso.com", nil, &leads)
			if len(leads.Leads) != 1 || leads.Leads[0].Channel != lead.ChannelImport || leads.Leads[0].Offer.OfferID != "crm-connector" {
				t.Errorf("imported lead: %+v", leads.Leads)
			}
			if _, ok := leads.Leads[0].Extra["Lead ID"]; ok {
				t.Error("an ignored column was kept")
			}

			// Again: nothing new. The Lead ID column is ignored in both, so the
			// rows have the same identity.
			_, _, b = upload(t, ts, ts.apiKey, "again.csv", pc, map[string]string{"map": "Lead ID=ignore"})
			ans = importAnswer{}
			_ = json.Unmarshal(b, &ans)
			if im := waitImport(t, ts, ans.ID); im.Created != 0 || im.Duplicates != 6 {
				t.Errorf("re-import: %+v", im)
			}

			// The messy file: row errors with lines, the rest imported.
			messy, _ := os.ReadFile(importFixtures + "messy.csv")
			_, _, b = upload(t, ts, ts.apiKey, "messy.csv", messy, nil)
			ans = importAnswer{}
			_ = json.Unmarshal(b, &ans)
			im = waitImport(t, ts, ans.ID)
			if im.Created != 4 || im.Flagged != 1 || im.Quarantined != 5 || im.Failed != 0 || len(im.Errors) != 6 || im.Errors[0].Line != 3 || im.Errors[0].Outcome != lead.RowFlagged {
				t.Errorf("messy import: %+v", im)
			}

			// A dry run answers 200 with the counts and stores nothing.
			status, _, b = upload(t, ts, ts.apiKey, "messy.csv", messy, map[string]string{"dry_run": "true", "lazy_quotes": "true"})
			ans = importAnswer{}
			_ = json.Unmarshal(b, &ans)
			if status != http.StatusOK || !ans.DryRun || ans.ID != "" || ans.Rows != 11 || ans.Flagged != 1 || ans.Quarantined != 3 || ans.Failed != 0 || ans.Status != lead.ImportDone {
				t.Errorf("dry run: %d %s", status, b)
			}

			var list struct{ Imports []lead.Import }
			if s := ts.api(t, "GET", "/api/v1/imports", nil, &list); s != 200 || len(list.Imports) != 3 || list.Imports[0].ID != im.ID {
				t.Errorf("list: %d %+v", s, list)
			}
			if s := ts.api(t, "GET", "/api/v1/imports?limit=1", nil, &list); s != 200 || len(list.Imports) != 1 {
				t.Errorf("list limit=1: %d %d", s, len(list.Imports))
			}

			// Refusals.
			for name, tc := range map[string]struct {
				key    string
				file   []byte
				fields map[string]string
				want   int
				detail string
			}{
				"no key":         {"", pc, nil, 401, ""},
				"no file":        {ts.apiKey, nil, map[string]string{"map": "a=email"}, 400, "form.file"},
				"bad map":        {ts.apiKey, pc, map[string]string{"map": "Email"}, 400, "want column=field"},
				"missing column": {ts.apiKey, pc, map[string]string{"map": "Mail=email"}, 400, `no column named \"Mail\"`},
				"unknown field":  {ts.apiKey, pc, map[string]string{"dryrun": "true"}, 400, "form.dryrun"},
				"bad boolean":    {ts.apiKey, pc, map[string]string{"dry_run": "maybe"}, 400, "form.dry_run"},
				"empty file":     {ts.apiKey, []byte{}, nil, 400, "the file is empty"},
			} {
				status, _, b := upload(t, ts, tc.key, "x.csv", tc.file, tc.fields)
				if status != tc.want || !strings.Contains(string(b), tc.detail) {
					t.Errorf("%s: %d %s, want %d with %q", name, status, b, tc.want, tc.detail)
				}
			}
			if s, _, b := ts.do(t, "POST", ts.base+"/api/v1/imports", ts.apiKey, pc); s != 400 || !strings.Contains(string(b), "multipart/form-data") {
				t.Errorf("not multipart: %d %s", s, b)
			}
			if s := ts.api(t, "GET", "/api/v1/imports/nope", nil, nil); s != 404 {
				t.Errorf("unknown import: %d", s)
			}
			if s := ts.api(t, "GET", "/api/v1/imports?limit=0", nil, nil); s != 400 {
				t.Errorf("limit=0: %d", s)
			}
		})
	}
}

// TestImportAPIShutdown stops the server during a long import: the import
// is recorded as failed with the reason, and every row it counted as
// created is stored.
func TestImportAPIShutdown(t *testing.T) {
	ts := startFresh(t)
	var file bytes.Buffer
	file.WriteString("Email,First Name,Last Name,Company\n")
	for i := range 100000 {
		fmt.Fprintf(&file, "person%d@example.com,Person,Number %d,Contoso\n", i, i)
	}
	status, _, b := upload(t, ts, ts.apiKey, "big.csv", file.Bytes(), nil)
	var ans importAnswer
	if err := json.Unmarshal(b, &ans); err != nil || status != http.StatusAccepted {
		t.Fatalf("upload: %d %s", status, b)
	}
	eventually.True(t, 60*time.Second, "the import to make progress", func() bool {
		var im lead.Import
		ts.api(t, "GET", "/api/v1/imports/"+ans.ID, nil, &im)
		return im.Created > 0 || im.Status != lead.ImportRunning
	})
	if err := ts.stop(t); err != nil {
		t.Fatalf("serve: %v", err)
	}

	st := storetest.OpenDSN(t, ts.dsn)
	im, err := st.GetImport(context.Background(), ans.ID)
	if err != nil {
		t.Fatal(err)
	}
	if im.Status == lead.ImportDone {
		t.Skip("the import finished before the server stopped")
	}
	if im.Status != lead.ImportFailed || !strings.Contains(im.Error, "interrupted") || im.FinishedAt == nil {
		t.Fatalf("import after shutdown: %+v", im)
	}
	if n := countImported(t, ts.dsn); int64(n) != im.Created || im.Rows != im.Created+im.Failed+im.Duplicates {
		t.Errorf("%d leads stored, the import counted %+v", n, im)
	}
}

// TestImportAPILimits runs the API handler with small limits: an upload over
// the size limit is refused with 413 and leaves nothing behind, and the
// spooled file of an import is removed when the import ends.
func TestImportAPILimits(t *testing.T) {
	spool := t.TempDir()
	var imports *csvimport.Runner
	srv := apitest.Start(t, func(d *api.Deps) {
		imports = csvimport.NewRunner(context.Background(), csvimport.RunnerOptions{Inbox: d.Inbox, Store: d.Store, Dir: spool})
		d.Imports, d.MaxImport = imports, 2048
	})
	defer imports.Stop()
	ts := &testServer{base: srv.URL, apiKey: srv.APIKey}

	big := []byte("Email,Notes\n" + strings.Repeat("a@x.example,"+strings.Repeat("n", 100)+"\n", 40))
	status, _, b := upload(t, ts, ts.apiKey, "big.csv", big, nil)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "too-large") {
		t.Errorf("too large: %d %s", status, b)
	}
	small := []byte("Email,Notes\na@x.example,one\nb@x.example,two\n")
	status, _, b = upload(t, ts, ts.apiKey, "small.csv", small, nil)
	var ans importAnswer
	if err := json.Unmarshal(b, &ans); err != nil || status != http.StatusAccepted {
		t.Fatalf("small: %d %s", status, b)
	}
	if im := waitImport(t, ts, ans.ID); im.Created != 2 {
		t.Errorf("import %+v", im)
	}
	eventually.True(t, 10*time.Second, "the spooled upload to be removed", func() bool {
		entries, _ := os.ReadDir(spool)
		return len(entries) == 0
	})

	// After Stop, new imports are refused; a dry run still works.
	imports.Stop()
	if status, _, b := upload(t, ts, ts.apiKey, "small.csv", small, nil); status != http.StatusServiceUnavailable {
		t.Errorf("after Stop: %d %s", status, b)
	}
	if status, _, b := upload(t, ts, ts.apiKey, "small.csv", small, map[string]string{"dry_run": "1"}); status != http.StatusOK {
		t.Errorf("dry run after Stop: %d %s", status, b)
	}
}
