package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// allMigrations lists every migration, in order.
var allMigrations = []string{"0001_init", "0002_sources", "0003_customers", "0004_merged_lead_count", "0005_identity_generation", "0006_accounts", "0007_import_quarantine", "0008_account_members", "0009_users", "0010_search", "0011_setup_tokens", "0012_audit_action", "0013_process", "0014_notifications", "0015_source_days", "0016_owner_loads", "0017_process_state"}

func TestMigrate(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, e storetest.Engine) {
		ctx := ctxT(t)
		s := storetest.OpenDSN(t, e.NewDSN(t))
		if s.Engine() != e.Name {
			t.Fatalf("Engine() = %q, want %q", s.Engine(), e.Name)
		}
		names, err := s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(names, allMigrations) {
			t.Fatalf("first Migrate applied %q, want %q", names, allMigrations)
		}
		names, err = s.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(names) != 0 {
			t.Fatalf("second Migrate applied %q", names)
		}
		if err := s.Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, e storetest.Engine) {
		dsn := e.NewDSN(t)
		stores := []*store.Store{storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn)}
		var wg sync.WaitGroup
		applied := make([][]string, len(stores))
		errs := make([]error, len(stores))
		for i, s := range stores {
			wg.Go(func() { applied[i], errs[i] = s.Migrate(ctxT(t)) })
		}
		wg.Wait()
		var all []string
		for i := range stores {
			if errs[i] != nil {
				t.Fatalf("store %d: %v", i, errs[i])
			}
			all = append(all, applied[i]...)
		}
		slices.Sort(all)
		if !slices.Equal(all, allMigrations) {
			t.Fatalf("applied %q in total, want each of %q once", all, allMigrations)
		}
	})
}

