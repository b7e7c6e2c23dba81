package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// signIn signs in through the sign-in page and checks that it lands on
// the inbox. The session's cookie becomes a secret the log must not hold.
func (b *tab) signIn(email, password string) {
	b.t.Helper()
	b.visit("/sign-in")
	b.fill("Email", email)
	b.fill("Password", password)
	b.click("Sign in")
	if p := b.path(); p != "/" {
		b.t.Fatalf("signed in as %s: at %s, want the inbox\n%s", email, p, b.text())
	}
	for _, c := range b.cookies() {
		b.srv.secret(c)
	}
}

// A wrong password shows the one message; the right one opens the inbox
// with the simulated leads' customers; signing out ends the session.
func TestSignInAndOut(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		u, pw := s.user(lead.RoleManager)
		b := s.newTab(t)

		b.visit("/")
		if p := b.path(); p != "/sign-in" {
			t.Fatalf("the inbox without a session: at %s, want /sign-in", p)
		}
		b.fill("Email", u.Email)
		b.fill("Password", s.secret("not the password at all"))
		b.click("Sign in")
		b.see("Wrong email or password.")
		if p, st := b.path(), b.status(); p != "/sign-in" || st != http.StatusUnauthorized {
			t.Fatalf("a wrong password: %d at %s", st, p)
		}
		if c := b.cookies(); len(c) != 0 {
			t.Fatalf("a wrong password set cookies: %d", len(c))
		}

		b.signIn(u.Email, pw)
		b.see(append([]string{"Inbox", "Robin Manager", "identity.edit"}, s.newestCustomers(5)...)...)

		b.click("Sign out")
		if p := b.path(); p != "/sign-in" {
			t.Fatalf("signed out: at %s, want /sign-in", p)
		}
		b.open("/")
		if p := b.path(); p != "/sign-in" {
			t.Fatalf("the inbox after signing out: at %s, want /sign-in", p)
		}
	})
}

// Signing out everywhere ends the sessions of the user's other browsers.
func TestSignOutEverywhere(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		u, pw := s.user(lead.RoleViewer)
		other, otherPW := s.user(lead.RoleViewer)
		laptop, phone, colleague := s.newTab(t), s.newTab(t), s.newTab(t)
		laptop.signIn(u.Email, pw)
		phone.signIn(u.Email, pw)
		colleague.signIn(other.Email, otherPW)

		laptop.click("Sign out everywhere")
		if p := laptop.path(); p != "/sign-in" {
			t.Fatalf("signed out everywhere: at %s, want /sign-in", p)
		}
		phone.open("/")
		if p := phone.path(); p != "/sign-in" {
			t.Fatalf("the other browser after signing out everywhere: at %s, want /sign-in", p)
		}
		colleague.open("/")
		if p := colleague.path(); p != "/" {
			t.Fatalf("another user's browser after signing out everywhere: at %s, want the inbox", p)
		}
	})
}

// A one-time link sets the password of a user made without one, once;
// the user then signs in with it.
func TestSetPasswordLink(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		u := lead.User{ID: "new-rep", Email: "new.rep@contoso.com", DisplayName: "Sam Newcomer", TimeZone: "UTC", Role: lead.RoleRep}
		if err := s.Store.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		link := s.setPasswordLink(u)
		pw := s.secret("a long new password 42")
		b := s.newTab(t)
		b.visit(link)
		b.see("Set your password")
		b.fill("New password", pw)
		b.fill("Repeat the password", pw+" typo")
		b.click("Set password")
		b.see("The two passwords differ.")
		b.fill("New password", pw)
		b.fill("Repeat the password", pw)
		b.click("Set password")
		if p := b.path(); p != "/sign-in?password=set" {
			t.Fatalf("password set: at %s\n%s", p, b.text())
		}
		b.see("Your password is set. Sign in with it.")
		b.fill("Email", u.Email)
		b.fill("Password", pw)
		b.click("Sign in")
		if p := b.path(); p != "/" {
			t.Fatalf("signed in with the new password: at %s\n%s", p, b.text())
		}
		b.see("Sam Newcomer")
		for _, c := range b.cookies() {
			s.secret(c)
		}

		again := s.newTab(t)
		again.visit(link)
		again.fill("New password", pw)
		again.fill("Repeat the password", pw)
		again.click("Set password")
		again.see("This link does not work")
		if st := again.status(); st != http.StatusGone {
			t.Fatalf("the link used twice: %d", st)
		}
	})
}

