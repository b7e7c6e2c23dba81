// Package app is leadhub's composition root: it builds everything `leadhub
// serve` runs over an open database — the inbox, the resolver, the Azure
// Table pollers, the source monitor, the import runner, the metrics and
// the HTTP listeners — starts it, and stops it in order. The cli keeps the
// flags and subcommands; the ingest benchmark runs this same wiring with
// serve's defaults, so that it measures the product as shipped.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/sources"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/web"
)

// OpenStore opens and migrates the database at dsn. With create, a missing
// SQLite database is created (serve does that); without, a missing one is
// KindNotFound, so that a command run in the wrong directory says so rather
// than work on a new, empty database.
func OpenStore(ctx context.Context, dsn string, create bool, log *slog.Logger) (*store.Store, error) {
	open := store.Open
	if create {
		open = store.Create
	}
	st, err := open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(applied) > 0 && log != nil {
		log.Info("database migrated", "applied", strings.Join(applied, ","))
	}
	// River's own tables, by River's migrator, next to the store's.
	versions, err := jobs.Migrate(ctx, st.WriteDB(), st.Engine())
	if err != nil {
		st.Close()
		return nil, err
	}
	if len(versions) > 0 && log != nil {
		log.Info("job tables migrated", "versions", fmt.Sprint(versions))
	}
	return st, nil
}

// Server is leadhub running: its HTTP server and everything behind it.
type Server struct {
	// Resolver resolves leads into customers (nil without Config.Resolve).
	Resolver *resolve.Resolver
	// Process runs the follow-up process (nil without Config.Resolve).
	Process *process.Engine

	log         *slog.Logger
	http        *http.Server
	metrics     *http.Server // nil unless Config.MetricsAddr
	metricsAddr net.Addr
	done        chan error // a listener's Serve error, if one stops by itself

	inbox   *ingest.Inbox
	jobs    *jobs.Runner
	tables  *azuretable.Group // nil without Azure Tables
	imports *csvimport.Runner
	stop    []func() // background loops: each stops and waits
}