func TestOpenAddresses(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	dir := t.TempDir()
	for _, tc := range []struct{ dsn, file string }{
		{"sqlite:" + filepath.Join(dir, "a.db"), "a.db"},
		{"sqlite://" + filepath.Join(dir, "b.db"), "b.db"},
		{"file:" + filepath.Join(dir, "c.db"), "c.db"},
		{"file://" + filepath.Join(dir, "d.db"), "d.db"},
		{"file://localhost" + filepath.Join(dir, "e%20e.db"), "e e.db"},
	} {
		s, err := store.Create(ctx, tc.dsn)
		if err != nil {
			t.Fatalf("Create(%q): %v", tc.dsn, err)
		}
		if s.Engine() != "sqlite" {
			t.Fatalf("Create(%q): engine %q", tc.dsn, s.Engine())
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(dir, tc.file)); err != nil {
			t.Fatalf("Create(%q) did not create %s: %v", tc.dsn, tc.file, err)
		}
		// Now it exists, Open opens it.
		s, err = store.Open(ctx, tc.dsn)
		if err != nil {
			t.Fatalf("Open(%q) after Create: %v", tc.dsn, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	const secret = "s3cr3tPW"

	_, err := store.Open(ctx, "mysql://root:"+secret+"@localhost/leads")
	wantKind(t, err, lead.KindInvalid)
	for _, want := range []string{"sqlite:", "postgres://"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("unknown scheme error %q does not name %s", err, want)
		}
	}

	missing := filepath.Join(t.TempDir(), "no", "such", "dir")
	_, err = store.Create(ctx, "sqlite:"+filepath.Join(missing, "leadhub.db"))
	wantKind(t, err, lead.KindInvalid)
	if !strings.Contains(err.Error(), missing) {
		t.Errorf("missing directory error %q does not name %s", err, missing)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Errorf("Create created %s", missing)
	}
	_, err = store.Create(ctx, "sqlite:"+t.TempDir())
	wantKind(t, err, lead.KindInvalid) // a directory

	for _, dsn := range []string{"sqlite:", "sqlite::memory:", "sqlite:x.db?mode=ro", "file:x.db?cache=shared", "file://otherhost/x.db", "", "leadhub.db"} {
		_, err := store.Open(ctx, dsn)
		wantKind(t, err, lead.KindInvalid)
	}

	for _, dsn := range []string{
		"postgres://leadhub:" + secret + "@127.0.0.1:1/leadhub?sslmode=disable&connect_timeout=2",
		"postgresql://leadhub@127.0.0.1:1/leadhub?sslmode=disable&connect_timeout=2&password=" + secret,
		"postgres://leadhub:" + secret + "@[::1/leadhub", // not a URL
	} {
		_, err := store.Open(ctx, dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), secret) || strings.Contains(lead.MessageOf(err), secret) {
			t.Errorf("error reveals the password: %v", err)
		}
		if k := lead.KindOf(err); k != lead.KindUnavailable && k != lead.KindInvalid {
			t.Errorf("Open(%q): kind %s", dsn, k)
		}
		t.Logf("%v", err)
	}
}

func TestCommitBatch(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)

		if out, err := s.CommitBatch(ctx, nil); err != nil || len(out) != 0 {
			t.Fatalf("empty batch: %v %v", out, err)
		}

		t0 := time.Now()
		a := parsedItem(`{"a":1}`, simpleParsed("Ann"))
		a.ReceivedAt = t0.Add(-time.Hour)
		a.DedupUntil = t0.Add(-30 * time.Minute) // a's window ends before a4 arrives
		b := badItem(`{"b":`, "unexpected end of JSON input")
		b.ReceivedAt = t0.Add(-time.Hour)
		a2 := parsedItem(`{"a":1}`, simpleParsed("Ann")) // same body as a
		out := commit(t, s, []lead.Incoming{a, b, a2})
		want := []lead.Outcome{
			{ID: a.ID, Status: lead.RawParsed},
			{ID: b.ID, Status: lead.RawQuarantined, Error: "unexpected end of JSON input"},
			{ID: a.ID, Duplicate: true, Status: lead.RawParsed},
		}
		if !reflect.DeepEqual(out, want) {
			t.Fatalf("batch 1:\n got %+v\nwant %+v", out, want)
		}
		if _, err := s.GetRaw(ctx, a2.ID); lead.KindOf(err) != lead.KindNotFound {
			t.Fatalf("in-batch duplicate was stored: %v", err)
		}

		// Across batches, in the window.
		c := parsedItem(`{"c":1}`, simpleParsed("Cid"))
		c.ReceivedAt = t0.Add(-time.Minute)
		a3 := parsedItem(`{"a":1}`, simpleParsed("Ann"))
		a3.ReceivedAt = t0.Add(-45 * time.Minute) // before a's window ends
		b2 := badItem(`{"b":`, "another message")
		out = commit(t, s, []lead.Incoming{a3, c, b2})
		want = []lead.Outcome{
			{ID: a.ID, Duplicate: true, Status: lead.RawParsed},
			{ID: c.ID, Status: lead.RawParsed},
			{ID: b.ID, Duplicate: true, Status: lead.RawQuarantined, Error: "unexpected end of JSON input"},
		}
		if !reflect.DeepEqual(out, want) {
			t.Fatalf("batch 2:\n got %+v\nwant %+v", out, want)
		}

		// The window has passed for a: it is stored again, and later
		// duplicates point at the new copy.
		a4 := parsedItem(`{"a":1}`, simpleParsed("Ann"))
		out = commit(t, s, []lead.Incoming{a4, c})
		want = []lead.Outcome{
			{ID: a4.ID, Status: lead.RawParsed},
			{ID: c.ID, Duplicate: true, Status: lead.RawParsed},
		}
		if !reflect.DeepEqual(out, want) {
			t.Fatalf("batch 3:\n got %+v\nwant %+v", out, want)
		}
		a5 := parsedItem(`{"a":1}`, simpleParsed("Ann"))
		out = commit(t, s, []lead.Incoming{a5})
		if want := (lead.Outcome{ID: a4.ID, Duplicate: true, Status: lead.RawParsed}); out[0] != want {
			t.Fatalf("batch 4: got %+v, want %+v", out[0], want)
		}
		for _, id := range []string{a.ID, a4.ID} {
			if _, err := s.GetLead(ctx, id); err != nil {
				t.Fatalf("GetLead(%s): %v", id, err)
			}
		}

		raw, err := s.GetRaw(ctx, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if raw.Status != lead.RawQuarantined || raw.Attempts != 1 || raw.Error != b.ParseErr ||
			!bytes.Equal(raw.Body, b.Body) || raw.SHA256 != b.SHA256 || raw.Size != len(b.Body) || raw.Channel != lead.ChannelHTTPS {
			t.Fatalf("quarantined raw lead: %+v", raw)
		}
		if _, err := s.GetLead(ctx, b.ID); lead.KindOf(err) != lead.KindNotFound {
			t.Fatalf("GetLead of a quarantined item: %v", err)
		}
		if n, err := s.CountQuarantined(ctx); err != nil || n != 1 {
			t.Fatalf("CountQuarantined = %d, %v", n, err)
		}
		page, err := s.ListLeads(ctx, lead.LeadFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if ids := leadIDs(page.Leads); !slices.Equal(ids, []string{a4.ID, c.ID, a.ID}) {
			t.Fatalf("leads %q", ids)
		}

		if _, err := s.CommitBatch(ctx, []lead.Incoming{{ID: "x"}}); lead.KindOf(err) != lead.KindInvalid {
			t.Fatalf("item without hash: %v", err)
		}
	})
}

