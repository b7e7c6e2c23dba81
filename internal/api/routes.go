// Package api is leadhub's HTTP surface: the marketplace ingest endpoint,
// the REST API under /api/v1 (documented by /openapi.json), and the
// operational endpoints /healthz, /readyz and /metrics. Every route is
// listed in routes().
package api

import (
	"crypto/subtle"
	"log/slog"
	"net/http"
	"slices"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
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
	// Jobs lists, retries and cancels the durable jobs (nil: the job
	// endpoints answer 503).
	Jobs Jobs
	// Process runs the follow-up process and Processes reads it (nil: the
	// process endpoints answer 503).
	Process   *process.Engine
	Processes lead.ProcessReader
	// Notifications keeps the users' notifications and settings (nil: the
	// notification endpoints answer 503).
	Notifications lead.NotificationStore
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
	store         Store
	inbox         *ingest.Inbox
	verifier      *auth.Verifier
	log           *slog.Logger
	metrics       *ingest.Metrics
	gatherer      prometheus.Gatherer
	maxBody       int64
	sources       *sources.Monitor
	pollers       []Poller
	imports       *csvimport.Runner
	maxImport     int64
	customers     Customers
	nudge         func()
	jobs          Jobs
	process       *process.Engine
	processes     lead.ProcessReader
	notifications lead.NotificationStore

	metricsToken     string
	metricsElsewhere bool
}

