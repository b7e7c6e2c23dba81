package store_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// TestSourceActivityPerDay: each source's raw leads are counted per UTC
// day from the first day asked on (a lead at its very start counts, one a
// microsecond before does not), parsed and quarantined alike, and a
// source whose leads are all older has no days.
func TestSourceActivityPerDay(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		day0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		var in []lead.Incoming
		add := func(source string, at time.Time, quarantined bool) {
			body := fmt.Sprintf(`{"n":%d}`, len(in))
			it := parsedItem(body, simpleParsed("A"))
			if quarantined {
				it = badItem(body, "bad")
			}
			it.Source, it.ReceivedAt, it.DedupUntil = source, at, at.Add(time.Hour)
			in = append(in, it)
		}
		add("https", day0.Add(-time.Microsecond), false) // the day before
		add("https", day0, false)
		add("https", day0.Add(23*time.Hour), true)
		add("https", day0.Add(3*24*time.Hour+time.Minute), false)
		add("azure_table:a/t", day0.Add(26*time.Hour), false)
		add("azure_table:a/t", day0.Add(47*time.Hour), false)
		add("import", day0.Add(-10*24*time.Hour), false)
		commit(t, s, in)
		acts, err := s.SourceActivity(ctxT(t), day0.Add(5*time.Hour)) // counted from the start of its day
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]map[string]int{}
		totals := map[string]int64{}
		for _, a := range acts {
			got[a.Source], totals[a.Source] = a.PerDay, a.Total
		}
		want := map[string]map[string]int{
			"https":           {"2026-03-01": 2, "2026-03-04": 1},
			"azure_table:a/t": {"2026-03-02": 2},
			"import":          {},
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("per day\n got %v\nwant %v", got, want)
		}
		if !reflect.DeepEqual(totals, map[string]int64{"https": 4, "azure_table:a/t": 2, "import": 1}) {
			t.Fatalf("totals %v", totals)
		}
	})
}