func TestCommitBatchCancelled(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.CommitBatch(ctx, []lead.Incoming{parsedItem("x", simpleParsed("X")), badItem("y", "bad")})
		wantKind(t, err, lead.KindUnavailable)
		if n, err := s.CountQuarantined(ctxT(t)); err != nil || n != 0 {
			t.Fatalf("CountQuarantined = %d, %v", n, err)
		}
		page, err := s.ListLeads(ctxT(t), lead.LeadFilter{})
		if err != nil || len(page.Leads) != 0 {
			t.Fatalf("ListLeads = %d leads, %v", len(page.Leads), err)
		}
	})
}

func TestCommitBatchLarge(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		// More than one statement's worth of rows per table.
		var in []lead.Incoming
		for i := range 700 {
			if i%7 == 0 {
				in = append(in, badItem(fmt.Sprintf("bad %d", i), "bad"))
			} else {
				in = append(in, parsedItem(fmt.Sprintf("good %d", i), simpleParsed(fmt.Sprint("N", i))))
			}
		}
		in = append(in, in[3], in[7]) // duplicates inside the batch
		in[len(in)-2].ID, in[len(in)-1].ID = newID(), newID()
		out := commit(t, s, in)
		for i, o := range out[:700] {
			if o.ID != in[i].ID || o.Duplicate {
				t.Fatalf("outcome %d: %+v", i, o)
			}
		}
		if o := out[700]; o.ID != in[3].ID || !o.Duplicate || o.Status != lead.RawParsed {
			t.Fatalf("duplicate of a parsed item: %+v", o)
		}
		if o := out[701]; o.ID != in[7].ID || !o.Duplicate || o.Status != lead.RawQuarantined || o.Error != "bad" {
			t.Fatalf("duplicate of a quarantined item: %+v", o)
		}
		out = commit(t, s, in)
		for i, o := range out {
			want := in[i].ID
			switch i {
			case 700:
				want = in[3].ID
			case 701:
				want = in[7].ID
			}
			if !o.Duplicate || o.ID != want {
				t.Fatalf("second commit, outcome %d: %+v", i, o)
			}
		}
		if n, _ := s.CountQuarantined(ctxT(t)); n != 100 {
			t.Fatalf("CountQuarantined = %d, want 100", n)
		}
	})
}

