// Package sources tells whether each road leads arrive by is healthy: the
// HTTPS endpoint, each polled Azure Table, and imports. A source is
// "failing" when its last poll failed, and "silent" when leads used to
// arrive but none has for longer than a threshold — which is how a broken
// lead destination in Partner Center shows itself.
package sources

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/lead"
)

// State is a source's health.
type State string

const (
	StateOK      State = "ok"
	StateFailing State = "failing" // its last poll failed
	StateSilent  State = "silent"  // leads used to arrive, none has for SilentAfter
)

// DefaultSilentAfter is how long a source may go without a lead before it
// is called silent.
const DefaultSilentAfter = 7 * 24 * time.Hour

// Configured is a source the server knows of even before any lead arrives.
type Configured struct {
	Source string            // e.g. "https", "azure_table:account/table"
	Kind   string            // "https", "azure_table", "import"
	Config map[string]string // what an operator needs to recognise it; never secrets
}

// Status is one source's health, as the API shows it.
type Status struct {
	Source       string            `json:"source"`
	Kind         string            `json:"kind"`
	State        State             `json:"state"`
	Reason       string            `json:"reason,omitempty"`
	LastReceived *time.Time        `json:"last_received,omitempty"`
	Total        int64             `json:"total"`
	PerDay       []DayCount        `json:"per_day"`
	LastError    string            `json:"last_error,omitempty"`
	LastErrorAt  *time.Time        `json:"last_error_at,omitempty"`
	LastOKAt     *time.Time        `json:"last_ok_at,omitempty"`
	Failures     int               `json:"consecutive_failures"`
	Config       map[string]string `json:"config,omitempty"`
}

// DayCount is the number of raw leads a source delivered on one UTC day.
type DayCount struct {
	Day   string `json:"day"` // 2006-01-02
	Count int    `json:"count"`
}

// Days is how many days of counts a Status carries.
const Days = 14

// KindOf returns the kind of a source key: the part before the first ':'.
func KindOf(source string) string {
	kind, _, _ := strings.Cut(source, ":")
	return kind
}

// Evaluate combines configured sources with their activity into statuses,
// sorted by source.
func Evaluate(configured []Configured, acts []lead.SourceActivity, now time.Time, silentAfter time.Duration) []Status {
	by := map[string]*Status{}
	for _, c := range configured {
		by[c.Source] = &Status{Source: c.Source, Kind: c.Kind, Config: c.Config}
	}
	for _, a := range acts {
		st, ok := by[a.Source]
		if !ok {
			st = &Status{Source: a.Source, Kind: KindOf(a.Source)}
			by[a.Source] = st
		}
		st.Total, st.LastError, st.Failures = a.Total, a.LastError, a.Failures
		st.LastReceived, st.LastErrorAt, st.LastOKAt = timePtr(a.LastReceived), timePtr(a.LastErrorAt), timePtr(a.LastOKAt)
		st.PerDay = perDay(a.PerDay, now)
	}
	out := make([]Status, 0, len(by))
	for _, st := range by {
		if st.PerDay == nil {
			st.PerDay = perDay(nil, now)
		}
		st.State, st.Reason = StateOK, ""
		switch {
		case st.Failures > 0:
			st.State, st.Reason = StateFailing, "the last poll failed: "+st.LastError
		case st.LastReceived != nil && now.Sub(*st.LastReceived) > silentAfter:
			st.State = StateSilent
			st.Reason = "no lead since " + st.LastReceived.Format(time.RFC3339) +
				"; check the lead destination in Partner Center (Offer setup → Lead management)"
		}
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// perDay lists the last Days UTC days, oldest first, with zero days too.
func perDay(counts map[string]int, now time.Time) []DayCount {
	out := make([]DayCount, Days)
	day := now.UTC().Truncate(24 * time.Hour)
	for i := range Days {
		d := day.AddDate(0, 0, i-Days+1).Format(time.DateOnly)
		out[i] = DayCount{Day: d, Count: counts[d]}
	}
	return out
}

// Monitor evaluates every source periodically, exports the states as
// metrics and logs a warning when a source turns silent or failing.
type Monitor struct {
	store       lead.SourceActivityReader
	configured  func() []Configured
	silentAfter time.Duration
	log         *slog.Logger
	now         func() time.Time
	state       *prometheus.GaugeVec

	mu   sync.Mutex
	last map[string]State
}

// NewMonitor registers leadhub_source_state on reg.
func NewMonitor(store lead.SourceActivityReader, configured func() []Configured, silentAfter time.Duration, log *slog.Logger, reg prometheus.Registerer) *Monitor {
	if silentAfter <= 0 {
		silentAfter = DefaultSilentAfter
	}
	m := &Monitor{
		store: store, configured: configured, silentAfter: silentAfter, log: log, now: time.Now,
		state: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "leadhub_source_state",
			Help: "1 for the current state of each source (ok, failing, silent); a silent source usually means a broken lead destination.",
		}, []string{"source", "state"}),
		last: map[string]State{},
	}
	reg.MustRegister(m.state)
	return m
}

// Statuses evaluates every source now.
func (m *Monitor) Statuses(ctx context.Context) ([]Status, error) {
	now := m.now()
	acts, err := m.store.SourceActivity(ctx, now.AddDate(0, 0, -Days))
	if err != nil {
		return nil, err
	}
	return Evaluate(m.configured(), acts, now, m.silentAfter), nil
}

// Check evaluates every source, updates the metrics and logs transitions.
func (m *Monitor) Check(ctx context.Context) ([]Status, error) {
	sts, err := m.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, st := range sts {
		for _, s := range []State{StateOK, StateFailing, StateSilent} {
			v := 0.0
			if st.State == s {
				v = 1
			}
			m.state.WithLabelValues(st.Source, string(s)).Set(v)
		}
		prev, seen := m.last[st.Source]
		if st.State != StateOK && (!seen || prev != st.State) {
			m.log.WarnContext(ctx, "lead source is "+string(st.State), "source", st.Source, "reason", st.Reason)
		}
		if st.State == StateOK && seen && prev != StateOK {
			m.log.InfoContext(ctx, "lead source is ok again", "source", st.Source)
		}
		m.last[st.Source] = st.State
	}
	return sts, nil
}

// Run checks every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := m.Check(ctx); err != nil && ctx.Err() == nil {
			m.log.WarnContext(ctx, "cannot evaluate lead sources", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
