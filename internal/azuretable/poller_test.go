package azuretable_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/data/aztables"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/metricstest"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func customer(first, last, email string) map[string]string {
	return map[string]string{"FirstName": first, "LastName": last, "Email": email, "Phone": "1234567890",
		"Country": "US", "Company": "Contoso " + last, "Title": "CTO"}
}

// layoutEntities returns entities in the three layouts Microsoft is known
// to write, with what each must become.
func layoutEntities() ([]map[string]any, map[string]wantLead) {
	ents := []map[string]any{
		{ // The layout seen on a real table in 2018: CustomerInfo as a JSON string.
			"PartitionKey": "9:2F28:2F2018", "RowKey": "6f2c1a8e-0b7e-4c8e-9a57-1d2b3c4d5e6f",
			"ActionCode": "INS", "CreatedTime": "9/28/2018 6:24:18 PM",
			"CustomerInfo": customer("Ada", "Lovelace", "ada@contoso.com"),
			"Description":  "Interested in the enterprise plan", "LeadSource": "AzureMarketplace",
			"OfferDisplayName": "Contoso CRM Connector", "CampaignColumn": "not in any documentation",
		},
		{ // 2017: ProductIds, LeadSource and ActionCode apart.
			"PartitionKey": "3:2F24:2F2017", "RowKey": "1",
			"ProductIds": "checkpoint.check-point-r77-10sg-byol", "LeadSource": "TestDrive", "ActionCode": "StartTestDrive",
			"CustomerInfo": customer("Grace", "Hopper", "grace@contoso.com"),
		},
		{ // The combined LeadSource "Source-Action|Offer".
			"PartitionKey": "11:2F25:2F2026", "RowKey": "a",
			"LeadSource":   "AppSource (SPZA)-PLT|contoso.crm-connector",
			"CustomerInfo": customer("Alan", "Turing", "alan@contoso.com"),
		},
		{ // Combined, do-not-contact.
			"PartitionKey": "11:2F25:2F2026", "RowKey": "b",
			"LeadSource":   "AzurePortal-DNC|contoso.crm-connector",
			"CustomerInfo": customer("Edsger", "Dijkstra", "edsger@contoso.com"),
		},
	}
	want := map[string]wantLead{
		"ada@contoso.com": {source: "AzureMarketplace", action: "INS", stage: lead.StageActive,
			offer: lead.Offer{Title: "Contoso CRM Connector"}, first: "Ada", description: "Interested in the enterprise plan",
			extra: map[string]string{"CampaignColumn": `"not in any documentation"`, "PartitionKey": `"9:2F28:2F2018"`,
				"CreatedTime": `"9/28/2018 6:24:18 PM"`}},
		"grace@contoso.com": {source: "TestDrive", action: "StartTestDrive", stage: lead.StageTrial,
			offer: lead.Offer{PublisherID: "checkpoint", OfferID: "check-point-r77-10sg-byol"}, first: "Grace"},
		"alan@contoso.com": {source: "AppSource (SPZA)", action: "PLT", stage: lead.StageInterest,
			offer: lead.Offer{PublisherID: "contoso", OfferID: "crm-connector"}, first: "Alan"},
		"edsger@contoso.com": {source: "AzurePortal", action: "DNC", stage: lead.StageNotifyOnly,
			offer: lead.Offer{PublisherID: "contoso", OfferID: "crm-connector"}, first: "Edsger"},
	}
	return ents, want
}

type wantLead struct {
	source, action string
	stage          lead.Stage
	offer          lead.Offer
	first          string
	description    string
	extra          map[string]string
}

