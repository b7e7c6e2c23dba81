package app_test

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
)

// get answers a GET of url with the bearer token (none when ""): the
// status and the body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	resp, b := apitest.Do(t, "GET", url, token, nil, nil)
	return resp.StatusCode, string(b)
}

// /metrics can move to a listener of its own and be put behind a token.
func TestMetricsListener(t *testing.T) {
	c := app.Defaults()
	c.MetricsAddr, c.MetricsToken = "127.0.0.1:0", "a-metrics-token-of-32-characters"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	srv := apitest.StartApp(t, c, slog.New(slog.DiscardHandler))
	if status, _ := get(t, srv.URL+"/metrics", c.MetricsToken); status != http.StatusNotFound {
		t.Fatalf("/metrics on the main listener: %d, want 404", status)
	}
	if status, _ := get(t, srv.URL+"/healthz", ""); status != http.StatusOK {
		t.Fatalf("/healthz: %d", status)
	}
	murl := "http://" + srv.MetricsAddr().String() + "/metrics"
	if status, _ := get(t, murl, ""); status != http.StatusUnauthorized {
		t.Fatalf("/metrics without the token: %d, want 401", status)
	}
	status, body := get(t, murl, c.MetricsToken)
	if status != http.StatusOK || !strings.Contains(body, "leadhub_quarantine_size") || !strings.Contains(body, "leadhub_ingest_batch_size") ||
		!strings.Contains(body, `leadhub_jobs_queued{state="available"} 0`) {
		t.Fatalf("/metrics with the token: %d\n%.300s", status, body)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := app.Defaults().Validate(); err != nil {
		t.Fatalf("the defaults are invalid: %v", err)
	}
	c := app.Defaults()
	c.Addr, c.MetricsAddr, c.MetricsToken, c.MaxBody, c.MatchReview = "nonsense", "also nonsense", "short", 10, 2
	err := c.Validate()
	for _, flag := range []string{"--addr", "--metrics-addr", "--metrics-token", "--max-body", "--match-auto / --match-review"} {
		if err == nil || !strings.Contains(err.Error(), flag) {
			t.Errorf("Validate() = %v; want it to name %s", err, flag)
		}
	}
}

// The web app is served at / beside the API, which keeps its paths.
func TestWebMounted(t *testing.T) {
	srv := apitest.StartApp(t, app.Defaults(), slog.New(slog.DiscardHandler))
	for path, want := range map[string]int{"/sign-in": 200, "/healthz": 200, "/api/v1/leads": 401, "/openapi.json": 200, "/no-such-page": 404} {
		resp, b := apitest.Do(t, "GET", srv.URL+path, "", nil, nil)
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d\n%.300s", path, resp.StatusCode, want, b)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); (path == "/sign-in") != (csp != "") {
			t.Errorf("GET %s: Content-Security-Policy %q", path, csp)
		}
	}
	resp, _ := apitest.Do(t, "GET", srv.URL+"/", "", nil, nil)
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/sign-in" {
		t.Errorf("GET / without a session: %d at %s, want the sign-in page", resp.StatusCode, resp.Request.URL.Path)
	}
}
