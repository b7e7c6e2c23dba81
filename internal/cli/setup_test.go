package cli

import (
	"bytes"
	"context"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// While no user exists, serve prints a one-time setup link to a terminal
// only (never to the log), and none once a user exists.
func TestEnsureSetupLink(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name            string
		user, terminal  bool
		printed, warned bool
	}{
		{"no user, a terminal", false, true, true, false},
		{"no user, as a service", false, false, false, true},
		{"a user exists", true, true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := storetest.Engines(t)[0].Open(t)
			if tc.user {
				if err := st.CreateUser(ctx, lead.User{ID: "u1", Email: "a@contoso.com", Role: lead.RoleAdmin}); err != nil {
					t.Fatal(err)
				}
			}
			var out, logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, nil))
			if err := ensureSetupLink(ctx, st, "https://leads.example.com", "127.0.0.1:8080", &out, tc.terminal, log); err != nil {
				t.Fatal(err)
			}
			i := strings.Index(out.String(), "https://leads.example.com/setup?token=lhs_")
			if (i >= 0) != tc.printed {
				t.Fatalf("printed %q, want a link: %v", out.String(), tc.printed)
			}
			if strings.Contains(logs.String(), "lhs_") || strings.Contains(logs.String(), "no user exists") != tc.warned {
				t.Fatalf("log %q", logs.String())
			}
			if !tc.printed {
				return
			}
			u, err := url.Parse(strings.Fields(out.String()[i:])[0])
			if err != nil {
				t.Fatal(err)
			}
			root := lead.User{ID: "u1", Email: "root@contoso.com", Role: lead.RoleAdmin}
			if err := st.CreateFirstUser(ctx, auth.Hash(u.Query().Get("token")), time.Now(), root); err != nil {
				t.Fatalf("the printed token: %v", err)
			}
		})
	}
}

// `users setup-link` prints a working link while no user exists, and
// refuses once one does.
func TestUsersSetupLink(t *testing.T) {
	for name, dsn := range testDatabases(t) {
		t.Run(name, func(t *testing.T) {
			if _, _, err := run(t, "migrate", "--create", "--database", dsn); err != nil {
				t.Fatal(err)
			}
			out, _, err := run(t, "users", "setup-link", "--public-url", "https://leads.example.com", "--database", dsn)
			if err != nil || !strings.HasPrefix(out, "https://leads.example.com/setup?token=lhs_") {
				t.Fatalf("setup-link: %q %v", out, err)
			}
			u, _ := url.Parse(strings.TrimSpace(out))
			st := storetest.OpenDSN(t, dsn)
			if err := st.CreateFirstUser(context.Background(), auth.Hash(u.Query().Get("token")), time.Now(),
				lead.User{ID: "u1", Email: "root@contoso.com", Role: lead.RoleAdmin}); err != nil {
				t.Fatalf("the printed token: %v", err)
			}
			if _, _, err := run(t, "users", "setup-link", "--database", dsn); lead.KindOf(err) != lead.KindConflict {
				t.Fatalf("setup-link with a user: %v", err)
			}
		})
	}
}
