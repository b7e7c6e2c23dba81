package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// TestPermanentDedupKeys checks keys of their own (an Azure Table entity,
// an imported row): they never expire, whatever the body, and the raw lead
// remembers its source.
func TestPermanentDedupKeys(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		a := parsedItem(`{"v":1}`, simpleParsed("Ann"))
		a.Channel, a.Source, a.DedupKey, a.DedupUntil = lead.ChannelAzureTable, "azure_table:acct/leads", "azure_table:acct/leads/p/r1", time.Time{}
		a.ReceivedAt = time.Now().Add(-400 * 24 * time.Hour)
		commit(t, s, []lead.Incoming{a})

		// Same key, different body (the entity was rewritten), a year later: still a duplicate.
		b := parsedItem(`{"v":2}`, simpleParsed("Ann"))
		b.Channel, b.Source, b.DedupKey, b.DedupUntil = a.Channel, a.Source, a.DedupKey, time.Time{}
		// Same body as a, but through HTTPS: a different key, so a new lead.
		c := parsedItem(`{"v":1}`, simpleParsed("Ann"))
		out := commit(t, s, []lead.Incoming{b, c})
		if !out[0].Duplicate || out[0].ID != a.ID || out[1].Duplicate {
			t.Fatalf("outcomes %+v", out)
		}
		raw, err := s.GetRaw(ctxT(t), a.ID)
		if err != nil || raw.Source != "azure_table:acct/leads" || raw.Channel != lead.ChannelAzureTable {
			t.Fatalf("raw %+v %v", raw, err)
		}
		if raw, _ := s.GetRaw(ctxT(t), c.ID); raw.Source != "https" {
			t.Fatalf("a raw lead without a source takes its channel's name, got %q", raw.Source)
		}
	})
}

func TestCheckpoints(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if v, err := s.GetCheckpoint(ctx, "azure_table:a/t"); err != nil || v != "" {
			t.Fatalf("missing checkpoint: %q %v", v, err)
		}
		for _, v := range []string{`{"watermark":"1"}`, `{"watermark":"2"}`} {
			if err := s.SetCheckpoint(ctx, "azure_table:a/t", v); err != nil {
				t.Fatal(err)
			}
			if got, err := s.GetCheckpoint(ctx, "azure_table:a/t"); err != nil || got != v {
				t.Fatalf("checkpoint %q %v, want %q", got, err, v)
			}
		}
	})
}

func TestSourceActivity(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		day := time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)
		var in []lead.Incoming
		for i, at := range []time.Time{day.Add(-48 * time.Hour), day, day.Add(time.Hour)} {
			it := parsedItem(`{"n":`+string(rune('0'+i))+`}`, simpleParsed("A"))
			it.ReceivedAt, it.DedupUntil = at, at.Add(time.Hour)
			in = append(in, it)
		}
		commit(t, s, in)
		if err := s.RecordSourceResult(ctx, "azure_table:a/t", "azure table a/t: 403 AuthenticationFailed", day); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordSourceResult(ctx, "azure_table:a/t", "again", day.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		acts, err := s.SourceActivity(ctx, day.Add(-24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		want := []lead.SourceActivity{
			{Source: "azure_table:a/t", PerDay: map[string]int{}, LastError: "again", LastErrorAt: day.Add(time.Minute), Failures: 2},
			{Source: "https", Total: 3, LastReceived: day.Add(time.Hour), PerDay: map[string]int{"2026-03-10": 2}},
		}
		if !reflect.DeepEqual(acts, want) {
			t.Fatalf("activity\n got %+v\nwant %+v", acts, want)
		}
		if err := s.RecordSourceResult(ctx, "azure_table:a/t", "", day.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		acts, _ = s.SourceActivity(ctx, day)
		if a := acts[0]; a.Failures != 0 || !a.LastOKAt.Equal(day.Add(2*time.Minute)) || a.LastError != "again" {
			t.Fatalf("after a success: %+v", a)
		}
	})
}

func TestImports(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		now := time.Now().UTC().Truncate(time.Microsecond)
		im := lead.Import{ID: "01IMPORT", Filename: "leads.csv", Status: lead.ImportRunning, CreatedAt: now, UpdatedAt: now, Errors: []lead.RowError{}}
		if err := s.CreateImport(ctx, im); err != nil {
			t.Fatal(err)
		}
		im.Rows, im.Created, im.Flagged, im.Duplicates, im.Quarantined, im.Failed = 14, 7, 3, 2, 1, 1
		im.Errors = []lead.RowError{{Line: 5, Message: "email: not an address", Outcome: lead.RowFlagged, ID: "01LEAD"},
			{Line: 6, Message: "no contact details", Outcome: lead.RowQuarantined, ID: "01RAW"}, {Line: 7, Message: "not stored", Outcome: lead.RowFailed}}
		im.Status = lead.ImportDone
		fin := now.Add(time.Second)
		im.FinishedAt, im.UpdatedAt = &fin, fin
		if err := s.UpdateImport(ctx, im); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetImport(ctx, im.ID)
		if err != nil || !reflect.DeepEqual(got, im) {
			t.Fatalf("GetImport\n got %+v %v\nwant %+v", got, err, im)
		}
		list, err := s.ListImports(ctx, 10)
		if err != nil || len(list) != 1 || list[0].ID != im.ID {
			t.Fatalf("ListImports %+v %v", list, err)
		}
		if _, err := s.GetImport(ctx, "nope"); lead.KindOf(err) != lead.KindNotFound {
			t.Fatalf("missing import: %v", err)
		}
		if err := s.UpdateImport(ctx, lead.Import{ID: "nope"}); lead.KindOf(err) != lead.KindNotFound {
			t.Fatalf("update of a missing import: %v", err)
		}

		// A running import whose server died is marked failed; a fresh one is left alone.
		stale := lead.Import{ID: "01STALE", Status: lead.ImportRunning, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), Errors: []lead.RowError{}}
		live := lead.Import{ID: "01LIVE", Status: lead.ImportRunning, CreatedAt: now, UpdatedAt: now, Errors: []lead.RowError{}}
		for _, im := range []lead.Import{stale, live} {
			if err := s.CreateImport(ctx, im); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := s.FailStaleImports(ctx, now.Add(-time.Minute), "interrupted: the server stopped"); err != nil || n != 1 {
			t.Fatalf("FailStaleImports = %d, %v; want 1", n, err)
		}
		if got, _ := s.GetImport(ctx, stale.ID); got.Status != lead.ImportFailed || got.Error != "interrupted: the server stopped" || got.FinishedAt == nil {
			t.Fatalf("stale import %+v", got)
		}
		if got, _ := s.GetImport(ctx, live.ID); got.Status != lead.ImportRunning {
			t.Fatalf("live import %+v", got)
		}
	})
}
