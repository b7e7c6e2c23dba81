package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
)

// TestTokenLifecycle creates a second ingest token (rotation), uses both,
// revokes the first and checks the running server refuses it.
func TestTokenLifecycle(t *testing.T) {
	ts := startFresh(t)
	first := ts.ingestURL[strings.Index(ts.ingestURL, "code=")+5:]

	out, _, err := run(t, "token", "create", "--name", "rotation", "--database", ts.dsn, "--public-url", ts.base)
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

	out, _, err = run(t, "token", "list", "--json", "--database", ts.dsn)
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
	if _, _, err := run(t, "token", "revoke", firstID, "--database", ts.dsn); err != nil {
		t.Fatal(err)
	}
	eventually.True(t, 10*time.Second, "the revocation to reach the server", func() bool {
		s, _, _ := ts.do(t, "POST", ts.ingestURL, "", []byte(`{"x":"after revoke"}`))
		return s == http.StatusUnauthorized
	})
	if s, _, _ := ts.do(t, "POST", second, "", []byte(`{"Email":"a@contoso.com","x":"second still works"}`)); s != http.StatusCreated {
		t.Fatalf("the other token stopped working: %d", s)
	}
	_, errOut, err := run(t, "token", "revoke", second[strings.Index(second, "code=")+5:][:12], "--database", ts.dsn)
	if err != nil || !strings.Contains(errOut, "last active ingest token") {
		t.Fatalf("revoking the last token: %v, stderr %q: want a warning", err, errOut)
	}
	if _, _, err := run(t, "token", "revoke", "lhi_nope", "--database", ts.dsn); err == nil {
		t.Fatal("revoking an unknown token succeeded")
	}
}

func TestLeadsAndQuarantineCommands(t *testing.T) {
	ts := startFresh(t)
	for _, body := range []string{
		sampleLead,
		`{"userDetails":{"firstName":"Ana","email":"ana@fabrikam.com","company":"Fabrikam"},"LeadSource":"AppSource (SPZA)-PLT|fabrikam.backup"}`,
		`{"UserDetails":{"FirstName":"MSFT_TEST_636573304831318844"},"LeadSource":"AzureMarketplace","ActionCode":"INS"}`,
		`this is not json`,
	} {
		ts.do(t, "POST", ts.ingestURL, "", []byte(body))
	}

	out, _, err := run(t, "leads", "list", "--database", ts.dsn)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out, "\n"); lines != 4 { // header + 3 leads
		t.Fatalf("leads list printed %d lines:\n%s", lines, out)
	}
	out, _, err = run(t, "leads", "list", "--json", "--offer", "fabrikam.backup", "--database", ts.dsn)
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
	out, _, err = run(t, "leads", "list", "--json", "--is-test", "true", "--database", ts.dsn)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"stage":"test"`) {
		t.Fatalf("leads list --is-test: %v %s", err, out)
	}
	if _, _, err := run(t, "leads", "list", "--received-after", "yesterday", "--database", ts.dsn); ExitCode(err) != 2 {
		t.Fatalf("bad time: %v", err)
	}
	out, _, err = run(t, "leads", "show", l.ID, "--database", ts.dsn)
	if err != nil || !strings.Contains(out, `"raw_body"`) || !strings.Contains(out, "fabrikam.backup") {
		t.Fatalf("leads show: %v %s", err, out)
	}
	if _, _, err := run(t, "leads", "show", "nope", "--database", ts.dsn); err == nil {
		t.Fatal("leads show of a missing id succeeded")
	}

	out, errOut, err := run(t, "quarantine", "list", "--database", ts.dsn)
	if err != nil || !strings.Contains(errOut, "1 in quarantine") || !strings.Contains(out, "not JSON") {
		t.Fatalf("quarantine list: %v %s %s", err, out, errOut)
	}
	id := strings.Fields(strings.Split(out, "\n")[1])[0]
	if _, _, err := run(t, "quarantine", "reprocess", id, "--database", ts.dsn); err == nil {
		t.Fatal("reprocessing a still-bad body reported success")
	}
	_, errOut, err = run(t, "quarantine", "reprocess", "--all", "--database", ts.dsn)
	if err != nil || !strings.Contains(errOut, "0 parsed, 1 still in quarantine") {
		t.Fatalf("reprocess --all: %v %s", err, errOut)
	}
}
