package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/bench"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func TestServeEndToEnd(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ts := startTestServer(t, dsn)
			// Standard output is not a terminal: no secret is printed, the
			// log says how to make a token.
			if strings.Contains(ts.stdout.String(), "code=") || !strings.Contains(ts.stderr.String(), "no ingest token exists yet") {
				t.Fatalf("first start without a terminal: stdout %q; stderr:\n%s", ts.stdout.String(), ts.stderr.String())
			}
			// Nobody can sign in yet: the log says how to make the first user.
			if !strings.Contains(ts.stderr.String(), "no user exists") {
				t.Errorf("first start: the log does not say how to make the first user:\n%s", ts.stderr.String())
			}

			// A new lead is stored and acknowledged with its id.
			status, hdr, b := ts.do(t, "POST", ts.ingestURL, "", []byte(sampleLead))
			if status != http.StatusCreated {
				t.Fatalf("first post: %d %s", status, b)
			}
			var ans struct {
				ID     string `json:"id"`
				Status string `json:"status"`
				Stage  string `json:"stage"`
			}
			if err := json.Unmarshal(b, &ans); err != nil || ans.ID == "" || ans.Stage != "active" {
				t.Fatalf("answer %s (%v)", b, err)
			}
			if hdr.Get("Location") != "/api/v1/leads/"+ans.ID {
				t.Errorf("Location = %q", hdr.Get("Location"))
			}

			// The same body again is a redelivery: 200 with the same id.
			status, _, b = ts.do(t, "POST", ts.ingestURL, "", []byte(sampleLead))
			var again struct{ ID, Status string }
			_ = json.Unmarshal(b, &again)
			if status != http.StatusOK || again.ID != ans.ID || again.Status != "duplicate" {
				t.Fatalf("redelivery: %d %s, want 200 with id %s", status, b, ans.ID)
			}

			// Not JSON: 400 problem, body kept in quarantine.
			bad := []byte(`{"UserDetails": {"FirstName": "Broken"`)
			status, hdr, b = ts.do(t, "POST", ts.ingestURL, "", bad)
			var prob struct {
				Detail string `json:"detail"`
				RawID  string `json:"raw_id"`
			}
			_ = json.Unmarshal(b, &prob)
			if status != http.StatusBadRequest || prob.RawID == "" || !strings.Contains(hdr.Get("Content-Type"), "problem+json") {
				t.Fatalf("bad body: %d %s", status, b)
			}
			if !strings.Contains(prob.Detail, "JSON") {
				t.Errorf("problem detail %q does not say what is wrong", prob.Detail)
			}
			status, _, _ = ts.do(t, "POST", ts.ingestURL, "", []byte(`[1,2,3]`))
			if status != http.StatusBadRequest {
				t.Errorf("JSON array: %d, want 400", status)
			}

			// A body over the limit is kept in quarantine and answered 413.
			status, _, b = ts.do(t, "POST", ts.ingestURL, "", bytes.Repeat([]byte("x"), 64<<10+1))
			var big struct {
				RawID string `json:"raw_id"`
			}
			_ = json.Unmarshal(b, &big)
			if status != http.StatusRequestEntityTooLarge || big.RawID == "" {
				t.Errorf("over the limit: %d %s, want 413 with a raw_id", status, b)
			}

			// Refusals store nothing.
			for name, tc := range map[string]struct {
				method, url string
				body        []byte
				want        int
			}{
				"no code":           {"POST", ts.base + "/ingest/marketplace", []byte(sampleLead), 401},
				"wrong code":        {"POST", ts.base + "/ingest/marketplace?code=lhi_wrong", []byte(`{"a":1}`), 401},
				"too large to keep": {"POST", ts.ingestURL, bytes.Repeat([]byte("x"), 1<<20+1), 413},
				"GET":               {"GET", ts.ingestURL, nil, 405},
			} {
				if status, _, b := ts.do(t, tc.method, tc.url, "", tc.body); status != tc.want {
					t.Errorf("%s: %d %s, want %d", name, status, b, tc.want)
				}
			}

			// The API lists and shows the lead; filters apply.
			var list struct {
				Leads []map[string]any `json:"leads"`
			}
			if s := ts.api(t, "GET", "/api/v1/leads", nil, &list); s != 200 || len(list.Leads) != 1 {
				t.Fatalf("list: %d %v", s, list)
			}
			for _, key := range []string{"id", "received_at", "channel", "source", "action", "offer", "stage", "is_test", "contact", "description", "description_params"} {
				if _, ok := list.Leads[0][key]; !ok {
					t.Errorf("lead JSON lacks %q: %v", key, list.Leads[0])
				}
			}
			for query, want := range map[string]int{
				"?stage=active": 1, "?stage=trial": 0, "?action=INS": 1, "?source=AzurePortal": 0,
				"?q=CONTOSO": 1, "?q=nobody": 0, "?is_test=false": 1, "?is_test=true": 0,
				"?received_after=2000-01-01T00:00:00Z": 1, "?received_before=2000-01-01T00:00:00Z": 0,
			} {
				list.Leads = nil
				if s := ts.api(t, "GET", "/api/v1/leads"+query, nil, &list); s != 200 || len(list.Leads) != want {
					t.Errorf("list%s: %d, %d leads, want %d", query, s, len(list.Leads), want)
				}
			}
			if s := ts.api(t, "GET", "/api/v1/leads?stage=nope&limit=0", nil, nil); s != 400 {
				t.Errorf("invalid filters: %d, want 400", s)
			}
			var detail map[string]any
			if s := ts.api(t, "GET", "/api/v1/leads/"+ans.ID, nil, &detail); s != 200 || detail["raw_body"] != sampleLead {
				t.Errorf("get lead: %d raw_body=%v", s, detail["raw_body"])
			}
			if s := ts.api(t, "GET", "/api/v1/leads/nope", nil, nil); s != 404 {
				t.Errorf("unknown lead: %d, want 404", s)
			}
			if s, _, _ := ts.do(t, "GET", ts.base+"/api/v1/leads", "lhk_wrong", nil); s != 401 {
				t.Errorf("wrong API key: %d, want 401", s)
			}

			// The quarantine lists the bad bodies; reprocessing one that is
			// still bad answers 422 and counts the attempt.
			var q struct {
				Quarantine []struct {
					ID       string `json:"id"`
					RawBody  string `json:"raw_body"`
					Attempts int    `json:"attempts"`
				} `json:"quarantine"`
			}
			if s := ts.api(t, "GET", "/api/v1/quarantine", nil, &q); s != 200 || len(q.Quarantine) != 3 {
				t.Fatalf("quarantine: %d, %d raw leads, want 3", s, len(q.Quarantine))
			}
			if s := ts.api(t, "POST", "/api/v1/quarantine/"+prob.RawID+"/reprocess", nil, nil); s != 422 {
				t.Errorf("reprocess still-bad body: %d, want 422", s)
			}

			// Operations endpoints.
			for _, p := range []string{"/healthz", "/readyz", "/openapi.json"} {
				if s, _, b := ts.do(t, "GET", ts.base+p, "", nil); s != 200 {
					t.Errorf("%s: %d %s", p, s, b)
				}
			}
			_, _, metrics := ts.do(t, "GET", ts.base+"/metrics", "", nil)
			for _, want := range []string{
				`leadhub_leads_received_total{action="INS",source="AzureMarketplace",stage="active"} 1`,
				`leadhub_ingest_rejected_total{reason="unauthorized"} 2`,
				`leadhub_ingest_rejected_total{reason="too_large"} 2`,
				`leadhub_ingest_quarantined_total 3`,
				`leadhub_quarantine_size 3`,
				`leadhub_ingest_duplicates_total 1`,
				`leadhub_ingest_duration_seconds_count{outcome="created"} 1`,
			} {
				if !strings.Contains(string(metrics), want) {
					t.Errorf("/metrics lacks %q", want)
				}
			}

			// Graceful shutdown returns cleanly; nothing secret or personal was logged.
			if err := ts.stop(t); err != nil {
				t.Fatalf("serve returned %v", err)
			}
			logs := ts.stderr.String()
			code := ts.ingestURL[strings.Index(ts.ingestURL, "code=")+5:]
			for _, secret := range []string{code, ts.apiKey, "someone@contoso.com", "16175555555"} {
				if strings.Contains(logs, secret) {
					t.Errorf("logs contain %q:\n%s", secret, logs)
				}
			}

			// After a restart the lead is still there and a redelivery is still a duplicate.
			ts2 := startTestServer(t, dsn)
			if strings.Contains(ts2.stdout.String(), "code=") {
				t.Error("a restart must not create another ingest token")
			}
			status, _, b = ts.do(t, "POST", ts2.base+"/ingest/marketplace?code="+code, "", []byte(sampleLead))
			if status != 200 || !strings.Contains(string(b), ans.ID) {
				t.Errorf("redelivery after restart: %d %s", status, b)
			}
		})
	}
}

