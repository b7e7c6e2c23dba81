package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// cheap argon2id parameters keep the tests fast.
var cheap = auth.Params{Time: 1, Memory: 64, Threads: 1}

const password = "correct horse battery staple"

// env is the web app over a real store, with its log captured; every
// secret it is told of must be absent from the log when the test ends.
type env struct {
	t        *testing.T
	st       *store.Store
	srv      *httptest.Server
	sessions *auth.Sessions
	client   *http.Client
	log      *apitest.Buffer
	secrets  []string
}

func start(t *testing.T, e storetest.Engine, throttle *auth.Throttle, tls bool, opts ...func(*web.Deps)) *env {
	t.Helper()
	st := e.Open(t)
	if throttle == nil {
		throttle = &auth.Throttle{FreeAttempts: 1000}
	}
	ev := &env{t: t, st: st, log: &apitest.Buffer{}, sessions: &auth.Sessions{Store: st}}
	log := slog.New(slog.NewTextHandler(ev.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := web.Deps{Store: st, Sessions: ev.sessions, Params: cheap, Logger: log,
		SignIn: &auth.SignIn{Users: st, Sessions: ev.sessions, Throttle: throttle, Params: cheap}}
	for _, o := range opts {
		o(&d)
	}
	h := web.Handler(d)
	if tls {
		ev.srv = httptest.NewTLSServer(h)
	} else {
		ev.srv = httptest.NewServer(h)
	}
	t.Cleanup(ev.srv.Close)
	ev.client = ev.srv.Client()
	ev.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ev.secret(password)
	t.Cleanup(func() {
		logged := ev.log.String()
		if !strings.Contains(logged, "http request") {
			t.Errorf("nothing was logged")
		}
		for _, s := range ev.secrets {
			if strings.Contains(logged, s) {
				t.Errorf("the log holds the secret %.8s…", s)
			}
		}
	})
	return ev
}

func (ev *env) secret(s string) string {
	ev.secrets = append(ev.secrets, s)
	return s
}

// user stores a user of role (with the password, unless without is set).
func (ev *env) user(role lead.Role, withPassword bool) lead.User {
	ev.t.Helper()
	u := lead.User{ID: "u-" + string(role), Email: string(role) + "@contoso.com", DisplayName: "Pat " + string(role), Role: role}
	if err := ev.st.CreateUser(context.Background(), u); err != nil {
		ev.t.Fatal(err)
	}
	if withPassword {
		hash, err := auth.HashPassword(password, cheap)
		if err != nil {
			ev.t.Fatal(err)
		}
		if err := ev.st.SetPassword(context.Background(), u.ID, hash); err != nil {
			ev.t.Fatal(err)
		}
	}
	return u
}

// do sends a request with the session cookie (none when ""), a form body
// when form is not nil, and headers in pairs.
func (ev *env) do(method, path string, cookie *http.Cookie, form url.Values, hdr ...string) (*http.Response, string) {
	ev.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, ev.srv.URL+path, body)
	if err != nil {
		ev.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := ev.client.Do(req)
	if err != nil {
		ev.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		ev.t.Fatal(err)
	}
	return resp, string(b)
}

func sessionCookie(resp *http.Response) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == web.CookiePlain || c.Name == web.CookieHTTPS {
			return c
		}
	}
	return nil
}

// signIn signs u in and returns the session cookie.
func (ev *env) signIn(u lead.User, old *http.Cookie) *http.Cookie {
	ev.t.Helper()
	resp, body := ev.do("POST", "/sign-in", old, url.Values{"email": {u.Email}, "password": {password}})
	c := sessionCookie(resp)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" || c == nil {
		ev.t.Fatalf("sign in: %d %q %v\n%s", resp.StatusCode, resp.Header.Get("Location"), c, body)
	}
	ev.secret(c.Value)
	return &http.Cookie{Name: c.Name, Value: c.Value}
}

func checkHeaders(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	csp := resp.Header.Get("Content-Security-Policy")
	if csp != web.CSP || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("%s: Content-Security-Policy %q", what, csp)
	}
	if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "same-origin" {
		t.Errorf("%s: headers %v", what, resp.Header)
	}
}

func engines(t *testing.T, f func(t *testing.T, e storetest.Engine)) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { f(t, e) })
	}
}