func TestCommitBatchConcurrent(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, e storetest.Engine) {
		// Two stores on one database behave like two processes.
		dsn := e.NewDSN(t)
		stores := []*store.Store{storetest.OpenDSN(t, dsn), storetest.OpenDSN(t, dsn)}
		if _, err := stores[0].Migrate(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		const (
			workers   = 16
			batches   = 8
			batchSize = 12
			bodies    = 60
		)
		item := func(n int) lead.Incoming {
			body := fmt.Sprintf(`{"n":%d}`, n)
			if n%5 == 0 {
				return badItem(body, "bad")
			}
			return parsedItem(body, simpleParsed(fmt.Sprint("N", n)))
		}
		type result struct {
			in  []lead.Incoming
			out []lead.Outcome
		}
		results := make(chan result, workers*batches)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(w), 1))
				for b := range batches {
					in := make([]lead.Incoming, batchSize)
					for i := range in {
						in[i] = item(rnd.IntN(bodies))
					}
					out, err := stores[(w+b)%2].CommitBatch(ctxT(t), in)
					if err != nil {
						t.Errorf("worker %d batch %d: %v", w, b, err)
						return
					}
					results <- result{in, out}
				}
			})
		}
		wg.Wait()
		close(results)
		if t.Failed() {
			return
		}

		idOf := map[string]string{} // hash -> raw id
		firsts := map[string]int{}  // hash -> non-duplicate outcomes
		for r := range results {
			for i, o := range r.out {
				h := r.in[i].SHA256
				if id, ok := idOf[h]; ok && id != o.ID {
					t.Fatalf("body %s got ids %s and %s", r.in[i].Body, id, o.ID)
				}
				idOf[h] = o.ID
				if !o.Duplicate {
					firsts[h]++
					if o.ID != r.in[i].ID {
						t.Fatalf("new item reported under id %s, not its own %s", o.ID, r.in[i].ID)
					}
				}
			}
		}
		for h, n := range firsts {
			if n != 1 {
				t.Errorf("body %s stored %d times", h, n)
			}
		}
		if len(firsts) != len(idOf) {
			t.Errorf("%d distinct bodies, %d stored", len(idOf), len(firsts))
		}
		rows, err := stores[1].WriteDB().QueryContext(ctxT(t), `SELECT body_sha256, count(*) FROM raw_leads GROUP BY body_sha256`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		stored := 0
		for rows.Next() {
			var h string
			var n int
			if err := rows.Scan(&h, &n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("body %s has %d raw leads", h, n)
			}
			if _, ok := idOf[h]; !ok {
				t.Errorf("raw lead for unknown body %s", h)
			}
			stored++
		}
		if stored != len(idOf) {
			t.Errorf("%d raw leads for %d distinct bodies", stored, len(idOf))
		}
	})
}

