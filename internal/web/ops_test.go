package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
	"github.com/leadhub/leadhub/internal/store/storetest"
	"github.com/leadhub/leadhub/internal/web"
)

// startWith is start with the dependencies changed by with (sources,
// pollers, a nudge counter).
func startWith(t *testing.T, e storetest.Engine, with func(ev *env, d *web.Deps)) *env {
	t.Helper()
	st := e.Open(t)
	ev := &env{t: t, st: st, log: &apitest.Buffer{}, sessions: &auth.Sessions{Store: st}}
	log := slog.New(slog.NewTextHandler(ev.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	d := web.Deps{Store: st, Sessions: ev.sessions, Params: cheap, Logger: log,
		SignIn: &auth.SignIn{Users: st, Sessions: ev.sessions, Throttle: &auth.Throttle{FreeAttempts: 1000}, Params: cheap}}
	if with != nil {
		with(ev, &d)
	}
	ev.srv = httptest.NewServer(web.Handler(d))
	t.Cleanup(ev.srv.Close)
	ev.client = ev.srv.Client()
	ev.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ev.secret(password)
	t.Cleanup(func() {
		logged := ev.log.String()
		for _, s := range ev.secrets {
			if strings.Contains(logged, s) {
				t.Errorf("the log holds the secret %.8s…", s)
			}
		}
	})
	return ev
}

// incoming is a body received over HTTPS at at: parsed into p, or
// quarantined with parseErr when p is nil.
func incoming(body string, at time.Time, p *lead.Parsed, parseErr string) lead.Incoming {
	sum := sha256.Sum256([]byte(body))
	return lead.Incoming{ID: ulid.Make().String(), Channel: lead.ChannelHTTPS, Source: "https", ReceivedAt: at,
		Body: []byte(body), SHA256: hex.EncodeToString(sum[:]), Parsed: p, ParseErr: parseErr}
}

func parsed(first, last, email, company string) *lead.Parsed {
	return &lead.Parsed{Source: "AppSource", Action: "Create", Stage: lead.StageTrial,
		Offer:             lead.Offer{PublisherID: "contoso", OfferID: "widget", Title: "Widget"},
		Contact:           lead.Contact{FirstName: first, LastName: last, Email: email, Company: company, Country: "DE"},
		DescriptionParams: map[string]string{}}
}

// opsFixture is what the ops pages show: two customers and a review item
// that says the second may be the first, and a quarantined body.
type opsFixture struct {
	first, second string // customer ids
	review        string // the review item (a decision id)
	resolveAudit  string // the audit entry of the second lead's resolution
	quarantined   string // a raw lead id
}

func makeOpsFixture(t *testing.T, ev *env) opsFixture {
	t.Helper()
	ctx := context.Background()
	at := time.Now().UTC().Add(-time.Hour)
	out, err := ev.st.CommitBatch(ctx, []lead.Incoming{
		incoming(`{"n":1}`, at, parsed("Hana", "Berg", "hana@contoso.de", "Contoso"), ""),
		incoming(`{"n":2}`, at.Add(time.Minute), parsed("Hanna", "Berg", "hana.berg@gmail.com", "Contoso GmbH"), ""),
		incoming(`{"UserDetails":`, at.Add(2*time.Minute), nil, "unexpected end of JSON input"),
	})
	if err != nil {
		t.Fatal(err)
	}
	var ls []lead.Lead
	for _, o := range out[:2] {
		l, err := ev.st.GetLead(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	f := opsFixture{first: ulid.Make().String(), second: ulid.Make().String(), review: ulid.Make().String(),
		resolveAudit: ulid.Make().String(), quarantined: out[2].ID}
	ex := lead.Explanation{Reason: "A possible duplicate: the same last name and company, a different email.", Model: "test",
		Thresholds: lead.Thresholds{Auto: 0.9, Review: 0.5}, Candidate: f.first, CandidateLead: ls[0].ID,
		Fields: []lead.FieldComparison{
			{Field: "last_name", A: "berg", B: "berg", Level: "exact", M: 0.9, U: 0.01, Weight: 6.49},
			{Field: "email", A: "hana.berg@gmail.com", B: "hana@contoso.de", Level: "different", M: 0.1, U: 0.9, Weight: -3.17},
		},
		Contradictions: []lead.Contradiction{{LeadID: ls[0].ID, Field: "first_name", A: "hanna", B: "hana", Level: "typo"}},
		PriorWeight:    -5, Weight: -1.68, Probability: 0.7}
	res, err := ev.st.CommitResolutions(ctx, []lead.Resolution{
		{Lead: ls[0], CustomerID: f.first, Outcome: lead.OutcomeNew, Keys: []string{"email=hana@contoso.de"},
			Explanation: lead.Explanation{Reason: "new", Model: "test"}, DecisionID: ulid.Make().String(), AuditID: ulid.Make().String(), At: at},
		{Lead: ls[1], CustomerID: f.second, Outcome: lead.OutcomeReview, CandidateID: f.first, Probability: 0.7,
			Keys: []string{"email=hana.berg@gmail.com"}, Explanation: ex, DecisionID: f.review, AuditID: f.resolveAudit, At: at.Add(time.Minute)},
	})
	if err != nil || res[0] != lead.ResolutionCommitted || res[1] != lead.ResolutionCommitted {
		t.Fatalf("CommitResolutions: %v %v", res, err)
	}
	if _, err := ev.st.SettleAccounts(ctx, 0); err != nil {
		t.Fatal(err)
	}
	return f
}

// wantPage GETs path as c and fails unless it answers 200 with each of
// wants.
func (ev *env) wantPage(path string, c *http.Cookie, wants ...string) string {
	ev.t.Helper()
	resp, body := ev.do("GET", path, c, nil)
	if resp.StatusCode != http.StatusOK {
		ev.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	checkHeaders(ev.t, "GET "+path, resp)
	for _, w := range wants {
		if !strings.Contains(body, w) {
			ev.t.Errorf("GET %s lacks %q\n%s", path, w, body)
		}
	}
	return body
}

// wantRedirect POSTs form to path as c and fails unless it answers 303
// to a location starting with to.
func (ev *env) wantRedirect(path string, c *http.Cookie, form url.Values, to string) string {
	ev.t.Helper()
	resp, body := ev.do("POST", path, c, form)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, to) {
		ev.t.Fatalf("POST %s: %d %q, want a redirect to %s\n%s", path, resp.StatusCode, loc, to, body)
	}
	return resp.Header.Get("Location")
}

// The review queue shows the two customers side by side with the
// evidence; dismissing it through the form with a reason records the
// reason, empties the queue, and a viewer may not decide.
func TestReviewDismiss(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		f := makeOpsFixture(t, ev)
		mgr := ev.signIn(ev.user(lead.RoleManager, true), nil)
		viewer := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		ev.wantPage("/review", mgr, "hana@contoso.de", "hana.berg@gmail.com", "Contoso GmbH", "70.0%",
			"last_name", "&#43;6.49", "-3.17", "+ for a match", "− against", "Contradictions", "A possible duplicate",
			`action="/review/`+f.review+`/merge"`, `formaction="/review/`+f.review+`/dismiss"`, `data-key="m"`, `data-key="d"`,
			"<kbd>m</kbd>", `<label for="reason">`, `href="/customers/`+f.first+`"`)
		if body := ev.wantPage("/review", viewer, "hana.berg@gmail.com"); strings.Contains(body, `data-key="m"`) {
			t.Errorf("a viewer is offered to merge\n%s", body)
		}
		for _, a := range []string{"merge", "dismiss"} {
			if resp, _ := ev.do("POST", "/review/"+f.review+"/"+a, viewer, url.Values{"reason": {"no"}}); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("a viewer's %s: %d", a, resp.StatusCode)
			}
		}
		if resp, body := ev.do("POST", "/review/"+f.review+"/dismiss", mgr, url.Values{"reason": {strings.Repeat("x", 2001)}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "too long") {
			t.Fatalf("a too long reason: %d\n%s", resp.StatusCode, body)
		}
		ev.wantRedirect("/review/"+f.review+"/dismiss", mgr, url.Values{"reason": {"two sisters"}, "cursor": {""}}, "/review?done=dismiss")
		ev.wantPage("/review?done=dismiss", mgr, "Dismissed", "The review queue is empty")
		page, err := ev.st.ListAudit(context.Background(), lead.AuditFilter{Action: lead.AuditDismiss})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Reason != "two sisters" || !strings.HasPrefix(page.Entries[0].Actor, "user:") {
			t.Fatalf("the dismissal's entry: %+v %v", page.Entries, err)
		}
		// Deciding it again is a conflict, shown on the queue.
		resp, body := ev.do("POST", "/review/"+f.review+"/merge", mgr, url.Values{"reason": {"again"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "dismissed already") {
			t.Fatalf("merging a dismissed item: %d\n%s", resp.StatusCode, body)
		}
		// htmx swaps in only a success: it gets the same page as 200.
		resp, body = ev.do("POST", "/review/"+f.review+"/merge", mgr, url.Values{"reason": {"again"}}, "HX-Request", "true")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, "dismissed already") || !strings.Contains(body, `<div id="review"`) {
			t.Fatalf("merging a dismissed item with htmx: %d\n%s", resp.StatusCode, body)
		}
	})
}

// Merging a review item through the form merges the two customers; the
// audit log shows the merge, and undoing it through its form restores
// them and wakes the resolver; a second undo shows the store's conflict.
func TestReviewMergeAndUndo(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		var nudges atomic.Int32
		ev := startWith(t, e, func(_ *env, d *web.Deps) { d.Nudge = func() { nudges.Add(1) } })
		f := makeOpsFixture(t, ev)
		mgr := ev.signIn(ev.user(lead.RoleManager, true), nil)
		viewer := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		ev.wantRedirect("/review/"+f.review+"/merge", mgr, url.Values{"reason": {"same person, new address"}}, "/review?done=merge")
		c, err := ev.st.GetCustomer(context.Background(), f.second)
		if err != nil || c.MergedInto != f.first {
			t.Fatalf("the lead's customer after the merge: %+v %v", c.Customer, err)
		}
		page, err := ev.st.ListAudit(context.Background(), lead.AuditFilter{Action: lead.AuditMerge})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("the merge's entry: %+v %v", page.Entries, err)
		}
		merge := page.Entries[0]
		ev.wantPage("/audit", viewer, `href="/audit/`+merge.ID+`"`, "same person, new address", "merge", "resolve",
			`href="/customers/`+f.first+`"`, "in effect")
		ev.wantPage("/audit?action=merge", viewer, "same person, new address")
		if body := ev.wantPage("/audit?action=dismiss", viewer, "No entries match"); strings.Contains(body, merge.ID) {
			t.Errorf("the dismissals list the merge\n%s", body)
		}
		ev.wantPage("/audit?customer="+f.second, viewer, merge.ID)
		if body := ev.wantPage("/audit?"+url.Values{"actor": {merge.Actor}}.Encode(), viewer, merge.ID, `value="`+merge.Actor+`"`); strings.Contains(body, f.resolveAudit) {
			t.Errorf("the merger's entries list the resolver's\n%s", body)
		}
		ev.wantPage("/audit?actor=resolver", viewer, f.resolveAudit)
		if body := ev.wantPage("/audit/"+merge.ID, viewer, "Customers merged", f.second, "In effect"); strings.Contains(body, "/undo") {
			t.Errorf("a viewer is offered to undo\n%s", body)
		}
		ev.wantPage("/audit/"+merge.ID, mgr, `action="/audit/`+merge.ID+`/undo"`)
		if resp, _ := ev.do("POST", "/audit/"+merge.ID+"/undo", viewer, url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a viewer's undo: %d", resp.StatusCode)
		}
		// The resolution the merge settled cannot be undone before the merge.
		resp, body := ev.do("POST", "/audit/"+f.resolveAudit+"/undo", mgr, url.Values{})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "undo the later change first") {
			t.Fatalf("undoing the resolution under the merge: %d\n%s", resp.StatusCode, body)
		}
		before := nudges.Load()
		ev.wantRedirect("/audit/"+merge.ID+"/undo", mgr, url.Values{"reason": {"they are two"}, "back": {"/audit/" + merge.ID}}, "/audit/"+merge.ID+"?done=undo")
		if nudges.Load() != before+1 {
			t.Errorf("the undo did not wake the resolver")
		}
		if c, err := ev.st.GetCustomer(context.Background(), f.second); err != nil || c.MergedInto != "" || c.LeadCount != 1 {
			t.Fatalf("the lead's customer after the undo: %+v %v", c.Customer, err)
		}
		ev.wantPage("/audit/"+merge.ID+"?done=undo", mgr, "Undone", "<strong>Undone</strong>")
		resp, body = ev.do("POST", "/audit/"+merge.ID+"/undo", mgr, url.Values{})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "undone already") {
			t.Fatalf("a second undo: %d\n%s", resp.StatusCode, body)
		}
		if resp, _ := ev.do("GET", "/audit/nope", viewer, nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("an unknown entry: %d", resp.StatusCode)
		}
		if resp, body := ev.do("GET", "/audit?cursor=garbage", viewer, nil); resp.StatusCode != http.StatusOK || !strings.Contains(body, "does not exist") {
			t.Fatalf("a bad cursor: %d\n%s", resp.StatusCode, body)
		}
	})
}