// Signing in sets the session cookie with its attributes, under a new id
// (the browser's earlier session ends), and opens the inbox.
func TestSignIn(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		u := ev.user(lead.RoleManager, true)
		resp, body := ev.do("GET", "/sign-in", nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<label for="email">`) ||
			!strings.Contains(body, `<label for="password">`) || !strings.Contains(body, "<main") {
			t.Fatalf("GET /sign-in: %d\n%s", resp.StatusCode, body)
		}
		checkHeaders(t, "GET /sign-in", resp)

		oldID, _, err := ev.sessions.Create(context.Background(), u.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		ev.secret(oldID)
		resp, _ = ev.do("POST", "/sign-in", &http.Cookie{Name: web.CookiePlain, Value: oldID},
			url.Values{"email": {"  MANAGER@contoso.com "}, "password": {password}})
		c := sessionCookie(resp)
		if resp.StatusCode != http.StatusSeeOther || c == nil {
			t.Fatalf("POST /sign-in: %d %v", resp.StatusCode, c)
		}
		ev.secret(c.Value)
		if c.Name != web.CookiePlain || !c.HttpOnly || c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" ||
			c.Value == oldID || !strings.HasPrefix(c.Value, auth.SessionPrefix) || c.Expires.IsZero() {
			t.Fatalf("cookie %+v", c)
		}
		if _, _, err := ev.sessions.Lookup(context.Background(), oldID); lead.KindOf(err) != lead.KindUnauthorized {
			t.Fatalf("the session from before the sign-in: %v", err)
		}
		resp, body = ev.do("GET", "/", &http.Cookie{Name: c.Name, Value: c.Value}, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Pat manager") || !strings.Contains(body, "identity.edit") ||
			!strings.Contains(body, `action="/sign-out"`) || !strings.Contains(body, "No customers yet") {
			t.Fatalf("GET /: %d\n%s", resp.StatusCode, body)
		}
		checkHeaders(t, "GET /", resp)
		if resp, _ := ev.do("GET", "/", nil, nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sign-in" {
			t.Fatalf("GET / without a session: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
	})
}

// Over HTTPS the cookie is __Host- prefixed and Secure.
func TestSignInOverHTTPS(t *testing.T) {
	ev := start(t, storetest.Engines(t)[0], nil, true)
	u := ev.user(lead.RoleViewer, true)
	c := ev.signIn(u, nil)
	resp, _ := ev.do("POST", "/sign-in", nil, url.Values{"email": {u.Email}, "password": {password}})
	sc := sessionCookie(resp)
	ev.secret(sc.Value)
	if sc.Name != web.CookieHTTPS || !sc.Secure || !sc.HttpOnly || sc.Path != "/" || sc.Domain != "" || sc.SameSite != http.SameSiteLaxMode {
		t.Fatalf("cookie %+v", sc)
	}
	if resp, body := ev.do("GET", "/", c, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", resp.StatusCode, body)
	}
}

// An unknown email and a wrong password get the same answer; a throttled
// attempt gets 429.
func TestSignInFailuresLookAlike(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		u := ev.user(lead.RoleRep, true)
		wrong := ev.secret("not the password at all")
		r1, b1 := ev.do("POST", "/sign-in", nil, url.Values{"email": {u.Email}, "password": {wrong}})
		r2, b2 := ev.do("POST", "/sign-in", nil, url.Values{"email": {"nobody@contoso.com"}, "password": {wrong}})
		if r1.StatusCode != http.StatusUnauthorized || r1.StatusCode != r2.StatusCode || b1 != b2 ||
			sessionCookie(r1) != nil || sessionCookie(r2) != nil || !strings.Contains(b1, "Wrong email or password") {
			t.Fatalf("wrong password: %d, unknown user: %d\n%s\n%s", r1.StatusCode, r2.StatusCode, b1, b2)
		}
		checkHeaders(t, "failed sign-in", r1)
	})
	ev := start(t, storetest.Engines(t)[0], &auth.Throttle{FreeAttempts: 1, Base: time.Hour}, false)
	u := ev.user(lead.RoleRep, true)
	ev.do("POST", "/sign-in", nil, url.Values{"email": {u.Email}, "password": {"a wrong password"}})
	resp, body := ev.do("POST", "/sign-in", nil, url.Values{"email": {u.Email}, "password": {password}})
	if resp.StatusCode != http.StatusTooManyRequests || sessionCookie(resp) != nil || !strings.Contains(body, "Too many") {
		t.Fatalf("throttled: %d\n%s", resp.StatusCode, body)
	}
}

// Signing out ends the session; signing out everywhere ends them all.
func TestSignOut(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		u := ev.user(lead.RoleViewer, true)
		c := ev.signIn(u, nil)
		resp, _ := ev.do("POST", "/sign-out", c, url.Values{})
		if cleared := sessionCookie(resp); resp.StatusCode != http.StatusSeeOther || cleared == nil || cleared.MaxAge >= 0 {
			t.Fatalf("sign out: %d %v", resp.StatusCode, cleared)
		}
		if resp, _ := ev.do("GET", "/", c, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("GET / after signing out: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("POST", "/sign-out", c, url.Values{}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("sign out without a session: %d", resp.StatusCode)
		}

		a, b := ev.signIn(u, nil), ev.signIn(u, nil)
		if resp, _ := ev.do("POST", "/sign-out-everywhere", a, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out everywhere: %d", resp.StatusCode)
		}
		for _, c := range []*http.Cookie{a, b} {
			if _, _, err := ev.sessions.Lookup(context.Background(), c.Value); lead.KindOf(err) != lead.KindUnauthorized {
				t.Fatalf("a session after signing out everywhere: %v", err)
			}
		}
	})
}

// A one-time link sets the password once.
func TestSetPassword(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		u := ev.user(lead.RoleRep, false)
		token := ev.secret("lht_0123456789abcdef0123456789abcdef")
		now := time.Now()
		if err := ev.st.CreateUserToken(context.Background(), lead.UserToken{Hash: auth.Hash(token), UserID: u.ID,
			Purpose: lead.TokenSetPassword, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		resp, body := ev.do("GET", "/set-password?token="+url.QueryEscape(token), nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="`+token+`"`) || !strings.Contains(body, `<label for="confirm">`) {
			t.Fatalf("GET /set-password: %d\n%s", resp.StatusCode, body)
		}
		checkHeaders(t, "GET /set-password", resp)
		if resp, _ := ev.do("POST", "/set-password", nil, url.Values{"token": {token}, "password": {password}, "confirm": {"something else entirely"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("differing passwords: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("POST", "/set-password", nil, url.Values{"token": {token}, "password": {"short"}, "confirm": {"short"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a short password: %d", resp.StatusCode)
		}
		form := url.Values{"token": {token}, "password": {password}, "confirm": {password}}
		resp, body = ev.do("POST", "/set-password", nil, form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sign-in?password=set" {
			t.Fatalf("POST /set-password: %d\n%s", resp.StatusCode, body)
		}
		ev.signIn(u, nil)
		if resp, body := ev.do("POST", "/set-password", nil, form); resp.StatusCode != http.StatusGone || !strings.Contains(body, "does not work") {
			t.Fatalf("the link used twice: %d\n%s", resp.StatusCode, body)
		}
	})
}

