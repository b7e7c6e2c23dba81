package browsertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// choose selects the option whose value is value in the <select> whose
// <label> starts with label, as a person picking it would (a change
// event follows).
func (b *tab) choose(label, value string) {
	b.t.Helper()
	l, _ := json.Marshal(label)
	v, _ := json.Marshal(value)
	ok := eval[bool](b, fmt.Sprintf(`(() => {
		for (const l of document.querySelectorAll("label[for]")) {
			if (!l.textContent.trim().replace(/\s+/g, " ").startsWith(%s)) continue;
			const el = document.getElementById(l.htmlFor);
			if (!el || el.tagName !== "SELECT" || ![...el.options].some(o => o.value === %s)) return false;
			el.value = %s;
			el.dispatchEvent(new Event("change", {bubbles: true}));
			return true;
		}
		return false;
	})()`, l, v, v))
	if !ok {
		b.t.Fatalf("at %s: no select labelled %q with the option %q", b.where(), label, value)
	}
}

// countdown is the text of the page's first live countdown.
func (b *tab) countdown() string {
	return eval[string](b, `(document.querySelector("time[data-countdown]") || {}).textContent || ""`)
}

// The follow-up process in the browser: a manager reassigns a new
// customer to a rep and overrides its qualification from the customer
// page, and sees the rep's load on the Team board; the rep finds the
// customer in My queue with a live countdown and logs a call, which stops
// the first-touch clock and plans the follow-up tasks.
func TestFollowUpInTheBrowser(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		ctx := t.Context()
		const anja = "anja.keller@contoso.example"
		if st := s.post(marketplaceBody("Anja", "Keller", anja, "Contoso")); st != http.StatusCreated {
			t.Fatalf("posting a lead: %d", st)
		}
		s.waitResolved()
		id := s.customerOf(anja)
		waitUntil(t, "the customer's process is opened", 30*time.Second, func() bool {
			_, err := s.Store.GetProcess(ctx, id)
			return err == nil
		})
		mgrU, mgrPW := s.user(lead.RoleManager)
		repU, repPW := s.user(lead.RoleRep)

		// The manager's override: a new owner, and a qualification.
		m := s.newTab(t)
		m.signIn(mgrU.Email, mgrPW)
		m.visit("/customers/" + id)
		m.see("Follow-up", "First touch", "Reassign", "Override the qualification")
		m.choose("New owner", repU.ID)
		m.fill("Why reassign", "Anja's region is Robin's")
		m.click("Reassign")
		m.see("The customer was reassigned", "Robin Rep", "manual: Anja's region is Robin's")
		m.choose("Qualification", string(lead.QualSalesReady))
		m.fill("Why override", "asked for a quote on the phone")
		m.click("Override")
		m.see("The qualification was overridden.", "overridden by Robin Manager", "asked for a quote on the phone")
		p, err := s.Store.GetProcess(ctx, id)
		if err != nil || p.OwnerID != repU.ID || p.Qualification.Override == nil || p.Qualification.Effective() != lead.QualSalesReady {
			t.Fatalf("the process after the manager's changes: %+v (%v)", p, err)
		}

		// The Team board shows the rep's workload.
		m.click("Team board")
		m.see("Team board", "Workload per rep", "Robin Rep", "Open customers")

		// My queue: the customer, with a countdown that moves.
		r := s.newTab(t)
		r.signIn(repU.Email, repPW)
		r.click("My queue")
		r.see("My queue", "Anja Keller", "Contoso", "on track")
		first := r.countdown()
		if first == "" {
			t.Fatalf("My queue shows no countdown:\n%s", r.text())
		}
		if !r.waitFor(fmt.Sprintf(`(document.querySelector("time[data-countdown]") || {}).textContent !== %q`, first), 5*time.Second) {
			t.Fatalf("the countdown stayed at %q", first)
		}

		// Logging a call from the customer page stops the clock.
		r.click("Anja Keller")
		r.see("Log an activity")
		r.choose("What", string(lead.ActivityCall))
		r.choose("Outcome of a call", "connected")
		r.fill("Notes", "Wants a demo next week")
		r.click("Log the activity")
		r.see("The activity was logged.", "Contacted", "met", "call (connected) by Robin Rep", "Wants a demo next week")
		p, err = s.Store.GetProcess(ctx, id)
		if err != nil || p.SLA.FirstTouchAt == nil || p.SLA.State != lead.SLAMet || p.Stage != lead.ProcessContacted {
			t.Fatalf("the process after the call: %+v (%v)", p, err)
		}
		r.click("My queue")
		r.see("Follow-up tasks", "Anja Keller")
		if r.shows("No open follow-up task.") {
			t.Fatalf("the call planned no follow-up task:\n%s", r.text())
		}
	})
}