// TestGracefulShutdownKeepsAcknowledgedLeads stops the server (as SIGTERM
// does) while 16 clients are posting: every lead that was acknowledged is
// in the database afterwards.
func TestGracefulShutdownKeepsAcknowledgedLeads(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			ts := startTestServer(t, dsn)
			var mu sync.Mutex
			acked := map[string]int{}
			var n atomic.Int64
			loadDone := make(chan bench.LoadResult)
			go func() {
				res, _ := bench.Load(context.Background(), bench.LoadConfig{
					URL: ts.ingestURL, Run: "shutdown", Count: 20000, Concurrency: 16,
					OnAck: func(a bench.Ack) {
						mu.Lock()
						acked[a.ID] = a.Seq
						mu.Unlock()
						n.Add(1)
					},
				})
				loadDone <- res
			}()
			eventually.True(t, 30*time.Second, "some leads to be acknowledged", func() bool { return n.Load() >= 300 })
			if err := ts.stop(t); err != nil {
				t.Fatalf("serve: %v", err)
			}
			res := <-loadDone
			if res.Failed == 0 {
				t.Fatal("the load finished before the server stopped; the test proved nothing")
			}
			st := storetest.OpenDSN(t, dsn)
			for id, seq := range acked {
				l, err := st.GetLead(context.Background(), id)
				if err != nil {
					t.Fatalf("acknowledged lead %s (#%d) is missing after shutdown: %v", id, seq, err)
				}
				if l.Description != bench.Marker("shutdown", seq) {
					t.Fatalf("lead %s holds %q, want body #%d", id, l.Description, seq)
				}
			}
			t.Logf("%d leads acknowledged before shutdown, all stored; %d requests refused or cut", len(acked), res.Failed)
		})
	}
}