func TestLeadRoundTrip(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		p := lead.Parsed{
			Source: "AzureMarketplace",
			Action: "StartTestDrive",
			Offer:  lead.Offer{PublisherID: "contoso", OfferID: "widget-pro", Title: "Widget <Pro> & more"},
			Stage:  lead.StageTrial,
			IsTest: true,
			Contact: lead.Contact{
				FirstName: "Zoë", LastName: "O'Brien", Email: "zoe@example.com", Phone: "+44 20 7946 0000",
				Country: "GB", Company: "Ünïcode Ltd", Title: "CTO",
			},
			Description:       "Test drive started for {offer}",
			DescriptionParams: map[string]string{"offer": "Widget Pro", "empty": "", "quote": `"q"`},
			Extra: map[string]json.RawMessage{
				"leadSourceDetail": json.RawMessage(`{"a":[1,2,{"b":null}],"html":"<x>&"}`),
				"n":                json.RawMessage(`12.50`),
			},
			Notes: []string{"added missing comma", "trimmed BOM"},
		}
		body := append([]byte(`{"binary":"`), 0x00, 0xff, 0xfe, '"', '}')
		it := lead.Incoming{
			ID:         newID(),
			Channel:    lead.ChannelHTTPS,
			ReceivedAt: time.Date(2024, 2, 29, 23, 59, 58, 123456789, time.FixedZone("UTC+5", 5*3600)),
			Body:       body,
			SHA256:     sha(body),
			Parsed:     &p,
		}
		commit(t, s, []lead.Incoming{it})

		got, err := s.GetLead(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantTime := time.Date(2024, 2, 29, 18, 59, 58, 123456000, time.UTC)
		if !got.ReceivedAt.Equal(wantTime) || got.ReceivedAt.Location() != time.UTC {
			t.Fatalf("received_at = %v, want %v", got.ReceivedAt, wantTime)
		}
		if got.ID != it.ID || got.Channel != lead.ChannelHTTPS || !bytes.Equal(got.RawBody, body) {
			t.Fatalf("lead %+v", got)
		}
		if !reflect.DeepEqual(got.Parsed, p) {
			t.Fatalf("parsed:\n got %+v\nwant %+v", got.Parsed, p)
		}
		raw, err := s.GetRaw(ctx, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !raw.ReceivedAt.Equal(wantTime) || raw.ReceivedAt.Location() != time.UTC || raw.Status != lead.RawParsed {
			t.Fatalf("raw %+v", raw)
		}

		// Empty JSON values come back as an empty map and nils.
		q := simpleParsed("Empty")
		q.DescriptionParams = nil
		it2 := parsedItem("empty", q)
		it2.ReceivedAt = time.UnixMicro(-1234567).In(time.Local) // before 1970
		commit(t, s, []lead.Incoming{it2})
		got, err = s.GetLead(ctx, it2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.DescriptionParams == nil || len(got.DescriptionParams) != 0 || got.Extra != nil || got.Notes != nil {
			t.Fatalf("empty JSON values: %#v %#v %#v", got.DescriptionParams, got.Extra, got.Notes)
		}
		if got.ReceivedAt.UnixMicro() != -1234567 || got.ReceivedAt.Location() != time.UTC {
			t.Fatalf("received_at = %v", got.ReceivedAt)
		}

		// The list has the same lead, without its body.
		page, err := s.ListLeads(ctx, lead.LeadFilter{IsTest: ptr(true)})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Leads) != 1 || !reflect.DeepEqual(page.Leads[0].Parsed, p) || page.Leads[0].RawBody != nil {
			t.Fatalf("listed %+v", page.Leads)
		}

		_, err = s.GetLead(ctx, newID())
		wantKind(t, err, lead.KindNotFound)
		_, err = s.GetRaw(ctx, "nope")
		wantKind(t, err, lead.KindNotFound)
	})
}

func TestUnstorableText(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		p := simpleParsed("a\x00b")
		p.Contact.Company = "bad\xffutf8"
		p.DescriptionParams = map[string]string{"k": "v\x00"}
		good := parsedItem("nul", p)
		bad := badItem("nul2", "invalid character '\x00'")
		out := commit(t, s, []lead.Incoming{good, bad})
		if out[1].Error != "invalid character '\uFFFD'" {
			t.Fatalf("outcome error %q", out[1].Error)
		}
		l, err := s.GetLead(ctx, good.ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Contact.FirstName != "a\uFFFDb" || l.Contact.Company != "bad\uFFFDutf8" || l.DescriptionParams["k"] != "v\x00" {
			t.Fatalf("contact %+v params %q", l.Contact, l.DescriptionParams)
		}
		page, err := s.ListLeads(ctx, lead.LeadFilter{Query: "a\x00b", Offer: "\xff"})
		if err != nil || len(page.Leads) != 0 {
			t.Fatalf("query with NUL: %v %v", page.Leads, err)
		}
		page, err = s.ListLeads(ctx, lead.LeadFilter{Query: "BAD\uFFFD"})
		if err != nil || len(page.Leads) != 1 {
			t.Fatalf("query with U+FFFD: %v %v", page.Leads, err)
		}
		_, err = s.GetLead(ctx, "x\x00")
		wantKind(t, err, lead.KindNotFound)
		_, err = s.RevokeCredential(ctx, lead.CredentialAPI, "x\x00")
		wantKind(t, err, lead.KindNotFound)
	})
}

