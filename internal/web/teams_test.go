package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// A manager makes a DACH team (split hours, holidays, a 1-hour working-time
// target, a rep with a capacity) and a rule routing German-speaking
// countries to it through the forms; the next German lead goes there. A
// form with several mistakes names each; a team a rule routes to, or that
// has customers, cannot be deleted; a rep sees the teams and rules but
// cannot change them.
func TestTeamsAndRulesPages(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		var eng *process.Engine
		ev := start(t, e, nil, false, withProcess(t, &eng))
		ctx := context.Background()
		mgrU, repU := ev.user(lead.RoleManager, true), ev.user(lead.RoleRep, true)
		mgr, rep := ev.signIn(mgrU, nil), ev.signIn(repU, nil)

		hasAll(t, "the teams", ev.okPage("/teams", rep), "Everyone", "default", "Monday 09:00–17:00", "Saturday off",
			"within 2h of working time, and at most 24h after arrival", "everyone who can work customers")
		for _, p := range []string{"/teams/new", "/teams/" + process.DefaultTeamID, "/rules/new"} {
			if resp, _ := ev.do("GET", p, rep, nil); resp.StatusCode != http.StatusForbidden {
				t.Errorf("GET %s as a rep: %d, want 403", p, resp.StatusCode)
			}
		}
		if resp, _ := ev.do("POST", "/teams", rep, url.Values{"name": {"Mine"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST /teams as a rep: %d, want 403", resp.StatusCode)
		}

		form := url.Values{"name": {"DACH"}, "time_zone": {"Europe/Berlin"}, "holidays": {"2026-12-24\n2026-12-25"},
			"target_minutes": {"60"}, "cap_hours": {"0"}, "at_risk_percent": {"50"}, "cadence": {"1, 2, 5"},
			"member": {repU.ID}, "capacity_" + repU.ID: {"5"}, "manager": {mgrU.ID}}
		for d := 1; d <= 5; d++ {
			form.Set("hours_"+string(rune('0'+d)), "08:00-12:00, 13:00-17:00")
		}
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("time_zone", "Mars/Olympus")
		bad.Set("hours_1", "9-5")
		bad.Set("target_minutes", "0")
		resp, body := ev.do("POST", "/teams", mgr, bad)
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("a bad team form: %d\n%s", resp.StatusCode, body)
		}
		hasAll(t, "the bad team form", body, "Monday: &#34;9-5&#34; is not a span", "first-touch target must be a whole number of minutes", `value="Mars/Olympus"`)
		ev.postRedirect("/teams", mgr, form, "/teams?done=saved")
		var dach lead.Team
		ts, _ := ev.st.ListTeams(ctx)
		for _, x := range ts {
			if x.Name == "DACH" {
				dach = x
			}
		}
		if dach.ID == "" || dach.Calendar.TimeZone != "Europe/Berlin" || len(dach.Calendar.Week[time.Monday]) != 2 ||
			len(dach.Calendar.Holidays) != 2 || dach.Policy.Target != time.Hour || dach.Policy.CalendarCap != 0 ||
			dach.Policy.AtRiskShare != 0.5 || len(dach.Members) != 1 || dach.Members[0].Capacity != 5 || len(dach.Managers) != 1 {
			t.Fatalf("the stored DACH team: %+v", dach)
		}
		hasAll(t, "the teams after saving", ev.okPage("/teams?done=saved", mgr), "The team is saved.", "DACH",
			"Monday 08:00–12:00, 13:00–17:00", "2026-12-24, 2026-12-25", "(working time only)", "Pat rep (at most 5)")
		hasAll(t, "the DACH form", ev.okPage("/teams/"+dach.ID, mgr), `value="08:00-12:00, 13:00-17:00"`, `value="60"`, `value="1, 2, 5"`)

		// A rule: DE, AT and CH to the DACH team.
		if resp, body := ev.do("POST", "/rules", mgr, url.Values{"name": {"DACH"}, "countries": {"de, at, zz1"}, "target": {"team"}, "team": {dach.ID}}); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, "ZZ1") {
			t.Errorf("a rule with a bad country: %d\n%s", resp.StatusCode, body)
		}
		ev.postRedirect("/rules", mgr, url.Values{"name": {"German-speaking countries"}, "countries": {"de, at, ch"}, "target": {"team"},
			"team": {dach.ID}, "reassign": {"on"}}, "/rules?done=saved")
		hasAll(t, "the rules", ev.okPage("/rules", rep), "German-speaking countries", "country is DE, AT, CH",
			"round-robin in team DACH", "a breached first touch goes to the next available member", "Everyone")
		german := strings.Replace(string(mpLead("Anja", "Keller", "anja.keller@contoso.de", "Contoso GmbH", "INS", "crm")), `"Country": "US"`, `"Country": "DE"`, 1)
		id := ev.storedLead(ev.sendLeads([]byte(german))[0]).CustomerID
		if _, err := eng.Drain(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := ev.st.GetProcess(ctx, id)
		if err != nil || p.TeamID != dach.ID || p.OwnerID != repU.ID || p.Assignment.Rule != "German-speaking countries" {
			t.Fatalf("the German lead's process: %+v (%v)", p, err)
		}

		// Deleting: the rule routes to the team, then the team has a customer.
		var ruleID string
		rs, _ := ev.st.ListAssignRules(ctx)
		for _, r := range rs {
			if r.Name == "German-speaking countries" {
				ruleID = r.ID
			}
		}
		if resp, body := ev.do("POST", "/teams/"+dach.ID+"/delete", mgr, url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("deleting a team a rule routes to: %d\n%s", resp.StatusCode, body)
		}
		ev.postRedirect("/rules/"+ruleID+"/delete", mgr, url.Values{}, "/rules?done=deleted")
		if resp, body := ev.do("POST", "/teams/"+dach.ID+"/delete", mgr, url.Values{}); resp.StatusCode != http.StatusConflict ||
			!strings.Contains(body, "still has customers") {
			t.Errorf("deleting a team with a customer: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := ev.do("POST", "/rules/"+process.DefaultRuleID+"/delete", mgr, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("deleting the default rule: %d, want 404", resp.StatusCode)
		}
	})
}
