package azuretable

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Entity outcomes, the values of the outcome label of the entities metric.
const (
	OutcomeCreated     = "created"     // a new lead (or a new quarantined raw lead)
	OutcomeDuplicate   = "duplicate"   // ingested before (same PartitionKey and RowKey)
	OutcomeQuarantined = "quarantined" // stored, but the body could not be parsed
	OutcomeFailed      = "failed"      // the inbox could not store it; retried on the next poll
)

// Metrics are the pollers' Prometheus metrics, shared by every poller of a
// process and labelled by source.
type Metrics struct {
	polls       *prometheus.CounterVec
	entities    *prometheus.CounterVec
	retries     *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	duration    *prometheus.HistogramVec
}

// NewMetrics creates the metrics and registers them on reg (nil: not
// registered):
//
//	leadhub_azure_table_polls_total{source,result}          result: ok, error
//	leadhub_azure_table_entities_total{source,outcome}      outcome: created, duplicate, quarantined, failed
//	leadhub_azure_table_retries_total{source,reason}        reason: throttled, server_error, timeout, network
//	leadhub_azure_table_last_success_timestamp_seconds{source}
//	leadhub_azure_table_poll_duration_seconds{source}
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		polls: counterVec("leadhub_azure_table_polls_total",
			"Polls of an Azure Table lead source, by result (ok, error).", "source", "result"),
		entities: counterVec("leadhub_azure_table_entities_total",
			"Entities read from an Azure Table lead source, by outcome (created, duplicate, quarantined, failed).", "source", "outcome"),
		retries: counterVec("leadhub_azure_table_retries_total",
			"Requests to Azure Table storage retried, by reason (throttled, server_error, timeout, network).", "source", "reason"),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "leadhub_azure_table_last_success_timestamp_seconds",
			Help: "Unix time of the last successful poll of an Azure Table lead source.",
		}, []string{"source"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "leadhub_azure_table_poll_duration_seconds",
			Help:    "Duration of polls of an Azure Table lead source.",
			Buckets: []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}, []string{"source"}),
	}
	if reg != nil {
		reg.MustRegister(m.polls, m.entities, m.retries, m.lastSuccess, m.duration)
	}
	return m
}

// counterVec is an unregistered counter vector.
func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
}

// init makes every label combination of source visible at zero, so that
// dashboards and alerts see the series before the first event.
func (m *Metrics) init(source string) {
	for _, r := range []string{"ok", "error"} {
		m.polls.WithLabelValues(source, r)
	}
	for _, o := range []string{OutcomeCreated, OutcomeDuplicate, OutcomeQuarantined, OutcomeFailed} {
		m.entities.WithLabelValues(source, o)
	}
	for _, r := range []string{ReasonThrottled, ReasonServerError, ReasonTimeout, ReasonNetwork} {
		m.retries.WithLabelValues(source, r)
	}
}
