package azuretable

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestNextWatermark(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name               string
		old, maxSeen, from time.Time
		want               time.Time
	}{
		{"nothing seen keeps the watermark", t0, time.Time{}, t0.Add(time.Hour), t0},
		{"newest seen", t0, t0.Add(time.Minute), t0.Add(time.Hour), t0.Add(time.Minute)},
		{"capped at the scan's start", t0, t0.Add(2 * time.Hour), t0.Add(time.Hour), t0.Add(time.Hour)},
		{"never goes back", t0, t0.Add(-time.Minute), t0.Add(time.Hour), t0},
		{"first scan", time.Time{}, t0, t0.Add(time.Hour), t0},
	}
	for _, c := range cases {
		if got := nextWatermark(c.old, &scanState{MaxSeen: c.maxSeen, Started: c.from}); !got.Equal(c.want) {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func TestFilterFrom(t *testing.T) {
	if f := filterFrom(time.Time{}); f != "" {
		t.Errorf("zero: %q", f)
	}
	at := time.Date(2026, 11, 25, 10, 4, 5, 123456789, time.FixedZone("x", 3600))
	if f, want := filterFrom(at), "Timestamp ge datetime'2026-11-25T09:04:05.1234567Z'"; f != want {
		t.Errorf("%q, want %q", f, want)
	}
}

func TestBackoff(t *testing.T) {
	p := &Poller{opt: Options{BackoffBase: 100 * time.Millisecond, BackoffMax: time.Second}}
	for attempt, max := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			d := p.backoff(attempt, 0)
			if d < max/2 || d > max {
				t.Fatalf("attempt %d: %s, want %s to %s", attempt, d, max/2, max)
			}
		}
	}
	if d := p.backoff(1, 700*time.Millisecond); d != 700*time.Millisecond {
		t.Errorf("Retry-After 700ms: %s", d)
	}
	if d := p.backoff(1, time.Minute); d != time.Second {
		t.Errorf("Retry-After 1m is capped: %s", d)
	}
}

func TestRedaction(t *testing.T) {
	sig := "U2VjcmV0U2lnbmF0dXJlVmFsdWU="
	a := Account{Name: "acct", Endpoint: "https://acct.table.core.windows.net", sas: "sv=2019-02-02&sp=rl&sig=" + url.QueryEscape(sig)}
	text := fmt.Sprintf("GET https://acct.table.core.windows.net/T()?sv=2019-02-02&sig=%s and %s", url.QueryEscape(sig), sig)
	if got := a.redact(text); strings.Contains(got, "U2VjcmV0") {
		t.Errorf("redact: %s", got)
	}
	err := &url.Error{Op: "Get", URL: "https://acct.table.core.windows.net/T()?sig=" + url.QueryEscape(sig), Err: errors.New("dial tcp: lookup acct.table.core.windows.net: no such host")}
	e := describe(a, "T", err, 2)
	if strings.Contains(e.Error(), "U2VjcmV0") || !strings.Contains(e.Error(), "cannot reach acct.table.core.windows.net: dial tcp: lookup") || e.Reason != ReasonNetwork {
		t.Errorf("describe: %q (reason %q)", e, e.Reason)
	}
	if got := stripURLs(`x "https://h.example/p?sig=abc" y`); got != `x "https://h.example" y` {
		t.Errorf("stripURLs: %s", got)
	}
}
