package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
)

func leadBody(first, last, email, company, action, offer string) []byte {
	return []byte(fmt.Sprintf(`{"UserDetails": {"FirstName": %q, "LastName": %q, "Email": %q, "Company": %q, "Country": "US"},
 "LeadSource": "AzureMarketplace-%s|contoso.%s", "OfferTitle": "Contoso %s"}`, first, last, email, company, action, offer, offer))
}

// TestCustomersEndToEnd posts leads to the real server, waits for the
// resolver, and works the customers, the review queue and the audit log
// through the API and the command line.
func TestCustomersEndToEnd(t *testing.T) {
	for engine, dsn := range testDatabases(t) {
		t.Run(engine, func(t *testing.T) {
			// A wide review band, so that a namesake lands in review.
			ts := startTestServer(t, dsn, "--match-auto", "0.999", "--match-review", "0.1")
			post := func(body []byte) string {
				t.Helper()
				status, _, b := ts.do(t, "POST", ts.ingestURL, "", body)
				var ans struct{ ID string }
				if status != http.StatusCreated || json.Unmarshal(b, &ans) != nil {
					t.Fatalf("post: %d %s", status, b)
				}
				return ans.ID
			}
			ann1 := post(leadBody("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"))
			ann2 := post(leadBody("Annie", "Lee", "Ann.Lee@Contoso.com", "Contoso Ltd", "INS", "erp"))
			ann3 := post(leadBody("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "DNC", "crm"))
			carl1 := post(leadBody("Carl", "Jung", "carl@alpha.com", "Alpha", "PLT", "crm"))
			carl2 := post(leadBody("Carl", "Jung", "cj@beta.com", "Beta", "PLT", "crm"))

			// Every lead is resolved within seconds of its arrival.
			start := time.Now()
			customerOf := map[string]string{}
			eventually.True(t, 15*time.Second, "the resolver", func() bool {
				for _, id := range []string{ann1, ann2, ann3, carl1, carl2} {
					var l lead.Lead
					ts.api(t, "GET", "/api/v1/leads/"+id, nil, &l)
					if l.CustomerID == "" {
						return false
					}
					customerOf[id] = l.CustomerID
				}
				return true
			})
			t.Logf("5 leads resolved %s after the last was acknowledged", time.Since(start).Round(time.Millisecond))
			ann := customerOf[ann1]
			if customerOf[ann2] != ann || customerOf[ann3] != ann || customerOf[carl1] == customerOf[carl2] || customerOf[carl1] == ann {
				t.Fatalf("customers %v", customerOf)
			}

			var list struct {
				Customers []lead.Customer `json:"customers"`
			}
			if s := ts.api(t, "GET", "/api/v1/customers", nil, &list); s != 200 || len(list.Customers) != 3 {
				t.Fatalf("customers: %d %+v", s, list)
			}
			for query, want := range map[string]int{
				"?stage=active": 1, "?stage=interest": 2, "?offer=contoso.erp": 1, "?offer=crm": 3, "?q=ALPHA": 1,
				"?do_not_contact=true": 1, "?is_test=true": 0, "?limit=2": 2,
				"?q=contoso.com": 1, "?q=LEE%40contoso": 1, "?q=ann.lee%40contoso.com": 1, "?q=nna": 0, "?q=jung": 2, "?q=%22%29OR%28": 0,
				"?country=us": 3, "?country=DE": 0, "?source=AzureMarketplace": 3, "?source=AppSource": 0,
				"?action=INS": 1, "?action=PLT": 3, "?action=DNC&q=ann": 1, "?action=nope": 0,
			} {
				list.Customers = nil
				if s := ts.api(t, "GET", "/api/v1/customers"+query, nil, &list); s != 200 || len(list.Customers) != want {
					t.Errorf("customers%s: %d, %d customers, want %d", query, s, len(list.Customers), want)
				}
			}
			if s := ts.api(t, "GET", "/api/v1/customers?country=USA", nil, nil); s != 400 {
				t.Errorf("country USA: %d", s)
			}
			if s := ts.api(t, "GET", "/api/v1/customers?stage=nope&limit=0", nil, nil); s != 400 {
				t.Errorf("invalid filters: %d", s)
			}

			// The customer: golden record, leads in time order, each explained.
			var c lead.CustomerDetail
			if s := ts.api(t, "GET", "/api/v1/customers/"+ann, nil, &c); s != 200 {
				t.Fatalf("get customer: %d", s)
			}
			if c.Stage != lead.StageActive || !c.DoNotContact || c.LeadCount != 3 || len(c.Leads) != 3 || c.Leads[0].ID != ann1 || c.Leads[2].ID != ann3 {
				t.Fatalf("customer %+v", c)
			}
			if c.Golden.FirstName != "Ann" || c.Golden.Sources["first_name"] != ann3 || c.Golden.Company != "Contoso" {
				t.Errorf("golden %+v", c.Golden)
			}
			for _, l := range c.Leads {
				d := l.Decision
				if d == nil || d.Explanation.Reason == "" || d.Explanation.Model == "" || d.AuditID == "" {
					t.Fatalf("lead %s has no explained decision: %+v", l.ID, d)
				}
				if l.ID != ann1 && (d.Outcome != lead.OutcomeJoined || len(d.Explanation.Fields) != 7 || d.Probability < 0.999) {
					t.Errorf("lead %s: %s p=%v %s", l.ID, d.Outcome, d.Probability, d.Explanation.Reason)
				}
			}
			if s := ts.api(t, "GET", "/api/v1/customers/nope", nil, nil); s != 404 {
				t.Errorf("unknown customer: %d", s)
			}

			// The namesake is in review.
			var rev struct {
				Review []lead.ReviewItem `json:"review"`
			}
			if s := ts.api(t, "GET", "/api/v1/review", nil, &rev); s != 200 || len(rev.Review) != 1 {
				t.Fatalf("review: %d %+v", s, rev)
			}
			item := rev.Review[0]
			if item.LeadID != carl2 || item.CandidateCustomerID != customerOf[carl1] || item.LeadCustomerID != customerOf[carl2] {
				t.Fatalf("review item %+v", item)
			}
			type changeAnswer struct {
				Audit     lead.AuditEntry `json:"audit"`
				Customers []lead.Customer `json:"customers"`
			}
			var ch changeAnswer
			do := func(path string, body []byte) int {
				t.Helper()
				ch = changeAnswer{}
				return ts.api(t, "POST", path, body, &ch)
			}
			if s := do("/api/v1/review/"+item.ID+"/dismiss", []byte(`{"reason":"two people"}`)); s != 200 {
				t.Fatalf("dismiss: %d %+v", s, ch)
			}
			if !strings.HasPrefix(ch.Audit.Actor, "api-key:test (") || ch.Audit.Reason != "two people" || ch.Audit.Action != lead.AuditDismiss {
				t.Errorf("dismiss entry %+v", ch.Audit)
			}
			dismissal := ch.Audit.ID
			if s := ts.api(t, "POST", "/api/v1/review/"+item.ID+"/merge", nil, nil); s != 409 {
				t.Errorf("merging a dismissed item: %d", s)
			}
			if s := do("/api/v1/audit/"+dismissal+"/undo", nil); s != 200 || ch.Audit.Undoes != dismissal {
				t.Fatalf("undo dismissal: %d %+v", s, ch.Audit)
			}
			if s := do("/api/v1/review/"+item.ID+"/merge", []byte(`{"reason":"same Carl"}`)); s != 200 || len(ch.Customers) != 2 {
				t.Fatalf("review merge: %d %+v", s, ch)
			}
			if ch.Customers[0].ID != customerOf[carl1] || ch.Customers[0].LeadCount != 2 || ch.Customers[1].MergedInto != customerOf[carl1] {
				t.Errorf("after the review merge: %+v", ch.Customers)
			}

			// Split a lead out, merge it back, undo in the wrong and then the right order.
			if s := do("/api/v1/leads/"+ann3+"/split", []byte(`{"reason":"DNC was someone else"}`)); s != 200 || len(ch.Customers) != 2 {
				t.Fatalf("split: %d %+v", s, ch)
			}
			split, splitCustomer := ch.Audit, ch.Audit.CustomerIDs[1]
			if ch.Customers[0].DoNotContact || !ch.Customers[1].DoNotContact {
				t.Errorf("DNC did not follow its lead: %+v", ch.Customers)
			}
			if s := ts.api(t, "POST", "/api/v1/customers/"+ann+"/merge", []byte(`{}`), nil); s != 400 {
				t.Errorf("merge without other: %d", s)
			}
			if s := do("/api/v1/customers/"+ann+"/merge", []byte(`{"other":"`+splitCustomer+`","reason":"same after all"}`)); s != 200 {
				t.Fatalf("merge: %d", s)
			}
			merge := ch.Audit
			if !ch.Customers[0].DoNotContact || ch.Customers[0].LeadCount != 3 {
				t.Errorf("after merge: %+v", ch.Customers[0])
			}
			if s := ts.api(t, "POST", "/api/v1/customers/"+ann+"/merge", []byte(`{"other":"`+splitCustomer+`"}`), nil); s != 409 {
				t.Errorf("merging a merged customer: %d", s)
			}
			var prob struct{ Type, Detail string }
			if s := ts.api(t, "POST", "/api/v1/audit/"+split.ID+"/undo", nil, &prob); s != 409 || !strings.HasSuffix(prob.Type, "#problem-conflict") {
				t.Errorf("undo split before the merge: %d %+v", s, prob)
			}
			for _, id := range []string{merge.ID, split.ID} {
				if s := do("/api/v1/audit/"+id+"/undo", []byte(`{"reason":"oops"}`)); s != 200 {
					t.Fatalf("undo %s: %d", id, s)
				}
			}
			if s := ts.api(t, "GET", "/api/v1/customers/"+splitCustomer, nil, nil); s != 404 {
				t.Errorf("the split's customer survived its undo: %d", s)
			}

			// The audit log.
			var audit struct {
				Audit []lead.AuditEntry `json:"audit"`
			}
			// Identity entries only: the follow-up process writes its own
			// (opened, qualification), as many as the timing of the leads gives.
			if s := ts.api(t, "GET", "/api/v1/audit?customer="+ann, nil, &audit); s != 200 || identityEntries(audit.Audit) != 7 {
				t.Errorf("audit of %s: %d, %d identity entries of %d", ann, s, identityEntries(audit.Audit), len(audit.Audit))
			}
			if s := ts.api(t, "GET", "/api/v1/audit?action=undo", nil, &audit); s != 200 || len(audit.Audit) != 3 {
				t.Errorf("undo entries: %d %d", s, len(audit.Audit))
			}
			if s := ts.api(t, "GET", "/api/v1/audit?action=nope", nil, nil); s != 400 {
				t.Errorf("bad action filter: %d", s)
			}
			var one lead.AuditEntry
			if s := ts.api(t, "GET", "/api/v1/audit/"+merge.ID, nil, &one); s != 200 || one.UndoneBy == "" {
				t.Errorf("merge entry after undo: %d %+v", s, one)
			}

			// The command line, on the same database.
			out, _, err := run(t, "customers", "list", "--database", dsn)
			if err != nil || !strings.Contains(out, ann) || !strings.Contains(out, "DNC") {
				t.Errorf("customers list: %v\n%s", err, out)
			}
			out, _, err = run(t, "customers", "show", ann, "--database", dsn)
			if err != nil || !strings.Contains(out, "golden record") || !strings.Contains(out, ann3) || !strings.Contains(out, "joined customer") {
				t.Errorf("customers show: %v\n%s", err, out)
			}
			out, _, err = run(t, "customers", "show", ann, "--json", "--database", dsn)
			var detail lead.CustomerDetail
			if err != nil || json.Unmarshal([]byte(out), &detail) != nil || len(detail.Leads) != 3 {
				t.Errorf("customers show --json: %v\n%s", err, out)
			}
			out, errOut, err := run(t, "customers", "split", ann2, "--reason", "test", "--actor", "cli:tester", "--database", dsn)
			if err != nil || !strings.Contains(out, "split lead "+ann2) || !strings.Contains(errOut, "leadhub audit undo") {
				t.Fatalf("customers split: %v\n%s%s", err, out, errOut)
			}
			entries, _, err := run(t, "audit", "list", "--customer", ann, "--json", "--database", dsn)
			var last lead.AuditEntry
			if err != nil || json.Unmarshal([]byte(strings.SplitN(entries, "\n", 2)[0]), &last) != nil || last.Action != lead.AuditSplit || last.Actor != "cli:tester" {
				t.Fatalf("audit list: %v\n%s", err, entries)
			}
			if _, _, err := run(t, "customers", "merge", ann, last.CustomerIDs[1], "--reason", "back", "--database", dsn); err != nil {
				t.Fatalf("customers merge: %v", err)
			}
			if _, _, err := run(t, "audit", "undo", last.ID, "--database", dsn); err == nil || ExitCode(err) != 1 || !strings.Contains(err.Error(), "undo the later change first") {
				t.Errorf("audit undo out of order: %v", err)
			}
			out, _, err = run(t, "review", "list", "--database", dsn)
			if err != nil || strings.Count(out, "\n") != 1 {
				t.Errorf("review list (empty): %v\n%s", err, out)
			}
			if _, _, err := run(t, "review", "dismiss", item.ID, "--database", dsn); err == nil {
				t.Errorf("dismissing a merged review item succeeded")
			}
			if _, _, err := run(t, "customers", "merge", ann, "--database", dsn); ExitCode(err) != 2 {
				t.Errorf("merge with one argument: %v", err)
			}
			out, _, err = run(t, "customers", "resolve", "--database", dsn)
			if err != nil || !strings.Contains(out, "resolved 0 lead(s)") {
				t.Errorf("customers resolve: %v %s", err, out)
			}
		})
	}
}

func TestServeRejectsBadThresholds(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
	}{
		{[]string{"--match-auto", "0.5", "--match-review", "0.9"}, nil},
		{nil, map[string]string{"LEADHUB_MATCH_AUTO": "1"}},
		{nil, map[string]string{"LEADHUB_MATCH_REVIEW": "0"}},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--database", "sqlite:" + t.TempDir() + "/x.db"}, tc.args...)
		err := Run(context.Background(), args, func(k string) string { return tc.env[k] }, nil, io.Discard, io.Discard)
		if ExitCode(err) != 2 || !strings.Contains(err.Error(), "--match-auto") {
			t.Errorf("%v %v: got %v, want a usage error about the thresholds", tc.args, tc.env, err)
		}
	}
}

// identityEntries counts the entries that are not the follow-up process's.
func identityEntries(es []lead.AuditEntry) int {
	n := 0
	for _, e := range es {
		if e.Action != lead.AuditProcess {
			n++
		}
	}
	return n
}
