package api

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/lead"
)

// Metrics are the Prometheus series leadhub exports at /metrics.
type Metrics struct {
	LeadsReceived *prometheus.CounterVec   // new leads by source, action, stage
	Duplicates    prometheus.Counter       // redeliveries answered with an existing id
	Quarantined   prometheus.Counter       // bodies kept in quarantine
	Rejected      *prometheus.CounterVec   // requests refused, by reason
	IngestLatency *prometheus.HistogramVec // time to a durable answer, by outcome
	BatchSize     prometheus.Histogram     // payloads per committed transaction
	BatchErrors   prometheus.Counter       // batch commits that failed
}

// NewMetrics registers leadhub's metrics on reg. quarantineCount is sampled
// at scrape time for the leadhub_quarantine_size gauge.
func NewMetrics(reg prometheus.Registerer, quarantineCount func(context.Context) (int, error)) *Metrics {
	m := &Metrics{
		LeadsReceived: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadhub_leads_received_total",
			Help: "New leads stored, by source, action and stage (unknown values count as \"other\").",
		}, []string{"source", "action", "stage"}),
		Duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "leadhub_ingest_duplicates_total",
			Help: "Deliveries of a body already received within the idempotency window.",
		}),
		Quarantined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "leadhub_ingest_quarantined_total",
			Help: "Bodies that could not be parsed and were kept in quarantine.",
		}),
		Rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "leadhub_ingest_rejected_total",
			Help: "Ingest requests refused, by reason.",
		}, []string{"reason"}),
		IngestLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "leadhub_ingest_duration_seconds",
			Help:    "Time from request to durable answer at the marketplace endpoint, by outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"outcome"}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "leadhub_ingest_batch_size",
			Help:    "Payloads committed per transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		BatchErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "leadhub_ingest_batch_errors_total",
			Help: "Batch commits that failed; their senders were answered 503.",
		}),
	}
	reg.MustRegister(m.LeadsReceived, m.Duplicates, m.Quarantined, m.Rejected, m.IngestLatency, m.BatchSize, m.BatchErrors)
	for _, reason := range []string{"unauthorized", "too_large", "method_not_allowed", "not_json", "unavailable"} {
		m.Rejected.WithLabelValues(reason)
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

// ObserveBatch is the ingest.Options.Observe hook.
func (m *Metrics) ObserveBatch(size int, err error) {
	m.BatchSize.Observe(float64(size))
	if err != nil {
		m.BatchErrors.Inc()
	}
}

func (m *Metrics) leadStored(p *lead.Parsed, source, action string) {
	m.LeadsReceived.WithLabelValues(source, action, string(p.Stage)).Inc()
}