// TestEnsureIngestToken: the first token is made only on a database that
// never had one, and its URL is printed only to a terminal.
func TestEnsureIngestToken(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		before   []string // tokens to create first; "revoked:" ones are revoked
		terminal bool
		created  bool
		warning  string
	}{
		{"new database on a terminal", nil, true, true, ""},
		{"new database as a service", nil, false, false, "no ingest token exists yet"},
		{"every token revoked", []string{"revoked:old"}, true, false, "every ingest token is revoked"},
		{"an active token", []string{"partner center"}, true, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Engines(t)[0].Open(t)
			for _, name := range tc.before {
				_, c := auth.NewSecret(lead.CredentialIngest, name, time.Now())
				if err := st.CreateCredential(ctx, c); err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(name, "revoked:") {
					if _, err := st.RevokeCredential(ctx, lead.CredentialIngest, c.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			var out, logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			if err := ensureIngestToken(ctx, st, "https://leads.example.com", "127.0.0.1:8080", &out, tc.terminal, log); err != nil {
				t.Fatal(err)
			}
			creds, err := st.ListCredentials(ctx, lead.CredentialIngest)
			if err != nil {
				t.Fatal(err)
			}
			if created := len(creds) > len(tc.before); created != tc.created {
				t.Fatalf("created a token: %v, want %v", created, tc.created)
			}
			if printed := strings.Contains(out.String(), "https://leads.example.com/ingest/marketplace?code=lhi_"); printed != tc.created {
				t.Fatalf("printed the URL: %v (%q), want %v", printed, out.String(), tc.created)
			}
			if tc.warning != "" && !strings.Contains(logs.String(), tc.warning) {
				t.Fatalf("log %q lacks %q", logs.String(), tc.warning)
			}
			if strings.Contains(logs.String(), "lhi_") {
				t.Fatalf("a secret was logged: %s", logs.String())
			}
		})
	}
}