func TestEntityLayoutsIngestedOnce(t *testing.T) {
	acct := devAccount(t)
	ctx := context.Background()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			table := tableName(t)
			ents, want := layoutEntities()
			if err := azuretable.InsertEntities(ctx, acct, table, ents); err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, e)
			reg := prometheus.NewRegistry()
			p := h.newPoller(t, acct, table, reg, azuretable.Options{})
			if got, wantSrc := p.Source(), "azure_table:devstoreaccount1/"+strings.ToLower(table); got != wantSrc {
				t.Fatalf("Source() = %q, want %q", got, wantSrc)
			}
			run(t, p)
			syncNow(t, p)

			leads := storetest.AllLeads(t, h.store)
			if len(leads) != len(ents) {
				t.Fatalf("%d leads, want %d", len(leads), len(ents))
			}
			seen := map[string]bool{}
			for _, l := range leads {
				email := l.Contact.Email
				w, ok := want[email]
				if !ok || seen[email] {
					t.Fatalf("unexpected or repeated lead %q", email)
				}
				seen[email] = true
				if l.Channel != lead.ChannelAzureTable || l.Source != w.source || l.Action != w.action || l.Stage != w.stage {
					t.Errorf("%s: channel/source/action/stage = %s/%q/%q/%s, want azure_table/%q/%q/%s",
						email, l.Channel, l.Source, l.Action, l.Stage, w.source, w.action, w.stage)
				}
				if l.Offer != w.offer {
					t.Errorf("%s: offer = %+v, want %+v", email, l.Offer, w.offer)
				}
				if l.Contact.FirstName != w.first || l.Contact.Country != "US" || l.Contact.Phone != "1234567890" {
					t.Errorf("%s: contact = %+v", email, l.Contact)
				}
				if l.Description != w.description {
					t.Errorf("%s: description = %q, want %q", email, l.Description, w.description)
				}
				full, err := h.store.GetLead(ctx, l.ID)
				if err != nil {
					t.Fatal(err)
				}
				for k, v := range w.extra {
					if got := string(full.Extra[k]); got != v {
						t.Errorf("%s: extra[%s] = %s, want %s", email, k, got, v)
					}
				}
				// The raw body is the entity as the service sent it.
				var raw map[string]any
				if err := json.Unmarshal(full.RawBody, &raw); err != nil {
					t.Fatalf("%s: raw body is not JSON: %v", email, err)
				}
				for _, k := range []string{"PartitionKey", "RowKey", "Timestamp", "CustomerInfo", "LeadSource"} {
					if _, ok := raw[k]; !ok {
						t.Errorf("%s: raw body lacks %s: %s", email, k, full.RawBody)
					}
				}
				if _, ok := raw["CustomerInfo"].(string); !ok {
					t.Errorf("%s: CustomerInfo is not kept as the string it was", email)
				}
			}
			src := p.Source()
			if a := activity(t, h.store, src); a.Total != int64(len(ents)) || a.LastOKAt.IsZero() || a.LastError != "" {
				t.Errorf("source activity = %+v, want %d received, a success and no error", a, len(ents))
			}
			if got := metricstest.Value(t, reg, "leadhub_azure_table_entities_total", "source", src, "outcome", "created"); got != float64(len(ents)) {
				t.Errorf("created metric = %v, want %d", got, len(ents))
			}
			if got := metricstest.Value(t, reg, "leadhub_azure_table_polls_total", "source", src, "result", "ok"); got != float64(p.Status().Polls) || got < 1 {
				t.Errorf("ok polls metric = %v, want %d", got, p.Status().Polls)
			}
			if got := metricstest.Value(t, reg, "leadhub_azure_table_last_success_timestamp_seconds", "source", src); got < float64(time.Now().Add(-time.Minute).Unix()) {
				t.Errorf("last success metric = %v", got)
			}

			// Rewrite an entity (as a retrying writer would) and add one:
			// only the new one is a new lead.
			svc, err := aztables.NewServiceClientFromConnectionString(connString(endpoint(t), devKey), nil)
			if err != nil {
				t.Fatal(err)
			}
			rewritten, _ := json.Marshal(map[string]string{"PartitionKey": "11:2F25:2F2026", "RowKey": "a",
				"LeadSource": "AppSource (SPZA)-INS|contoso.crm-connector", "CustomerInfo": `{"Email":"alan@contoso.com"}`})
			if _, err := svc.NewClient(table).UpsertEntity(ctx, rewritten, &aztables.UpsertEntityOptions{UpdateMode: aztables.UpdateModeReplace}); err != nil {
				t.Fatal(err)
			}
			if err := azuretable.InsertEntities(ctx, acct, table, []map[string]any{{"PartitionKey": "11:2F25:2F2026", "RowKey": "c",
				"LeadSource": "AzureMarketplace", "ActionCode": "PLT", "CustomerInfo": customer("Barbara", "Liskov", "barbara@contoso.com")}}); err != nil {
				t.Fatal(err)
			}
			before := p.Status()
			syncNow(t, p)
			after := p.Status()
			if n := len(storetest.AllLeads(t, h.store)); n != len(ents)+1 {
				t.Fatalf("%d leads after the second poll, want %d", n, len(ents)+1)
			}
			if created := after.Created - before.Created; created != 1 {
				t.Errorf("second poll created %d, want 1", created)
			}
			if dups := after.Duplicates - before.Duplicates; dups != int64(len(ents)) {
				t.Errorf("second poll found %d duplicates, want %d (the overlap re-reads them)", dups, len(ents))
			}
			if after.Watermark.IsZero() {
				t.Errorf("no watermark after two polls")
			}
		})
	}
}

