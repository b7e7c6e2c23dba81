// Package apitest serves leadhub's HTTP API over a real, migrated store for
// tests, the handler alone (Start) or the whole server as serve runs it
// (StartApp), and sends requests to it (or to any leadhub server a test
// runs).
//
// Only tests import it.
package apitest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// Server is api.Handler over a fresh store (SQLite, unless StartOn names
// the engine), with an inbox, the ingest metrics, the customer and the
// notification endpoints, served on a loopback port until the test ends.
type Server struct {
	URL       string // http://127.0.0.1:port
	IngestURL string // the marketplace endpoint, with an ingest token's code
	APIKey    string // a key for /api/v1
	Store     *store.Store
	Inbox     *ingest.Inbox
	Registry  *prometheus.Registry // the ingest metrics, served at /metrics
	Log       *Buffer              // what the handler logged, JSON at debug level
}

// Start serves the API. change, when not nil, adjusts the dependencies
// before the handler is built: d.Store and d.Inbox are set by then.
func Start(t testing.TB, change func(d *api.Deps)) *Server {
	t.Helper()
	return StartOn(t, storetest.Engines(t)[0], change)
}

// StartOn is Start over a fresh store of the engine e.
func StartOn(t testing.TB, e storetest.Engine, change func(d *api.Deps)) *Server {
	t.Helper()
	st := e.Open(t)
	s := &Server{Store: st, Registry: prometheus.NewRegistry(), Log: &Buffer{}}
	metrics := ingest.NewMetrics(s.Registry, st.CountQuarantined)
	s.Inbox = ingest.New(st, ingest.Options{Metrics: metrics})
	t.Cleanup(s.Inbox.Close)
	s.APIKey = credential(t, st, lead.CredentialAPI)
	code := credential(t, st, lead.CredentialIngest)
	d := api.Deps{
		Store: st, Inbox: s.Inbox, Customers: st, Notifications: st, Verifier: auth.NewVerifier(st, 0),
		Metrics: metrics, Gatherer: s.Registry,
		Logger: slog.New(slog.NewJSONHandler(s.Log, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if change != nil {
		change(&d)
	}
	srv := httptest.NewServer(api.Handler(d))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	s.IngestURL = srv.URL + "/ingest/marketplace?code=" + code
	return s
}

// credential stores a new credential of kind and returns its secret.
func credential(t testing.TB, st *store.Store, kind lead.CredentialKind) string {
	t.Helper()
	secret, c := auth.NewSecret(kind, "test", time.Now())
	if err := st.CreateCredential(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return secret
}

// Do sends a request with body (none when nil), the bearer token key (none
// when "") and header, and returns the answer with its body read whole. A
// request that gets no answer fails t.
func Do(t testing.TB, method, url, key string, body []byte, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return resp, b
}

// Buffer holds what a server writes, a log or its output, while the test
// reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
