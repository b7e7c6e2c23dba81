package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// userWithKey stores a user of role and returns an API key of theirs.
func userWithKey(t *testing.T, st *store.Store, id string, role lead.Role) string {
	t.Helper()
	ctx := context.Background()
	if err := st.CreateUser(ctx, lead.User{ID: id, Email: id + "@contoso.com", DisplayName: id, Role: role}); err != nil {
		t.Fatal(err)
	}
	secret, c := auth.NewSecret(lead.CredentialAPI, "key of "+id, time.Now())
	c.UserID = id
	if err := st.CreateCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	return secret
}

// writeFile writes body to name in a test directory and returns its path.
func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const teamJSON = `{"name": %q, "calendar": {"time_zone": %q, "week": [[], [{"start": 540, "end": 1020}], [{"start": 540, "end": 1020}],
 [{"start": 540, "end": 1020}], [{"start": 540, "end": 1020}], [{"start": 540, "end": 1020}], []]},
 "policy": {"target": 7200000000000, "calendar_cap": 86400000000000, "at_risk_share": 0.75},
 "members": [{"user_id": "u-rep", "capacity": 20}], "managers": ["u-mgr"]}`

// TestProcessConfigCommands creates, changes and deletes a team and a
// rule from JSON files against a running server, as a manager; a rep is
// refused, and the server's reasons are shown.
func TestProcessConfigCommands(t *testing.T) {
	ts := startFresh(t)
	st := storetest.OpenDSN(t, ts.dsn)
	mgr := userWithKey(t, st, "u-mgr", lead.RoleManager)
	rep := userWithKey(t, st, "u-rep", lead.RoleRep)
	as := func(key string, args ...string) (string, error) {
		t.Helper()
		out, _, err := run(t, append(append([]string{"process"}, args...), "--server", ts.base, "--api-key", key)...)
		return out, err
	}

	team := writeFile(t, "team.json", fmt.Sprintf(teamJSON, "DACH", "Europe/Berlin"))
	out, err := as(mgr, "teams", "create", "--file", team)
	if err != nil || !strings.HasPrefix(out, "created team team-") || !strings.Contains(out, "(DACH)") {
		t.Fatalf("teams create: %v %s", err, out)
	}
	id := strings.Fields(out)[2]
	if _, err := as(rep, "teams", "create", "--file", team); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a rep creating a team: %v", err)
	}
	bad := writeFile(t, "bad.json", fmt.Sprintf(teamJSON, "Mars", "Mars/Olympus_Mons"))
	if _, err := as(mgr, "teams", "create", "--file", bad); err == nil || !strings.Contains(err.Error(), "400") ||
		!strings.Contains(err.Error(), `unknown time zone "Mars/Olympus_Mons"`) {
		t.Errorf("a team with an unknown time zone: %v", err)
	}
	withID := writeFile(t, "id.json", `{"id": "team-mine", "name": "Mine"}`)
	if _, err := as(mgr, "teams", "create", "--file", withID); err == nil || !strings.Contains(err.Error(), "body.id: is given by the server") {
		t.Errorf("a team with an id: %v", err)
	}
	if _, err := as(mgr, "teams", "create", "--file", writeFile(t, "x.json", "{nope")); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("a file that is not JSON: %v", err)
	}
	if _, err := as(mgr, "teams", "create"); ExitCode(err) != 2 {
		t.Errorf("create without --file: %v", err)
	}
	if _, err := as(mgr, "teams", "update", "--file", team); ExitCode(err) != 2 {
		t.Errorf("update without an id: %v", err)
	}

	out, err = as(mgr, "teams", "update", id, "--file", writeFile(t, "team2.json", fmt.Sprintf(teamJSON, "DACH sales", "Europe/Vienna")))
	if err != nil || !strings.Contains(out, "updated team "+id+" (DACH sales)") {
		t.Fatalf("teams update: %v %s", err, out)
	}
	if out, err = as(rep, "teams", "--json"); err != nil || !strings.Contains(out, `"DACH sales"`) || !strings.Contains(out, `"Europe/Vienna"`) {
		t.Errorf("teams --json after the update: %v %s", err, out)
	}

	// A rule from standard input, routing German customers to the team.
	var rout, rerr strings.Builder
	err = Run(context.Background(), []string{"process", "rules", "create", "--file", "-", "--server", ts.base, "--api-key", mgr},
		func(string) string { return "" }, strings.NewReader(`{"name": "Germany to DACH", "when": {"countries": ["DE"]}, "target": "team", "team_id": "`+id+`"}`),
		&rout, &rerr)
	if err != nil || !strings.HasPrefix(rout.String(), "created rule rule-") {
		t.Fatalf("rules create from standard input: %v %s", err, rout.String())
	}
	rule := strings.Fields(rout.String())[2]
	if out, err = as(rep, "rules"); err != nil || !strings.Contains(out, rule) || !strings.Contains(out, "Germany to DACH") {
		t.Errorf("rules: %v %s", err, out)
	}
	if _, err = as(mgr, "teams", "delete", id); err == nil || !strings.Contains(err.Error(), "409") || !strings.Contains(err.Error(), "Germany to DACH") {
		t.Errorf("deleting a team a rule routes to: %v", err)
	}
	if out, err = as(mgr, "rules", "delete", rule); err != nil || strings.TrimSpace(out) != "deleted rule "+rule {
		t.Errorf("rules delete: %v %s", err, out)
	}
	if out, err = as(mgr, "teams", "delete", id); err != nil || strings.TrimSpace(out) != "deleted team "+id {
		t.Errorf("teams delete: %v %s", err, out)
	}
	if _, err = as(mgr, "teams", "delete", id); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("deleting it again: %v", err)
	}
}
