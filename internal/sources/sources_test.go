package sources_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 5, 20, 12, 0, 0, 0, time.UTC)
	configured := []sources.Configured{
		{Source: "https", Kind: "https"},
		{Source: "azure_table:acct/marketplaceleads", Kind: "azure_table", Config: map[string]string{"table": "MarketplaceLeads"}},
	}
	acts := []lead.SourceActivity{
		{Source: "https", Total: 40, LastReceived: now.Add(-8 * 24 * time.Hour)},
		{Source: "azure_table:acct/marketplaceleads", Total: 5, LastReceived: now.Add(-time.Hour), Failures: 2, LastError: "403 AuthenticationFailed"},
		{Source: "import", Total: 3, LastReceived: now.Add(-30 * 24 * time.Hour), PerDay: map[string]int{}},
		{Source: "azure_table:other/t", Total: 1, LastReceived: now.Add(-time.Hour), PerDay: map[string]int{"2026-05-20": 1}},
	}
	got := sources.Evaluate(configured, acts, now, 7*24*time.Hour)
	want := map[string]sources.State{
		"https":                             sources.StateSilent,
		"azure_table:acct/marketplaceleads": sources.StateFailing,
		"import":                            sources.StateSilent,
		"azure_table:other/t":               sources.StateOK,
	}
	if len(got) != len(want) {
		t.Fatalf("got %d statuses: %+v", len(got), got)
	}
	for _, st := range got {
		if st.State != want[st.Source] {
			t.Errorf("%s: state %s (%s), want %s", st.Source, st.State, st.Reason, want[st.Source])
		}
		if len(st.PerDay) != sources.Days || st.PerDay[sources.Days-1].Day != "2026-05-20" {
			t.Errorf("%s: per_day %v", st.Source, st.PerDay)
		}
	}
	if got[0].Config["table"] != "MarketplaceLeads" || got[0].Kind != "azure_table" {
		t.Errorf("configuration lost: %+v", got[0])
	}
	// A configured source that never delivered anything is not silent.
	fresh := sources.Evaluate(configured[:1], nil, now, time.Hour)
	if fresh[0].State != sources.StateOK || fresh[0].LastReceived != nil {
		t.Errorf("never-used source: %+v", fresh[0])
	}
}

// TestMonitorWarnsOnSilence stores a lead eight days ago and checks the
// monitor reports the source silent in its metric and its log, once.
func TestMonitorWarnsOnSilence(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	old := time.Now().Add(-8 * 24 * time.Hour)
	if _, err := st.CommitBatch(context.Background(), []lead.Incoming{{
		ID: "01OLD", Channel: lead.ChannelHTTPS, Source: "https", ReceivedAt: old, Body: []byte(`{}`), SHA256: "x",
		Parsed: &lead.Parsed{Stage: lead.StageInterest, DescriptionParams: map[string]string{}},
	}}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	reg := prometheus.NewRegistry()
	m := sources.NewMonitor(st, func() []sources.Configured { return []sources.Configured{{Source: "https", Kind: "https"}} },
		0, slog.New(slog.NewTextHandler(&logs, nil)), reg)
	for range 2 {
		sts, err := m.Check(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if sts[0].State != sources.StateSilent {
			t.Fatalf("state %s, want silent", sts[0].State)
		}
	}
	if n := strings.Count(logs.String(), "lead source is silent"); n != 1 {
		t.Errorf("logged the silence %d times, want once:\n%s", n, logs.String())
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += l.GetName() + "=" + l.GetValue() + " "
			}
			got[mf.GetName()+" "+labels] = m.GetGauge().GetValue()
		}
	}
	want := map[string]float64{
		"leadhub_source_state source=https state=failing ": 0,
		"leadhub_source_state source=https state=ok ":      0,
		"leadhub_source_state source=https state=silent ":  1,
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}