// The audit log and review queue page through a cursor.
func TestOpsPaging(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		viewer := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		ctx := context.Background()
		at := time.Now().UTC().Add(-time.Hour)
		const n = 30 // more than a page
		var in []lead.Incoming
		for i := range n {
			in = append(in, incoming(fmt.Sprintf(`{"n":%d}`, i), at.Add(time.Duration(i)*time.Second),
				parsed(fmt.Sprintf("P%02d", i), "Lee", fmt.Sprintf("p%02d@contoso.com", i), "Contoso"), ""))
		}
		out, err := ev.st.CommitBatch(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var rs []lead.Resolution
		for i, o := range out {
			l, err := ev.st.GetLead(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			r := lead.Resolution{Lead: l, CustomerID: ulid.Make().String(), Outcome: lead.OutcomeNew,
				Explanation: lead.Explanation{Reason: "new", Model: "test"}, DecisionID: ulid.Make().String(), AuditID: ulid.Make().String(), At: at}
			if i > 0 {
				r.Outcome, r.CandidateID, r.Probability = lead.OutcomeReview, rs[0].CustomerID, 0.6
			}
			rs = append(rs, r)
		}
		if _, err := ev.st.CommitResolutions(ctx, rs); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ first, older string }{{"/audit", "Older entries"}, {"/review", "Older items"}} {
			body := ev.wantPage(p.first, viewer, p.older)
			i := strings.Index(body, `<a href="`+p.first+`?cursor=`)
			if i < 0 {
				t.Fatalf("%s: no link to the next page\n%s", p.first, body)
			}
			next := body[i+len(`<a href="`):]
			next = strings.ReplaceAll(next[:strings.Index(next, `"`)], "&amp;", "&")
			if body := ev.wantPage(next, viewer); strings.Contains(body, p.older) {
				t.Errorf("%s: the second page has a next one\n%s", next, body)
			}
		}
		// The review queue's items link one to the next, across pages.
		body := ev.wantPage("/review", viewer, `data-key="j"`, "Item 1 of 25")
		if strings.Contains(body, `data-key="k"`) {
			t.Errorf("the first item has a previous one\n%s", body)
		}
	})
}

