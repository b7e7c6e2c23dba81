package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
	"github.com/leadhub/leadhub/internal/metricstest"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func payload(body string) ingest.Body {
	return ingest.Body{Channel: lead.ChannelHTTPS, Body: []byte(body)}
}

func leadBody(i int) string {
	return fmt.Sprintf(`{"UserDetails":{"Email":"user%d@example.com"},"LeadSource":"AppSource (SPZA)-PLT|contoso.crm"}`, i)
}

// TestInboxConcurrentSubmissions submits many bodies, each several times,
// from many goroutines: every distinct body is stored once, and every
// submission of it is answered with that one id.
func TestInboxConcurrentSubmissions(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			ib := ingest.New(st, ingest.Options{Writers: 2, MaxBatch: 16})
			defer ib.Close()
			const bodies, repeats = 200, 3
			ids := make([][]string, bodies)
			for i := range ids {
				ids[i] = make([]string, repeats)
			}
			var wg sync.WaitGroup
			errs := make(chan error, bodies*repeats)
			for r := range repeats {
				for i := range bodies {
					wg.Add(1)
					go func() {
						defer wg.Done()
						out, err := ib.Receive(context.Background(), payload(leadBody(i)))
						if err != nil {
							errs <- err
							return
						}
						ids[i][r] = out.ID
					}()
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for i := range bodies {
				for r := 1; r < repeats; r++ {
					if ids[i][r] != ids[i][0] {
						t.Fatalf("body %d answered with ids %v", i, ids[i])
					}
				}
				if seen[ids[i][0]] {
					t.Fatalf("two bodies share id %s", ids[i][0])
				}
				seen[ids[i][0]] = true
			}
			if n := len(storetest.AllLeads(t, st)); n != bodies {
				t.Fatalf("stored %d leads, want %d", n, bodies)
			}
		})
	}
}

func TestInboxQuarantinesBadBodies(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			ib := ingest.New(st, ingest.Options{})
			defer ib.Close()
			out, err := ib.Receive(context.Background(), payload(`not json`))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != lead.RawQuarantined || out.Duplicate || out.Error == "" {
				t.Fatalf("outcome %+v, want a new quarantined raw lead with its error", out)
			}
			again, err := ib.Receive(context.Background(), payload(`not json`))
			if err != nil {
				t.Fatal(err)
			}
			if !again.Duplicate || again.ID != out.ID || again.Status != lead.RawQuarantined {
				t.Fatalf("redelivery %+v, want duplicate of %s", again, out.ID)
			}
			if n, _ := st.CountQuarantined(context.Background()); n != 1 {
				t.Fatalf("quarantine holds %d, want 1", n)
			}
		})
	}
}

func TestInboxDedupWindow(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	ib := ingest.New(st, ingest.Options{Now: func() time.Time { return now }})
	defer ib.Close()
	first, err := ib.Receive(context.Background(), payload(leadBody(1)))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(ingest.DefaultDedupWindow - time.Minute)
	if again, _ := ib.Receive(context.Background(), payload(leadBody(1))); !again.Duplicate || again.ID != first.ID {
		t.Fatalf("within the window: %+v, want duplicate of %s", again, first.ID)
	}
	now = now.Add(2 * time.Minute)
	later, err := ib.Receive(context.Background(), payload(leadBody(1)))
	if err != nil {
		t.Fatal(err)
	}
	if later.Duplicate || later.ID == first.ID {
		t.Fatalf("after the window: %+v, want a new lead", later)
	}
}

