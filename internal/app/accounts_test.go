package app_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
)

// b2bLead is a marketplace payload as Microsoft posts it.
func b2bLead(first, last, email, phone, country, company, action, offer string) []byte {
	return fmt.Appendf(nil, `{"UserDetails": {"FirstName": %q, "LastName": %q, "Email": %q, "Phone": %q, "Country": %q,
 "Company": %q, "Title": "Manager"}, "LeadSource": "AppSource (SPZA)-%s|contoso.%s", "OfferTitle": %q}`,
		first, last, email, phone, country, company, action, offer, offer)
}

// apiJSON GETs or POSTs (body not nil) path with the API key, checks the
// status and decodes the answer into out (when not nil).
func apiJSON(t *testing.T, srv *apitest.App, method, path string, body any, want int, out any) {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, got := apitest.Do(t, method, srv.URL+path, srv.APIKey, b, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, resp.StatusCode, want, got)
	}
	if out != nil {
		if err := json.Unmarshal(got, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, got)
		}
	}
}

type accountsPage struct {
	Accounts []lead.Account `json:"accounts"`
}

// accountSet is the accounts listed, as id → people, leads and domains.
func accountSet(t *testing.T, srv *apitest.App) map[string]string {
	t.Helper()
	var p accountsPage
	apiJSON(t, srv, "GET", "/api/v1/accounts", nil, http.StatusOK, &p)
	out := map[string]string{}
	for _, a := range p.Accounts {
		out[a.ID] = fmt.Sprint(a.PeopleCount, a.LeadCount, a.Domains, a.Stage)
	}
	return out
}

