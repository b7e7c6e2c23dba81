package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

var (
	outputRE = regexp.MustCompile(`<output id="secret" class="secret">([^<]+)</output>`)
	linkRE   = regexp.MustCompile(`/set-password\?token=(lht_[0-9a-f]+)`)
)

// shown returns the one-time secret of an answer page (failing without).
func shown(t *testing.T, body string) string {
	t.Helper()
	m := outputRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret shown\n%s", body)
	}
	return html.UnescapeString(m[1])
}

// An admin creates a user and sees the set-password link once; the link
// works; disabling ends the user's sessions, enabling and a reset link
// let the user in again.
func TestSettingsUsers(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		admin := ev.signIn(ev.user(lead.RoleAdmin, true), nil)
		if resp, _ := ev.do("GET", "/users", admin, nil); resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/settings/users" {
			t.Fatalf("GET /users: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		resp, body := ev.do("POST", "/settings/users", admin, url.Values{"email": {" Dana@Contoso.com "}, "name": {"Dana Ito"},
			"time_zone": {"Europe/Berlin"}, "role": {"rep"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("create: %d\n%s", resp.StatusCode, body)
		}
		checkHeaders(t, "create user", resp)
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the link's page may be cached: %q", resp.Header.Get("Cache-Control"))
		}
		link := ev.secret(shown(t, body))
		if !strings.HasPrefix(link, ev.srv.URL+"/set-password?token=lht_") {
			t.Fatalf("link %q", link)
		}
		token := ev.secret(linkRE.FindStringSubmatch(link)[1])
		dana, err := ev.st.UserByEmail(context.Background(), "dana@contoso.com")
		if err != nil || dana.Role != lead.RoleRep || dana.TimeZone != "Europe/Berlin" || dana.DisplayName != "Dana Ito" || dana.HasPassword() {
			t.Fatalf("dana %+v %v", dana, err)
		}
		_, body = ev.do("GET", "/settings/users", admin, nil)
		if !strings.Contains(body, "dana@contoso.com") || !strings.Contains(body, "no password yet") || strings.Contains(body, token) {
			t.Fatalf("the list\n%s", body)
		}
		for _, bad := range []url.Values{
			{"email": {"dana@contoso.com"}, "role": {"rep"}},
			{"email": {"not-an-email"}, "role": {"rep"}},
			{"email": {"eve@contoso.com"}, "role": {"root"}},
			{"email": {"eve@contoso.com"}, "role": {"rep"}, "time_zone": {"Mars/Olympus"}},
		} {
			resp, body := ev.do("POST", "/settings/users", admin, bad)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, `class="error"`) || strings.Contains(body, "lht_") {
				t.Errorf("create %v: %d\n%s", bad, resp.StatusCode, body)
			}
		}

		if resp, _ := ev.do("POST", "/set-password", nil, url.Values{"token": {token}, "password": {password}, "confirm": {password}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("using the link: %d", resp.StatusCode)
		}
		dc := ev.signIn(dana, nil)
		path := "/settings/users/" + dana.ID
		if resp, _ := ev.do("POST", path+"/disable", admin, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("disable: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("GET", "/", dc, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a disabled user's session: %d", resp.StatusCode)
		}
		if _, body := ev.do("GET", "/settings/users", admin, nil); !strings.Contains(body, path+"/enable") {
			t.Fatalf("no enable button\n%s", body)
		}
		if resp, _ := ev.do("POST", path+"/enable", admin, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("enable: %d", resp.StatusCode)
		}
		resp, body = ev.do("POST", path+"/reset-password", admin, url.Values{})
		reset := ev.secret(shown(t, body))
		if resp.StatusCode != http.StatusOK || reset == link {
			t.Fatalf("reset: %d %q", resp.StatusCode, reset)
		}
		token = ev.secret(linkRE.FindStringSubmatch(reset)[1])
		if resp, _ := ev.do("POST", "/set-password", nil, url.Values{"token": {token}, "password": {password}, "confirm": {password}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("using the reset link: %d", resp.StatusCode)
		}
		ev.signIn(dana, nil)
		me, _ := ev.st.UserByEmail(context.Background(), "admin@contoso.com")
		if resp, _ := ev.do("POST", "/settings/users/"+me.ID+"/disable", admin, url.Values{}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("disabling oneself: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("POST", "/settings/users/nobody/disable", admin, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an unknown user: %d", resp.StatusCode)
		}
	})
}

