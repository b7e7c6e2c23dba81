package httpx

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

func TestClientAddr(t *testing.T) {
	for _, tc := range []struct {
		name, proxies, remote, xff, want string
	}{
		{"no proxies: the peer, header ignored", "", "192.0.2.1:5000", "203.0.113.7", "192.0.2.1"},
		{"untrusted peer: header ignored", "10.0.0.0/8", "192.0.2.1:5000", "203.0.113.7", "192.0.2.1"},
		{"trusted peer: its client", "10.0.0.0/8", "10.0.0.5:5000", "203.0.113.7", "203.0.113.7"},
		{"a chain of trusted proxies", "10.0.0.0/8, 127.0.0.1", "127.0.0.1:5000", "198.51.100.9, 203.0.113.7, 10.1.1.1", "203.0.113.7"},
		{"spoofed hops before the client are ignored", "10.0.0.0/8", "10.0.0.5:5000", "1.1.1.1, 203.0.113.7", "203.0.113.7"},
		{"every hop trusted: the first", "10.0.0.0/8", "10.0.0.5:5000", "10.9.9.9", "10.0.0.5"},
		{"malformed hop: trust stops", "10.0.0.0/8", "10.0.0.5:5000", "203.0.113.7, not-an-ip", "10.0.0.5"},
		{"IPv6 peer", "::1", "[::1]:5000", "2001:db8::7", "2001:db8::7"},
		{"IPv4 in IPv6", "127.0.0.1", "[::ffff:127.0.0.1]:5000", "203.0.113.7", "203.0.113.7"},
		{"no header from a trusted proxy", "10.0.0.0/8", "10.0.0.5:5000", "", "10.0.0.5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := ParseProxies(tc.proxies)
			if err != nil {
				t.Fatal(err)
			}
			r := &http.Request{RemoteAddr: tc.remote, Header: http.Header{}}
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := ps.ClientAddr(r); got != tc.want {
				t.Fatalf("ClientAddr = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParseProxies("10.0.0.0/8, nonsense"); err == nil || !strings.Contains(err.Error(), "nonsense") {
		t.Fatalf("ParseProxies accepted nonsense: %v", err)
	}
}

func TestAllowed(t *testing.T) {
	mux := http.NewServeMux()
	noop := func(http.ResponseWriter, *http.Request) {}
	mux.HandleFunc("GET /things", noop)
	mux.HandleFunc("POST /things", noop)
	mux.HandleFunc("POST /things/{id}/undo", noop)
	for path, want := range map[string]string{"/things": "GET,HEAD,POST", "/things/1/undo": "POST", "/nothing": ""} {
		r, _ := http.NewRequest("DELETE", path, nil)
		if got := strings.Join(Allowed(mux, r), ","); got != want {
			t.Errorf("Allowed(%s) = %q, want %q", path, got, want)
		}
	}
}

// FuzzClientAddr: whatever a client sends in X-Forwarded-For, the answer is
// an address (or the peer's host) and never a panic.
func FuzzClientAddr(f *testing.F) {
	f.Add("203.0.113.7, 10.0.0.1", "10.0.0.5:443")
	f.Add("", "[::1]:80")
	f.Add(",,, ,", "garbage")
	ps, _ := ParseProxies("10.0.0.0/8, ::1")
	f.Fuzz(func(t *testing.T, xff, remote string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		got := ps.ClientAddr(r)
		if _, err := netip.ParseAddr(got); err != nil && !strings.Contains(remote, got) {
			t.Fatalf("ClientAddr(%q, %q) = %q: neither an address nor the peer", xff, remote, got)
		}
	})
}
