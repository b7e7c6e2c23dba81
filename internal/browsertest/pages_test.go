package browsertest

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// pageCheck is the browser check of one GET page of the web app: who
// opens it, at which path, and what it must show. TestPages opens each,
// checks it with axe-core, and saves its screenshot.
type pageCheck struct {
	route string    // the route's pattern, as web.Routes() lists it
	name  string    // the screenshot's file name, without .png
	role  lead.Role // who is signed in ("": nobody)
	// path finds the path to open from the server's data (nil: the route's
	// pattern is the path).
	path func(t *testing.T, s *server) string
	// see is what the page must show; seeData adds what depends on the
	// server's data.
	see     []string
	seeData func(t *testing.T, s *server) []string
	phone   bool   // a phone screenshot too, named <name>-phone
	landsOn string // the path the page redirects to ("": none)
	noShot  bool   // no screenshot (a redirect to a page that has one)
}

// pages has an entry for every GET page of web.Routes(). A new page gets
// one here (TestEveryPageHasABrowserCheck fails until it does).
var pages = []pageCheck{
	// First, while the server has no user: the setup page shows its form
	// only then (afterwards it answers 410).
	{route: "/setup", name: "setup",
		path: func(t *testing.T, s *server) string { return s.setupLink() },
		see:  []string{"Set up leadhub", "Email", "Display name", "Repeat the password", "Create the administrator"}},
	{route: "/sign-in", name: "sign-in", see: []string{"Sign in", "Email", "Password"}},
	{route: "/set-password", name: "set-password",
		path: func(t *testing.T, s *server) string {
			u := lead.User{ID: "set-password-page", Email: "new.colleague@contoso.com", DisplayName: "New colleague",
				TimeZone: "UTC", Role: lead.RoleRep}
			if err := s.Store.CreateUser(t.Context(), u); err != nil {
				t.Fatal(err)
			}
			return s.setPasswordLink(u)
		},
		see: []string{"Set your password", "New password", "Repeat the password"}},
	{route: "/{$}", name: "inbox", role: lead.RoleAdmin, phone: true,
		see:     []string{"Inbox", "Customers that need attention"},
		seeData: func(t *testing.T, s *server) []string { return s.newestCustomers(5) }},
	{route: "/customers/{customer}", name: "customer", role: lead.RoleAdmin, phone: true,
		path:    func(t *testing.T, s *server) string { return "/customers/" + s.newestCustomer().ID },
		see:     []string{"Journey", "History", "Merge"},
		seeData: func(t *testing.T, s *server) []string { return []string{s.newestCustomer().Golden.Email} }},
	{route: "/queue", name: "queue", role: lead.RoleRep, see: []string{"My queue", "Customers (", "Follow-up tasks ("}},
	{route: "/board", name: "board", role: lead.RoleManager,
		see: []string{"Team board", "First touch breached", "First touch at risk", "Workload per rep", "Next due"}},
	{route: "/notifications", name: "notifications", role: lead.RoleRep, see: []string{"Notifications", "unread", "Where your notifications go"}},
	{route: "/notifications/settings", name: "notification-settings", role: lead.RoleRep,
		see: []string{"Notification settings", "Where each event goes", "A first touch is overdue", "Slack incoming webhook"}},
	{route: "/teams", name: "teams", role: lead.RoleRep, see: []string{"Teams", "Everyone", "Working hours", "First touch", "Assignment rules"}},
	{route: "/teams/new", name: "team-new", role: lead.RoleManager, see: []string{"New team", "Working hours", "Members and managers", "Save the team"}},
	{route: "/teams/{team}", name: "team", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { return "/teams/" + process.DefaultTeamID },
		see:  []string{"Team Everyone", "Time zone", "First-touch target", "Save the team"}},
	{route: "/rules", name: "rules", role: lead.RoleRep, see: []string{"Assignment rules", "Everyone", "round-robin in team Everyone"}},
	{route: "/rules/new", name: "rule-new", role: lead.RoleManager, see: []string{"New assignment rule", "Countries", "Assign to", "Save the rule"}},
	{route: "/rules/{rule}", name: "rule", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { return "/rules/" + process.DefaultRuleID },
		see:  []string{"Rule Everyone", "Assign to", "Save the rule"}},
	{route: "/leads/{lead}", name: "lead", role: lead.RoleAdmin,
		path:    func(t *testing.T, s *server) string { return "/leads/" + s.aLead().ID },
		seeData: func(t *testing.T, s *server) []string { return []string{"Lead " + s.aLead().ID} }},
	{route: "/accounts", name: "accounts", role: lead.RoleAdmin, see: []string{"Accounts"},
		seeData: func(t *testing.T, s *server) []string { return []string{s.anAccount().Name} }},
	{route: "/accounts/{account}", name: "account", role: lead.RoleAdmin,
		path:    func(t *testing.T, s *server) string { return "/accounts/" + s.anAccount().ID },
		see:     []string{"People"},
		seeData: func(t *testing.T, s *server) []string { return []string{s.anAccount().Name} }},
	{route: "/review", name: "review", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { s.ops(); return "/review" },
		see:  []string{"Review queue", "Carl", "Jung", "Merge", "Dismiss"}},
	{route: "/audit", name: "audit", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { s.ops(); return "/audit" },
		see:  []string{"Audit log", "resolve"}},
	{route: "/audit/{entry}", name: "audit-entry", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { return "/audit/" + s.ops().audit },
		see:  []string{"Audit entry"}},
	{route: "/sources", name: "sources", role: lead.RoleManager,
		see: []string{"Sources", "https", "/ingest/marketplace", "Leads per day", "The days as a table"}},
	{route: "/quarantine", name: "quarantine", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { s.ops(); return "/quarantine" },
		see:  []string{"Quarantine", "unexpected end of JSON input"}},
	{route: "/quarantine/{raw}", name: "quarantined", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { return "/quarantine/" + s.ops().quarantined },
		see:  []string{"Quarantined body", "{\"UserDetails\":", "Reprocess"}},
	{route: "/imports", name: "imports", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { s.ops(); return "/imports" },
		see:  []string{"Imports", "litware-leads.csv", "Upload"}},
	{route: "/imports/{import}", name: "import", role: lead.RoleManager,
		path: func(t *testing.T, s *server) string { return "/imports/" + s.ops().importID },
		see:  []string{"Import of litware-leads.csv", "Done", "Rows that did not import cleanly", "no contact details"}},
	{route: "/settings", name: "settings", role: lead.RoleAdmin, see: []string{"Settings", "Users", "Ingest tokens", "API keys"}},
	{route: "/settings/deliveries", name: "settings-deliveries", role: lead.RoleAdmin, see: []string{"Failed notifications"}},
	{route: "/settings/users", name: "settings-users", role: lead.RoleAdmin, see: []string{"Users", "admin"}},
	{route: "/settings/tokens", name: "settings-tokens", role: lead.RoleAdmin, see: []string{"Ingest tokens", "browser test"}},
	{route: "/settings/api-keys", name: "settings-api-keys", role: lead.RoleAdmin, see: []string{"API keys"}},
	// The old users page: a redirect to the settings' users.
	{route: "/users", name: "users-redirect", role: lead.RoleAdmin, landsOn: "/settings/users", noShot: true,
		see: []string{"Users", "admin"}},
}

