package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/metricstest"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// endpoint is the marketplace endpoint over a real store and inbox.
type endpoint struct{ *apitest.Server }

func newEndpoint(t *testing.T, maxBody int64) *endpoint {
	t.Helper()
	return &endpoint{apitest.Start(t, func(d *api.Deps) { d.MaxBody = maxBody })}
}

type answer struct {
	status int
	header http.Header
	close  bool // the server closes the connection (Connection: close)
	// the JSON body: an ingest answer or a problem document
	ID     string `json:"id"`
	Status any    `json:"status"` // "created" or "duplicate"; a problem's HTTP status
	Type   string `json:"type"`
	Detail string `json:"detail"`
	RawID  string `json:"raw_id"`
}

func (e *endpoint) post(t *testing.T, body []byte, header map[string]string) answer {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json"}
	maps.Copy(h, header)
	resp, b := apitest.Do(t, http.MethodPost, e.IngestURL, "", body, h)
	a := answer{status: resp.StatusCode, header: resp.Header, close: resp.Close}
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
	raw, err := e.Store.GetRaw(context.Background(), a.RawID)
	if err != nil || raw.Status != lead.RawQuarantined || string(raw.Body) != `{}` {
		t.Fatalf("raw %+v, %v", raw, err)
	}
	if leads := storetest.AllLeads(t, e.Store); len(leads) != 0 {
		t.Fatalf("leads %v; want none", leads)
	}
}

const sampleLead = `{"UserDetails":{"FirstName":"Some","LastName":"One","Email":"someone@contoso.com"},` +
	`"LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"Test Microsoft"}`

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// countRaw counts the raw leads: the leads and the quarantine.
func (e *endpoint) countRaw(t *testing.T) int {
	t.Helper()
	return e.mustCountQuarantined(t) + len(storetest.AllLeads(t, e.Store))
}

// TestMarketplaceGzip: a gzip-encoded body is decompressed and stored as
// the JSON it holds; its decompressed size is what counts against the
// limit; a body that is not gzip after all is unreadable; an unknown
// coding is answered 415.
func TestMarketplaceGzip(t *testing.T) {
	e := newEndpoint(t, 4096)
	for i, coding := range []string{"gzip", "x-gzip", "GZip", "identity, gzip"} {
		body := []byte(strings.Replace(sampleLead, "Test Microsoft", fmt.Sprint("Offer ", i), 1))
		a := e.post(t, gzipped(t, body), map[string]string{"Content-Encoding": coding})
		if a.status != http.StatusCreated {
			t.Fatalf("%s: %+v, want 201", coding, a)
		}
		raw, err := e.Store.GetRaw(context.Background(), a.ID)
		if err != nil || !bytes.Equal(raw.Body, body) || raw.Size != len(body) {
			t.Fatalf("%s: stored %q (%v), want the decompressed JSON", coding, raw.Body, err)
		}
	}
	if a := e.post(t, []byte(sampleLead), map[string]string{"Content-Encoding": "identity"}); a.status != http.StatusCreated {
		t.Fatalf("identity: %+v", a)
	}
	before := e.countRaw(t)

	for name, tc := range map[string]struct {
		body   []byte
		coding string
		status int
		slug   string
	}{
		"not gzip":        {[]byte(sampleLead), "gzip", 400, "unreadable-body"},
		"truncated gzip":  {gzipped(t, []byte(sampleLead))[:40], "gzip", 400, "unreadable-body"},
		"brotli":          {[]byte(sampleLead), "br", 415, "unsupported-encoding"},
		"deflate":         {[]byte(sampleLead), "deflate", 415, "unsupported-encoding"},
		"gzip twice":      {gzipped(t, gzipped(t, []byte(sampleLead))), "gzip, gzip", 415, "unsupported-encoding"},
		"zip bomb":        {gzipped(t, bytes.Repeat([]byte(" "), 64<<20)), "gzip", 413, "too-large"},
		"compressed body": {gzipped(t, bytes.Repeat([]byte(" "), 2<<20)), "gzip", 413, "too-large"},
	} {
		a := e.post(t, tc.body, map[string]string{"Content-Encoding": tc.coding})
		if a.status != tc.status || !strings.HasSuffix(a.Type, "#problem-"+tc.slug) || a.RawID != "" {
			t.Errorf("%s: %+v, want %d %s with nothing stored", name, a, tc.status, tc.slug)
		}
		if tc.status == 415 && !strings.Contains(a.header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("%s: Accept-Encoding %q, want gzip offered", name, a.header.Get("Accept-Encoding"))
		}
	}
	if n := e.countRaw(t); n != before {
		t.Errorf("%d raw leads stored by refused requests", n-before)
	}
	if got := metricstest.Value(t, e.Registry, "leadhub_ingest_rejected_total", "reason", "unsupported_encoding"); got != 3 {
		t.Errorf("rejected unsupported_encoding = %v, want 3", got)
	}
}

