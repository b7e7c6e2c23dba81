package api_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/httpx"
)

// problemOf decodes a problem document, failing unless the answer is one.
func problemOf(t *testing.T, resp *http.Response, body []byte) httpx.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json; body %q", resp.Request.URL.Path, ct, body)
	}
	var p httpx.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("not a problem document: %q", body)
	}
	if p.Status != resp.StatusCode {
		t.Fatalf("problem status %d, answer %d", p.Status, resp.StatusCode)
	}
	return p
}

// Requests no route takes are answered with problem documents: 405 with
// Allow where the path has other methods, 401 under /api/ without a key
// (whether or not the path exists), 404 otherwise.
func TestRequestsNoRouteTakes(t *testing.T) {
	h := apitest.Start(t, nil)
	for _, tc := range []struct {
		name, method, path string
		withKey            bool
		status             int
		allow              string
	}{
		{"wrong method on an API collection", "DELETE", "/api/v1/leads", true, 405, "GET, HEAD"},
		{"wrong method on an API item", "PUT", "/api/v1/customers/01ARZ3NDEKTSV4RRFFQ69G5FAV", true, 405, "GET, HEAD"},
		{"GET on an action", "GET", "/api/v1/audit/01ARZ3NDEKTSV4RRFFQ69G5FAV/undo", true, 405, "POST"},
		{"unknown API path with a key", "GET", "/api/v1/nothing-here", true, 404, ""},
		{"unknown API path without a key", "GET", "/api/v1/nothing-here", false, 401, ""},
		{"wrong method without a key", "DELETE", "/api/v1/leads", false, 401, ""},
		{"wrong method on an operational route", "POST", "/healthz", false, 405, "GET, HEAD"},
		{"unknown page", "GET", "/no/such/page", false, 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := ""
			if tc.withKey {
				key = h.APIKey
			}
			resp, body := apitest.Do(t, tc.method, h.URL+tc.path, key, nil, nil)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s %s: %d %q, want %d", tc.method, tc.path, resp.StatusCode, body, tc.status)
			}
			problemOf(t, resp, body)
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

// Problem details say what is wrong without naming leadhub's packages.
func TestErrorDetailsHideInternals(t *testing.T) {
	h := apitest.Start(t, nil)
	for _, path := range []string{"/api/v1/leads/nope", "/api/v1/customers/nope", "/api/v1/audit/nope", "/api/v1/leads?cursor=bm9wZQ"} {
		resp, body := apitest.Do(t, "GET", h.URL+path, h.APIKey, nil, nil)
		p := problemOf(t, resp, body)
		if p.Detail == "" || strings.Contains(p.Detail, "store:") || strings.Contains(p.Detail, "store ") {
			t.Errorf("%s: detail %q", path, p.Detail)
		}
	}
}

// The request id is leadhub's own; a caller's X-Request-Id is logged
// beside it, and the client's address is logged (through a trusted proxy
// only when one is configured).
func TestAccessLogIdsAndClient(t *testing.T) {
	for _, tc := range []struct {
		name    string
		proxies string
		client  string
	}{
		{"no trusted proxy: the peer", "", "127.0.0.1"},
		{"loopback trusted: the forwarded client", "127.0.0.1/32, 10.0.0.0/8", "203.0.113.7"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := httpx.ParseProxies(tc.proxies)
			if err != nil {
				t.Fatal(err)
			}
			h := apitest.Start(t, func(d *api.Deps) { d.Proxies = ps })
			resp, body := apitest.Do(t, "GET", h.URL+"/api/v1/leads/nope", h.APIKey, nil, map[string]string{
				"X-Request-Id": "caller-chosen-id", "X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.1.2.3"})
			id := resp.Header.Get("X-Request-Id")
			if id == "" || id == "caller-chosen-id" {
				t.Fatalf("X-Request-Id %q: the caller chose leadhub's request id", id)
			}
			if p := problemOf(t, resp, body); p.Instance != id {
				t.Errorf("problem instance %q, request id %q", p.Instance, id)
			}
			var line map[string]any
			for _, l := range strings.Split(strings.TrimSpace(h.Log.String()), "\n") {
				if strings.Contains(l, `"http request"`) {
					if err := json.Unmarshal([]byte(l), &line); err != nil {
						t.Fatal(err)
					}
				}
			}
			if line["request_id"] != id || line["client_request_id"] != "caller-chosen-id" || line["client"] != tc.client {
				t.Fatalf("access log %v: want request_id %s, client_request_id caller-chosen-id, client %s", line, id, tc.client)
			}
		})
	}
}

func TestMetricsToken(t *testing.T) {
	open := apitest.Start(t, nil)
	if resp, _ := apitest.Do(t, "GET", open.URL+"/metrics", "", nil, nil); resp.StatusCode != 200 {
		t.Fatalf("/metrics without a token configured: %d", resp.StatusCode)
	}
	h := apitest.Start(t, func(d *api.Deps) { d.MetricsToken = "metrics-secret-123" })
	resp, body := apitest.Do(t, "GET", h.URL+"/metrics", "", nil, nil)
	if resp.StatusCode != 401 {
		t.Fatalf("/metrics without the token: %d", resp.StatusCode)
	}
	problemOf(t, resp, body)
	if resp, _ := apitest.Do(t, "GET", h.URL+"/metrics", "wrong", nil, nil); resp.StatusCode != 401 {
		t.Fatalf("/metrics with a wrong token: %d", resp.StatusCode)
	}
	if resp, body := apitest.Do(t, "GET", h.URL+"/metrics", "metrics-secret-123", nil, nil); resp.StatusCode != 200 || !bytes.Contains(body, []byte("leadhub_ingest_batch_size")) {
		t.Fatalf("/metrics with the token: %d", resp.StatusCode)
	}
	elsewhere := apitest.Start(t, func(d *api.Deps) { d.MetricsElsewhere = true })
	if resp, _ := apitest.Do(t, "GET", elsewhere.URL+"/metrics", "", nil, nil); resp.StatusCode != 404 {
		t.Fatalf("/metrics served on its own listener still answers on the main one: %d", resp.StatusCode)
	}
}