func TestQuarantine(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		q1, q2, q3 := badItem("q1", "e1"), badItem("q2", "e2"), badItem("q3", "e3")
		ok := parsedItem("ok", simpleParsed("Ok"))
		commit(t, s, []lead.Incoming{q1, q2, ok, q3})

		if n, err := s.CountQuarantined(ctx); err != nil || n != 3 {
			t.Fatalf("CountQuarantined = %d, %v", n, err)
		}
		page, err := s.ListQuarantine(ctx, lead.QuarantineFilter{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if ids := rawIDs(page.Raws); !slices.Equal(ids, []string{q3.ID, q2.ID}) || page.NextCursor == "" {
			t.Fatalf("page 1: %q next %q", ids, page.NextCursor)
		}
		if r := page.Raws[0]; string(r.Body) != "q3" || r.Error != "e3" || r.Attempts != 1 || r.Status != lead.RawQuarantined || r.SHA256 != q3.SHA256 {
			t.Fatalf("listed raw %+v", r)
		}
		page, err = s.ListQuarantine(ctx, lead.QuarantineFilter{Limit: 2, Cursor: page.NextCursor})
		if err != nil {
			t.Fatal(err)
		}
		if ids := rawIDs(page.Raws); !slices.Equal(ids, []string{q1.ID}) || page.NextCursor != "" {
			t.Fatalf("page 2: %q next %q", ids, page.NextCursor)
		}

		// Another failed attempt.
		r, err := s.ResolveQuarantined(ctx, q1.ID, nil, nil, "still bad")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != lead.RawQuarantined || r.Attempts != 2 || r.Error != "still bad" || string(r.Body) != "q1" {
			t.Fatalf("after a failed attempt: %+v", r)
		}
		if got, _ := s.GetRaw(ctx, q1.ID); got.Attempts != 2 || got.Error != "still bad" {
			t.Fatalf("GetRaw after a failed attempt: %+v", got)
		}

		// Success: the lead takes the raw lead's identity.
		p := simpleParsed("Fixed")
		p.Notes = []string{"reparsed"}
		r, err = s.ResolveQuarantined(ctx, q2.ID, nil, &p, "")
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != lead.RawParsed || r.Error != "" || r.ID != q2.ID {
			t.Fatalf("after success: %+v", r)
		}
		l, err := s.GetLead(ctx, q2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !l.ReceivedAt.Equal(q2.ReceivedAt.Truncate(time.Microsecond)) || l.Channel != q2.Channel ||
			string(l.RawBody) != "q2" || !reflect.DeepEqual(l.Parsed, p) {
			t.Fatalf("resolved lead %+v", l)
		}
		if n, _ := s.CountQuarantined(ctx); n != 2 {
			t.Fatalf("CountQuarantined = %d, want 2", n)
		}
		page, _ = s.ListQuarantine(ctx, lead.QuarantineFilter{})
		if ids := rawIDs(page.Raws); !slices.Equal(ids, []string{q3.ID, q1.ID}) {
			t.Fatalf("quarantine after success: %q", ids)
		}
		// A duplicate of the resolved body now reports it parsed.
		out := commit(t, s, []lead.Incoming{badItem("q2", "e2")})
		if want := (lead.Outcome{ID: q2.ID, Duplicate: true, Status: lead.RawParsed}); out[0] != want {
			t.Fatalf("duplicate of a resolved body: %+v", out[0])
		}

		_, err = s.ResolveQuarantined(ctx, q2.ID, nil, &p, "")
		wantKind(t, err, lead.KindConflict)
		_, err = s.ResolveQuarantined(ctx, ok.ID, nil, nil, "x")
		wantKind(t, err, lead.KindConflict)
		_, err = s.ResolveQuarantined(ctx, newID(), nil, nil, "x")
		wantKind(t, err, lead.KindNotFound)
	})
}

func TestClosed(t *testing.T) {
	t.Parallel()
	conformance(t, func(t *testing.T, e storetest.Engine) {
		s, err := store.Open(ctxT(t), e.NewDSN(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Ping(ctxT(t)); err == nil {
			t.Fatal("Ping after Close succeeded")
		}
	})
}

func ptr[T any](v T) *T { return &v }

func leadIDs(ls []lead.Lead) []string {
	var ids []string
	for _, l := range ls {
		ids = append(ids, l.ID)
	}
	return ids
}

func rawIDs(rs []lead.RawLead) []string {
	var ids []string
	for _, r := range rs {
		ids = append(ids, r.ID)
	}
	return ids
}

// TestSQLiteFileModes: a database leadhub creates, and its -wal and -shm
// files, are readable by their owner only; an existing file keeps its mode.
func TestSQLiteFileModes(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	dir := t.TempDir()
	// create makes and migrates a SQLite database at path.
	create := func(path string) *store.Store {
		t.Helper()
		s, err := store.Create(ctx, "sqlite:"+path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return s
	}
	path := filepath.Join(dir, "leadhub.db")
	s := create(path)
	commit(t, s, []lead.Incoming{parsedItem("mode", simpleParsed("Mode"))})
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := fi.Mode().Perm(); m != 0o600 {
			t.Errorf("%s has mode %v, want 0600", filepath.Base(f), m)
		}
	}

	shared := filepath.Join(dir, "shared.db")
	if err := os.WriteFile(shared, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o640); err != nil {
		t.Fatal(err)
	}
	create(shared)
	if fi, err := os.Stat(shared); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("an existing database's mode changed: %v %v", fi.Mode(), err)
	}
}

// TestOpenDoesNotCreate: opening a SQLite database that is not there fails
// and names the file by its absolute path (a relative address is relative
// to the working directory, the usual surprise) instead of creating an
// empty database.
func TestOpenDoesNotCreate(t *testing.T) {
	t.Parallel()
	ctx := ctxT(t)
	path := filepath.Join(t.TempDir(), "leadhub.db")
	rel := "missing-" + newID() + ".db"
	t.Cleanup(func() {
		for _, f := range []string{rel, rel + "-wal", rel + "-shm"} {
			os.Remove(f)
		}
	})
	for _, p := range []string{path, rel} {
		_, err := store.Open(ctx, "sqlite:"+p)
		wantKind(t, err, lead.KindNotFound)
		abs, _ := filepath.Abs(p)
		if !strings.Contains(lead.MessageOf(err), abs) {
			t.Errorf("Open(%s): %q does not name %s", p, lead.MessageOf(err), abs)
		}
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Fatalf("Open created %s (%v)", p, err)
		}
	}

	// Create is the form that creates; then Open finds it.
	for _, open := range []func(context.Context, string) (*store.Store, error){store.Create, store.Open, store.Create} {
		s, err := open(ctx, "sqlite:"+path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// PostgreSQL databases are never created, not even by Create.
	if u := os.Getenv(storetest.PostgresURLEnv); u != "" {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		pu.Path = "/leadhub_missing_" + strings.ToLower(newID())
		q := pu.Query()
		q.Set("connect_timeout", "5")
		pu.RawQuery = q.Encode()
		for _, open := range []func(context.Context, string) (*store.Store, error){store.Create, store.Open} {
			if s, err := open(ctx, pu.String()); err == nil {
				s.Close()
				t.Fatalf("opened the missing PostgreSQL database %s", pu.Path)
			}
		}
	}
}
