package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
)

// The sources page: each road leads arrive by, its state, its last lead
// and error, and its last 14 days as a small bar chart drawn on the
// server (SVG, no script).

// Poller is a source the server polls (an Azure Table), which can be
// asked to poll now.
type Poller interface {
	Source() string
	// Sync polls now and returns when that poll has finished.
	Sync(ctx context.Context) error
}

// Chart geometry, in SVG user units: one bar per day.
const (
	chartBar    = 10
	chartGap    = 2
	chartHeight = 40
)

// bar is one day of a chart.
type bar struct {
	Day          string
	Count        int
	X, Y, Height int
}

// sourceRow is one source as the page shows it.
type sourceRow struct {
	sources.Status
	Bars  []bar
	Max   int // the tallest day, what the chart's height stands for
	Width int // of the chart
	Sum   int // leads in the days shown
	// From and To are the first and last days shown.
	From, To string
	// CanSync is set for a polled source.
	CanSync bool
}

type sourcesData struct {
	User      *lead.User
	Available bool
	Sources   []sourceRow
	Days      int
	Polled    bool
	Notice    string
}

// sourcesPage shows every source with its state and last 14 days.
func (s *server) sourcesPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.sourcesData(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch r.URL.Query().Get("synced") {
	case "ok":
		d.Notice = "Polled now: every poll succeeded."
	case "failed":
		d.Notice = "Polled now: at least one poll failed; its error is shown below."
	}
	s.render(w, http.StatusOK, "sources", d)
}

func (s *server) sourcesData(r *http.Request) (sourcesData, error) {
	u := userFrom(r.Context())
	d := sourcesData{User: &u, Available: s.Sources != nil, Days: sources.Days, Polled: len(s.Pollers) > 0}
	if s.Sources == nil {
		return d, nil
	}
	sts, err := s.Sources.Statuses(r.Context())
	if err != nil {
		return d, err
	}
	polled := map[string]bool{}
	for _, p := range s.Pollers {
		polled[p.Source()] = true
	}
	for _, st := range sts {
		d.Sources = append(d.Sources, newSourceRow(st, polled[st.Source]))
	}
	return d, nil
}

func newSourceRow(st sources.Status, polled bool) sourceRow {
	row := sourceRow{Status: st, CanSync: polled, Width: len(st.PerDay)*(chartBar+chartGap) - chartGap}
	for _, dc := range st.PerDay {
		row.Max = max(row.Max, dc.Count)
		row.Sum += dc.Count
	}
	if n := len(st.PerDay); n > 0 {
		row.From, row.To = st.PerDay[0].Day, st.PerDay[n-1].Day
	}
	for i, dc := range st.PerDay {
		h := 0
		if row.Max > 0 {
			h = (dc.Count*chartHeight + row.Max - 1) / row.Max // a day with leads is at least one unit tall
		}
		row.Bars = append(row.Bars, bar{Day: dc.Day, Count: dc.Count, X: i * (chartBar + chartGap), Y: chartHeight - h, Height: h})
	}
	return row
}

// syncTimeout bounds how long POST /sources/sync waits for the polls.
const syncTimeout = 2 * time.Minute

// syncSources polls every polled source now (or the one of the form's
// source), waits for the polls, and shows the page again: each poll
// records its outcome, which the page shows.
func (s *server) syncSources(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "Bad Request", "The form could not be read.", "/sources", "Back to the sources")
		return
	}
	want := bounded(r.PostForm.Get("source"), 512)
	var targets []Poller
	for _, p := range s.Pollers {
		if want == "" || p.Source() == want {
			targets = append(targets, p)
		}
	}
	if len(targets) == 0 {
		s.message(w, http.StatusNotFound, "Not Found", fmt.Sprintf("There is no polled source %q to sync.", want), "/sources", "Back to the sources")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), syncTimeout)
	defer cancel()
	failed := make([]bool, len(targets))
	var wg sync.WaitGroup
	for i, p := range targets {
		wg.Go(func() {
			if err := p.Sync(ctx); err != nil {
				failed[i] = true // the poller records its error, which the page shows
			}
		})
	}
	wg.Wait()
	outcome := "ok"
	if slices.Contains(failed, true) {
		outcome = "failed"
	}
	http.Redirect(w, r, "/sources?synced="+outcome, http.StatusSeeOther)
}