// Creating an ingest token or an API key shows its secret once; the list
// shows only its hint; revoking it stops it.
func TestSettingsCredentials(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		admin := ev.signIn(ev.user(lead.RoleAdmin, true), nil)
		rep := ev.user(lead.RoleRep, true)
		v := auth.NewVerifier(ev.st, 1)

		resp, body := ev.do("POST", "/settings/tokens", admin, url.Values{"name": {"partner center"}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("create token: %d\n%s", resp.StatusCode, body)
		}
		u, err := url.Parse(shown(t, body))
		if err != nil || u.Path != "/ingest/marketplace" {
			t.Fatalf("ingest URL %v %v", u, err)
		}
		token := ev.secret(u.Query().Get("code"))
		if ok, err := v.Check(context.Background(), lead.CredentialIngest, token); !ok || err != nil {
			t.Fatalf("the token does not work: %v", err)
		}

		resp, body = ev.do("POST", "/settings/api-keys", admin, url.Values{"name": {"reporting"}, "user": {rep.ID}})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("create key: %d\n%s", resp.StatusCode, body)
		}
		key := ev.secret(shown(t, body))
		c, ok, err := v.Identify(context.Background(), lead.CredentialAPI, key)
		if !ok || err != nil || c.UserID != rep.ID || c.Role != lead.RoleRep {
			t.Fatalf("the key: %+v %v %v", c, ok, err)
		}
		if resp, _ := ev.do("POST", "/settings/api-keys", admin, url.Values{"name": {"x"}, "user": {"nobody"}}); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a key of no user: %d", resp.StatusCode)
		}

		for path, secret := range map[string]string{"/settings/tokens": token, "/settings/api-keys": key} {
			resp, body := ev.do("GET", path, admin, nil)
			if resp.StatusCode != http.StatusOK || strings.Contains(body, secret) || !strings.Contains(body, secret[:12]+"…") {
				t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
			}
		}
		if _, body := ev.do("GET", "/settings/api-keys", admin, nil); !strings.Contains(body, "rep@contoso.com") || strings.Contains(body, "partner center") {
			t.Fatalf("the keys list\n%s", body)
		}

		// A token is not revoked through the API keys' page.
		if resp, _ := ev.do("POST", "/settings/api-keys/"+c.ID+"/revoke", admin, url.Values{}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("revoke key: %d", resp.StatusCode)
		}
		tokens, _ := ev.st.ListCredentials(context.Background(), lead.CredentialIngest)
		if resp, _ := ev.do("POST", "/settings/api-keys/"+tokens[0].ID+"/revoke", admin, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("a token revoked as a key: %d", resp.StatusCode)
		}
		v = auth.NewVerifier(ev.st, 1)
		if ok, _ := v.Check(context.Background(), lead.CredentialAPI, key); ok {
			t.Fatal("the revoked key works")
		}
		if ok, _ := v.Check(context.Background(), lead.CredentialIngest, token); !ok {
			t.Fatal("the token stopped working")
		}
		if _, body := ev.do("GET", "/settings/api-keys", admin, nil); !strings.Contains(body, "revoked") {
			t.Fatalf("the revoked key\n%s", body)
		}
	})
}

// Only admins reach the settings: the other roles get 403 on every page
// and every action, and nothing changes.
func TestSettingsForbidden(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		admin := ev.user(lead.RoleAdmin, true)
		for _, role := range []lead.Role{lead.RoleManager, lead.RoleRep, lead.RoleViewer} {
			c := ev.signIn(ev.user(role, true), nil)
			for _, rq := range []struct {
				method, path string
				form         url.Values
			}{
				{"GET", "/settings", nil}, {"GET", "/settings/users", nil}, {"GET", "/settings/tokens", nil}, {"GET", "/settings/api-keys", nil},
				{"POST", "/settings/users", url.Values{"email": {"x@contoso.com"}, "role": {"admin"}}},
				{"POST", "/settings/users/" + admin.ID + "/disable", url.Values{}},
				{"POST", "/settings/users/" + admin.ID + "/reset-password", url.Values{}},
				{"POST", "/settings/tokens", url.Values{"name": {"x"}}},
				{"POST", "/settings/api-keys", url.Values{"name": {"x"}, "user": {admin.ID}}},
			} {
				resp, body := ev.do(rq.method, rq.path, c, rq.form)
				if resp.StatusCode != http.StatusForbidden || strings.Contains(body, "lht_") || strings.Contains(body, "lhk_") {
					t.Errorf("%s %s %s: %d", role, rq.method, rq.path, resp.StatusCode)
				}
			}
		}
		if us, _ := ev.st.ListUsers(context.Background()); len(us) != 4 {
			t.Errorf("users: %d", len(us))
		}
		if cs, _ := ev.st.ListCredentials(context.Background(), ""); len(cs) != 0 {
			t.Errorf("credentials: %+v", cs)
		}
		if u, _ := ev.st.GetUser(context.Background(), admin.ID); u.Disabled {
			t.Error("the admin was disabled")
		}
	})
}