// entities returns n lead entities spread over a few partitions.
func entities(n int, tag string) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{
			"PartitionKey": fmt.Sprintf("11:2F%02d:2F2026", 1+i%28),
			"RowKey":       fmt.Sprintf("%s-%06d", tag, i),
			"LeadSource":   "AppSource (SPZA)-PLT|contoso.crm-connector",
			"CustomerInfo": customer("Lead", fmt.Sprint(i), fmt.Sprintf("%s-%d@example.com", tag, i)),
		}
	}
	return out
}

// checkExactlyOnce fails unless the store holds exactly one lead for each
// of the n entities made by entities(n, tag).
func checkExactlyOnce(t *testing.T, st interface {
	lead.SourceActivityReader
	lead.LeadReader
}, source string, n int, tag string) {
	t.Helper()
	if a := activity(t, st, source); a.Total != int64(n) {
		t.Errorf("%d raw leads from %s, want %d", a.Total, source, n)
	}
	seen := make(map[string]int, n)
	for _, l := range storetest.AllLeads(t, st) {
		seen[l.Contact.Email]++
	}
	missing, repeated := 0, 0
	for i := range n {
		switch seen[fmt.Sprintf("%s-%d@example.com", tag, i)] {
		case 0:
			missing++
		case 1:
		default:
			repeated++
		}
	}
	if missing > 0 || repeated > 0 || len(seen) != n {
		t.Errorf("%d entities missing, %d stored more than once, %d distinct leads (want %d)", missing, repeated, len(seen), n)
	}
}

// cancellingInbox cancels a context once n submissions have returned.
type cancellingInbox struct {
	azuretable.Inbox
	n      int64
	count  atomic.Int64
	cancel context.CancelFunc
}

func (c *cancellingInbox) Receive(ctx context.Context, b ingest.Body) (ingest.Receipt, error) {
	out, err := c.Inbox.Receive(ctx, b)
	if c.count.Add(1) == c.n {
		c.cancel()
	}
	return out, err
}

func TestRestartMidPoll(t *testing.T) {
	acct := devAccount(t)
	ctx := context.Background()
	const n, pageSize = 1200, 100
	table := tableName(t)
	if err := azuretable.InsertEntities(ctx, acct, table, entities(n, "restart")); err != nil {
		t.Fatal(err)
	}
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			h := newHarness(t, e)
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			ci := &cancellingInbox{Inbox: h.inbox, n: 450, cancel: cancel}
			opt := azuretable.Options{Table: table, Interval: time.Hour, PageSize: pageSize, Workers: 8}
			p1, err := azuretable.NewPoller(acct, opt, azuretable.Deps{Store: h.store, Inbox: ci, Logger: testLogger(t)})
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- p1.Run(runCtx) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(time.Minute):
				t.Fatal("Run did not stop within a minute of cancellation")
			}
			if err := p1.Sync(ctx); err != azuretable.ErrStopped {
				t.Errorf("Sync after Run returned: %v, want ErrStopped", err)
			}

			cp, err := h.store.GetCheckpoint(ctx, p1.Source())
			if err != nil {
				t.Fatal(err)
			}
			got := activity(t, h.store, p1.Source()).Total
			t.Logf("stopped after %d of %d entities; checkpoint %s", got, n, cp)
			if got < 400 || got >= n {
				t.Fatalf("%d entities stored when the poll was stopped; want it stopped part-way", got)
			}
			if !strings.Contains(cp, `"scan"`) || !strings.Contains(cp, `"next"`) {
				t.Fatalf("checkpoint %s does not hold the interrupted scan", cp)
			}

			p2 := h.newPoller(t, acct, table, nil, azuretable.Options{PageSize: pageSize, Workers: 8})
			run(t, p2)
			eventually.True(t, time.Minute, "the first poll of the restarted poller", func() bool { return p2.Status().Polls >= 1 })
			checkExactlyOnce(t, h.store, p2.Source(), n, "restart")
			st := p2.Status()
			if st.Polls != 1 || st.LastError != "" {
				t.Fatalf("status %+v, want one successful poll", st)
			}
			if st.Created != int64(n)-got {
				t.Errorf("the second poller created %d, want %d", st.Created, int64(n)-got)
			}
			// Only the page under way when it stopped is read again.
			if st.Duplicates > pageSize {
				t.Errorf("the second poller re-read %d entities, want at most a page (%d)", st.Duplicates, pageSize)
			}
		})
	}
}

