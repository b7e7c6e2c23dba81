// Package api is leadhub's HTTP surface: the marketplace ingest endpoint,
// the REST API under /api/v1 (documented by /openapi.json), and the
// operational endpoints /healthz, /readyz and /metrics. Every route is
// listed in routes().
package api

import (
	"crypto/subtle"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
)

// DefaultMaxBody is the largest marketplace body accepted (64 KiB).
const DefaultMaxBody = 64 << 10

// MaxKeptBody is the most the marketplace endpoint reads of a body
// (decompressed) when MaxBody is smaller: a body over MaxBody, up to this
// size, is kept in quarantine for an operator to look at and answered 413;
// a larger one is refused unread. A fixed 1 MiB (16 times the default
// limit) bounds the memory and storage one request can take whatever the
// limit; with a MaxBody at least this large, nothing over it is kept.
const MaxKeptBody = 1 << 20

// Store is what the HTTP layer reads and writes of the database: leads,
// the quarantine, imports (and their source results) and the database's
// health.
type Store interface {
	lead.LeadReader
	lead.QuarantineStore
	lead.ImportStore
	lead.SourceRecorder
	lead.Pinger
}

// Customers is identity resolution's side of the database: customers,
// their accounts, the review queue, the audit log and the human decisions.
type Customers interface {
	lead.CustomerReader
	lead.AccountReader
	lead.ReviewReader
	lead.AuditReader
	lead.IdentityEditor
	lead.AccountEditor
}

// Deps are what the HTTP layer needs, passed in explicitly.
type Deps struct {
	Store    Store
	Inbox    *ingest.Inbox
	Verifier *auth.Verifier
	Logger   *slog.Logger
	// Metrics are the ingest metrics the inbox counts into; the
	// marketplace endpoint adds its refusals and latency (nil: none).
	Metrics  *ingest.Metrics
	Gatherer prometheus.Gatherer
	MaxBody  int64 // 0 means DefaultMaxBody
	Sources  *sources.Monitor
	Pollers  []Poller
	// Imports runs uploaded CSV imports (nil: POST /api/v1/imports answers
	// 503); MaxImport caps an uploaded file (0 means DefaultMaxImport).
	Imports   *csvimport.Runner
	MaxImport int64
	// Customers is identity resolution's store (nil: the customer, review
	// and audit endpoints answer 503); Nudge wakes the resolver after an
	// undo returns a lead to it.
	Customers Customers
	Nudge     func()
	// Proxies are the reverse proxies trusted to name the client in
	// X-Forwarded-For (for the access log).
	Proxies httpx.Proxies
	// Metrics is where /metrics is served: on this handler (the default,
	// optionally behind MetricsToken), or not at all here when the server
	// serves it on a listener of its own (MetricsElsewhere).
	MetricsToken     string
	MetricsElsewhere bool
}

type server struct {
	store     Store
	inbox     *ingest.Inbox
	verifier  *auth.Verifier
	log       *slog.Logger
	metrics   *ingest.Metrics
	gatherer  prometheus.Gatherer
	maxBody   int64
	sources   *sources.Monitor
	pollers   []Poller
	imports   *csvimport.Runner
	maxImport int64
	customers Customers
	nudge     func()

	metricsToken     string
	metricsElsewhere bool
}

