package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// The first-start setup link creates the first admin once; afterwards it,
// and any other setup link, is refused (410).
func TestSetupLink(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		ctx := context.Background()
		token, err := auth.NewSetupToken(ctx, ev.st, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ev.secret(token)
		other, err := auth.NewSetupToken(ctx, ev.st, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ev.secret(other)
		link := auth.SetupURL("", token)
		resp, body := ev.do("GET", link, nil, nil)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="`+token+`"`) || !strings.Contains(body, `<label for="confirm">`) {
			t.Fatalf("GET %s: %d\n%s", "/setup", resp.StatusCode, body)
		}
		checkHeaders(t, "GET /setup", resp)
		form := url.Values{"token": {token}, "email": {"Root@Contoso.com"}, "name": {"Ro Ot"}, "password": {password}, "confirm": {password}}
		bad := url.Values{"token": {"lhs_nope"}, "email": {"root@contoso.com"}, "password": {password}, "confirm": {password}}
		if resp, body := ev.do("POST", "/setup", nil, bad); resp.StatusCode != http.StatusGone || !strings.Contains(body, "does not work") {
			t.Fatalf("a wrong token: %d\n%s", resp.StatusCode, body)
		}
		differ := url.Values{"token": {token}, "email": {"root@contoso.com"}, "password": {password}, "confirm": {"something else entirely"}}
		if resp, _ := ev.do("POST", "/setup", nil, differ); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("differing passwords: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("POST", "/setup", nil, url.Values{"token": {token}, "email": {"root@contoso.com"}, "password": {"short"}, "confirm": {"short"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a short password: %d", resp.StatusCode)
		}
		if n, _ := ev.st.CountUsers(ctx); n != 0 {
			t.Fatalf("users after failed attempts: %d", n)
		}
		resp, body = ev.do("POST", "/setup", nil, form)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/sign-in?password=set" {
			t.Fatalf("POST /setup: %d\n%s", resp.StatusCode, body)
		}
		root, err := ev.st.UserByEmail(ctx, "root@contoso.com")
		if err != nil || root.Role != lead.RoleAdmin || root.DisplayName != "Ro Ot" {
			t.Fatalf("the first user %+v %v", root, err)
		}
		c := ev.signIn(root, nil)
		if resp, _ := ev.do("GET", "/settings/users", c, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("the first admin's settings: %d", resp.StatusCode)
		}
		for _, f := range []url.Values{form, {"token": {other}, "email": {"eve@contoso.com"}, "password": {password}, "confirm": {password}}} {
			if resp, body := ev.do("POST", "/setup", nil, f); resp.StatusCode != http.StatusGone || !strings.Contains(body, "set up already") {
				t.Fatalf("setup again: %d\n%s", resp.StatusCode, body)
			}
		}
		if resp, _ := ev.do("GET", auth.SetupURL("", other), nil, nil); resp.StatusCode != http.StatusGone {
			t.Fatalf("GET /setup with a user: %d", resp.StatusCode)
		}
		if n, _ := ev.st.CountUsers(ctx); n != 1 {
			t.Fatalf("users: %d", n)
		}
	})
}

// With an https public URL (a proxy in front terminates TLS), the session
// cookie is __Host- and Secure over plain HTTP too, and links start with
// the public URL.
func TestSecureCookieBehindTLSProxy(t *testing.T) {
	ev := start(t, storetest.Engines(t)[0], nil, false, func(d *web.Deps) { d.PublicURL = "https://leads.example.com/" })
	u := ev.user(lead.RoleAdmin, true)
	resp, _ := ev.do("POST", "/sign-in", nil, url.Values{"email": {u.Email}, "password": {password}})
	c := sessionCookie(resp)
	if c == nil {
		t.Fatalf("no cookie: %d", resp.StatusCode)
	}
	ev.secret(c.Value)
	if c.Name != web.CookieHTTPS || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Fatalf("cookie %+v", c)
	}
	cookie := &http.Cookie{Name: c.Name, Value: c.Value}
	if resp, body := ev.do("GET", "/", cookie, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("GET / with the __Host- cookie: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := ev.do("GET", "/", &http.Cookie{Name: web.CookiePlain, Value: c.Value}, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the plain cookie name is not read: %d", resp.StatusCode)
	}
	resp, body := ev.do("POST", "/settings/tokens", cookie, url.Values{"name": {"x"}})
	secret := ev.secret(shown(t, body))
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(secret, "https://leads.example.com/ingest/marketplace?code=lhi_") {
		t.Fatalf("ingest URL %q", secret)
	}
	// Without a public URL, plain HTTP keeps the plain cookie.
	plain := start(t, storetest.Engines(t)[0], nil, false, func(d *web.Deps) { d.PublicURL = "http://127.0.0.1:8080" })
	pu := plain.user(lead.RoleViewer, true)
	if c := plain.signIn(pu, nil); c.Name != web.CookiePlain {
		t.Fatalf("plain cookie %+v", c)
	}
}
