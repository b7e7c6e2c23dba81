package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func payload(t *testing.T, body string) ingest.Payload {
	t.Helper()
	p := ingest.Payload{Channel: lead.ChannelHTTPS, Body: []byte(body)}
	parsed, err := marketplace.Decode(p.Body)
	if err != nil {
		p.ParseErr = err.Error()
	} else {
		p.Parsed = parsed
	}
	return p
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
						out, err := ib.Submit(context.Background(), payload(t, leadBody(i)))
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
			page, err := st.ListLeads(context.Background(), lead.LeadFilter{Limit: lead.MaxPageSize})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Leads) != bodies {
				t.Fatalf("stored %d leads, want %d", len(page.Leads), bodies)
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
			out, err := ib.Submit(context.Background(), payload(t, `not json`))
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != lead.RawQuarantined || out.Duplicate || out.Error == "" {
				t.Fatalf("outcome %+v, want a new quarantined raw lead with its error", out)
			}
			again, err := ib.Submit(context.Background(), payload(t, `not json`))
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
	first, err := ib.Submit(context.Background(), payload(t, leadBody(1)))
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(ingest.DefaultDedupWindow - time.Minute)
	if again, _ := ib.Submit(context.Background(), payload(t, leadBody(1))); !again.Duplicate || again.ID != first.ID {
		t.Fatalf("within the window: %+v, want duplicate of %s", again, first.ID)
	}
	now = now.Add(2 * time.Minute)
	later, err := ib.Submit(context.Background(), payload(t, leadBody(1)))
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
	_, err := ib.Submit(context.Background(), payload(t, leadBody(1)))
	if lead.KindOf(err) != lead.KindUnavailable {
		t.Fatalf("err = %v, want kind unavailable", err)
	}
	ib.Close()
	if _, err := ib.Submit(context.Background(), payload(t, leadBody(2))); err != ingest.ErrClosed {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
}

func TestReprocess(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	ib := ingest.New(st, ingest.Options{})
	defer ib.Close()
	out, err := ib.Submit(context.Background(), payload(t, `{"a": }`))
	if err != nil {
		t.Fatal(err)
	}
	res, err := ingest.Reprocess(context.Background(), st, out.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Lead != nil || res.Raw.Attempts != 2 || res.Raw.Status != lead.RawQuarantined {
		t.Fatalf("still-bad body: %+v", res)
	}
	good, err := ib.Submit(context.Background(), payload(t, leadBody(7)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.Reprocess(context.Background(), st, good.ID); lead.KindOf(err) != lead.KindConflict {
		t.Fatalf("reprocess of a parsed lead: %v, want conflict", err)
	}
	if _, err := ingest.Reprocess(context.Background(), st, "nope"); lead.KindOf(err) != lead.KindNotFound {
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
			res, err := ingest.Reprocess(context.Background(), st, outs[0].ID)
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