// Handler returns leadhub's whole HTTP handler.
func Handler(d Deps) http.Handler {
	s := &server{
		store: d.Store, inbox: d.Inbox, verifier: d.Verifier, log: d.Logger,
		metrics: d.Metrics, gatherer: d.Gatherer, maxBody: d.MaxBody,
		sources: d.Sources, pollers: d.Pollers, imports: d.Imports, maxImport: d.MaxImport,
		customers: d.Customers, nudge: d.Nudge,
		metricsToken: d.MetricsToken, metricsElsewhere: d.MetricsElsewhere,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.nudge == nil {
		s.nudge = func() {}
	}
	if s.maxImport <= 0 {
		s.maxImport = DefaultMaxImport
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBody
	}
	mux := http.NewServeMux()
	for _, r := range s.table() {
		pattern := r.method + " " + r.path
		if r.path == "/ingest/marketplace" {
			pattern = r.path
		}
		mux.Handle(pattern, r.handler)
	}
	routed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			s.noRoute(mux, w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return httpx.WithRequestID(httpx.SecurityHeaders(httpx.AccessLog(s.log, d.Proxies, routed)))
}

// MetricsHandler serves the Prometheus metrics of g, behind token when it
// is not empty: what /metrics answers, for a listener of its own.
func MetricsHandler(g prometheus.Gatherer, token string) http.Handler {
	h := promhttp.HandlerFor(g, promhttp.HandlerOpts{})
	if token == "" {
		return h
	}
	want := auth.Hash(token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(auth.Hash(bearer(r))), []byte(want)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="leadhub metrics"`)
			httpx.WriteProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized",
				"missing or invalid metrics token; send Authorization: Bearer <the --metrics-token>")
			return
		}
		h.ServeHTTP(w, r)
	})
}

// route is one endpoint. Every endpoint is in the table below, and a test
// checks the table against /openapi.json.
type route struct {
	method, path string
	handler      http.Handler
}

func (s *server) table() []route {
	act := s.actions()
	routes := []route{
		// Marketplace ingest: every method reaches the handler, which answers
		// 405 itself so that the refusal is counted.
		{"POST", "/ingest/marketplace", http.HandlerFunc(s.handleMarketplace)},

		// REST API (Bearer API key).
		{"GET", "/api/v1/leads", s.apiAuth(s.handleListLeads)},
		{"GET", "/api/v1/leads/{id}", s.apiAuth(s.handleGetLead)},
		{"GET", "/api/v1/quarantine", s.apiAuth(s.handleListQuarantine)},
		{"GET", "/api/v1/quarantine/{id}", s.apiAuth(s.handleGetQuarantined)},
		{"POST", "/api/v1/quarantine/{id}/reprocess", s.apiAuth(s.handleReprocess)},
		{"GET", "/api/v1/sources", s.apiAuth(s.handleListSources)},
		{"POST", "/api/v1/sources/sync", s.apiAuth(s.handleSyncSources)},
		{"POST", "/api/v1/imports", s.apiAuth(s.handleCreateImport)},
		{"GET", "/api/v1/imports", s.apiAuth(s.handleListImports)},
		{"GET", "/api/v1/imports/{id}", s.apiAuth(s.handleGetImport)},
		{"POST", "/api/v1/leads/{id}/split", s.apiAuth(act["split lead"])},
		{"GET", "/api/v1/customers", s.apiAuth(s.handleListCustomers)},
		{"GET", "/api/v1/customers/{id}", s.apiAuth(s.handleGetCustomer)},
		{"POST", "/api/v1/customers/{id}/merge", s.apiAuth(act["merge customers"])},
		{"POST", "/api/v1/customers/{id}/move-account", s.apiAuth(act["move customer"])},
		{"GET", "/api/v1/accounts", s.apiAuth(s.handleListAccounts)},
		{"GET", "/api/v1/accounts/{id}", s.apiAuth(s.handleGetAccount)},
		{"POST", "/api/v1/accounts/{id}/merge", s.apiAuth(act["merge accounts"])},
		{"POST", "/api/v1/accounts/{id}/split", s.apiAuth(act["split account"])},
		{"GET", "/api/v1/review", s.apiAuth(s.handleListReview)},
		{"POST", "/api/v1/review/{id}/merge", s.apiAuth(act["merge review"])},
		{"POST", "/api/v1/review/{id}/dismiss", s.apiAuth(act["dismiss review"])},
		{"GET", "/api/v1/audit", s.apiAuth(s.handleListAudit)},
		{"GET", "/api/v1/audit/{id}", s.apiAuth(s.handleGetAudit)},
		{"POST", "/api/v1/audit/{id}/undo", s.apiAuth(act["undo"])},

		// Documentation and operations (no secrets, no personal data).
		{"GET", "/openapi.json", http.HandlerFunc(s.handleOpenAPI)},
		{"GET", "/healthz", http.HandlerFunc(s.handleHealthz)},
		{"GET", "/readyz", http.HandlerFunc(s.handleReadyz)},
	}
	if !s.metricsElsewhere {
		routes = append(routes, route{"GET", "/metrics", MetricsHandler(s.gatherer, s.metricsToken)})
	}
	return routes
}
