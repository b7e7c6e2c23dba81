package jobs

import (
	"context"
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// metrics are the runner's Prometheus series:
//
//	leadhub_jobs_run_total{kind,outcome}  jobs worked, by how the attempt ended
//	                                      (completed, retried, failed, cancelled, snoozed)
//	leadhub_jobs_queued{state}            jobs waiting: available, scheduled, retryable, running
type metrics struct {
	run *prometheus.CounterVec
}

// Outcomes of an attempt, the outcome label of leadhub_jobs_run_total.
const (
	OutcomeCompleted = "completed"
	OutcomeRetried   = "retried"   // failed, will run again
	OutcomeFailed    = "failed"    // failed for the last time (discarded)
	OutcomeCancelled = "cancelled" // the worker or an admin cancelled it
	OutcomeSnoozed   = "snoozed"
)

// queuedStates are the states counted by leadhub_jobs_queued.
var queuedStates = []string{
	string(rivertype.JobStateAvailable), string(rivertype.JobStateScheduled),
	string(rivertype.JobStateRetryable), string(rivertype.JobStateRunning),
}

func newMetrics(reg prometheus.Registerer, db *sql.DB) *metrics {
	m := &metrics{run: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadhub_jobs_run_total",
		Help: "Job attempts this process finished, by kind and outcome (completed, retried, failed, cancelled, snoozed).",
	}, []string{"kind", "outcome"})}
	if reg != nil {
		reg.MustRegister(m.run, &queued{db: db, desc: prometheus.NewDesc("leadhub_jobs_queued",
			"Jobs not finished, by state (available, scheduled, retryable, running); -1 when the database cannot be read.",
			[]string{"state"}, nil)})
	}
	return m
}

func (m *metrics) observe(kind river.EventKind, j *rivertype.JobRow) {
	outcome := ""
	switch kind {
	case river.EventKindJobCompleted:
		outcome = OutcomeCompleted
	case river.EventKindJobCancelled:
		outcome = OutcomeCancelled
	case river.EventKindJobSnoozed:
		outcome = OutcomeSnoozed
	case river.EventKindJobFailed:
		outcome = OutcomeRetried
		if j.State == rivertype.JobStateDiscarded {
			outcome = OutcomeFailed
		}
	default:
		return
	}
	m.run.WithLabelValues(j.Kind, outcome).Inc()
}

// queued counts the unfinished jobs when scraped. River's indexes on
// (state, queue, priority, scheduled_at, id) make it cheap.
type queued struct {
	db   *sql.DB
	desc *prometheus.Desc
}

const countQueued = `SELECT state, count(*) FROM river_job
WHERE state IN ('available', 'scheduled', 'retryable', 'running') GROUP BY state`

func (q *queued) Describe(ch chan<- *prometheus.Desc) { ch <- q.desc }

func (q *queued) Collect(ch chan<- prometheus.Metric) {
	counts := map[string]float64{}
	for _, s := range queuedStates {
		counts[s] = 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := q.count(ctx, counts); err != nil {
		for s := range counts {
			counts[s] = -1
		}
	}
	for _, s := range queuedStates {
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, counts[s], s)
	}
}

func (q *queued) count(ctx context.Context, counts map[string]float64) error {
	rows, err := q.db.QueryContext(ctx, countQueued)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		counts[s] = float64(n)
	}
	return rows.Err()
}