// A state-changing request from another origin is refused, and leaves
// the session alone.
func TestCrossOriginRefused(t *testing.T) {
	ev := start(t, storetest.Engines(t)[0], nil, false)
	u := ev.user(lead.RoleAdmin, true)
	c := ev.signIn(u, nil)
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://attacker.example"}} {
		resp, _ := ev.do("POST", "/sign-out", c, url.Values{}, hdr...)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("cross-origin sign out (%s): %d", hdr[0], resp.StatusCode)
		}
		checkHeaders(t, "refused", resp)
		resp, _ = ev.do("POST", "/sign-in", nil, url.Values{"email": {u.Email}, "password": {password}}, hdr...)
		if resp.StatusCode != http.StatusForbidden || sessionCookie(resp) != nil {
			t.Fatalf("cross-origin sign in (%s): %d", hdr[0], resp.StatusCode)
		}
	}
	if resp, _ := ev.do("GET", "/", c, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("the session after refused requests: %d", resp.StatusCode)
	}
	if resp, _ := ev.do("POST", "/sign-out", c, url.Values{}, "Sec-Fetch-Site", "same-origin"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin sign out: %d", resp.StatusCode)
	}
}

// TestEveryRouteDeclaresAPermission enumerates the web app's routes: each
// names a permission of the table, or public or signed-in access.
func TestEveryRouteDeclaresAPermission(t *testing.T) {
	routes := web.Routes()
	if len(routes) < 9 {
		t.Fatalf("only %d routes", len(routes))
	}
	for _, r := range routes {
		if !slices.Contains(lead.AllPermissions, r.Permission) && r.Permission != web.AccessPublic && r.Permission != web.AccessSignedIn {
			t.Errorf("%s %s declares %q", r.Method, r.Path, r.Permission)
		}
		public := strings.HasPrefix(r.Path, "/sign-in") || strings.HasPrefix(r.Path, "/set-password") || strings.HasPrefix(r.Path, "/static/") ||
			r.Path == "/setup"
		if public != (r.Permission == web.AccessPublic) {
			t.Errorf("%s %s: %q", r.Method, r.Path, r.Permission)
		}
	}
}

