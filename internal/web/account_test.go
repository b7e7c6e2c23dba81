package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// storedAccount reads an account from the store.
func (ev *env) storedAccount(id string) lead.AccountDetail {
	ev.t.Helper()
	a, err := ev.st.GetAccount(context.Background(), id)
	if err != nil {
		ev.t.Fatal(err)
	}
	return a
}

// accountAudit returns the newest entry of the account's history with
// action.
func accountAudit(t *testing.T, a lead.AccountDetail, action lead.AuditAction) lead.AuditEntry {
	t.Helper()
	for _, e := range a.History {
		if e.Action == action {
			return e
		}
	}
	t.Fatalf("account %s has no %s entry: %+v", a.ID, action, a.History)
	return lead.AuditEntry{}
}

// The accounts list and an account's page show its people with their
// journeys in short, its domains, offers and furthest stage; a viewer
// gets no forms.
func TestAccountPages(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		c := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		ids := ev.sendLeads(
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"),
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "INS", "erp"),
			mpLead("Carl", "Diaz", "carl.diaz@contoso.com", "Contoso", "PLT", "crm"),
			mpLead("Dan", "Fox", "dan.fox@fabrikam.com", "Fabrikam", "StartTestDrive", "erp"),
		)
		ann, carl, dan := ev.storedLead(ids[0]).CustomerID, ev.storedLead(ids[2]).CustomerID, ev.storedLead(ids[3]).CustomerID
		contoso, fabrikam := ev.storedCustomer(ann).AccountID, ev.storedCustomer(dan).AccountID
		if contoso == "" || contoso != ev.storedCustomer(carl).AccountID || fabrikam == "" || fabrikam == contoso {
			t.Fatalf("accounts: ann %q, carl %q, dan %q", contoso, ev.storedCustomer(carl).AccountID, fabrikam)
		}

		body := ev.okPage("/accounts", c)
		hasAll(t, "the accounts list", body, `href="/accounts/`+contoso+`">Contoso</a>`, `href="/accounts/`+fabrikam+`">Fabrikam</a>`,
			"<td>contoso.com</td>", "<td>fabrikam.com</td>", "<td>US</td>", "<td>2</td><td>3</td><td>active</td>")
		body = ev.okPage("/accounts?q=fabrik", c)
		hasAll(t, "the accounts search", body, "Accounts matching “fabrik”", `href="/accounts/`+fabrikam+`"`)
		if strings.Contains(body, `href="/accounts/`+contoso+`"`) {
			t.Errorf("the search for fabrik lists Contoso")
		}
		if resp, _ := ev.do("GET", "/accounts?cursor=not-a-cursor", c, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a bad cursor: %d", resp.StatusCode)
		}

		body = ev.okPage("/accounts/"+contoso, c)
		hasAll(t, "the account page", body, "<h1>Contoso</h1>", "<dd>contoso.com</dd>", "<dd>active</dd>", "contoso.crm, contoso.erp",
			`<a href="/customers/`+ann+`">Ann Lee</a>`, `<a href="/customers/`+carl+`">Carl Diaz</a>`, "<td>PLT → INS</td>", "<td>PLT</td>")
		for _, form := range []string{"/merge\"", "/split\"", "/undo\"", `type="checkbox"`} {
			if strings.Contains(body, form) {
				t.Errorf("a viewer is offered %s", form)
			}
		}
		if resp, _ := ev.do("GET", "/accounts/no-such-account", c, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown account: %d", resp.StatusCode)
		}
	})
}

// Splitting people off an account, merging another account into it and
// undoing the merge work through the account page's forms.
func TestAccountSplitMergeUndo(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		c := ev.signIn(ev.user(lead.RoleManager, true), nil)
		ids := ev.sendLeads(
			mpLead("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"),
			mpLead("Carl", "Diaz", "carl.diaz@contoso.com", "Contoso", "PLT", "crm"),
			mpLead("Dan", "Fox", "dan.fox@fabrikam.com", "Fabrikam", "StartTestDrive", "erp"),
		)
		ann, carl, dan := ev.storedLead(ids[0]).CustomerID, ev.storedLead(ids[1]).CustomerID, ev.storedLead(ids[2]).CustomerID
		contoso, fabrikam := ev.storedCustomer(ann).AccountID, ev.storedCustomer(dan).AccountID
		path := "/accounts/" + contoso
		body := ev.okPage(path, c)
		hasAll(t, "the account page of a manager", body, `action="`+path+`/split"`, `action="`+path+`/merge"`,
			`<input type="checkbox" id="person-`+carl+`" name="customer" value="`+carl+`"><label for="person-`+carl+`" class="sr-only">Split off Carl Diaz</label>`)

		// Split Carl off into an account of his own.
		ev.postRedirect(path+"/split", c, url.Values{"customer": {carl}, "reason": {"another company"}}, path+"?done=account-split")
		if a, cc := ev.storedAccount(contoso), ev.storedCustomer(carl); a.PeopleCount != 1 || cc.AccountID == contoso || cc.AccountID == "" || !cc.AccountPinned {
			t.Fatalf("after the split: contoso has %d people, carl is in %q", a.PeopleCount, cc.AccountID)
		}
		hasAll(t, "the page after the split", ev.okPage(path+"?done=account-split", c), "The chosen people were split off")
		// Nobody chosen, or everybody: refused.
		if resp, _ := ev.do("POST", path+"/split", c, url.Values{"reason": {"none"}}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a split of nobody: %d", resp.StatusCode)
		}
		if resp, _ := ev.do("POST", path+"/split", c, url.Values{"customer": {ann}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("a split of everybody: %d", resp.StatusCode)
		}

		// Find Fabrikam and merge it into Contoso.
		hasAll(t, "the account search", ev.okPage(path+"?find=fabrikam", c), `<input type="hidden" name="other" value="`+fabrikam+`">`)
		ev.postRedirect(path+"/merge", c, url.Values{"other": {fabrikam}, "reason": {"one group"}}, path+"?done=account-merge")
		if a, f := ev.storedAccount(contoso), ev.storedAccount(fabrikam); a.PeopleCount != 2 || f.MergedInto != contoso || ev.storedCustomer(dan).AccountID != contoso {
			t.Fatalf("after the merge: contoso has %d people, fabrikam merged into %q", a.PeopleCount, f.MergedInto)
		}
		body = ev.okPage(path+"?done=account-merge", c)
		entry := accountAudit(t, ev.storedAccount(contoso), lead.AuditAccountMerge)
		hasAll(t, "the page after the merge", body, "The accounts were merged.", `<a href="/customers/`+dan+`">Dan Fox</a>`,
			`action="/audit/`+entry.ID+`/undo"`)
		hasAll(t, "the merged account's page", ev.okPage("/accounts/"+fabrikam, c), "This account was merged into", `href="`+path+`"`)
		if resp, _ := ev.do("POST", path+"/merge", c, url.Values{"other": {contoso}}); resp.StatusCode != http.StatusConflict {
			t.Errorf("merging an account into itself: %d", resp.StatusCode)
		}

		// Undo the merge from the account page.
		ev.postRedirect("/audit/"+entry.ID+"/undo", c, url.Values{"back": {path}}, path+"?done=undo")
		if a, f := ev.storedAccount(contoso), ev.storedAccount(fabrikam); a.PeopleCount != 1 || f.MergedInto != "" || f.PeopleCount != 1 || ev.storedCustomer(dan).AccountID != fabrikam {
			t.Fatalf("after the undo: contoso has %d people, fabrikam %d, merged into %q", a.PeopleCount, f.PeopleCount, f.MergedInto)
		}
	})
}