// A rep gets the 403 page, naming the permission it lacks, on every page
// it may not open (every settings page, and the old /users), and a rep's
// API key 403 on an API route for admins, while both work where a rep may
// go.
func TestRepRefused(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		u, pw := s.user(lead.RoleRep)
		b := s.newTab(t)
		b.signIn(u.Email, pw)
		// The settings, and every other page a rep may not open.
		refused := map[string]bool{}
		for _, r := range web.Routes() {
			if r.Method != http.MethodGet || !slices.Contains(lead.AllPermissions, r.Permission) || lead.RoleRep.Can(r.Permission) {
				continue
			}
			b.visit(fillWildcards(r.Path))
			b.see("Not allowed", "rep", string(r.Permission))
			if st := b.status(); st != http.StatusForbidden {
				t.Errorf("GET %s as a rep: %d", r.Path, st)
			}
			refused[r.Path] = true
		}
		for _, p := range []string{"/settings", "/settings/users", "/settings/tokens", "/settings/api-keys", "/users"} {
			if !refused[p] {
				t.Errorf("GET %s was not among the pages refused to a rep", p)
			}
		}
		// A page a rep may open, in the same session.
		b.visit("/")
		b.see("Inbox", "customers.edit")

		key := s.credential(lead.CredentialAPI, u.ID)
		if resp, body := apitest.Do(t, "GET", s.URL+"/api/v1/customers", key, nil, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("a rep's key on GET /api/v1/customers: %d\n%s", resp.StatusCode, body)
		}
		rt := adminRoute(t)
		resp, body := apitest.Do(t, rt.Method, s.URL+fillWildcards(rt.Path), key, []byte("{}"),
			map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a rep's key on %s %s (%s): %d, want 403\n%s", rt.Method, rt.Path, rt.Permission, resp.StatusCode, body)
		}
	})
}

// adminRoute is an API route a rep may not use: one that manages users,
// credentials or settings when the API has one, else one that needs
// another permission a rep lacks.
func adminRoute(t *testing.T) api.Route {
	t.Helper()
	var others []api.Route
	for _, r := range api.Routes(api.Deps{}) {
		if !slices.Contains(lead.AllPermissions, r.Permission) || lead.RoleRep.Can(r.Permission) {
			continue
		}
		switch r.Permission {
		case lead.PermUsersManage, lead.PermCredentialsManage, lead.PermSettings:
			return r
		}
		others = append(others, r)
	}
	if len(others) == 0 {
		t.Fatal("the API has no route a rep may not use")
	}
	return others[0]
}

func fillWildcards(path string) string {
	for {
		i := strings.Index(path, "{")
		j := strings.Index(path, "}")
		if i < 0 || j < i {
			return strings.ReplaceAll(path, "{$}", "")
		}
		path = path[:i] + "01J00000000000000000000000" + path[j+1:]
	}
}