// A quarantined body shows with its error; reprocessing it through the
// form with a corrected body makes it a lead and wakes the resolver; a
// viewer may not reprocess.
func TestQuarantineReprocess(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		var nudges atomic.Int32
		ev := startWith(t, e, func(_ *env, d *web.Deps) { d.Nudge = func() { nudges.Add(1) } })
		f := makeOpsFixture(t, ev)
		mgr := ev.signIn(ev.user(lead.RoleManager, true), nil)
		viewer := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		ev.wantPage("/quarantine", viewer, `href="/quarantine/`+f.quarantined+`"`, "unexpected end of JSON input", "https")
		if body := ev.wantPage("/quarantine/"+f.quarantined, viewer, "{&#34;UserDetails&#34;:", "unexpected end of JSON input"); strings.Contains(body, "/reprocess") {
			t.Errorf("a viewer is offered to reprocess\n%s", body)
		}
		ev.wantPage("/quarantine/"+f.quarantined, mgr, `action="/quarantine/`+f.quarantined+`/reprocess"`, `<label for="body">`, "<textarea")
		path := "/quarantine/" + f.quarantined + "/reprocess"
		if resp, _ := ev.do("POST", path, viewer, url.Values{}); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("a viewer's reprocess: %d", resp.StatusCode)
		}
		// As it is, it still does not parse.
		ev.wantRedirect(path, mgr, url.Values{}, "/quarantine/"+f.quarantined+"?done=quarantined")
		if nudges.Load() != 0 {
			t.Errorf("a failed reprocessing woke the resolver")
		}
		// A correction that still does not parse is kept, and the body stays.
		ev.wantRedirect(path, mgr, url.Values{"body": {`{"UserDetails": {"Email": "n/a"}}`}}, "/quarantine/"+f.quarantined+"?done=quarantined")
		ev.wantPage("/quarantine/"+f.quarantined+"?done=quarantined", mgr, "still cannot be parsed", "Last correction", "n/a", path)
		fixed := "{\"UserDetails\": {\"FirstName\": \"Ida\", \"Email\": \"ida@contoso.de\"}}\r\n"
		ev.wantRedirect(path, mgr, url.Values{"body": {fixed}}, "/quarantine/"+f.quarantined+"?done=parsed")
		l, err := ev.st.GetLead(context.Background(), f.quarantined)
		if err != nil || l.Contact.Email != "ida@contoso.de" {
			t.Fatalf("the lead: %+v %v", l, err)
		}
		if nudges.Load() != 1 {
			t.Errorf("the new lead did not wake the resolver: %d", nudges.Load())
		}
		ev.wantPage("/quarantine/"+f.quarantined+"?done=parsed", mgr, "now a lead", "Last correction", "ida@contoso.de")
		if body := ev.wantPage("/quarantine", viewer, "The quarantine is empty"); strings.Contains(body, f.quarantined) {
			t.Errorf("the quarantine lists the reprocessed body\n%s", body)
		}
		resp, body := ev.do("POST", path, mgr, url.Values{})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "not in quarantine") {
			t.Fatalf("reprocessing a lead: %d\n%s", resp.StatusCode, body)
		}
	})
}

