package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// mpLead is a payload as Microsoft posts it.
func mpLead(first, last, email, company, action, offer string) []byte {
	return fmt.Appendf(nil, `{"UserDetails": {"FirstName": %q, "LastName": %q, "Email": %q, "Phone": "+1 425 555 0100",
 "Country": "US", "Company": %q, "Title": "Buyer"}, "LeadSource": "AppSource (SPZA)-%s|contoso.%s", "OfferTitle": %q}`,
		first, last, email, company, action, offer, offer)
}

// withoutTitle is mpLead without a job title.
func withoutTitle(b []byte) []byte {
	return []byte(strings.Replace(string(b), `, "Title": "Buyer"`, "", 1))
}

// sendLeads sends bodies through an inbox one after the other (so that
// their receipt times are in that order), resolves every lead as the
// server's resolver would, and returns the leads' ids in order.
func (ev *env) sendLeads(bodies ...[]byte) []string {
	ev.t.Helper()
	ib := ingest.New(ev.st, ingest.Options{})
	defer ib.Close()
	var ids []string
	for _, b := range bodies {
		rc, err := ib.Receive(context.Background(), ingest.Body{Channel: lead.ChannelHTTPS, Source: "marketplace", Body: b})
		if err != nil || rc.ParseErr != nil {
			ev.t.Fatalf("receive: %v %v", err, rc.ParseErr)
		}
		ids = append(ids, rc.ID)
	}
	if _, err := resolve.New(ev.st, resolve.Options{}).ResolveAll(context.Background()); err != nil {
		ev.t.Fatal(err)
	}
	// The server sums the accounts the resolver touched a moment later.
	if _, err := ev.st.SettleAccounts(context.Background(), 0); err != nil {
		ev.t.Fatal(err)
	}
	return ids
}

// storedLead reads a lead from the store.
func (ev *env) storedLead(id string) lead.Lead {
	ev.t.Helper()
	l, err := ev.st.GetLead(context.Background(), id)
	if err != nil {
		ev.t.Fatal(err)
	}
	return l
}

// storedCustomer reads a customer from the store.
func (ev *env) storedCustomer(id string) lead.CustomerDetail {
	ev.t.Helper()
	c, err := ev.st.GetCustomer(context.Background(), id)
	if err != nil {
		ev.t.Fatal(err)
	}
	return c
}