// notPages are GET routes that are no page to look at.
var notPages = map[string]string{
	"/static/{file}":             "the stylesheet and scripts, loaded by every page checked",
	"/imports/{import}/progress": "an htmx fragment of the import page (checked there, and by TestImportWithProgress)",
}

// notYet are GET routes without a browser check yet, each with the
// reason. A pattern ending in "*" stands for every route it starts. Move a
// route from here to pages when its page is ready to be checked.
var notYet = map[string]string{}

func listedIn(m map[string]string, route string) bool {
	for k := range m {
		if k == route || (strings.HasSuffix(k, "*") && strings.HasPrefix(route, strings.TrimSuffix(k, "*"))) {
			return true
		}
	}
	return false
}

// TestEveryPageHasABrowserCheck fails for a GET route of the web app
// without an entry in pages (unless notPages or notYet names it), and for
// an entry whose route the web app does not have.
func TestEveryPageHasABrowserCheck(t *testing.T) {
	checked := map[string]bool{}
	for _, p := range pages {
		checked[p.route] = true
	}
	routes := map[string]bool{}
	for _, r := range web.Routes() {
		if r.Method != http.MethodGet {
			continue
		}
		routes[r.Path] = true
		switch {
		case checked[r.Path] && listedIn(notYet, r.Path):
			t.Errorf("GET %s has a browser check: remove it from notYet", r.Path)
		case checked[r.Path] || listedIn(notPages, r.Path):
		case listedIn(notYet, r.Path):
			t.Logf("GET %s: no browser check yet (%s)", r.Path, notYetReason(r.Path))
		default:
			t.Errorf("GET %s has no browser check: add an entry to pages in pages_test.go", r.Path)
		}
	}
	var names []string
	for _, p := range pages {
		if !routes[p.route] {
			t.Errorf("pages checks %s, which web.Routes() does not list", p.route)
		}
		if slices.Contains(names, p.name) {
			t.Errorf("two pages named %s", p.name)
		}
		names = append(names, p.name)
	}
}

func notYetReason(route string) string {
	for k, v := range notYet {
		if k == route || (strings.HasSuffix(k, "*") && strings.HasPrefix(route, strings.TrimSuffix(k, "*"))) {
			return v
		}
	}
	return ""
}

// TestPages opens every page of pages as its role, checks that it answers
// 200 and shows what it must, runs axe-core on it, and saves its
// screenshot (on SQLite, when LEADHUB_SCREENSHOTS is set).
func TestPages(t *testing.T) {
	engines(t, func(et *testing.T, e storetest.Engine) {
		startBrowser(et) // skips (or fails) here, not in a subtest
		s := startServer(et, e, wideReview)
		tabs := map[lead.Role]*tab{}
		for _, p := range pages {
			et.Run(p.name, func(t *testing.T) {
				b, ok := tabs[p.role]
				if !ok {
					b = s.newTab(et) // open as long as the engine's test
					b.t = t
					if p.role != "" {
						u, pw := s.user(p.role)
						b.signIn(u.Email, pw)
					}
					tabs[p.role] = b
				}
				b.t = t // the tab outlives the subtest that opened it
				path := strings.ReplaceAll(p.route, "{$}", "")
				if p.path != nil {
					path = p.path(t, s)
				}
				b.visit(path)
				if p.landsOn != "" {
					if got := b.path(); got != p.landsOn {
						t.Fatalf("GET %s: at %s, want %s", path, got, p.landsOn)
					}
				}
				if st := b.status(); st != http.StatusOK {
					t.Fatalf("GET %s as %q: %d\n%s", path, p.role, st, b.text())
				}
				see := p.see
				if p.seeData != nil {
					see = append(slices.Clone(see), p.seeData(t, s)...)
				}
				b.see(see...)
				if e.Name == "sqlite" && !p.noShot {
					b.screenshot(p.name, false)
					if p.phone {
						b.screenshot(p.name+"-phone", true)
					}
				}
			})
		}
	})
}
