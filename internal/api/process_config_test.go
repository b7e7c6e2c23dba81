package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// onEngines runs f on every database engine of storetest.
func onEngines(t *testing.T, f func(t *testing.T, e storetest.Engine)) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { f(t, e) })
	}
}

// withProcess gives the API a follow-up process engine over the test's
// store, with its default team and rules (without jobs: no clock job, no
// notification), and returns it for the test to drain.
func withProcess(t *testing.T, eng **process.Engine) func(*api.Deps) {
	return func(d *api.Deps) {
		st := d.Customers.(*store.Store)
		*eng = process.New(process.Deps{Store: st,
			Write: func(ctx context.Context, fn func(context.Context, *sql.Tx) error) error { return st.Write(ctx, fn) },
			TxOf:  func(ctx context.Context, tx *sql.Tx) process.Tx { return st.ProcessTx(ctx, tx) },
			Rules: process.DefaultQualRules(), TimeZone: "UTC"})
		if err := (*eng).EnsureDefaults(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.Process, d.Processes = *eng, st
	}
}

// call sends body (a string of JSON, or nothing when "") with key and
// decodes a JSON answer into out (when not nil).
func call(t *testing.T, h *apitest.Server, key, method, path, body string, out any) (int, string) {
	t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	resp, got := apitest.Do(t, method, h.URL+path, key, b, map[string]string{"Content-Type": "application/json"})
	if out != nil && resp.StatusCode < 300 && len(got) > 0 {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, got)
		}
	}
	return resp.StatusCode, string(got)
}

// expect checks an answer's status and that its body holds each of want.
func expect(t *testing.T, what string, status int, body string, wantStatus int, want ...string) {
	t.Helper()
	if status != wantStatus {
		t.Errorf("%s: %d, want %d; %s", what, status, wantStatus, body)
		return
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s: the answer does not hold %q; %s", what, w, body)
		}
	}
}

// allWeek is a calendar on which every minute is working time.
func allWeek(tz string) string {
	day := `[{"start": 0, "end": 1440}]`
	return fmt.Sprintf(`{"time_zone": %q, "week": [%s, %s, %s, %s, %s, %s, %s]}`, tz, day, day, day, day, day, day, day)
}

func teamBody(name, tz string, target int64, members ...string) string {
	ms := make([]string, len(members))
	for i, m := range members {
		ms[i] = fmt.Sprintf(`{"user_id": %q, "capacity": 0}`, m)
	}
	return fmt.Sprintf(`{"name": %q, "calendar": %s, "policy": {"target": %d, "calendar_cap": 0, "at_risk_share": 0.75},
 "members": [%s], "managers": ["u-manager"], "cadence": [1, 3, 7]}`, name, allWeek(tz), target, strings.Join(ms, ", "))
}

// dachLead is a marketplace lead of a person at Contoso GmbH in Germany.
func dachLead(first, last string) []byte {
	return fmt.Appendf(nil, `{"UserDetails": {"FirstName": %q, "LastName": %q, "Email": %q, "Phone": "+49 30 5555 0100",
 "Country": "DE", "Company": "Contoso GmbH", "Title": "Einkauf"}, "LeadSource": "AppSource (SPZA)-PLT|contoso.crm", "OfferTitle": "crm"}`,
		first, last, strings.ToLower(first+"."+last)+"@contoso.de")
}