// leadOfSize is a valid lead padded with a Description to exactly n bytes.
func leadOfSize(t *testing.T, n int) []byte {
	t.Helper()
	head := `{"UserDetails":{"Email":"big@contoso.com"},"LeadSource":"AzureMarketplace","ActionCode":"INS","Description":"`
	tail := `"}`
	if n < len(head)+len(tail) {
		t.Fatalf("a lead of %d bytes is too small", n)
	}
	return []byte(head + strings.Repeat("x", n-len(head)-len(tail)) + tail)
}

// unsized hides a body's length, so that it is sent chunked.
type unsized struct{ io.Reader }

// TestMarketplaceOverLimit: a body over --max-body, up to the most leadhub
// reads, is kept in quarantine (so it can be looked at and reprocessed)
// and answered 413 with its raw_id; a redelivery gets the same raw_id; a
// body over that is refused unread, with Connection: close.
func TestMarketplaceOverLimit(t *testing.T) {
	const limit = 4096
	e := newEndpoint(t, limit)
	ctx := context.Background()

	body := leadOfSize(t, 5000)
	a := e.post(t, body, nil)
	want := "the body is 5000 bytes, over the limit of 4096 bytes"
	if a.status != http.StatusRequestEntityTooLarge || a.RawID == "" || !strings.HasSuffix(a.Type, "#problem-too-large") ||
		!strings.HasPrefix(a.Detail, want) || !strings.Contains(a.Detail, a.RawID) {
		t.Fatalf("over the limit: %+v, want 413 too-large with raw_id saying %q", a, want)
	}
	if a.close {
		t.Error("a body read whole closes the connection")
	}
	raw, err := e.Store.GetRaw(ctx, a.RawID)
	if err != nil || raw.Status != lead.RawQuarantined || !bytes.Equal(raw.Body, body) || raw.Error != want || raw.Channel != lead.ChannelHTTPS {
		t.Fatalf("kept raw lead %+v (%v), want the whole body in quarantine with %q", raw, err, want)
	}
	if again := e.post(t, body, nil); again.status != http.StatusRequestEntityTooLarge || again.RawID != a.RawID {
		t.Fatalf("redelivery: %+v, want 413 with raw_id %s", again, a.RawID)
	}

	// Sent chunked, or gzip-encoded (kept decompressed), it is the same.
	chunked := leadOfSize(t, 6000)
	req, err := http.NewRequest(http.MethodPost, e.IngestURL, unsized{bytes.NewReader(chunked)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge || e.mustCountQuarantined(t) != 2 {
		t.Fatalf("chunked: %d, %d in quarantine; want 413 and the body kept", resp.StatusCode, e.mustCountQuarantined(t))
	}
	zipped := leadOfSize(t, 7000)
	a = e.post(t, gzipped(t, zipped), map[string]string{"Content-Encoding": "gzip"})
	raw, err = e.Store.GetRaw(ctx, a.RawID)
	if a.status != http.StatusRequestEntityTooLarge || err != nil || !bytes.Equal(raw.Body, zipped) ||
		!strings.HasPrefix(raw.Error, "the body is 7000 bytes decompressed, over the limit of 4096 bytes") {
		t.Fatalf("gzip: %+v, raw %q %q (%v); want the decompressed body kept", a, raw.Error, raw.Body, err)
	}

	// The most leadhub reads is kept; one byte more is refused unread.
	if a := e.post(t, leadOfSize(t, api.MaxKeptBody), nil); a.status != http.StatusRequestEntityTooLarge || a.RawID == "" {
		t.Fatalf("a body of MaxKeptBody bytes: %+v, want it kept", a)
	}
	before := e.mustCountQuarantined(t)
	huge := leadOfSize(t, api.MaxKeptBody+1)
	a = e.post(t, huge, nil)
	if a.status != http.StatusRequestEntityTooLarge || a.RawID != "" || !a.close ||
		!strings.HasSuffix(a.Type, "#problem-too-large") {
		t.Fatalf("over the hard cap: %+v, want 413 with Connection: close and nothing kept", a)
	}
	req, err = http.NewRequest(http.MethodPost, e.IngestURL, unsized{bytes.NewReader(huge)})
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := http.DefaultClient.Do(req); err == nil { // the server may close before the whole body is sent
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked over the hard cap: %d, want 413", resp.StatusCode)
		}
	}
	if n := e.mustCountQuarantined(t); n != before {
		t.Errorf("bodies over the hard cap were kept: %d in quarantine, want %d", n, before)
	}
	if got := metricstest.Value(t, e.Registry, "leadhub_ingest_quarantined_total"); got != 4 {
		t.Errorf("quarantined = %v, want 4", got)
	}
	if got := metricstest.Value(t, e.Registry, "leadhub_ingest_rejected_total", "reason", "too_large"); got < 6 {
		t.Errorf("rejected too_large = %v, want every 413 counted", got)
	}

	// A kept body can be reprocessed into a lead.
	res, err := ingest.Reprocess(ctx, e.Store, raw.ID, nil)
	if err != nil || res.Lead == nil || res.Lead.Contact.Email != "big@contoso.com" {
		t.Fatalf("reprocess: %+v, %v", res, err)
	}
}

func (e *endpoint) mustCountQuarantined(t *testing.T) int {
	t.Helper()
	n, err := e.Store.CountQuarantined(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
