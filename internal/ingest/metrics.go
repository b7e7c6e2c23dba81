package ingest

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// Metrics are the ingest series leadhub exports at /metrics. The inbox
// counts what Receive stores, on every channel, and each batch it commits;
// the HTTPS endpoint adds what only it knows (refusals and its latency)
// through Reject and ObserveEndpoint. The names, labels and help texts are
// what dashboards rely on. A nil *Metrics counts nothing.
type Metrics struct {
	received    *prometheus.CounterVec   // new leads by source, action, stage
	duplicates  prometheus.Counter       // redeliveries answered with an existing id
	quarantined prometheus.Counter       // bodies kept in quarantine
	rejected    *prometheus.CounterVec   // requests refused, by reason
	latency     *prometheus.HistogramVec // time to a durable answer, by outcome
	batchSize   prometheus.Histogram     // payloads per committed transaction
	batchErrors prometheus.Counter       // batch commits that failed
}

// Reasons the HTTPS endpoint refuses a request (the reason label of
// leadhub_ingest_rejected_total). Each is exported from the start at 0.
const (
	RejectUnauthorized        = "unauthorized"
	RejectTooLarge            = "too_large"
	RejectMethodNotAllowed    = "method_not_allowed"
	RejectNotJSON             = "not_json" // the body was kept in quarantine
	RejectUnavailable         = "unavailable"
	RejectReadError           = "read_error"
	RejectUnsupportedEncoding = "unsupported_encoding"
)

var rejectReasons = []string{
	RejectUnauthorized, RejectTooLarge, RejectMethodNotAllowed, RejectNotJSON, RejectUnavailable,
	RejectReadError, RejectUnsupportedEncoding,
}

// NewMetrics registers the ingest metrics on reg. quarantineCount, when
// set, is sampled at scrape time for the leadhub_quarantine_size gauge.
func NewMetrics(reg prometheus.Registerer, quarantineCount func(context.Context) (int, error)) *Metrics {
	m := &Metrics{
		received: counterVec("leadhub_leads_received_total",
			"New leads stored, by source, action and stage (unknown values count as \"other\").", "source", "action", "stage"),
		duplicates: counter("leadhub_ingest_duplicates_total",
			"Deliveries of a body already received within the idempotency window."),
		quarantined: counter("leadhub_ingest_quarantined_total",
			"Bodies that could not be parsed and were kept in quarantine."),
		rejected: counterVec("leadhub_ingest_rejected_total", "Ingest requests refused, by reason.", "reason"),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "leadhub_ingest_duration_seconds",
			Help:    "Time from request to durable answer at the marketplace endpoint, by outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "leadhub_ingest_batch_size",
			Help:    "Payloads committed per transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		batchErrors: counter("leadhub_ingest_batch_errors_total",
			"Batch commits that failed; their senders were answered 503."),
	}
	reg.MustRegister(m.received, m.duplicates, m.quarantined, m.rejected, m.latency, m.batchSize, m.batchErrors)
	for _, reason := range rejectReasons {
		m.rejected.WithLabelValues(reason)
	}
	if quarantineCount != nil {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "leadhub_quarantine_size",
			Help: "Raw leads currently in quarantine (-1 when the database cannot be read).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := quarantineCount(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	return m
}

// counter and counterVec are unregistered counters.
func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// Reject counts a request the HTTPS endpoint refused, by reason (one of
// the Reject constants).
func (m *Metrics) Reject(reason string) {
	if m == nil {
		return
	}
	m.rejected.WithLabelValues(reason).Inc()
}

// ObserveEndpoint records the time the HTTPS endpoint took to a durable
// answer, by outcome: created, duplicate, quarantined or error.
func (m *Metrics) ObserveEndpoint(outcome string, d time.Duration) {
	if m == nil {
		return
	}
	m.latency.WithLabelValues(outcome).Observe(d.Seconds())
}

// count counts what Receive stored.
func (m *Metrics) count(rc Receipt) {
	if m == nil {
		return
	}
	switch {
	case rc.Duplicate:
		m.duplicates.Inc()
	case rc.Status == lead.RawQuarantined:
		m.quarantined.Inc()
	default:
		p := rc.Parsed
		m.received.WithLabelValues(sourceLabel(p.Source), actionLabel(p.Action), string(p.Stage)).Inc()
	}
}

// batch counts one batch commit.
func (m *Metrics) batch(size int, err error) {
	if m == nil {
		return
	}
	m.batchSize.Observe(float64(size))
	if err != nil {
		m.batchErrors.Inc()
	}
}

// sourceLabel and actionLabel keep metric label values to the documented
// set, so a sender cannot create unbounded series.
func sourceLabel(v string) string { return knownLabel(v, marketplace.KnownSource(v)) }

func actionLabel(v string) string { return knownLabel(v, marketplace.KnownAction(v)) }

// knownLabel is v when it is known, else "none" for an empty value and
// "other" for the rest.
func knownLabel(v string, known bool) string {
	switch {
	case known:
		return v
	case v == "":
		return "none"
	default:
		return "other"
	}
}
