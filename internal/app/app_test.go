package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// start runs the server on a fresh database with c, and shuts it down when
// the test ends.
func start(t *testing.T, c app.Config) (*app.Server, string) {
	t.Helper()
	ctx := context.Background()
	st, err := app.OpenStore(ctx, storetest.Engines(t)[0].NewDSN(t), true, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.Start(ctx, st, ln, c, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv, "http://" + ln.Addr().String()
}

// /metrics can move to a listener of its own and be put behind a token.
func TestMetricsListener(t *testing.T) {
	c := app.Defaults()
	c.MetricsAddr, c.MetricsToken = "127.0.0.1:0", "a-metrics-token-of-32-characters"
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	srv, base := start(t, c)
	if status, _ := get(t, base+"/metrics", c.MetricsToken); status != http.StatusNotFound {
		t.Fatalf("/metrics on the main listener: %d, want 404", status)
	}
	if status, _ := get(t, base+"/healthz", ""); status != http.StatusOK {
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
