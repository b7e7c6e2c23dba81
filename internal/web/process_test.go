package web_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// withProcess gives the web app a follow-up process engine over the
// test's store (without jobs: no clock job, no notification), and
// returns it for the test to drain.
func withProcess(t *testing.T, eng **process.Engine) func(*web.Deps) {
	return func(d *web.Deps) {
		st := d.Store.(*store.Store)
		*eng = process.New(process.Deps{Store: st,
			Write: func(ctx context.Context, fn func(context.Context, *sql.Tx) error) error { return st.Write(ctx, fn) },
			TxOf:  func(ctx context.Context, tx *sql.Tx) process.Tx { return st.ProcessTx(ctx, tx) },
			Rules: process.DefaultQualRules(), TimeZone: "UTC"})
		if err := (*eng).EnsureDefaults(context.Background()); err != nil {
			t.Fatal(err)
		}
		d.Process, d.Config = *eng, *eng
	}
}

// The process panel, My queue and the Team board, through their forms: a
// manager reassigns a Contoso person to a rep and overrides the
// qualification; the rep finds the customer in the queue and logs a
// call, which stops the clock and plans the follow-up tasks; a viewer and
// the rep are refused what their roles may not do.
func TestProcessPages(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		var eng *process.Engine
		ev := start(t, e, nil, false, withProcess(t, &eng))
		mgrU, repU, viewU := ev.user(lead.RoleManager, true), ev.user(lead.RoleRep, true), ev.user(lead.RoleViewer, true)
		mgr, rep, viewer := ev.signIn(mgrU, nil), ev.signIn(repU, nil), ev.signIn(viewU, nil)
		ids := ev.sendLeads(
			mpLead("Anja", "Keller", "anja.keller@contoso.com", "Contoso GmbH", "INS", "crm"),
			mpLead("Jonas", "Weber", "jonas.weber@contoso.com", "Contoso GmbH", "PLT", "crm"),
			mpLead("Lea", "Schmidt", "lea.schmidt@contoso.com", "Contoso GmbH", "DNC", "crm"))
		if _, err := eng.Drain(context.Background()); err != nil {
			t.Fatal(err)
		}
		anja := ev.storedLead(ids[0]).CustomerID
		lea := ev.storedLead(ids[2]).CustomerID
		path := "/customers/" + anja

		body := ev.okPage(path, mgr)
		hasAll(t, "the customer page as a manager", body, `id="process"`, "Follow-up", "New", "on track", "data-countdown",
			"Log an activity", "Change the stage", "Reassign", "Override the qualification", "Pat rep (rep)")
		body = ev.okPage(path, rep)
		hasAll(t, "the customer page as a rep", body, "Log an activity", "Change the stage")
		if strings.Contains(body, "Override the qualification") || strings.Contains(body, `action="`+path+`/assign"`) {
			t.Errorf("a rep is offered the manager's forms")
		}
		if body := ev.okPage(path, viewer); strings.Contains(body, "Log an activity") {
			t.Errorf("a viewer is offered the activity form")
		}
		hasAll(t, "a do-not-contact customer's page", ev.okPage("/customers/"+lea, mgr), "No follow-up process", "asked not to be contacted")

		// Refused by role, whatever the form holds.
		for _, c := range []struct {
			cookie *http.Cookie
			path   string
			form   url.Values
		}{
			{viewer, path + "/activities", url.Values{"kind": {"call"}}},
			{viewer, path + "/stage", url.Values{"stage": {"contacted"}}},
			{rep, path + "/assign", url.Values{"owner": {repU.ID}, "reason": {"mine"}}},
			{rep, path + "/qualification", url.Values{"result": {"sales_ready"}, "reason": {"mine"}}},
		} {
			if resp, _ := ev.do("POST", c.path, c.cookie, c.form); resp.StatusCode != http.StatusForbidden {
				t.Errorf("POST %s: %d, want 403", c.path, resp.StatusCode)
			}
		}

		// The manager reassigns (a reason is required) and overrides.
		if resp, body := ev.do("POST", path+"/assign", mgr, url.Values{"owner": {repU.ID}}); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, "reason is required") {
			t.Errorf("a reassignment without a reason: %d\n%s", resp.StatusCode, body)
		}
		ev.postRedirect(path+"/assign", mgr, url.Values{"owner": {repU.ID}, "reason": {"Anja's region is Pat's"}}, path+"?done=assign#process")
		ev.postRedirect(path+"/qualification", mgr, url.Values{"result": {"nurture"}, "reason": {"budget next year"}}, path+"?done=override#process")
		hasAll(t, "the page after the manager's changes", ev.okPage(path+"?done=override", mgr),
			"The qualification was overridden.", "Pat rep, team", "manual: Anja's region is Pat's", "nurture", "overridden by Pat manager", "budget next year")

		// The rep finds Anja in the queue, with her clock running.
		body = ev.okPage("/queue", rep)
		hasAll(t, "the rep's queue", body, "My queue", "Anja Keller", "Contoso GmbH", "on track", "data-countdown", "No open follow-up task.")
		if strings.Contains(body, "Jonas Weber") && !ownedBy(t, ev, ev.storedLead(ids[1]).CustomerID, repU.ID) {
			t.Errorf("the queue lists a customer the rep does not own")
		}

		// A logged call stops the clock and plans the follow-up tasks.
		ev.postRedirect(path+"/activities", rep, url.Values{"kind": {"call"}, "outcome": {"connected"}, "body": {"Wants a demo"}}, path+"?done=activity#process")
		body = ev.okPage(path+"?done=activity", rep)
		hasAll(t, "the page after the call", body, "The activity was logged.", "Contacted", "met", "call (connected) by Pat rep", "Wants a demo",
			"first_touch", "Open follow-up tasks")
		body = ev.okPage("/queue", rep)
		hasAll(t, "the queue after the call", body, "Follow-up tasks (", "Anja Keller")
		if strings.Contains(body, "No open follow-up task.") {
			t.Errorf("the call planned no follow-up task\n%s", body)
		}
		if resp, body := ev.do("POST", path+"/activities", rep, url.Values{"kind": {"fax"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("an unknown activity kind: %d\n%s", resp.StatusCode, body)
		}
		if resp, body := ev.do("POST", path+"/stage", rep, url.Values{"stage": {"lost"}}); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(body, "reason is required") {
			t.Errorf("lost without a reason: %d\n%s", resp.StatusCode, body)
		}

		// The board: every open customer's owner, with the rep's load.
		body = ev.okPage("/board", mgr)
		hasAll(t, "the team board", body, "Team board", "Workload per rep", "Pat rep", "First touch breached", "First touch at risk", "Next due")
		if strings.Contains(body, "Nobody owns these") {
			t.Errorf("the board lists unowned customers while everyone has an owner")
		}
		jonas := ev.storedLead(ids[1]).CustomerID
		err := ev.st.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
			pt := ev.st.ProcessTx(ctx, tx)
			p, err := pt.Process(jonas)
			if err != nil || p == nil {
				return fmt.Errorf("jonas's process: %v %v", p, err)
			}
			p.OwnerID = ""
			return pt.PutProcess(*p)
		})
		if err != nil {
			t.Fatal(err)
		}
		hasAll(t, "the board with an unowned customer", ev.okPage("/board?team="+process.DefaultTeamID, mgr), "Nobody owns these (1)", "Jonas Weber")
		if resp, _ := ev.do("GET", "/board?team=nope", mgr, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("the board of an unknown team: %d", resp.StatusCode)
		}
	})
}

func ownedBy(t *testing.T, ev *env, customer, user string) bool {
	t.Helper()
	p, err := ev.st.GetProcess(context.Background(), customer)
	if err != nil {
		t.Fatal(err)
	}
	return p.OwnerID == user
}
