package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// run runs leadhub with args, no environment and no standard input, and
// returns what it wrote to standard output and standard error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, func(string) string { return "" }, nil, &out, &errb)
	return out.String(), errb.String(), err
}

// testDatabases returns a fresh database address per engine under test:
// SQLite always, PostgreSQL when LEADHUB_TEST_POSTGRES_URL is set.
func testDatabases(t *testing.T) map[string]string {
	t.Helper()
	dbs := map[string]string{}
	for _, e := range storetest.Engines(t) {
		dbs[e.Name] = e.NewDSN(t)
	}
	return dbs
}

// testServer is `leadhub serve` running in the test's process.
type testServer struct {
	base      string // http://127.0.0.1:port
	ingestURL string // with code
	apiKey    string
	dsn       string
	stdout    *apitest.Buffer
	stderr    *apitest.Buffer
	cancel    context.CancelFunc
	done      chan struct{} // closed when Run has returned, with its error in err
	err       error
}

// stop cancels the server's context and returns Run's error.
func (ts *testServer) stop(t *testing.T) error {
	t.Helper()
	ts.cancel()
	select {
	case <-ts.done:
		return ts.err
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
		return nil
	}
}

// startFresh starts the server on a fresh SQLite database (ts.dsn).
func startFresh(t *testing.T, extra ...string) *testServer {
	t.Helper()
	return startTestServer(t, storetest.Engines(t)[0].NewDSN(t), extra...)
}

// startTestServer boots the real program (`leadhub serve`) on a free port.
func startTestServer(t *testing.T, dsn string, extra ...string) *testServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ts := &testServer{dsn: dsn, stdout: &apitest.Buffer{}, stderr: &apitest.Buffer{}, cancel: cancel, done: make(chan struct{})}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", dsn}, extra...)
	go func() {
		ts.err = Run(ctx, args, func(string) string { return "" }, nil, ts.stdout, ts.stderr)
		close(ts.done)
	}()
	t.Cleanup(func() { _ = ts.stop(t) })
	addrRE := regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)
	eventually.True(t, 30*time.Second, "the server to listen", func() bool {
		select {
		case <-ts.done:
			t.Fatalf("server exited: %v\n%s", ts.err, ts.stderr.String())
		default:
		}
		return addrRE.MatchString(ts.stderr.String())
	})
	ts.base = "http://" + addrRE.FindStringSubmatch(ts.stderr.String())[1]
	// Standard output is not a terminal here, so the server printed no
	// ingest URL: make a token and a key as an operator would.
	out, _, err := run(t, "token", "create", "--name", "test", "--database", dsn, "--public-url", ts.base)
	if err != nil {
		t.Fatalf("token create: %v", err)
	}
	ts.ingestURL = strings.TrimSpace(out)
	if out, _, err = run(t, "apikey", "create", "--name", "test", "--database", dsn); err != nil {
		t.Fatalf("apikey create: %v", err)
	}
	ts.apiKey = strings.TrimSpace(out)
	return ts
}

// do sends a request to url with the bearer token auth (none when "") and
// returns the answer's status, header and body.
func (ts *testServer) do(t *testing.T, method, url, auth string, body []byte) (int, http.Header, []byte) {
	t.Helper()
	resp, b := apitest.Do(t, method, url, auth, body, nil)
	return resp.StatusCode, resp.Header, b
}

// api calls the API at path with the server's key, decodes the answer
// into into unless it is nil, and returns the status.
func (ts *testServer) api(t *testing.T, method, path string, body []byte, into any) int {
	t.Helper()
	status, _, b := ts.do(t, method, ts.base+path, ts.apiKey, body)
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, status, b, err)
		}
	}
	return status
}

// sampleLead is a marketplace lead as Microsoft sends it.
const sampleLead = `{
  "UserDetails": {"FirstName": "Some", "LastName": "One", "Email": "someone@contoso.com",
    "Phone": "16175555555", "Country": "USA", "Company": "Contoso", "Title": "Esquire"},
  "LeadSource": "AzureMarketplace", "ActionCode": "INS", "OfferTitle": "Test Microsoft",
  "Description": "Test run through Power Automate"
}`

// jsonInto decodes the JSON b into v.
func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }
