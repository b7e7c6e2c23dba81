package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
)

// TestEveryRouteDeclaresAPermission enumerates every registered route and
// fails on one without a permission of the table (or, outside the REST
// API, a declared access).
func TestEveryRouteDeclaresAPermission(t *testing.T) {
	for _, elsewhere := range []bool{false, true} {
		routes := api.Routes(api.Deps{Gatherer: prometheus.NewRegistry(), MetricsElsewhere: elsewhere})
		if len(routes) < 25 {
			t.Fatalf("only %d routes", len(routes))
		}
		for _, r := range routes {
			role := slices.Contains(lead.AllPermissions, r.Permission)
			switch {
			case strings.HasPrefix(r.Path, "/api/") && !role:
				t.Errorf("%s %s: REST route with %q, not a permission of the table", r.Method, r.Path, r.Permission)
			case !strings.HasPrefix(r.Path, "/api/") && !slices.Contains(
				[]lead.Permission{api.AccessPublic, api.AccessIngestToken, api.AccessMetrics}, r.Permission):
				t.Errorf("%s %s declares %q", r.Method, r.Path, r.Permission)
			}
		}
	}
}

// userKey stores a user of role with an API key and returns the key.
func userKey(t *testing.T, h *apitest.Server, role lead.Role, disabled bool) string {
	t.Helper()
	ctx := context.Background()
	u := lead.User{ID: "u-" + string(role), Email: string(role) + "@contoso.com", Role: role}
	if disabled {
		u.ID, u.Email = "u-disabled", "disabled@contoso.com"
	}
	if err := h.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if disabled {
		if _, err := h.Store.SetUserDisabled(ctx, u.ID, true); err != nil {
			t.Fatal(err)
		}
	}
	secret, c := auth.NewSecret(lead.CredentialAPI, "key of "+u.ID, time.Now())
	c.UserID = u.ID
	if err := h.Store.CreateCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	return secret
}

// TestPermissionsRouteByRole sends every REST route with an API key of each
// role: a role without the route's permission is answered 403 with a
// problem that names the permission, a role with it gets past the check.
// A key made before users acts as admin; a disabled user's key is refused.
func TestPermissionsRouteByRole(t *testing.T) {
	h := apitest.Start(t, func(d *api.Deps) {
		d.Sources = sources.NewMonitor(d.Customers.(lead.SourceActivityReader), func() []sources.Configured { return nil }, 0, nil, prometheus.NewRegistry())
	})
	keys := map[lead.Role]string{}
	for _, r := range lead.Roles {
		keys[r] = userKey(t, h, r, false)
	}
	disabled := userKey(t, h, lead.RoleAdmin, true)
	routes := api.Routes(api.Deps{Gatherer: prometheus.NewRegistry()})
	for _, rt := range routes {
		if !strings.HasPrefix(rt.Path, "/api/") {
			continue
		}
		path := strings.ReplaceAll(rt.Path, "{id}", "01J0000000000000000000000X")
		var body []byte
		if rt.Method == http.MethodPost {
			body = []byte(`{}`)
		}
		hdr := map[string]string{"Content-Type": "application/json"}
		for _, role := range lead.Roles {
			resp, b := apitest.Do(t, rt.Method, h.URL+path, keys[role], body, hdr)
			if !role.Can(rt.Permission) {
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s as %s: %d, want 403; %s", rt.Method, rt.Path, role, resp.StatusCode, b)
					continue
				}
				p := problemOf(t, resp, b)
				if !strings.HasSuffix(p.Type, "forbidden") || !strings.Contains(p.Detail, string(rt.Permission)) ||
					!strings.Contains(p.Detail, string(role)) {
					t.Errorf("%s %s as %s: problem %+v", rt.Method, rt.Path, role, p)
				}
				continue
			}
			if resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusUnauthorized {
				t.Errorf("%s %s as %s: %d; %s", rt.Method, rt.Path, role, resp.StatusCode, b)
			}
		}
		if resp, b := apitest.Do(t, rt.Method, h.URL+path, h.APIKey, body, hdr); resp.StatusCode == http.StatusForbidden ||
			resp.StatusCode == http.StatusUnauthorized {
			t.Errorf("%s %s with a key made before users: %d; %s", rt.Method, rt.Path, resp.StatusCode, b)
		}
		if resp, b := apitest.Do(t, rt.Method, h.URL+path, disabled, body, hdr); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s %s with a disabled user's key: %d; %s", rt.Method, rt.Path, resp.StatusCode, b)
		}
	}
	for role, key := range keys {
		if strings.Contains(h.Log.String(), key) {
			t.Errorf("the log holds the API key of the %s", role)
		}
	}
}