// Start builds the server over st, whose owner closes it after Shutdown,
// and serves HTTP on ln (and /metrics on Config.MetricsAddr when set). The
// configuration must be valid (Config.Validate).
func Start(ctx context.Context, st *store.Store, ln net.Listener, c Config, log *slog.Logger) (*Server, error) {
	s := &Server{log: log, done: make(chan error, 2)}
	var mln net.Listener
	if c.MetricsAddr != "" {
		var err error
		if mln, err = net.Listen("tcp", c.MetricsAddr); err != nil {
			return nil, fmt.Errorf("listen on --metrics-addr %s: %w", c.MetricsAddr, err)
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ingest.NewMetrics(reg, st.CountQuarantined)

	// Durable jobs: each package that has background work declares its
	// kinds, added to the workers here; the store's write transactions
	// enqueue them (jobs.Runner.InsertTx).
	var engine *process.Engine
	var periodic []*river.PeriodicJob
	workers := river.NewWorkers()
	if c.Resolve {
		engine = NewProcessEngine(st, log)
		engine.Workers(workers)
		periodic = engine.PeriodicJobs()
		ncfg := c.Notify
		if ncfg.PublicURL == "" {
			ncfg.PublicURL = c.PublicURL
		}
		ncfg.Registerer = reg
		nw, err := notify.New(ncfg, st, log)
		if err != nil {
			return nil, err
		}
		nw.Register(workers)
	}
	runner, err := jobs.New(ctx, st.WriteDB(), st.Engine(), jobs.Options{
		Workers: workersOrNil(workers, engine != nil), PeriodicJobs: periodic, Registerer: reg, Logger: log,
	})
	if err == nil {
		// Not ctx: the shutdown signal cancels it, and running jobs would
		// be cut short; Shutdown stops the runner gracefully.
		err = runner.Start(context.WithoutCancel(ctx))
	}
	if err != nil {
		if mln != nil {
			mln.Close()
		}
		return nil, err
	}
	s.jobs = runner

	nudge := func() {}
	if c.Resolve {
		s.Resolver = resolve.New(st, resolve.Options{
			Thresholds: lead.Thresholds{Auto: c.MatchAuto, Review: c.MatchReview},
			Train:      c.MatchTrain, Lock: st, Logger: log, Registerer: reg,
		})
		nudge = s.Resolver.Nudge
		s.background(ctx, s.Resolver.Run)
		s.background(ctx, func(ctx context.Context) { backfillAccounts(ctx, st, log) })
		s.background(ctx, func(ctx context.Context) { settleAccounts(ctx, st, log) })
		UseRunner(engine, st, runner)
		if err := engine.EnsureDefaults(ctx); err != nil {
			log.Error("process: the default team and rule were not created", "error", err.Error())
		}
		s.Process = engine
		s.background(ctx, func(ctx context.Context) { engine.Run(ctx, processInterval) })
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "leadhub_accounts_unsummed",
			Help: "Accounts whose summary waits to be recomputed after the resolver changed their people (-1 when the database cannot be read).",
		}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			n, err := st.DirtyAccounts(ctx)
			if err != nil {
				return -1
			}
			return float64(n)
		}))
	}
	writers := c.Writers
	if writers == 0 {
		writers = st.Writers()
	}
	// Each committed batch wakes the resolver: new leads get their
	// customer within milliseconds.
	s.inbox = ingest.New(st, ingest.Options{Writers: writers, DedupWindow: c.DedupWindow, Metrics: metrics, OnCommit: nudge})

	configured := []sources.Configured{{Source: string(lead.ChannelHTTPS), Kind: string(lead.ChannelHTTPS),
		Config: map[string]string{"endpoint": "/ingest/marketplace"}}}
	var pollers []api.Poller
	var webPollers []web.Poller
	if len(c.AzureTables) > 0 {
		ps, err := azuretable.NewPollers(c.AzureTables,
			azuretable.Options{Table: c.AzureTableName, Interval: c.AzureTablePoll},
			azuretable.Deps{Store: st, Inbox: s.inbox, Metrics: azuretable.NewMetrics(reg), Logger: log})
		if err != nil {
			log.Error("azure table polling not started", "error", err.Error())
		} else {
			s.tables = azuretable.Start(ctx, ps)
		}
	}
	for _, p := range s.tables.Pollers() {
		pollers, webPollers = append(pollers, p), append(webPollers, p)
		configured = append(configured, sources.Configured{Source: p.Source(), Kind: string(lead.ChannelAzureTable),
			Config: p.Describe().Config()})
	}
	monitor := sources.NewMonitor(st, func() []sources.Configured { return configured }, c.SilentAfter, log, reg)
	s.background(ctx, func(ctx context.Context) { monitor.Run(ctx, time.Minute) })
	// The runner also fails the imports, and removes the uploads, that
	// servers which died left behind, now and while it runs.
	s.imports = csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: s.inbox, Store: st, Logger: log})

	apiHandler := api.Handler(api.Deps{
		Store: st, Inbox: s.inbox, Verifier: auth.NewVerifier(st, 0), Logger: log,
		Metrics: metrics, Gatherer: reg, MaxBody: c.MaxBody, Sources: monitor, Pollers: pollers,
		Imports: s.imports, Customers: st, Nudge: nudge, Jobs: s.jobs, Proxies: c.TrustedProxies,
		Process: engine, Processes: st, Notifications: st,
		MetricsToken: c.MetricsToken, MetricsElsewhere: mln != nil,
	})
	sessions := &auth.Sessions{Store: st, Idle: c.SessionIdle}
	webHandler := web.Handler(web.Deps{Store: st, Sessions: sessions,
		SignIn: &auth.SignIn{Users: st, Sessions: sessions, Throttle: &auth.Throttle{}},
		Logger: log, Proxies: c.TrustedProxies, PublicURL: c.PublicURL,
		Inbox: s.inbox, Imports: s.imports, Sources: monitor, Nudge: nudge, Pollers: webPollers, Process: webProcess(engine), Config: webConfig(engine)})
	s.http = newHTTPServer(mount(apiHandler, webHandler), c, log)
	go func() { s.done <- s.http.Serve(ln) }()
	if mln != nil {
		s.metrics, s.metricsAddr = newHTTPServer(api.MetricsHandler(reg, c.MetricsToken), c, log), mln.Addr()
		go func() { s.done <- s.metrics.Serve(mln) }()
		log.Info("serving /metrics", "addr", mln.Addr().String())
	} else if c.MetricsToken == "" && !loopback(ln.Addr()) {
		log.Warn("/metrics is served without a token on a non-loopback address; set --metrics-token or --metrics-addr")
	}
	return s, nil
}

// workersOrNil returns ws when it holds job kinds, else nil (the runner
// then only enqueues and lists jobs).
func workersOrNil(ws *river.Workers, any bool) *river.Workers {
	if !any {
		return nil
	}
	return ws
}

// processInterval is how often the process engine looks at its queue when
// nothing wakes it: a lead is assigned within that of its resolution.
const processInterval = 200 * time.Millisecond

// Jobs is the job runner, for the admin API.
func (s *Server) Jobs() *jobs.Runner { return s.jobs }

// mount routes the web app's paths to webHandler and everything else
// (the REST API, ingest, health, metrics, and the 404 of what no one
// answers) to apiHandler.
func mount(apiHandler, webHandler http.Handler) http.Handler {
	mux := http.NewServeMux()
	for _, p := range web.Paths() {
		mux.Handle(p, webHandler)
	}
	mux.Handle("/", apiHandler)
	return mux
}

// newHTTPServer wraps h with the server's timeouts.
func newHTTPServer(h http.Handler, c Config, log *slog.Logger) *http.Server {
	read, write := c.ReadTimeout, c.WriteTimeout
	if read <= 0 {
		read = 30 * time.Second
	}
	if write <= 0 {
		write = 60 * time.Second
	}
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       read,
		WriteTimeout:      write,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// background runs loop until ctx ends or the server shuts down.
func (s *Server) background(ctx context.Context, loop func(context.Context)) {
	ctx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		loop(ctx)
	}()
	s.stop = append(s.stop, func() { cancel(); <-stopped })
}

func loopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// MetricsAddr is where /metrics is served on a listener of its own (nil
// when it is served with the rest, on Config.Addr).
func (s *Server) MetricsAddr() net.Addr { return s.metricsAddr }

// Done receives the error of a listener that stopped by itself.
func (s *Server) Done() <-chan error { return s.done }

// Shutdown stops the server in the order that keeps every acknowledged
// lead: the listeners stop accepting and wait for in-flight requests (each
// handler answers only after its lead's commit), the pollers and imports
// stop handing the inbox new leads, the inbox commits what it holds, and
// the background loops (the resolver, whose batch under way commits or
// rolls back, and the source monitor) stop last. The job runner stops
// right after the listeners: running jobs get a bounded time to finish.
func (s *Server) Shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := s.http.Shutdown(ctx)
	if s.metrics != nil {
		err = errors.Join(err, s.metrics.Shutdown(ctx))
	}
	// Running jobs finish (or, past the runner's bound, are cancelled and
	// retried later) while the inbox still takes what they hand it.
	err = errors.Join(err, s.jobs.Stop(ctx))
	s.tables.Stop()  // a poll under way commits what it handed to the inbox
	s.imports.Stop() // running imports stop between rows and record why
	s.inbox.Close()
	for _, stop := range s.stop {
		stop()
	}
	return err
}

// webProcess is the engine as the web app takes it: nil (not a nil
// pointer in an interface) when the process does not run.
func webProcess(e *process.Engine) web.Process {
	if e == nil {
		return nil
	}
	return e
}

// webConfig is the engine as the web app's settings take it (nil when the
// process does not run).
func webConfig(e *process.Engine) web.Config {
	if e == nil {
		return nil
	}
	return e
}