// TestB2BLeadsGetCustomersAndAccounts sends B2B leads through the
// marketplace endpoint of the whole server and checks, from the API, who
// became which customer and which account, then moves, merges, splits and
// undoes accounts over HTTP.
func TestB2BLeadsGetCustomersAndAccounts(t *testing.T) {
	srv := apitest.StartApp(t, app.Defaults(), slog.New(slog.DiscardHandler))
	switchboard := "+1 425 555 0100"
	leads := []struct {
		who  string
		body []byte
	}{
		{"ann", b2bLead("Ann", "Lee", "ann.lee@contoso.com", switchboard, "USA", "Contoso Ltd.", "PLT", "crm")},
		{"bob", b2bLead("Robert", "Ray", "bob.ray@contoso.com", switchboard, "United States", "Contoso", "INS", "crm")},
		{"ann", b2bLead("Ann", "Lee", "ann.lee@contoso.com", switchboard, "USA", "Contoso", "StartTestDrive", "erp")},
		{"cara", b2bLead("Cara", "Diaz", "cara.diaz@fabrikam.co.uk", "+44 20 7946 0123", "United Kingdom", "Fabrikam Ltd", "PLT", "crm")},
		{"dan", b2bLead("Dan", "Fox", "dan.fox@sales.fabrikam.co.uk", "+44 20 7946 0321", "UK", "FABRIKAM", "PLT", "erp")},
		{"eve", b2bLead("Eve", "Moss", "eve.moss1984@gmail.com", "+1 206 555 0199", "USA", "", "PLT", "crm")},
		{"gus", b2bLead("Gus", "Park", "gus.park@northwind.de", "+49 30 1234567", "Germany", "Northwind Traders GmbH", "PLT", "crm")},
	}
	ids := map[string][]string{} // who → lead ids
	for _, l := range leads {
		var ans struct{ ID, Status string }
		resp, b := apitest.Do(t, "POST", srv.IngestURL, "", l.body, map[string]string{"Content-Type": "application/json"})
		if resp.StatusCode != http.StatusCreated || json.Unmarshal(b, &ans) != nil {
			t.Fatalf("ingest %s: %d %s", l.who, resp.StatusCode, b)
		}
		ids[l.who] = append(ids[l.who], ans.ID)
	}
	byID := map[string]lead.Lead{}
	eventually.True(t, 60*time.Second, "every lead resolved", func() bool {
		var p struct{ Leads []lead.Lead }
		apiJSON(t, srv, "GET", "/api/v1/leads?limit=100", nil, http.StatusOK, &p)
		for _, l := range p.Leads {
			if l.CustomerID == "" {
				return false
			}
			byID[l.ID] = l
		}
		return len(p.Leads) == len(leads)
	})
	customerOf := func(who string) string { return byID[ids[who][0]].CustomerID }
	accountOf := func(who string) string { return byID[ids[who][0]].AccountID }

	if a, b := byID[ids["ann"][0]], byID[ids["ann"][1]]; a.CustomerID != b.CustomerID || a.AccountID != b.AccountID {
		t.Errorf("Ann's two leads: customers %s %s, accounts %s %s", a.CustomerID, b.CustomerID, a.AccountID, b.AccountID)
	}
	people := []string{"ann", "bob", "cara", "dan", "eve", "gus"}
	for i, x := range people {
		for _, y := range people[i+1:] {
			if customerOf(x) == customerOf(y) {
				t.Errorf("%s and %s are one customer %s", x, y, customerOf(x))
			}
		}
	}
	contoso, fabrikam, northwind := accountOf("ann"), accountOf("cara"), accountOf("gus")
	if contoso == "" || accountOf("bob") != contoso {
		t.Errorf("colleagues at contoso.com: accounts %q and %q", contoso, accountOf("bob"))
	}
	if fabrikam == "" || accountOf("dan") != fabrikam {
		t.Errorf("colleagues at fabrikam.co.uk (one on a subdomain): accounts %q and %q", fabrikam, accountOf("dan"))
	}
	if northwind == "" || northwind == contoso || northwind == fabrikam || contoso == fabrikam {
		t.Errorf("three companies, accounts %q %q %q", contoso, fabrikam, northwind)
	}
	if a := accountOf("eve"); a != "" {
		t.Errorf("a free-mail individual without a company has account %s", a)
	}
	var c lead.CustomerDetail
	apiJSON(t, srv, "GET", "/api/v1/customers/"+customerOf("bob"), nil, http.StatusOK, &c)
	if c.AccountID != contoso || c.AccountPinned {
		t.Errorf("customer: account %q pinned %v", c.AccountID, c.AccountPinned)
	}

	// Accounts are summed shortly after the resolver placed their people.
	var list accountsPage
	eventually.True(t, 30*time.Second, "three accounts summed with their five people", func() bool {
		list = accountsPage{}
		apiJSON(t, srv, "GET", "/api/v1/accounts", nil, http.StatusOK, &list)
		n := 0
		for _, a := range list.Accounts {
			n += a.PeopleCount
		}
		return n == 5
	})
	if len(list.Accounts) != 3 {
		t.Fatalf("%d accounts listed, want 3: %+v", len(list.Accounts), list.Accounts)
	}
	var d lead.AccountDetail
	apiJSON(t, srv, "GET", "/api/v1/accounts/"+contoso, nil, http.StatusOK, &d)
	if d.PeopleCount != 2 || d.LeadCount != 3 || !slices.Equal(d.Domains, []string{"contoso.com"}) || d.Country != "US" ||
		d.Stage != lead.StageActive || !slices.Equal(d.Offers, []string{"contoso.crm", "contoso.erp"}) || len(d.People) != 2 || len(d.History) == 0 {
		t.Errorf("contoso: %+v", d)
	}
	for _, p := range d.People {
		if !slices.IsSortedFunc(p.Leads, func(a, b lead.Lead) int { return a.ReceivedAt.Compare(b.ReceivedAt) }) ||
			!slices.Contains(p.Keys, "d:contoso.com") {
			t.Errorf("person %s: keys %v, journey not in time order or empty", p.ID, p.Keys)
		}
	}
	for q, want := range map[string]string{"country=GB": fabrikam, "q=northwind": northwind, "q=CONTOSO.COM": contoso, "stage=active": contoso,
		"offer=contoso.erp&country=us": contoso} {
		var p accountsPage
		apiJSON(t, srv, "GET", "/api/v1/accounts?"+q, nil, http.StatusOK, &p)
		if len(p.Accounts) != 1 || p.Accounts[0].ID != want {
			t.Errorf("?%s: %+v, want only %s", q, p.Accounts, want)
		}
	}
	apiJSON(t, srv, "GET", "/api/v1/accounts?country=USA", nil, http.StatusBadRequest, nil)
	apiJSON(t, srv, "GET", "/api/v1/accounts/nope", nil, http.StatusNotFound, nil)

	// Decisions of people, over HTTP, then undone in reverse order.
	before := accountSet(t, srv)
	var entries []string
	act := func(path string, body map[string]any) {
		var ans struct {
			Audit    lead.AuditEntry `json:"audit"`
			Accounts []lead.Account  `json:"accounts"`
		}
		apiJSON(t, srv, "POST", path, body, http.StatusOK, &ans)
		if len(ans.Accounts) == 0 || len(ans.Audit.AccountIDs) == 0 {
			t.Errorf("%s: the answer names no account: %+v", path, ans)
		}
		entries = append(entries, ans.Audit.ID)
	}
	act("/api/v1/customers/"+customerOf("gus")+"/move-account", map[string]any{"account": contoso, "reason": "subsidiary"})
	act("/api/v1/accounts/"+contoso+"/merge", map[string]any{"other": fabrikam})
	act("/api/v1/accounts/"+contoso+"/split", map[string]any{"customers": []string{customerOf("cara"), customerOf("dan")}})
	if got := accountSet(t, srv); len(got) != 2 || got[contoso] == before[contoso] { // northwind is empty, fabrikam merged, one split off
		t.Errorf("after move, merge and split: %v", got)
	}
	apiJSON(t, srv, "POST", "/api/v1/accounts/"+contoso+"/merge", map[string]any{"other": contoso}, http.StatusConflict, nil)
	apiJSON(t, srv, "POST", "/api/v1/accounts/"+contoso+"/split", map[string]any{}, http.StatusBadRequest, nil)
	// The merge moved Cara and Dan, whom the split moved again since.
	apiJSON(t, srv, "POST", "/api/v1/audit/"+entries[1]+"/undo", map[string]any{}, http.StatusConflict, nil)
	for i := len(entries) - 1; i >= 0; i-- {
		apiJSON(t, srv, "POST", "/api/v1/audit/"+entries[i]+"/undo", map[string]any{}, http.StatusOK, nil)
	}
	if after := accountSet(t, srv); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("undoing in reverse order: %v, want %v", after, before)
	}
	var audit struct{ Audit []lead.AuditEntry }
	apiJSON(t, srv, "GET", "/api/v1/audit?account="+contoso, nil, http.StatusOK, &audit)
	if len(audit.Audit) < 2*len(entries) {
		t.Errorf("the audit log of contoso has %d entries", len(audit.Audit))
	}
}
