package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// runIn is run with stdin as standard input.
func runIn(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := Run(context.Background(), args, func(string) string { return "" }, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestUsersCommands(t *testing.T) {
	for name, dsn := range testDatabases(t) {
		t.Run(name, func(t *testing.T) {
			if _, _, err := run(t, "migrate", "--create", "--database", dsn); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			st := storetest.OpenDSN(t, dsn)

			// A password from standard input (never from a flag).
			out, _, err := runIn(t, "correct horse battery\n", "users", "create", "--email", "Ann@Contoso.com",
				"--role", "manager", "--name", "Ann Lee", "--time-zone", "Europe/Berlin", "--database", dsn)
			if err != nil || !strings.Contains(out, "created user ann@contoso.com") {
				t.Fatalf("create: %q %v", out, err)
			}
			ann, err := st.UserByEmail(ctx, "ann@contoso.com")
			if err != nil || ann.Role != lead.RoleManager || ann.DisplayName != "Ann Lee" || ann.TimeZone != "Europe/Berlin" ||
				!strings.HasPrefix(ann.PasswordHash, "$argon2id$v=19$m=65536,t=3,p=4$") || !auth.VerifyPassword(ann.PasswordHash, "correct horse battery") {
				t.Fatalf("ann %+v %v", ann, err)
			}

			// No password given: a one-time link.
			out, errOut, err := run(t, "users", "create", "--email", "bob@contoso.com", "--role", "viewer",
				"--public-url", "https://leads.example.com/", "--database", dsn)
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			link, err := url.Parse(lines[len(lines)-1])
			if err != nil || !strings.HasPrefix(link.String(), "https://leads.example.com/set-password?token=lht_") ||
				!strings.Contains(errOut, "one-time link") {
				t.Fatalf("create without a password printed %q / %q", out, errOut)
			}
			bob, err := st.UseUserToken(ctx, auth.Hash(link.Query().Get("token")), time.Now(), "$argon2id$set")
			if err != nil || bob.Email != "bob@contoso.com" {
				t.Fatalf("using the link's token: %+v %v", bob, err)
			}

			for _, bad := range [][]string{
				{"--email", "ann@contoso.com", "--role", "rep"},  // taken
				{"--email", "cai@contoso.com", "--role", "root"}, // no such role
				{"--email", "cai", "--role", "rep"},              // not an email
				{"--email", "cai@contoso.com", "--role", "rep", "--time-zone", "Mars/Olympus"},
				{"--email", "cai@contoso.com", "--role", "rep", "--password", "correct horse battery"},
			} {
				if _, _, err := runIn(t, "correct horse battery\n", append([]string{"users", "create", "--database", dsn}, bad...)...); err == nil {
					t.Errorf("users create %q succeeded", bad)
				}
			}
			if _, _, err := runIn(t, "short\n", "users", "create", "--email", "cai@contoso.com", "--role", "rep", "--database", dsn); lead.KindOf(err) != lead.KindInvalid {
				t.Errorf("a short password: %v", err)
			}

			// An API key of a user shows its role.
			if _, _, err := run(t, "apikey", "create", "--name", "bob's", "--user", "bob@contoso.com", "--database", dsn); err != nil {
				t.Fatal(err)
			}
			out, _, _ = run(t, "apikey", "list", "--json", "--database", dsn)
			var keys []lead.Credential
			if err := json.Unmarshal([]byte(out), &keys); err != nil || len(keys) != 1 || keys[0].UserID != bob.ID || keys[0].Role != lead.RoleViewer {
				t.Fatalf("apikey list: %q %v", out, err)
			}

			// Disable, reset.
			if out, _, err := run(t, "users", "disable", "bob@contoso.com", "--database", dsn); err != nil || !strings.Contains(out, "disabled bob@contoso.com") {
				t.Fatalf("disable: %q %v", out, err)
			}
			out, _, err = run(t, "users", "list", "--database", dsn)
			if err != nil || !strings.Contains(out, "disabled") || !strings.Contains(out, "Europe/Berlin") || strings.Contains(out, "$argon2id") {
				t.Fatalf("list: %q %v", out, err)
			}
			if out, _, err := runIn(t, "another long password\n", "users", "reset-password", ann.ID, "--database", dsn); err != nil || !strings.Contains(out, "signed out everywhere") {
				t.Fatalf("reset-password: %q %v", out, err)
			}
			if ann, _ = st.GetUser(ctx, ann.ID); !auth.VerifyPassword(ann.PasswordHash, "another long password") {
				t.Fatal("reset-password did not set the password")
			}
			out, _, err = run(t, "users", "reset-password", "ann@contoso.com", "--database", dsn)
			if err != nil || !strings.Contains(out, "/set-password?token=lht_") {
				t.Fatalf("reset-password without a password: %q %v", out, err)
			}
			if _, _, err := run(t, "users", "disable", "nobody@contoso.com", "--database", dsn); lead.KindOf(err) != lead.KindNotFound {
				t.Fatalf("disable nobody: %v", err)
			}
		})
	}
}
