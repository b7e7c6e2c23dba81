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
	if status != http.StatusOK || !strings.Contains(body, "leadhub_quarantine_size") || !strings.Contains(body, "leadhub_ingest_batch_size") {
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
