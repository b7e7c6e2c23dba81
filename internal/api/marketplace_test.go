package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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

// endpoint is the marketplace endpoint over a real store and inbox.
type endpoint struct {
	url   string // the ingest URL, with its code
	store *store.Store
	reg   *prometheus.Registry
}

func newEndpoint(t *testing.T, maxBody int64) *endpoint {
	t.Helper()
	st := storetest.Engines(t)[0].Open(t)
	reg := prometheus.NewRegistry()
	metrics := ingest.NewMetrics(reg, st.CountQuarantined)
	inbox := ingest.New(st, ingest.Options{Metrics: metrics})
	t.Cleanup(inbox.Close)
	secret, cred := auth.NewSecret(lead.CredentialIngest, "test", time.Now())
	if err := st.CreateCredential(context.Background(), cred); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler(api.Deps{
		Store: st, Inbox: inbox, Verifier: auth.NewVerifier(st, 0), Logger: slog.New(slog.DiscardHandler),
		Metrics: metrics, Gatherer: reg, MaxBody: maxBody,
	}))
	t.Cleanup(srv.Close)
	return &endpoint{url: srv.URL + "/ingest/marketplace?code=" + secret, store: st, reg: reg}
}

type answer struct {
	status int
	header http.Header
	// the JSON body: an ingest answer or a problem document
	ID     string `json:"id"`
	Status any    `json:"status"` // "created" or "duplicate"; a problem's HTTP status
	Type   string `json:"type"`
	Detail string `json:"detail"`
	RawID  string `json:"raw_id"`
}

func (e *endpoint) post(t *testing.T, body []byte, header map[string]string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.Unmarshal(b, &a); err != nil {
		t.Fatalf("answer %d %q: %v", resp.StatusCode, b, err)
	}
	return a
}

// TestMarketplaceNoContact: {} is not a lead; it is kept in quarantine
// and the answer says what is missing.
func TestMarketplaceNoContact(t *testing.T) {
	e := newEndpoint(t, 0)
	a := e.post(t, []byte(`{}`), nil)
	if a.status != http.StatusBadRequest || a.RawID == "" || !strings.HasSuffix(a.Type, "#problem-unparseable-lead") ||
		!strings.Contains(a.Detail, "no contact details") || !strings.Contains(a.Detail, "Email") {
		t.Fatalf("{}: %+v, want 400 unparseable-lead naming the missing contact fields", a)
	}
	raw, err := e.store.GetRaw(context.Background(), a.RawID)
	if err != nil || raw.Status != lead.RawQuarantined || string(raw.Body) != `{}` {
		t.Fatalf("raw %+v, %v", raw, err)
	}
	page, err := e.store.ListLeads(context.Background(), lead.LeadFilter{Limit: 10})
	if err != nil || len(page.Leads) != 0 {
		t.Fatalf("leads %v, %v; want none", page.Leads, err)
	}
}