// Teams and rules are created, replaced and deleted over the API by a
// manager, each change checked whole; a rule made so routes the people of
// a German company to the team made so.
func TestTeamsAndRulesOverTheAPI(t *testing.T) {
	onEngines(t, func(t *testing.T, e storetest.Engine) {
		var eng *process.Engine
		h := apitest.StartOn(t, e, withProcess(t, &eng))
		mgr := userKey(t, h, lead.RoleManager, false)
		rep := userKey(t, h, lead.RoleRep, false)
		const hour = int64(3600_000_000_000)

		// A rep may read the configuration, not change it.
		s, b := call(t, h, rep, "POST", "/api/v1/teams", teamBody("DACH", "Europe/Berlin", 2*hour, "u-rep"), nil)
		expect(t, "a rep creating a team", s, b, http.StatusForbidden, "process.manage")

		// Each refusal names what is wrong.
		for _, c := range []struct{ what, body, want string }{
			{"an unknown time zone", teamBody("DACH", "Mars/Olympus_Mons", 2*hour, "u-rep"), `unknown time zone \"Mars/Olympus_Mons\"`},
			{"a target under a minute", teamBody("DACH", "Europe/Berlin", 30_000_000_000, "u-rep"), "at least one minute"},
			{"an unknown member", teamBody("DACH", "Europe/Berlin", 2*hour, "u-rep", "u-nobody"), "no user u-nobody"},
			{"no name", teamBody("", "Europe/Berlin", 2*hour), "a name is required"},
			{"an unknown field", `{"name": "DACH", "colour": "red"}`, `unknown field \"colour\"`},
			{"an id", `{"id": "team-mine", "name": "DACH"}`, "body.id"},
			{"not JSON", `name=DACH`, "must be a JSON object"},
		} {
			s, b := call(t, h, mgr, "POST", "/api/v1/teams", c.body, nil)
			expect(t, "a team with "+c.what, s, b, http.StatusBadRequest, c.want)
		}

		var dach lead.Team
		s, b = call(t, h, mgr, "POST", "/api/v1/teams", teamBody("DACH", "Europe/Berlin", 2*hour, "u-rep"), &dach)
		expect(t, "creating a team", s, b, http.StatusCreated, `"target":7200000000000`, `"time_zone":"Europe/Berlin"`)
		if dach.ID == "" || dach.Default || len(dach.Members) != 1 || dach.Policy.Target != 2*3600e9 || dach.CreatedAt.IsZero() {
			t.Fatalf("the team created: %+v", dach)
		}
		var teams struct {
			Teams []lead.Team `json:"teams"`
		}
		s, b = call(t, h, rep, "GET", "/api/v1/teams", "", &teams)
		expect(t, "listing teams", s, b, http.StatusOK, `"id":"`+dach.ID+`"`, `"target":7200000000000`)

		// A replacement keeps the id, the creation time and whether the
		// team is the default; an id in the body must be the path's.
		changed := strings.Replace(teamBody("DACH sales", "Europe/Vienna", hour, "u-rep", "u-manager"), `{"name"`,
			`{"id": "`+dach.ID+`", "default": true, "name"`, 1)
		var got lead.Team
		s, b = call(t, h, mgr, "PUT", "/api/v1/teams/"+dach.ID, changed, &got)
		expect(t, "replacing the team", s, b, http.StatusOK, `"name":"DACH sales"`, `"target":3600000000000`)
		if got.ID != dach.ID || got.Default || !got.CreatedAt.Equal(dach.CreatedAt) || len(got.Members) != 2 || got.Calendar.TimeZone != "Europe/Vienna" {
			t.Errorf("the team replaced: %+v", got)
		}
		s, b = call(t, h, mgr, "PUT", "/api/v1/teams/"+dach.ID, strings.Replace(changed, dach.ID, "team-other", 1), nil)
		expect(t, "a body of another team", s, b, http.StatusBadRequest, "body.id")
		s, b = call(t, h, mgr, "PUT", "/api/v1/teams/team-nope", teamBody("X", "UTC", hour), nil)
		expect(t, "replacing no team", s, b, http.StatusNotFound)
		s, b = call(t, h, mgr, "PUT", "/api/v1/teams/"+dach.ID, teamBody("DACH", "Mars/Olympus_Mons", hour), nil)
		expect(t, "replacing with a bad time zone", s, b, http.StatusBadRequest, "unknown time zone")
		s, b = call(t, h, mgr, "PUT", "/api/v1/teams/"+dach.ID, teamBody("DACH sales", "Europe/Berlin", 2*hour, "u-rep"), &dach)
		expect(t, "replacing the team again", s, b, http.StatusOK)

		// Rules: checked against the teams and users.
		for _, c := range []struct{ what, body, want string }{
			{"a team target without a team", `{"name": "DE", "target": "team"}`, "a team target needs a team"},
			{"an unknown team", `{"name": "DE", "target": "team", "team_id": "team-nope"}`, "team team-nope does not exist"},
			{"an unknown user", `{"name": "DE", "target": "user", "user_id": "u-nobody"}`, "user u-nobody does not exist"},
			{"a country that is no code", `{"name": "DE", "target": "team", "team_id": "` + dach.ID + `", "when": {"countries": ["Germany"]}}`, "not an ISO 3166-1 alpha-2 code"},
			{"an unknown target", `{"name": "DE", "target": "everyone"}`, `unknown target \"everyone\"`},
			{"an unknown field", `{"name": "DE", "target": "team", "teams": ["x"]}`, `unknown field \"teams\"`},
		} {
			s, b := call(t, h, mgr, "POST", "/api/v1/rules", c.body, nil)
			expect(t, "a rule with "+c.what, s, b, http.StatusBadRequest, c.want)
		}
		s, b = call(t, h, rep, "POST", "/api/v1/rules", `{"name": "DE", "target": "team", "team_id": "`+dach.ID+`"}`, nil)
		expect(t, "a rep creating a rule", s, b, http.StatusForbidden)
		var rule lead.AssignRule
		s, b = call(t, h, mgr, "POST", "/api/v1/rules",
			`{"name": "Germany to DACH", "when": {"countries": ["DE"]}, "target": "team", "team_id": "`+dach.ID+`"}`, &rule)
		expect(t, "creating a rule", s, b, http.StatusCreated, `"team_id":"`+dach.ID+`"`)
		if rule.ID == "" || rule.Default || rule.Name != "Germany to DACH" {
			t.Fatalf("the rule created: %+v", rule)
		}

		// A team a rule routes to, the default team and the default rules
		// stay.
		s, b = call(t, h, mgr, "DELETE", "/api/v1/teams/"+dach.ID, "", nil)
		expect(t, "deleting a team a rule routes to", s, b, http.StatusConflict, "Germany to DACH")
		s, b = call(t, h, mgr, "DELETE", "/api/v1/teams/"+process.DefaultTeamID, "", nil)
		expect(t, "deleting the default team", s, b, http.StatusConflict, "default")
		s, b = call(t, h, mgr, "DELETE", "/api/v1/rules/"+process.DefaultRule().ID, "", nil)
		expect(t, "deleting the default rule", s, b, http.StatusConflict, "default")
		s, b = call(t, h, mgr, "DELETE", "/api/v1/rules/rule-nope", "", nil)
		expect(t, "deleting no rule", s, b, http.StatusNotFound)
		s, b = call(t, h, rep, "DELETE", "/api/v1/rules/"+rule.ID, "", nil)
		expect(t, "a rep deleting a rule", s, b, http.StatusForbidden)

		// Three people of Contoso GmbH in Germany: the first is routed by
		// the new rule to its team's member; the others follow to the
		// person who works their account.
		for _, l := range [][]byte{dachLead("Anja", "Keller"), dachLead("Jonas", "Weber"), dachLead("Lea", "Schmidt")} {
			if resp, body := apitest.Do(t, "POST", h.IngestURL, "", l, map[string]string{"Content-Type": "application/json"}); resp.StatusCode >= 300 {
				t.Fatalf("ingest: %d %s", resp.StatusCode, body)
			}
		}
		ctx := context.Background()
		if _, err := resolve.New(h.Store, resolve.Options{}).ResolveAll(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		var customers struct {
			Customers []lead.Customer `json:"customers"`
		}
		if s, b := call(t, h, rep, "GET", "/api/v1/customers", "", &customers); s != http.StatusOK || len(customers.Customers) != 3 {
			t.Fatalf("customers: %d %s", s, b)
		}
		byRule := 0
		for _, c := range customers.Customers {
			var p lead.Process
			if s, b := call(t, h, rep, "GET", "/api/v1/customers/"+c.ID+"/process", "", &p); s != http.StatusOK {
				t.Fatalf("process of %s: %d %s", c.ID, s, b)
			}
			if p.OwnerID != "u-rep" {
				t.Errorf("customer %s: owner %q by %+v, want u-rep", c.ID, p.OwnerID, p.Assignment)
			}
			if p.Assignment.RuleID == rule.ID {
				byRule++
				if p.TeamID != dach.ID || !strings.Contains(p.Assignment.Reason, "DE") {
					t.Errorf("customer %s routed by the rule: team %q, %+v", c.ID, p.TeamID, p.Assignment)
				}
			}
		}
		if byRule == 0 {
			t.Errorf("no customer was routed by the rule made over the API")
		}

		// The rule is replaced, then deleted; a team nobody uses goes.
		var replaced lead.AssignRule
		s, b = call(t, h, mgr, "PUT", "/api/v1/rules/"+rule.ID,
			`{"name": "Austria to DACH", "position": 5, "when": {"countries": ["AT"]}, "target": "team", "team_id": "`+dach.ID+`", "reassign_on_breach": true}`, &replaced)
		expect(t, "replacing the rule", s, b, http.StatusOK, `"countries":["AT"]`)
		if replaced.ID != rule.ID || replaced.Position != 5 || !replaced.ReassignOnBreach || !replaced.CreatedAt.Equal(rule.CreatedAt) {
			t.Errorf("the rule replaced: %+v", replaced)
		}
		s, b = call(t, h, mgr, "PUT", "/api/v1/rules/rule-nope", `{"name": "x", "target": "account_owner"}`, nil)
		expect(t, "replacing no rule", s, b, http.StatusNotFound)
		s, b = call(t, h, mgr, "PUT", "/api/v1/rules/"+rule.ID, `{"name": "x", "target": "team", "team_id": "team-nope"}`, nil)
		expect(t, "replacing the rule with an unknown team", s, b, http.StatusBadRequest, "team-nope")
		s, b = call(t, h, mgr, "DELETE", "/api/v1/rules/"+rule.ID, "", nil)
		expect(t, "deleting the rule", s, b, http.StatusNoContent)
		var rules struct {
			Rules []lead.AssignRule `json:"rules"`
		}
		if s, b := call(t, h, rep, "GET", "/api/v1/rules", "", &rules); s != http.StatusOK || strings.Contains(b, rule.ID) || len(rules.Rules) != 2 {
			t.Errorf("rules after the delete: %d %s", s, b)
		}
		s, b = call(t, h, mgr, "DELETE", "/api/v1/teams/"+dach.ID, "", nil)
		expect(t, "deleting a team customers belong to", s, b, http.StatusConflict, "customers")
		var empty lead.Team
		s, b = call(t, h, mgr, "POST", "/api/v1/teams", teamBody("Nordics", "Europe/Stockholm", hour), &empty)
		expect(t, "creating an empty team", s, b, http.StatusCreated)
		s, b = call(t, h, mgr, "DELETE", "/api/v1/teams/"+empty.ID, "", nil)
		expect(t, "deleting the empty team", s, b, http.StatusNoContent)
		s, b = call(t, h, mgr, "DELETE", "/api/v1/teams/"+empty.ID, "", nil)
		expect(t, "deleting it again", s, b, http.StatusNotFound)
	})
}