// TestRoutesByRole requests every GET route as each role: a role without
// the route's permission gets 403, one with it the page; every answer,
// signed in or not, carries the security headers.
func TestRoutesByRole(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		ops := makeOpsFixture(t, ev)
		cookies := map[lead.Role]*http.Cookie{}
		for _, role := range lead.Roles {
			cookies[role] = ev.signIn(ev.user(role, true), nil)
		}
		now := time.Now()
		if err := ev.st.CreateImport(context.Background(), lead.Import{ID: "imp-1", Filename: "leads.csv", Status: lead.ImportDone,
			CreatedAt: now, UpdatedAt: now, FinishedAt: &now}); err != nil {
			t.Fatal(err)
		}
		l := ev.storedLead(ev.sendLeads(mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"))[0])
		if err := ev.st.EnsureDefaults(context.Background(), process.DefaultTeam("UTC", nil, now), []lead.AssignRule{process.DefaultRule()}); err != nil {
			t.Fatal(err)
		}
		examples := map[string]string{"file": "style.css", "customer": l.CustomerID, "lead": l.ID, "account": l.AccountID, "import": "imp-1",
			"entry": ops.resolveAudit, "raw": ops.quarantined, "team": process.DefaultTeamID, "rule": process.DefaultRuleID}
		for _, rt := range web.Routes() {
			if rt.Method != http.MethodGet {
				continue
			}
			path := examplePath(t, rt.Path, examples)
			resp, _ := ev.do("GET", path, nil, nil)
			checkHeaders(t, "anonymous GET "+path, resp)
			if rt.Permission != web.AccessPublic && resp.StatusCode != http.StatusSeeOther {
				t.Errorf("anonymous GET %s: %d, want a redirect to sign in", path, resp.StatusCode)
			}
			for _, role := range lead.Roles {
				resp, body := ev.do("GET", path, cookies[role], nil)
				checkHeaders(t, string(role)+" GET "+path, resp)
				allowed := rt.Permission == web.AccessPublic || rt.Permission == web.AccessSignedIn || role.Can(rt.Permission)
				switch {
				case allowed && resp.StatusCode >= 400 && path != "/set-password" && path != "/setup":
					t.Errorf("%s GET %s: %d\n%s", role, path, resp.StatusCode, body)
				case !allowed && (resp.StatusCode != http.StatusForbidden || !strings.Contains(body, string(rt.Permission))):
					t.Errorf("%s GET %s: %d, want 403\n%s", role, path, resp.StatusCode, body)
				}
			}
		}
		if resp, body := ev.do("GET", "/settings/users", cookies[lead.RoleAdmin], nil); !strings.Contains(body, "viewer@contoso.com") {
			t.Errorf("GET /settings/users as admin: %d\n%s", resp.StatusCode, body)
		}
	})
}

// examplePath fills the wildcards of a route's path with the values of
// examples (a wildcard without one fails the test: add it).
func examplePath(t *testing.T, pattern string, examples map[string]string) string {
	t.Helper()
	path := strings.ReplaceAll(pattern, "{$}", "")
	for {
		i := strings.Index(path, "{")
		if i < 0 {
			return path
		}
		j := strings.Index(path[i:], "}")
		name := path[i+1 : i+j]
		v, ok := examples[name]
		if !ok {
			t.Fatalf("route %s: no example value for {%s}", pattern, name)
		}
		path = path[:i] + v + path[i+j+1:]
	}
}