// A page on another origin that posts a form to leadhub (here, to sign
// its visitor out everywhere) is refused, and the session survives.
func TestCrossOriginPostRefused(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		u, pw := s.user(lead.RoleAdmin)
		b := s.newTab(t)
		b.signIn(u.Email, pw)

		// The other origin: the same host on another port (same site, so
		// the browser sends the session cookie along with the form).
		evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/submit.js":
				w.Header().Set("Content-Type", "text/javascript")
				fmt.Fprint(w, `document.getElementById("f").submit();`)
			default:
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!doctype html><html lang="en"><title>Win a prize</title>
<form id="f" method="post" action="%s/sign-out-everywhere"><input type="hidden" name="x" value="1"></form>
<script src="/submit.js"></script></html>`, s.URL)
			}
		}))
		t.Cleanup(evil.Close)
		run(b, "open the other origin's page", chromedp.Navigate(evil.URL+"/"))
		if !b.waitFor(fmt.Sprintf(`location.href === %q && document.readyState === "complete"`, s.URL+"/sign-out-everywhere"), 15*time.Second) {
			t.Fatalf("the other origin's form did not reach leadhub: at %s", b.where())
		}
		b.see("Refused", "This request came from another site.")
		if st := b.status(); st != http.StatusForbidden {
			t.Fatalf("the cross-origin POST: %d, want 403", st)
		}
		b.axe()
		b.open("/")
		if p := b.path(); p != "/" {
			t.Fatalf("the session after a refused cross-origin POST: at %s, want the inbox", p)
		}
		b.see("Inbox")
	})
}

// A session ends after the idle timeout: the next page opened after it is
// the sign-in page, and not one before.
func TestSessionExpires(t *testing.T) {
	const idle = 3 * time.Second
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, func(c *app.Config) { c.SessionIdle = idle })
		u, pw := s.user(lead.RoleViewer)
		b := s.newTab(t)
		// The session starts after signedIn: it cannot end before idle
		// has passed since.
		signedIn := time.Now()
		b.signIn(u.Email, pw)
		b.open("/")
		if p := b.path(); p != "/" && time.Since(signedIn) < idle {
			t.Fatalf("right after signing in: at %s, want the inbox", p)
		}
		// Wait for the condition, opening the inbox every 100 ms: the
		// session ends once idle has passed since the sign-in (requests
		// within a minute of it do not extend it).
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			b.open("/")
			if b.path() == "/sign-in" {
				break
			}
			if time.Since(signedIn) > idle+30*time.Second {
				t.Fatalf("still signed in %s after signing in, with an idle timeout of %s", time.Since(signedIn), idle)
			}
			<-tick.C
		}
		if since := time.Since(signedIn); since < idle {
			t.Fatalf("the session ended %s after signing in, before the idle timeout of %s", since, idle)
		}
		b.axe()
		b.see("Sign in")
	})
}

// TestSecretsNeverLogged runs every kind of secret through a browser
// session and the API — passwords (a wrong one too), session ids, a
// one-time set-password token, an API key and the ingest token of the
// simulated leads — and fails when the server's whole log holds any of
// them (server.checkLog, when the server has stopped).
func TestSecretsNeverLogged(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		admin, pw := s.user(lead.RoleAdmin)
		b := s.newTab(t)
		b.visit("/sign-in")
		b.fill("Email", admin.Email)
		b.fill("Password", s.secret("a wrong password, logged nowhere"))
		b.click("Sign in")
		b.see("Wrong email or password.")
		b.signIn(admin.Email, pw)
		b.visit("/users")
		// A personal Slack webhook: its path is a secret.
		b.visit("/notifications/settings")
		b.fill("Your Slack incoming webhook URL", s.secret("https://hooks.slack.com/services/T0SECRET/B0SECRET/"+strings.Repeat("s", 24)))
		b.click("Save")
		b.see("Your notification settings are saved.")
		b.visit("/notifications/settings")
		b.see("set: https://hooks.slack.com/…")

		u := lead.User{ID: "secret-rep", Email: "secret.rep@contoso.com", TimeZone: "UTC", Role: lead.RoleRep}
		if err := s.Store.CreateUser(t.Context(), u); err != nil {
			t.Fatal(err)
		}
		link := s.setPasswordLink(u)
		newPW := s.secret("the rep's brand new password")
		other := s.newTab(t)
		other.visit(link)
		other.fill("New password", newPW)
		other.fill("Repeat the password", newPW)
		other.click("Set password")
		other.fill("Email", u.Email)
		other.fill("Password", newPW)
		other.click("Sign in")
		for _, c := range other.cookies() {
			s.secret(c)
		}
		other.click("Sign out everywhere")

		key := s.credential(lead.CredentialAPI, admin.ID)
		if resp, body := apitest.Do(t, "GET", s.URL+"/api/v1/leads?limit=5", key, nil, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/v1/leads: %d\n%s", resp.StatusCode, body)
		}
		b.click("Sign out")

		// Every kind of secret was used, and the log saw the requests.
		s.mu.Lock()
		secrets := slices.Clone(s.secrets)
		s.mu.Unlock()
		for _, prefix := range []string{"lhs_", "lht_", "lhk_", "lhi_", "pw "} {
			if !slices.ContainsFunc(secrets, func(v string) bool { return strings.HasPrefix(v, prefix) }) {
				t.Errorf("no secret starting %q was used", prefix)
			}
		}
		waitUntil(t, "the log shows the run's requests", 10*time.Second, func() bool {
			logged := s.Log.String()
			return strings.Contains(logged, "/set-password") && strings.Contains(logged, "/api/v1/leads") &&
				strings.Contains(logged, "/ingest/marketplace") && strings.Contains(logged, "/sign-out")
		})
	})
}

// The axe-core check finds what it must: a page with an image without a
// text alternative and an input without a label has serious or critical
// violations (so a clean leadhub page means something).
func TestAxeFindsViolations(t *testing.T) {
	startBrowser(t)
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<!doctype html><html><title>Bad</title><body><img src="/x.png"><input type="text"></body></html>`)
	}))
	t.Cleanup(bad.Close)
	b := (&server{t: t, URL: bad.URL}).newTab(t)
	b.open("/")
	var ids []string
	for _, v := range b.axeViolations() {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"image-alt", "label"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe-core found %q, want %s among them", ids, want)
		}
	}
}
