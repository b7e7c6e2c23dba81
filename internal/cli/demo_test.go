package cli

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
)

// TestServeDemo starts `serve --demo` and waits for simulated leads to show
// in the API: a newcomer sees leads arrive within the first minute.
func TestServeDemo(t *testing.T) {
	ts := startTestServer(t, "sqlite:"+t.TempDir()+"/demo.db", "--demo")
	// The key is printed after the server says it listens.
	var m []string
	eventually.True(t, 30*time.Second, "the demo's API key", func() bool {
		m = regexp.MustCompile(`API key \(demo only\): (lhk_\S+)`).FindStringSubmatch(ts.stdout.String())
		return m != nil
	})
	start := time.Now()
	eventually.True(t, 60*time.Second, "simulated leads in the API", func() bool {
		var list struct {
			Leads []struct{ ID string } `json:"leads"`
		}
		status, _, b := ts.do(t, "GET", ts.base+"/api/v1/leads", m[1], nil)
		if status != 200 {
			t.Fatalf("GET /api/v1/leads: %d %s", status, b)
		}
		return jsonInto(b, &list) == nil && len(list.Leads) >= 3
	})
	t.Logf("3 leads in the API %s after the server listened", time.Since(start).Round(time.Millisecond))

	// The demo admin signs in to the web app and sees the inbox.
	w := regexp.MustCompile(`Web app \(demo only\): (\S+) / (\S+)`).FindStringSubmatch(ts.stdout.String())
	if w == nil {
		t.Fatalf("no demo credentials printed:\n%s", ts.stdout.String())
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("POST", ts.base+"/sign-in", strings.NewReader(url.Values{"email": {w[1]}, "password": {w[2]}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || len(resp.Cookies()) == 0 {
		t.Fatalf("sign in as the demo admin: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	req, _ = http.NewRequest("GET", ts.base+"/", nil)
	req.AddCookie(resp.Cookies()[0])
	resp, err = client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "Inbox") || !strings.Contains(string(b), "admin") {
		t.Fatalf("the inbox as the demo admin: %d\n%s", resp.StatusCode, b)
	}
	if strings.Contains(ts.stderr.String(), w[2]) {
		t.Errorf("the demo admin's password is in the log")
	}
}
