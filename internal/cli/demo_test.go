package cli

import (
	"regexp"
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
}