// Handler returns leadhub's whole HTTP handler.
func Handler(d Deps) http.Handler {
	s := &server{
		store: d.Store, inbox: d.Inbox, verifier: d.Verifier, log: d.Logger,
		metrics: d.Metrics, gatherer: d.Gatherer, maxBody: d.MaxBody,
		sources: d.Sources, pollers: d.Pollers, imports: d.Imports, maxImport: d.MaxImport,
		customers: d.Customers, nudge: d.Nudge, jobs: d.Jobs, process: d.Process, processes: d.Processes,
		notifications: d.Notifications,
		metricsToken:  d.MetricsToken, metricsElsewhere: d.MetricsElsewhere,
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
		mux.Handle(pattern, s.guard(r))
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
// checks the table against /openapi.json. perm is what a caller needs: a
// permission of lead.Permissions (Handler puts the route behind an API key
// whose role has it), or one of the Access values for the routes outside
// the REST API. A route without one makes Handler panic.
type route struct {
	method, path string
	perm         lead.Permission
	handler      http.Handler
}

// The access of routes outside the REST API, which no role grants.
const (
	AccessPublic      lead.Permission = "public"        // anyone: documentation, health
	AccessIngestToken lead.Permission = "ingest-token"  // the marketplace endpoint's code
	AccessMetrics     lead.Permission = "metrics-token" // --metrics-token when set, else anyone
)

// Route is one registered endpoint and the permission it needs.
type Route struct {
	Method, Path string
	Permission   lead.Permission
}

// Routes lists every endpoint Handler(d) registers, with its permission.
func Routes(d Deps) []Route {
	s := &server{gatherer: d.Gatherer, metricsElsewhere: d.MetricsElsewhere}
	var out []Route
	for _, r := range s.table() {
		out = append(out, Route{r.method, r.path, r.perm})
	}
	return out
}

// guard puts r's handler behind its permission.
func (s *server) guard(r route) http.Handler {
	switch {
	case r.perm == AccessPublic || r.perm == AccessIngestToken || r.perm == AccessMetrics:
		return r.handler
	case slices.Contains(lead.AllPermissions, r.perm):
		return s.apiAuth(r.perm, r.handler)
	}
	panic("api: route " + r.method + " " + r.path + " declares no permission")
}

func (s *server) table() []route {
	act := s.actions()
	routes := []route{
		// Marketplace ingest: every method reaches the handler, which answers
		// 405 itself so that the refusal is counted.
		{"POST", "/ingest/marketplace", AccessIngestToken, http.HandlerFunc(s.handleMarketplace)},

		// REST API (Bearer API key), each with the permission it needs.
		{"GET", "/api/v1/leads", lead.PermRead, http.HandlerFunc(s.handleListLeads)},
		{"GET", "/api/v1/leads/{id}", lead.PermRead, http.HandlerFunc(s.handleGetLead)},
		{"GET", "/api/v1/quarantine", lead.PermRead, http.HandlerFunc(s.handleListQuarantine)},
		{"GET", "/api/v1/quarantine/{id}", lead.PermRead, http.HandlerFunc(s.handleGetQuarantined)},
		{"POST", "/api/v1/quarantine/{id}/reprocess", lead.PermImport, http.HandlerFunc(s.handleReprocess)},
		{"GET", "/api/v1/sources", lead.PermRead, http.HandlerFunc(s.handleListSources)},
		{"POST", "/api/v1/sources/sync", lead.PermImport, http.HandlerFunc(s.handleSyncSources)},
		{"POST", "/api/v1/imports", lead.PermImport, http.HandlerFunc(s.handleCreateImport)},
		{"GET", "/api/v1/imports", lead.PermRead, http.HandlerFunc(s.handleListImports)},
		{"GET", "/api/v1/imports/{id}", lead.PermRead, http.HandlerFunc(s.handleGetImport)},
		{"POST", "/api/v1/leads/{id}/split", lead.PermIdentityEdit, act["split lead"]},
		{"GET", "/api/v1/customers", lead.PermRead, http.HandlerFunc(s.handleListCustomers)},
		{"GET", "/api/v1/customers/{id}", lead.PermRead, http.HandlerFunc(s.handleGetCustomer)},
		{"POST", "/api/v1/customers/{id}/merge", lead.PermIdentityEdit, act["merge customers"]},
		{"GET", "/api/v1/customers/{id}/process", lead.PermRead, http.HandlerFunc(s.handleGetProcess)},
		{"GET", "/api/v1/customers/{id}/activities", lead.PermRead, http.HandlerFunc(s.handleListActivities)},
		{"POST", "/api/v1/customers/{id}/activities", lead.PermCustomersEdit, http.HandlerFunc(s.handleAddActivity)},
		{"POST", "/api/v1/customers/{id}/stage", lead.PermCustomersEdit, http.HandlerFunc(s.handleSetStage)},
		{"POST", "/api/v1/customers/{id}/assign", lead.PermProcessManage, http.HandlerFunc(s.handleAssign)},
		{"POST", "/api/v1/customers/{id}/qualification", lead.PermProcessManage, http.HandlerFunc(s.handleOverride)},
		{"GET", "/api/v1/tasks", lead.PermRead, http.HandlerFunc(s.handleListTasks)},
		{"GET", "/api/v1/teams", lead.PermRead, http.HandlerFunc(s.handleListTeams)},
		{"POST", "/api/v1/teams", lead.PermProcessManage, http.HandlerFunc(s.handleCreateTeam)},
		{"PUT", "/api/v1/teams/{id}", lead.PermProcessManage, http.HandlerFunc(s.handleReplaceTeam)},
		{"DELETE", "/api/v1/teams/{id}", lead.PermProcessManage, http.HandlerFunc(s.handleDeleteTeam)},
		{"GET", "/api/v1/rules", lead.PermRead, http.HandlerFunc(s.handleListRules)},
		{"POST", "/api/v1/rules", lead.PermProcessManage, http.HandlerFunc(s.handleCreateRule)},
		{"PUT", "/api/v1/rules/{id}", lead.PermProcessManage, http.HandlerFunc(s.handleReplaceRule)},
		{"DELETE", "/api/v1/rules/{id}", lead.PermProcessManage, http.HandlerFunc(s.handleDeleteRule)},
		{"GET", "/api/v1/notifications", lead.PermRead, http.HandlerFunc(s.handleListNotifications)},
		{"POST", "/api/v1/notifications/{id}/read", lead.PermRead, http.HandlerFunc(s.handleReadNotification)},
		{"POST", "/api/v1/notifications/read-all", lead.PermRead, http.HandlerFunc(s.handleReadAllNotifications)},
		{"GET", "/api/v1/notifications/failed", lead.PermSettings, http.HandlerFunc(s.handleListFailedDeliveries)},
		{"GET", "/api/v1/notification-settings", lead.PermRead, http.HandlerFunc(s.handleGetNotifySettings)},
		{"PUT", "/api/v1/notification-settings", lead.PermRead, http.HandlerFunc(s.handleSetNotifySettings)},
		{"POST", "/api/v1/customers/{id}/move-account", lead.PermIdentityEdit, act["move customer"]},
		{"GET", "/api/v1/accounts", lead.PermRead, http.HandlerFunc(s.handleListAccounts)},
		{"GET", "/api/v1/accounts/{id}", lead.PermRead, http.HandlerFunc(s.handleGetAccount)},
		{"POST", "/api/v1/accounts/{id}/merge", lead.PermIdentityEdit, act["merge accounts"]},
		{"POST", "/api/v1/accounts/{id}/split", lead.PermIdentityEdit, act["split account"]},
		{"GET", "/api/v1/review", lead.PermRead, http.HandlerFunc(s.handleListReview)},
		{"POST", "/api/v1/review/{id}/merge", lead.PermIdentityEdit, act["merge review"]},
		{"POST", "/api/v1/review/{id}/dismiss", lead.PermIdentityEdit, act["dismiss review"]},
		{"GET", "/api/v1/audit", lead.PermRead, http.HandlerFunc(s.handleListAudit)},
		{"GET", "/api/v1/audit/{id}", lead.PermRead, http.HandlerFunc(s.handleGetAudit)},
		{"POST", "/api/v1/audit/{id}/undo", lead.PermIdentityEdit, act["undo"]},
		{"GET", "/api/v1/jobs", lead.PermSettings, http.HandlerFunc(s.handleListJobs)},
		{"POST", "/api/v1/jobs/{id}/retry", lead.PermSettings, http.HandlerFunc(s.handleRetryJob)},
		{"POST", "/api/v1/jobs/{id}/cancel", lead.PermSettings, http.HandlerFunc(s.handleCancelJob)},

		// Documentation and operations (no secrets, no personal data).
		{"GET", "/openapi.json", AccessPublic, http.HandlerFunc(s.handleOpenAPI)},
		{"GET", "/healthz", AccessPublic, http.HandlerFunc(s.handleHealthz)},
		{"GET", "/readyz", AccessPublic, http.HandlerFunc(s.handleReadyz)},
	}
	if !s.metricsElsewhere {
		routes = append(routes, route{"GET", "/metrics", AccessMetrics, MetricsHandler(s.gatherer, s.metricsToken)})
	}
	return routes
}