// okPage GETs path and returns its text (HTML entities decoded), failing
// unless it answers 200.
func (ev *env) okPage(path string, c *http.Cookie) string {
	ev.t.Helper()
	resp, body := ev.do("GET", path, c, nil)
	if resp.StatusCode != http.StatusOK {
		ev.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	checkHeaders(ev.t, "GET "+path, resp)
	return html.UnescapeString(body)
}

// postRedirect sends a form and expects a redirect to want.
func (ev *env) postRedirect(path string, c *http.Cookie, form url.Values, want string) {
	ev.t.Helper()
	resp, body := ev.do("POST", path, c, form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		ev.t.Fatalf("POST %s: %d %q, want a redirect to %q\n%s", path, resp.StatusCode, resp.Header.Get("Location"), want, body)
	}
}

// hasAll fails t for each of wants that body (what) lacks.
func hasAll(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// auditOf returns the newest entry of the customer's history with action.
func auditOf(t *testing.T, d lead.CustomerDetail, action lead.AuditAction) lead.AuditEntry {
	t.Helper()
	for _, e := range d.History {
		if e.Action == action {
			return e
		}
	}
	t.Fatalf("customer %s has no %s entry: %+v", d.ID, action, d.History)
	return lead.AuditEntry{}
}

// The customer page shows the golden record with the source of every
// value, the journey with each lead's raw body and the explanation of its
// decision, the account and the history.
func TestCustomerPage(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		c := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		ids := ev.sendLeads(
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"),
			withoutTitle(mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso Ltd", "StartTestDrive", "erp")),
		)
		first, second := ev.storedLead(ids[0]), ev.storedLead(ids[1])
		if first.CustomerID == "" || first.CustomerID != second.CustomerID {
			t.Fatalf("the two leads were not resolved into one customer: %q %q", first.CustomerID, second.CustomerID)
		}
		d := ev.storedCustomer(first.CustomerID)
		dec := d.Leads[1].Decision
		if dec == nil || dec.Outcome != lead.OutcomeJoined || len(dec.Explanation.Fields) == 0 {
			t.Fatalf("the second lead's decision: %+v", dec)
		}

		body := ev.okPage("/customers/"+d.ID, c)
		hasAll(t, "the customer page", body,
			"<h1>Ann Lee</h1>", "ann.lee@contoso.com", "Contoso Ltd",
			// the sources: the company comes from the second lead (the
			// most recent value), the job title from the first (the
			// second has none).
			`<th scope="row">Company</th>`+"\n<td>Contoso Ltd</td>\n<td>lead <a href=\"#lead-"+second.ID+`">`+second.ID+"</a>, <time",
			`<th scope="row">Job title</th>`+"\n<td>Buyer</td>\n<td>lead <a href=\"#lead-"+first.ID+`">`+first.ID+"</a>, <time",
			// the journey: both leads, in time order, with their actions and offers
			`id="lead-`+first.ID+`"`, `id="lead-`+second.ID+`"`, first.Action, second.Action, "crm", "erp",
			// the raw bodies, pretty-printed
			"<summary>Raw body</summary>", "\"UserDetails\": {\n    \"FirstName\": \"Ann\",",
			"\"OfferTitle\": \"erp\"",
			// the explanation of the join, field by field
			"Decision: joined", dec.Explanation.Reason, "Field by field", "<td>for</td>",
			`<th scope="row">`+dec.Explanation.Fields[0].Field+"</th>",
			// the account and the history
			`href="/accounts/`+d.AccountID+`"`, "<h2 id=\"history\">History</h2>", "resolver",
		)
		if d.AccountID == "" {
			t.Errorf("a corporate customer without an account")
		}
		if strings.Index(body, `id="lead-`+first.ID) > strings.Index(body, `id="lead-`+second.ID) {
			t.Errorf("the journey is not in time order")
		}
		// A viewer sees no forms that change anything.
		for _, form := range []string{"/merge\"", "/split\"", "/move-account\"", "/undo\""} {
			if strings.Contains(body, form) {
				t.Errorf("a viewer is offered %s", form)
			}
		}

		// The lead page shows the raw body of one lead.
		hasAll(t, "the lead page", ev.okPage("/leads/"+first.ID, c), "\"OfferTitle\": \"crm\"", `href="/customers/`+d.ID+`"`)
		// The inbox links to the customer page.
		hasAll(t, "the inbox", ev.okPage("/", c), `<a href="/customers/`+d.ID+`">Ann Lee</a>`)
		if resp, _ := ev.do("GET", "/customers/no-such-customer", c, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown customer: %d", resp.StatusCode)
		}
	})
}

// Merging through the form (by id or by email), then undoing it through
// the form, restores the two customers; splitting a lead off and moving
// a customer to another account work through their forms.
func TestCustomerMergeUndoSplitMove(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		c := ev.signIn(ev.user(lead.RoleManager, true), nil)
		ids := ev.sendLeads(
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"),
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "INS", "erp"),
			mpLead("Bob", "Ray", "bob.ray@fabrikam.com", "Fabrikam", "PLT", "crm"),
		)
		ann, bob := ev.storedLead(ids[0]).CustomerID, ev.storedLead(ids[2]).CustomerID
		if ann == "" || bob == "" || ann == bob || ev.storedLead(ids[1]).CustomerID != ann {
			t.Fatalf("customers %q %q %q", ann, ev.storedLead(ids[1]).CustomerID, bob)
		}
		annPath, bobPath := "/customers/"+ann, "/customers/"+bob
		hasAll(t, "the customer page of a manager", ev.okPage(annPath, c),
			`action="`+annPath+`/merge"`, `action="/leads/`+ids[0]+`/split"`, `action="`+annPath+`/move-account"`, `<label for="other">`)

		// The small search finds Bob by email and offers to merge him.
		hasAll(t, "the search", ev.okPage(annPath+"?find=bob.ray%40fabrikam", c),
			"Customers matching “bob.ray@fabrikam”", `<input type="hidden" name="other" value="`+bob+`">`)

		// Merge by email, then undo.
		ev.postRedirect(annPath+"/merge", c, url.Values{"other": {"BOB.RAY@fabrikam.com"}, "reason": {"same household"}}, annPath+"?done=merge")
		merged := ev.storedCustomer(ann)
		if merged.LeadCount != 3 || ev.storedCustomer(bob).MergedInto != ann {
			t.Fatalf("after the merge: %d leads, bob merged into %q", merged.LeadCount, ev.storedCustomer(bob).MergedInto)
		}
		entry := auditOf(t, merged, lead.AuditMerge)
		if entry.Reason != "same household" || !strings.HasPrefix(entry.Actor, "user:") {
			t.Errorf("the merge entry: %+v", entry)
		}
		body := ev.okPage(annPath+"?done=merge", c)
		hasAll(t, "the page after the merge", body, "The customers were merged.", "Bob Ray",
			`action="/audit/`+entry.ID+`/undo"`, `<input type="hidden" name="back" value="`+annPath+`">`)
		hasAll(t, "the merged customer's page", ev.okPage(bobPath, c), "This customer was merged into", `href="`+annPath+`"`)
		ev.postRedirect("/audit/"+entry.ID+"/undo", c, url.Values{"back": {annPath}}, annPath+"?done=undo")
		if a, b := ev.storedCustomer(ann), ev.storedCustomer(bob); a.LeadCount != 2 || b.LeadCount != 1 || b.MergedInto != "" {
			t.Fatalf("after the undo: ann %d leads, bob %d leads, merged into %q", a.LeadCount, b.LeadCount, b.MergedInto)
		}
		hasAll(t, "the page after the undo", ev.okPage(annPath+"?done=undo", c), "The change was undone.")
		// Undoing twice is refused with a message and a way back.
		resp, text := ev.do("POST", "/audit/"+entry.ID+"/undo", c, url.Values{"back": {annPath}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(text, `href="`+annPath+`"`) {
			t.Errorf("undo twice: %d\n%s", resp.StatusCode, text)
		}
		// A back field never leads away from the site.
		ev.postRedirect(annPath+"/merge", c, url.Values{"other": {bob}}, annPath+"?done=merge")
		entry = auditOf(t, ev.storedCustomer(ann), lead.AuditMerge)
		ev.postRedirect("/audit/"+entry.ID+"/undo", c, url.Values{"back": {"//evil.example/x"}}, "/?done=undo")
		if ev.storedCustomer(bob).MergedInto != "" {
			t.Fatalf("the merge by id was not undone")
		}

		// Bad merges are refused with a message.
		for _, f := range []url.Values{{"other": {ann}}, {"other": {""}}, {"other": {"nobody@nowhere.example"}}, {"reason": {strings.Repeat("x", 2001)}, "other": {bob}}} {
			if resp, text := ev.do("POST", annPath+"/merge", c, f); resp.StatusCode < 400 || resp.StatusCode >= 500 || !strings.Contains(text, `href="`+annPath+`"`) {
				t.Errorf("merge %v: %d\n%s", f, resp.StatusCode, text)
			}
		}

		// Split the second lead off Ann.
		ev.postRedirect("/leads/"+ids[1]+"/split", c, url.Values{"reason": {"a colleague"}}, annPath+"?done=split")
		if l := ev.storedLead(ids[1]); l.CustomerID == ann || l.CustomerID == "" || ev.storedCustomer(ann).LeadCount != 1 {
			t.Fatalf("after the split: lead in %q, ann has %d leads", l.CustomerID, ev.storedCustomer(ann).LeadCount)
		}
		hasAll(t, "the page after the split", ev.okPage(annPath+"?done=split", c), "The lead was split off")
		// Her only lead cannot be split off.
		if resp, _ := ev.do("POST", "/leads/"+ids[0]+"/split", c, url.Values{}); resp.StatusCode != http.StatusConflict {
			t.Errorf("splitting the only lead: %d", resp.StatusCode)
		}

		// Move Ann to Bob's account.
		target := ev.storedCustomer(bob).AccountID
		if target == "" || target == ev.storedCustomer(ann).AccountID {
			t.Fatalf("accounts: ann %q, bob %q", ev.storedCustomer(ann).AccountID, target)
		}
		hasAll(t, "the account search", ev.okPage(annPath+"?find_account=fabrikam", c), `<input type="hidden" name="account" value="`+target+`">`)
		ev.postRedirect(annPath+"/move-account", c, url.Values{"account": {target}, "reason": {"she moved"}}, annPath+"?done=move")
		if a := ev.storedCustomer(ann); a.AccountID != target || !a.AccountPinned {
			t.Fatalf("after the move: account %q pinned %v", a.AccountID, a.AccountPinned)
		}
	})
}

