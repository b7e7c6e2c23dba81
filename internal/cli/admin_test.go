package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, func(string) string { return "" }, nil, &out, &errb)
	return out.String(), errb.String(), err
}

// TestTokenLifecycle creates a second ingest token (rotation), uses both,
// revokes the first and checks the running server refuses it.
func TestTokenLifecycle(t *testing.T) {
	dsn := storetest.Engines(t)[0].NewDSN(t)
	ts := startTestServer(t, dsn)
	first := ts.ingestURL[strings.Index(ts.ingestURL, "code=")+5:]

	out, _, err := run(t, "token", "create", "--name", "rotation", "--database", dsn, "--public-url", ts.base)
	if err != nil {
		t.Fatal(err)
	}
	second := strings.TrimSpace(out)
	if !strings.HasPrefix(second, ts.base+"/ingest/marketplace?code=lhi_") {
		t.Fatalf("token create printed %q", out)
	}
	for _, url := range []string{ts.ingestURL, second} {
		if s, _, b := ts.do(t, "POST", url, "", []byte(`{"Email":"a@contoso.com","LeadSource":"AzureMarketplace-INS|a.b","Description":"`+url+`"}`)); s != http.StatusCreated {
			t.Fatalf("post with an active token: %d %s", s, b)
		}
	}

	out, _, err = run(t, "token", "list", "--json", "--database", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var creds []struct {
		ID, Hint, Name string
		RevokedAt      *string `json:"revoked_at"`
	}
	if err := json.Unmarshal([]byte(out), &creds); err != nil || len(creds) != 2 {
		t.Fatalf("token list: %v %s", err, out)
	}
	if strings.Contains(out, first) {
		t.Fatal("token list shows a whole secret")
	}
	var firstID string
	for _, c := range creds {
		if strings.HasPrefix(first, c.Hint) {
			firstID = c.ID
		}
	}
	if _, _, err := run(t, "token", "revoke", firstID, "--database", dsn); err != nil {
		t.Fatal(err)
	}
	eventually.True(t, 10*time.Second, "the revocation to reach the server", func() bool {
		s, _, _ := ts.do(t, "POST", ts.ingestURL, "", []byte(`{"x":"after revoke"}`))
		return s == http.StatusUnauthorized
	})
	if s, _, _ := ts.do(t, "POST", second, "", []byte(`{"Email":"a@contoso.com","x":"second still works"}`)); s != http.StatusCreated {
		t.Fatalf("the other token stopped working: %d", s)
	}
	_, errOut, err := run(t, "token", "revoke", second[strings.Index(second, "code=")+5:][:12], "--database", dsn)
	if err != nil || !strings.Contains(errOut, "last active ingest token") {
		t.Fatalf("revoking the last token: %v, stderr %q: want a warning", err, errOut)
	}
	if _, _, err := run(t, "token", "revoke", "lhi_nope", "--database", dsn); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
}

func TestLeadsAndQuarantineCommands(t *testing.T) {
	dsn := storetest.Engines(t)[0].NewDSN(t)
	ts := startTestServer(t, dsn)
	for _, body := range []string{
		sampleLead,
		`{"userDetails":{"firstName":"Ana","email":"ana@fabrikam.com","company":"Fabrikam"},"LeadSource":"AppSource (SPZA)-PLT|fabrikam.backup"}`,
		`{"UserDetails":{"FirstName":"MSFT_TEST_636573304831318844"},"LeadSource":"AzureMarketplace","ActionCode":"INS"}`,
		`this is not json`,
	} {
		ts.do(t, "POST", ts.ingestURL, "", []byte(body))
	}

	out, _, err := run(t, "leads", "list", "--database", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out, "\n"); lines != 4 { // header + 3 leads
		t.Fatalf("leads list printed %d lines:\n%s", lines, out)
	}
	out, _, err = run(t, "leads", "list", "--json", "--offer", "fabrikam.backup", "--database", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		ID      string
		Stage   string
		Contact struct{ Email string }
	}
	if err := json.Unmarshal([]byte(out), &l); err != nil || l.Stage != "interest" || l.Contact.Email != "ana@fabrikam.com" {
		t.Fatalf("leads list --offer: %v %s", err, out)
	}
	out, _, err = run(t, "leads", "list", "--json", "--is-test", "true", "--database", dsn)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"stage":"test"`) {
		t.Fatalf("leads list --is-test: %v %s", err, out)
	}
	if _, _, err := run(t, "leads", "list", "--received-after", "yesterday", "--database", dsn); ExitCode(err) != 2 {
		t.Fatalf("bad time: %v", err)
	}
	out, _, err = run(t, "leads", "show", l.ID, "--database", dsn)
	if err != nil || !strings.Contains(out, `"raw_body"`) || !strings.Contains(out, "fabrikam.backup") {
		t.Fatalf("leads show: %v %s", err, out)
	}
	if _, _, err := run(t, "leads", "show", "nope", "--database", dsn); err == nil {
		t.Fatal("leads show of a missing id succeeded")
	}

	out, errOut, err := run(t, "quarantine", "list", "--database", dsn)
	if err != nil || !strings.Contains(errOut, "1 in quarantine") || !strings.Contains(out, "not JSON") {
		t.Fatalf("quarantine list: %v %s %s", err, out, errOut)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if _, _, err := run(t, "quarantine", "reprocess", id, "--database", dsn); err == nil {
		t.Fatal("reprocessing a still-bad body reported success")
	}
	_, errOut, err = run(t, "quarantine", "reprocess", "--all", "--database", dsn)
	if err != nil || !strings.Contains(errOut, "0 parsed, 1 still in quarantine") {
		t.Fatalf("reprocess --all: %v %s", err, errOut)
	}
}

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