func TestTenThousandEntities(t *testing.T) {
	if testing.Short() {
		t.Skip("inserts 10,000 entities")
	}
	acct := devAccount(t)
	ctx := context.Background()
	const n = 10000
	table := tableName(t)
	start := time.Now()
	if err := azuretable.InsertEntities(ctx, acct, table, entities(n, "bulk")); err != nil {
		t.Fatal(err)
	}
	t.Logf("inserted %d entities into Azurite in %s", n, time.Since(start).Round(time.Millisecond))
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			h := newHarness(t, e)
			p := h.newPoller(t, acct, table, nil, azuretable.Options{})
			start := time.Now()
			run(t, p)
			eventually.True(t, 2*time.Minute, "the first poll", func() bool { return p.Status().Polls >= 1 })
			elapsed := time.Since(start)
			t.Logf("RESULT engine=%s entities=%d seconds=%.2f rate=%.0f entities/s", e.Name, n, elapsed.Seconds(), float64(n)/elapsed.Seconds())
			checkExactlyOnce(t, h.store, p.Source(), n, "bulk")
			if st := p.Status(); st.Created != n || st.Failed != 0 || st.Quarantined != 0 {
				t.Errorf("status %+v, want %d created", st, n)
			}
		})
	}
}

func TestSyncCoalesces(t *testing.T) {
	acct := devAccount(t)
	ctx := context.Background()
	table := tableName(t)
	if err := azuretable.InsertEntities(ctx, acct, table, entities(20, "sync")); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, storetest.Engines(t)[0])
	p := h.newPoller(t, acct, table, nil, azuretable.Options{})
	stop := run(t, p)
	syncNow(t, p) // the first poll has happened
	before := p.Status().Polls

	var wg sync.WaitGroup
	errs := make([]error, 20)
	for i := range errs {
		wg.Go(func() { errs[i] = p.Sync(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if polls := p.Status().Polls - before; polls < 1 || polls > 2 {
		t.Errorf("20 concurrent Sync calls made %d polls, want 1 or 2", polls)
	}

	// A Sync whose context ends returns at once.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := p.Sync(cctx); err != context.Canceled {
		t.Errorf("Sync with a cancelled context: %v", err)
	}
	begin := time.Now()
	stop()
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Run took %s to stop", d)
	}
	if err := p.Sync(ctx); err != azuretable.ErrStopped {
		t.Errorf("Sync after stop: %v, want ErrStopped", err)
	}
}

// flakyProxy forwards to Azurite after answering the first requests with
// throttling errors and dropped connections.
type flakyProxy struct {
	busy, drops int64
	requests    atomic.Int64
	proxy       *httputil.ReverseProxy
}

func (f *flakyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.requests.Add(1)
	switch {
	case n <= f.busy:
		// A fresh connection for the next request: on a reused one, Go's
		// transport would retry a dropped GET by itself.
		w.Header().Set("Connection", "close")
		w.Header().Set("Content-Type", "application/json;odata=minimalmetadata")
		w.Header().Set("x-ms-error-code", "ServerBusy")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"odata.error":{"code":"ServerBusy","message":{"lang":"en-US","value":"The server is busy."}}}`)
	case n <= f.busy+f.drops:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	default:
		f.proxy.ServeHTTP(w, r)
	}
}

func newFlakyProxy(t *testing.T, busy, drops int64) (*flakyProxy, string) {
	target, err := url.Parse(endpoint(t))
	if err != nil {
		t.Fatal(err)
	}
	target.Path = ""
	f := &flakyProxy{busy: busy, drops: drops, proxy: httputil.NewSingleHostReverseProxy(target)}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL + "/devstoreaccount1"
}

func TestThrottlingAndNetworkErrorsAreRetried(t *testing.T) {
	acct := devAccount(t)
	ctx := context.Background()
	table := tableName(t)
	const n = 30
	if err := azuretable.InsertEntities(ctx, acct, table, entities(n, "flaky")); err != nil {
		t.Fatal(err)
	}
	proxy, ep := newFlakyProxy(t, 3, 2)
	viaProxy, err := azuretable.ParseConnectionString(connString(ep, devKey))
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, storetest.Engines(t)[0])
	reg := prometheus.NewRegistry()
	p := h.newPoller(t, viaProxy, table, reg, azuretable.Options{MaxAttempts: 8, PageSize: 10})
	run(t, p)
	syncNow(t, p)
	checkExactlyOnce(t, h.store, p.Source(), n, "flaky")
	src := p.Source()
	if got := metricstest.Value(t, reg, "leadhub_azure_table_retries_total", "source", src, "reason", "throttled"); got != 3 {
		t.Errorf("throttled retries = %v, want 3", got)
	}
	if got := metricstest.Value(t, reg, "leadhub_azure_table_retries_total", "source", src, "reason", "network"); got != 2 {
		t.Errorf("network retries = %v, want 2", got)
	}
	if st := p.Status(); st.Retries != 5 || st.LastError != "" || st.ConsecutiveFailures != 0 {
		t.Errorf("status = %+v, want 5 retries and no error", st)
	}
	// Run's first poll and the one Sync asked for may be two polls.
	if got := proxy.requests.Load(); got != 5+3 && got != 5+3+3 {
		t.Errorf("%d requests, want 5 failed, then 3 pages per poll", got)
	}

	// A service that stays busy: the poll fails after MaxAttempts, the
	// failure is recorded, and the poller tries again at the next interval.
	_, busyEP := newFlakyProxy(t, 1<<30, 0)
	busy, _ := azuretable.ParseConnectionString(connString(busyEP, devKey))
	reg2 := prometheus.NewRegistry()
	p2 := h.newPoller(t, busy, tableName(t), reg2, azuretable.Options{MaxAttempts: 3, Interval: 20 * time.Millisecond})
	run(t, p2)
	err = p2.Sync(ctx)
	if err == nil || !strings.Contains(err.Error(), "the service is busy (HTTP 503 ServerBusy) (3 attempts)") {
		t.Fatalf("Sync against a busy service: %v", err)
	}
	eventually.True(t, 30*time.Second, "three failed polls", func() bool { return p2.Status().ConsecutiveFailures >= 3 })
	if a := activity(t, h.store, p2.Source()); a.Failures < 1 || !strings.Contains(a.LastError, "busy") {
		t.Errorf("source activity = %+v, want the failure recorded", a)
	}
	if got := metricstest.Value(t, reg2, "leadhub_azure_table_polls_total", "source", p2.Source(), "result", "error"); got < 3 {
		t.Errorf("failed polls metric = %v, want at least 3", got)
	}
}

func TestConfigurationErrors(t *testing.T) {
	ep := endpoint(t)
	ctx := context.Background()
	acct := devAccount(t)
	table := tableName(t)
	if err := azuretable.InsertEntities(ctx, acct, table, entities(1, "cfg")); err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, storetest.Engines(t)[0])

	wrongKey := "AAAA" + devKey[4:]
	badKey, err := azuretable.ParseConnectionString(connString(ep, wrongKey))
	if err != nil {
		t.Fatal(err)
	}
	missing := "Missing" + table[1:]

	// An account SAS that may read tables, and one with a broken signature.
	cred, err := aztables.NewSharedKeyCredential("devstoreaccount1", devKey)
	if err != nil {
		t.Fatal(err)
	}
	qp, err := aztables.AccountSASSignatureValues{
		Protocol: aztables.SASProtocolHTTPSandHTTP, Services: "t", ResourceTypes: "sco",
		Permissions: aztables.AccountSASPermissions{Read: true, List: true}.String(),
		StartTime:   time.Now().Add(-time.Hour).UTC(), ExpiryTime: time.Now().Add(time.Hour).UTC(),
	}.Sign(cred)
	if err != nil {
		t.Fatal(err)
	}
	sas := qp.Encode()
	q, err := url.ParseQuery(sas)
	if err != nil {
		t.Fatal(err)
	}
	sig := q.Get("sig")
	goodSAS, err := azuretable.ParseConnectionString("TableEndpoint=" + ep + ";SharedAccessSignature=" + sas)
	if err != nil {
		t.Fatal(err)
	}
	brokenSig := strings.Replace(sas, url.QueryEscape(sig), url.QueryEscape("AAAA"+sig[4:]), 1)
	badSAS, err := azuretable.ParseConnectionString("TableEndpoint=" + ep + ";SharedAccessSignature=" + brokenSig)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("sas", func(t *testing.T) {
		p := h.newPoller(t, goodSAS, table, nil, azuretable.Options{})
		run(t, p)
		syncNow(t, p)
		if st := p.Status(); st.Created != 1 {
			t.Errorf("status %+v, want the entity read with the SAS", st)
		}
	})

	cases := []struct {
		name    string
		acct    azuretable.Account
		table   string
		want    string
		secrets []string
	}{
		{"wrong key", badKey, table, "azure table devstoreaccount1/" + table + ": authentication failed (HTTP 403", []string{wrongKey, devKey}},
		{"missing table", acct, missing, "azure table devstoreaccount1/" + missing + ": table not found (check --azure-table-name)", []string{devKey}},
		{"broken signature", badSAS, table, "azure table devstoreaccount1/" + table + ": authentication failed (HTTP 403", []string{sig, "AAAA" + sig[4:], url.QueryEscape("AAAA" + sig[4:])}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs strings.Builder
			var mu sync.Mutex
			log := newLockedLogger(&logs, &mu)
			p, err := azuretable.NewPoller(c.acct, azuretable.Options{Table: c.table, Interval: 20 * time.Millisecond},
				azuretable.Deps{Store: h.store, Inbox: h.inbox, Logger: log})
			if err != nil {
				t.Fatal(err)
			}
			run(t, p)
			err = p.Sync(ctx)
			if err == nil || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("Sync: %v\nwant an error starting %q", err, c.want)
			}
			// It keeps trying at each interval.
			eventually.True(t, 30*time.Second, "more failed polls", func() bool { return p.Status().ConsecutiveFailures >= 3 })
			a := activity(t, h.store, p.Source())
			if !strings.HasPrefix(a.LastError, c.want) || a.Failures < 1 {
				t.Errorf("source activity = %+v", a)
			}
			mu.Lock()
			text := logs.String()
			mu.Unlock()
			if !strings.Contains(text, `level=ERROR msg="azure table poll failed`) {
				t.Errorf("the failure was not logged at error level:\n%s", text)
			}
			for _, s := range c.secrets {
				for _, where := range []string{err.Error(), a.LastError, p.Status().LastError, text, fmt.Sprint(c.acct), fmt.Sprintf("%#v", c.acct)} {
					if strings.Contains(where, s) {
						t.Fatalf("a secret leaked: %s", where)
					}
				}
			}
		})
	}
}

func TestNetworkErrorNamesHostOnly(t *testing.T) {
	// A closed port: the error says where, and carries no signature.
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL
	srv.Close()
	acct, err := azuretable.ParseConnectionString("TableEndpoint=" + dead + "/devstoreaccount1;SharedAccessSignature=sv=2019-02-02&ss=t&srt=o&sp=rl&se=2099-01-01&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, storetest.Engines(t)[0])
	p := h.newPoller(t, acct, "MarketplaceLeads", nil, azuretable.Options{MaxAttempts: 2})
	run(t, p)
	err = p.Sync(context.Background())
	if err == nil {
		t.Fatal("Sync succeeded against a closed port")
	}
	want := "azure table devstoreaccount1/MarketplaceLeads: cannot reach " + strings.TrimPrefix(dead, "http://") + ": "
	if !strings.HasPrefix(err.Error(), want) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q, want it to start %q and say connection refused", err, want)
	}
	if strings.Contains(err.Error(), "c2VjcmV0") || strings.Contains(err.Error(), "sig=") {
		t.Errorf("the signature leaked: %s", err)
	}
}