// A viewer and a rep may not change anything: every POST of the customer
// and account pages answers 403 and changes nothing; and a POST from
// another site is refused, whoever sends it.
func TestIdentityFormsRefused(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		ids := ev.sendLeads(
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"),
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "INS", "erp"),
			mpLead("Bob", "Ray", "bob.ray@fabrikam.com", "Fabrikam", "PLT", "crm"),
		)
		ann, bob := ev.storedCustomer(ev.storedLead(ids[0]).CustomerID), ev.storedCustomer(ev.storedLead(ids[2]).CustomerID)
		resolved := auditOf(t, ann, lead.AuditResolve)
		posts := []struct {
			path string
			form url.Values
		}{
			{"/customers/" + ann.ID + "/merge", url.Values{"other": {bob.ID}}},
			{"/customers/" + ann.ID + "/move-account", url.Values{"account": {bob.AccountID}}},
			{"/leads/" + ids[1] + "/split", url.Values{}},
			{"/audit/" + resolved.ID + "/undo", url.Values{"back": {"/"}}},
			{"/accounts/" + ann.AccountID + "/merge", url.Values{"other": {bob.AccountID}}},
			{"/accounts/" + ann.AccountID + "/split", url.Values{"customer": {ann.ID}}},
		}
		admin := ev.signIn(ev.user(lead.RoleAdmin, true), nil)
		for _, role := range []lead.Role{lead.RoleViewer, lead.RoleRep} {
			c := ev.signIn(ev.user(role, true), nil)
			for _, p := range posts {
				resp, body := ev.do("POST", p.path, c, p.form)
				if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, string(lead.PermIdentityEdit)) {
					t.Errorf("%s POST %s: %d, want 403", role, p.path, resp.StatusCode)
				}
			}
		}
		for _, p := range posts {
			resp, _ := ev.do("POST", p.path, admin, p.form, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site POST %s: %d, want 403", p.path, resp.StatusCode)
			}
		}
		if a, b := ev.storedCustomer(ann.ID), ev.storedCustomer(bob.ID); a.LeadCount != 2 || b.MergedInto != "" || a.AccountID != ann.AccountID ||
			len(a.History) != len(ann.History) {
			t.Fatalf("a refused request changed something: %+v %+v", a.Customer, b.Customer)
		}
	})
}