// testPoller is a polled source whose polls record a result, as a real
// poller's do.
type testPoller struct {
	ev    *env
	name  string
	fail  string
	calls atomic.Int32
}

func (p *testPoller) Source() string { return p.name }

func (p *testPoller) Sync(ctx context.Context) error {
	p.calls.Add(1)
	if err := p.ev.st.RecordSourceResult(ctx, p.name, p.fail, time.Now()); err != nil {
		return err
	}
	if p.fail != "" {
		return fmt.Errorf("%s", p.fail)
	}
	return nil
}

// The sources page shows each source's state and its last 14 days as a
// chart whose bars are the stored daily counts; Sync now polls.
func TestSourcesPage(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		var table *testPoller
		ev := startWith(t, e, func(ev *env, d *web.Deps) {
			table = &testPoller{ev: ev, name: "azure_table:acct/leads", fail: "azure table acct/leads: 403 AuthenticationFailed"}
			configured := []sources.Configured{{Source: "https", Kind: "https", Config: map[string]string{"endpoint": "/ingest/marketplace"}},
				{Source: table.name, Kind: "azure_table", Config: map[string]string{"table": "leads"}}}
			d.Sources = sources.NewMonitor(ev.st, func() []sources.Configured { return configured }, 0, slog.New(slog.DiscardHandler), prometheus.NewRegistry())
			d.Pollers = []web.Poller{table}
		})
		today := time.Now().UTC().Truncate(24 * time.Hour).Add(time.Hour)
		var in []lead.Incoming
		for i, days := range []int{0, 0, 0, 2, 20} { // three today, one two days ago, one out of the chart
			in = append(in, incoming(fmt.Sprintf(`{"s":%d}`, i), today.AddDate(0, 0, -days), parsed("A", "B", "a@b.com", ""), ""))
		}
		if _, err := ev.st.CommitBatch(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		viewer := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		admin := ev.signIn(ev.user(lead.RoleAdmin, true), nil)
		day := func(d int) string { return today.AddDate(0, 0, -d).Format(time.DateOnly) }
		body := ev.wantPage("/sources", viewer, `role="img"`, "<title", "4 leads from https in the last 14 days; the busiest day had 3.",
			day(0)+": 3</title>", day(2)+": 1</title>", day(1)+": 0</title>", "<td>"+day(0)+"</td><td>3</td>",
			`<rect class="bar" x="156" y="0" width="10" height="40">`, `height="14"`, "azure_table:acct/leads", "/ingest/marketplace")
		if strings.Contains(body, day(20)) || strings.Contains(body, "/sources/sync") {
			t.Errorf("a day out of the chart, or Sync for a viewer\n%s", body)
		}
		if resp, _ := ev.do("POST", "/sources/sync", viewer, url.Values{}); resp.StatusCode != http.StatusForbidden || table.calls.Load() != 0 {
			t.Fatalf("a viewer's sync: %d", resp.StatusCode)
		}
		ev.wantPage("/sources", admin, `action="/sources/sync"`)
		ev.wantRedirect("/sources/sync", admin, url.Values{"source": {table.name}}, "/sources?synced=failed")
		if table.calls.Load() != 1 {
			t.Fatalf("%d polls", table.calls.Load())
		}
		ev.wantPage("/sources?synced=failed", viewer, "at least one poll failed", "failing", "403 AuthenticationFailed")
		if resp, _ := ev.do("POST", "/sources/sync", admin, url.Values{"source": {"nope"}}); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("syncing an unknown source: %d", resp.StatusCode)
		}
	})
}
