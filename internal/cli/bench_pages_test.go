package cli

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/web"
)

// TestBenchPages runs bench pages small: every GET route of the web app is
// timed (or named as not timed), every page answers 200 but the one that
// needs a one-time link, and the searches run at the larger size.
func TestBenchPages(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			out, _, err := run(t, "bench", "pages", "--database", dsn, "--leads", "300", "--search-leads", "700", "--requests", "3")
			if err != nil {
				t.Fatal(err)
			}
			for _, rt := range web.Routes() {
				if rt.Method == http.MethodGet && !strings.Contains(out, "| GET "+rt.Path+" |") && !strings.Contains(out, "`"+rt.Path+"` (no id") {
					t.Errorf("route %s is neither timed nor reported", rt.Path)
				}
			}
			if !strings.Contains(out, "Searches at **700 leads**") || !strings.Contains(out, "customers**") {
				t.Errorf("output:\n%s", out)
			}
			row := regexp.MustCompile(`(?m)^\| ([^|]+) \| ` + "`([^`]+)`" + ` \|.*\| ([^|]*) \|$`)
			rows := row.FindAllStringSubmatch(out, -1)
			if len(rows) < 9*2 {
				t.Fatalf("%d rows:\n%s", len(rows), out)
			}
			for _, m := range rows {
				// Without a token, after the first user and by design: 400, 410, 301.
				if bad := strings.TrimSpace(m[3]); bad != "" && !slices.Contains([]string{"/set-password", "/setup", "/users"}, m[2]) {
					t.Errorf("%s answered %s", m[2], bad)
				}
			}
		})
	}
}