// The customer page shows the raw bodies of the 20 most recent leads;
// older leads link to their own page, which shows theirs.
func TestCustomerPageRawBodiesBounded(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		c := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		var bodies [][]byte
		for i := range 22 {
			bodies = append(bodies, mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", fmt.Sprintf("offer%02d", i)))
		}
		ids := ev.sendLeads(bodies...)
		cid := ev.storedLead(ids[0]).CustomerID
		if d := ev.storedCustomer(cid); d.LeadCount != 22 {
			t.Fatalf("%d leads", d.LeadCount)
		}
		body := ev.okPage("/customers/"+cid, c)
		if n := strings.Count(body, "<summary>Raw body</summary>"); n != 20 {
			t.Errorf("%d raw bodies shown, want 20", n)
		}
		hasAll(t, "the customer page", body, `<a href="/leads/`+ids[0]+`">`, `<a href="/leads/`+ids[1]+`">`, `"OfferTitle": "offer21"`)
		if strings.Contains(body, `"OfferTitle": "offer00"`) || strings.Contains(body, `<a href="/leads/`+ids[2]+`">`) {
			t.Errorf("the oldest leads' bodies are shown, or a recent one is only linked")
		}
		hasAll(t, "the oldest lead's page", ev.okPage("/leads/"+ids[0], c), `"OfferTitle": "offer00"`)
	})
}