func TestInboxStoreFailureIsUnavailable(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	ib := ingest.New(st, ingest.Options{})
	st.Close() // the database goes away
	_, err := ib.Receive(context.Background(), payload(leadBody(1)))
	if lead.KindOf(err) != lead.KindUnavailable {
		t.Fatalf("err = %v, want kind unavailable", err)
	}
	ib.Close()
	if _, err := ib.Receive(context.Background(), payload(leadBody(2))); err != ingest.ErrClosed {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

func TestReprocess(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	ib := ingest.New(st, ingest.Options{})
	defer ib.Close()
	out, err := ib.Receive(context.Background(), payload(`{"a": }`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Reprocess(context.Background(), st, out.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lead != nil || res.Raw.Attempts != 2 || res.Raw.Status != lead.RawQuarantined {
		t.Fatalf("still-bad body: %+v", res)
	}
	good, err := ib.Receive(context.Background(), payload(leadBody(7)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Reprocess(context.Background(), st, good.ID, nil); lead.KindOf(err) != lead.KindConflict {
		t.Fatalf("reprocess of a parsed lead: %v, want conflict", err)
	}
	if _, err := ingest.Reprocess(context.Background(), st, "nope", nil); lead.KindOf(err) != lead.KindNotFound {
		t.Fatalf("reprocess of a missing id: %v, want not found", err)
	}
}

// TestReprocessAfterParserFix stores a valid body as an older parser would
// have left it (quarantined) and checks that reprocessing makes its lead.
func TestReprocessAfterParserFix(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			body := []byte(leadBody(3))
			now := time.Now().UTC().Truncate(time.Microsecond)
			outs, err := st.CommitBatch(context.Background(), []lead.Incoming{{
				ID: "01KAAAAAAAAAAAAAAAAAAAAAAA", Channel: lead.ChannelHTTPS, ReceivedAt: now,
				Body: body, SHA256: "feed", ParseErr: "an older parser could not read this",
			}})
			if err != nil || outs[0].Status != lead.RawQuarantined {
				t.Fatalf("seed: %v %+v", err, outs)
			}
			res, err := ingest.Reprocess(context.Background(), st, outs[0].ID, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Lead == nil || res.Raw.Status != lead.RawParsed || res.Lead.ID != outs[0].ID {
				t.Fatalf("reprocess: %+v", res)
			}
			if res.Lead.Contact.Email != "user3@example.com" || res.Lead.Stage != lead.StageInterest || !res.Lead.ReceivedAt.Equal(now) {
				t.Fatalf("lead %+v", res.Lead)
			}
			if n, _ := st.CountQuarantined(context.Background()); n != 0 {
				t.Fatalf("quarantine holds %d after reprocessing, want 0", n)
			}
		})
	}
}

// TestReceiveEveryChannel sends a good body, a bad one and a redelivery
// by each channel: each is parsed by the channel's parser, stored, and
// counted in the ingest metrics, and each committed batch calls OnCommit.
func TestReceiveEveryChannel(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	reg := prometheus.NewRegistry()
	var commits atomic.Int64
	ib := ingest.New(st, ingest.Options{
		Metrics:  ingest.NewMetrics(reg, st.CountQuarantined),
		OnCommit: func() { commits.Add(1) },
	})
	defer ib.Close()
	ctx := context.Background()
	channels := []lead.Channel{lead.ChannelHTTPS, lead.ChannelAzureTable, lead.ChannelImport}
	for i, ch := range channels {
		good := ingest.Body{Channel: ch, Source: "src-" + string(ch), Body: []byte(leadBody(100 + i))}
		if ch != lead.ChannelHTTPS {
			good.DedupKey = "key-" + string(ch)
		}
		rc, err := ib.Receive(ctx, good)
		if err != nil {
			t.Fatal(err)
		}
		if rc.Duplicate || rc.Status != lead.RawParsed || rc.Parsed == nil || rc.ParseErr != nil {
			t.Fatalf("%s: good body: %+v", ch, rc)
		}
		if rc.Parsed.Contact.Email != fmt.Sprintf("user%d@example.com", 100+i) || rc.Parsed.Action != "PLT" {
			t.Fatalf("%s: parsed %+v", ch, rc.Parsed)
		}
		raw, err := st.GetRaw(ctx, rc.ID)
		if err != nil || raw.Channel != ch || raw.Source != "src-"+string(ch) || raw.Status != lead.RawParsed {
			t.Fatalf("%s: stored raw lead %+v, %v", ch, raw, err)
		}
		again, err := ib.Receive(ctx, good)
		if err != nil || !again.Duplicate || again.ID != rc.ID || again.Parsed == nil {
			t.Fatalf("%s: redelivery %+v, %v", ch, again, err)
		}

		bad, err := ib.Receive(ctx, ingest.Body{Channel: ch, Body: []byte(`{"UserDetails": [`)})
		if err != nil {
			t.Fatal(err)
		}
		var de *marketplace.DecodeError
		if bad.Status != lead.RawQuarantined || bad.Parsed != nil || !errors.As(bad.ParseErr, &de) || bad.Error != de.Message {
			t.Fatalf("%s: bad body: %+v", ch, bad)
		}
	}
	if got := metricstest.Value(t, reg, "leadhub_leads_received_total", "source", "AppSource (SPZA)", "action", "PLT", "stage", "interest"); got != 3 {
		t.Errorf("leads received = %v, want 3 (one per channel)", got)
	}
	// The bad bodies are the same bytes without a key of their own, so
	// they share the body's hash as key: the first is kept in quarantine,
	// the other two are its duplicates.
	if got := metricstest.Value(t, reg, "leadhub_ingest_quarantined_total"); got != 1 {
		t.Errorf("quarantined = %v, want 1", got)
	}
	if got := metricstest.Value(t, reg, "leadhub_ingest_duplicates_total"); got != 5 {
		t.Errorf("duplicates = %v, want 5", got)
	}
	if got := metricstest.Value(t, reg, "leadhub_quarantine_size"); got != 1 {
		t.Errorf("quarantine size = %v, want 1", got)
	}
	if got := metricstest.Value(t, reg, "leadhub_ingest_batch_size"); got != 9 {
		t.Errorf("batches = %v, want 9 (one per Receive)", got)
	}
	if n := commits.Load(); n != 9 {
		t.Errorf("OnCommit called %d times, want 9", n)
	}
}

// TestReceiveLabels keeps label values to the documented set.
func TestReceiveLabels(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	reg := prometheus.NewRegistry()
	ib := ingest.New(st, ingest.Options{Metrics: ingest.NewMetrics(reg, nil)})
	defer ib.Close()
	for _, body := range []string{
		`{"Email":"a@example.com","LeadSource":"Somewhere-Jump|x.y"}`,
		`{"Email":"b@example.com"}`,
	} {
		if _, err := ib.Receive(context.Background(), payload(body)); err != nil {
			t.Fatal(err)
		}
	}
	if got := metricstest.Value(t, reg, "leadhub_leads_received_total", "source", "other", "action", "other"); got != 1 {
		t.Errorf("unknown source and action: %v, want 1 under \"other\"", got)
	}
	if got := metricstest.Value(t, reg, "leadhub_leads_received_total", "source", "none", "action", "none"); got != 1 {
		t.Errorf("no source or action: %v, want 1 under \"none\"", got)
	}
}

// TestReceiveQuarantineAndUnknownChannel: a body the channel refused is
// kept in quarantine unparsed with the channel's error; a channel without
// a parser is refused and stores nothing.
func TestReceiveQuarantineAndUnknownChannel(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	var commits atomic.Int64
	ib := ingest.New(st, ingest.Options{OnCommit: func() { commits.Add(1) }})
	defer ib.Close()
	ctx := context.Background()
	rc, err := ib.Receive(ctx, ingest.Body{Channel: lead.ChannelHTTPS, Body: []byte(leadBody(1)), Quarantine: "too big"})
	if err != nil {
		t.Fatal(err)
	}
	if rc.Status != lead.RawQuarantined || rc.Parsed != nil || rc.ParseErr == nil || rc.ParseErr.Error() != "too big" || rc.Error != "too big" {
		t.Fatalf("refused body: %+v", rc)
	}
	raw, err := st.GetRaw(ctx, rc.ID)
	if err != nil || string(raw.Body) != leadBody(1) || raw.Error != "too big" {
		t.Fatalf("raw %+v, %v", raw, err)
	}
	if _, err := ib.Receive(ctx, ingest.Body{Channel: "fax", Body: []byte(leadBody(2))}); lead.KindOf(err) != lead.KindInvalid {
		t.Fatalf("unknown channel: %v, want kind invalid", err)
	}
	if n, _ := st.CountQuarantined(ctx); n != 1 {
		t.Errorf("quarantine holds %d, want 1", n)
	}
	if n := commits.Load(); n != 1 {
		t.Errorf("OnCommit called %d times, want 1", n)
	}
}

// TestReceiveNoContactEveryChannel: a body without any contact field is
// kept in quarantine by every channel, with the same error.
func TestReceiveNoContactEveryChannel(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	ib := ingest.New(st, ingest.Options{})
	defer ib.Close()
	for _, ch := range []lead.Channel{lead.ChannelHTTPS, lead.ChannelAzureTable, lead.ChannelImport} {
		rc, err := ib.Receive(context.Background(), ingest.Body{Channel: ch, Body: []byte(`{}`), DedupKey: "empty-" + string(ch)})
		if err != nil {
			t.Fatal(err)
		}
		if rc.Status != lead.RawQuarantined || rc.Duplicate || rc.Parsed != nil || !strings.Contains(rc.Error, "no contact details") {
			t.Errorf("%s: {} gave %+v, want a new quarantined raw lead saying it has no contact details", ch, rc)
		}
	}
	if leads := storetest.AllLeads(t, st); len(leads) != 0 {
		t.Fatalf("leads %+v; want none", leads)
	}
}

// TestReprocessWithFix: an operator's correction is parsed instead of the
// body, kept whether or not it parses, and parsed again by a later
// reprocessing; the body as received never changes.
func TestReprocessWithFix(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			st := e.Open(t)
			ib := ingest.New(st, ingest.Options{})
			defer ib.Close()
			ctx := context.Background()
			rc, err := ib.Receive(ctx, ingest.Body{Channel: lead.ChannelImport, Body: []byte(`{"UserDetails":{"Email":"n/a"},"_import":{"line":3}}`), ImportID: "01IMP"})
			if err != nil || rc.Status != lead.RawQuarantined {
				t.Fatalf("a row with nothing but a placeholder: %+v %v", rc, err)
			}
			if _, err := ingest.Reprocess(ctx, st, rc.ID, []byte(" \n")); lead.KindOf(err) != lead.KindInvalid {
				t.Fatalf("an empty fix: %v, want invalid", err)
			}
			res, err := ingest.Reprocess(ctx, st, rc.ID, []byte(`{"UserDetails":{"Email":"still n/a"}}`))
			if err != nil || res.Lead != nil || string(res.Raw.FixedBody) != `{"UserDetails":{"Email":"still n/a"}}` {
				t.Fatalf("a fix that does not parse: %+v %v", res, err)
			}
			// A later reprocessing without a fix parses the last one again.
			if res, err = ingest.Reprocess(ctx, st, rc.ID, nil); err != nil || res.Lead != nil || res.Raw.Attempts != 3 {
				t.Fatalf("reprocessing the last fix: %+v %v", res, err)
			}
			res, err = ingest.Reprocess(ctx, st, rc.ID, []byte(`{"UserDetails":{"FirstName":"Ann","Email":"ann@contoso.com"},"_import":{"line":3}}`))
			if err != nil || res.Lead == nil || res.Lead.Contact.Email != "ann@contoso.com" || res.Raw.Status != lead.RawParsed {
				t.Fatalf("a good fix: %+v %v", res, err)
			}
			raw, err := st.GetRaw(ctx, rc.ID)
			if err != nil || string(raw.Body) != `{"UserDetails":{"Email":"n/a"},"_import":{"line":3}}` || raw.ImportID != "01IMP" {
				t.Fatalf("the raw lead after its fix: %+v %v", raw, err)
			}
		})
	}
}
