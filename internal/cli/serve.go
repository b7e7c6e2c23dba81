package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
	"github.com/leadhub/leadhub/internal/store"
)

// DefaultDatabase is the embedded default: a SQLite file in the working directory.
const DefaultDatabase = "sqlite:./leadhub.db"

type serveConfig struct {
	Addr            string
	Database        string
	PublicURL       string
	LogLevel        string
	MaxBody         int64
	DedupWindow     time.Duration
	ShutdownTimeout time.Duration
	Writers         int
	SilentAfter     time.Duration
	Demo            bool
	AzureTables     azuretable.ConnectionStrings
	AzureTableName  string
	AzureTablePoll  time.Duration
	Resolve         bool    // resolve leads into customers (serve sets it; the ingest benchmark does not)
	MatchAuto       float64 // a new lead joins a customer from this match probability
	MatchReview     float64 // below MatchAuto, from this one it is queued for review
	MatchTrain      bool    // train the match model on the leads as they grow
	// ReadTimeout and WriteTimeout bound an ordinary request (0: 30s and
	// 60s); handlers that need longer, such as uploads, extend their own.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
}

func (c serveConfig) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port", c.Addr))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q: want an absolute http(s) URL", c.PublicURL))
		}
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBody < 1024 || c.MaxBody > 16<<20 {
		errs = append(errs, fmt.Errorf("--max-body %d: want 1024 to 16777216 bytes", c.MaxBody))
	}
	if c.DedupWindow < time.Minute {
		errs = append(errs, fmt.Errorf("--dedup-window %s: want at least 1m", c.DedupWindow))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout must be positive"))
	}
	if c.SilentAfter < time.Minute {
		errs = append(errs, fmt.Errorf("--silent-after %s: want at least 1m", c.SilentAfter))
	}
	if c.Writers < 0 || c.Writers > 64 {
		errs = append(errs, fmt.Errorf("--writers %d: want 0 (automatic) to 64", c.Writers))
	}
	if err := azuretable.CheckConfig(c.AzureTables, c.AzureTableName); err != nil {
		errs = append(errs, fmt.Errorf("--azure-table / --azure-table-name: %w", err))
	}
	if c.Resolve {
		if err := resolve.CheckThresholds(lead.Thresholds{Auto: c.MatchAuto, Review: c.MatchReview}); err != nil {
			errs = append(errs, fmt.Errorf("--match-auto / --match-review: %w", err))
		}
	}
	if len(c.AzureTables) > 0 && c.AzureTablePoll < time.Second {
		errs = append(errs, fmt.Errorf("--azure-table-poll %s: want at least 1s", c.AzureTablePoll))
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

func databaseFlag(fs interface {
	StringVar(*string, string, string, string)
}, dst *string) {
	fs.StringVar(dst, "database", DefaultDatabase, "database: sqlite:PATH (embedded) or postgres://USER@HOST:PORT/DB")
}

func runServe(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("serve", e, "serve [flags]")
	var c serveConfig
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on")
	databaseFlag(fs, &c.Database)
	fs.StringVar(&c.PublicURL, "public-url", "", "URL Microsoft reaches this server at, used to print the ingest URL (default http://ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.Int64Var(&c.MaxBody, "max-body", api.DefaultMaxBody, "largest marketplace body accepted, in bytes")
	fs.DurationVar(&c.DedupWindow, "dedup-window", ingest.DefaultDedupWindow, "an identical body within this window is a redelivery, not a new lead")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	fs.IntVar(&c.Writers, "writers", 0, "goroutines committing ingest batches (0: 1 on SQLite, 4 on PostgreSQL)")
	fs.DurationVar(&c.SilentAfter, "silent-after", sources.DefaultSilentAfter, "a source that used to deliver leads is \"silent\" after this long without one")
	fs.BoolVar(&c.Demo, "demo", false, "run on a throw-away database (unless --database is given) and feed the server simulated leads")
	fs.Var(&c.AzureTables, "azure-table", "connection string of an Azure Storage account whose lead table to poll (repeatable; in the environment, one per line)")
	fs.StringVar(&c.AzureTableName, "azure-table-name", azuretable.DefaultTable, "table Microsoft writes leads to in each --azure-table account")
	fs.DurationVar(&c.AzureTablePoll, "azure-table-poll", azuretable.DefaultInterval, "time between polls of each --azure-table")
	fs.BoolVar(&c.Resolve, "resolve", true, "resolve every new lead into a customer (on PostgreSQL one replica resolves at a time)")
	fs.Float64Var(&c.MatchAuto, "match-auto", resolve.DefaultAuto, "match probability from which a new lead joins an existing customer")
	fs.Float64Var(&c.MatchReview, "match-review", resolve.DefaultReview, "match probability from which (below --match-auto) a new lead is queued for review as a possible duplicate")
	fs.BoolVar(&c.MatchTrain, "match-train", true, "train the match model on the leads (from 1000 leads, again each time they double)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return usageError{err}
	}
	level, _ := parseLevel(c.LogLevel)
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	if c.Demo && c.Database == DefaultDatabase {
		dir, err := os.MkdirTemp("", "leadhub-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.Database = "sqlite:" + filepath.Join(dir, "demo.db")
	}

	st, err := openStore(ctx, c.Database, log, true)
	if err != nil {
		return err
	}
	defer st.Close()

	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	defer ln.Close()
	if err := ensureIngestToken(ctx, st, c.PublicURL, ln.Addr().String(), e.stdout, isTerminal(e.stdout), log); err != nil {
		return err
	}
	if creds, err := st.ListCredentials(ctx, lead.CredentialAPI); err == nil && !anyActive(creds) {
		log.Warn("no API key exists; create one with `leadhub apikey create` to use /api/v1")
	}
	srv := startServer(ctx, st, ln, c, log)
	log.Info("listening", "addr", ln.Addr().String(), "database", store.Redact(c.Database), "engine", st.Engine(), "version", Version)
	if c.Demo {
		if err := startDemo(ctx, st, "http://"+ln.Addr().String(), c.Database, e, log); err != nil {
			return err
		}
	}

	select {
	case err := <-srv.done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout.String())
	if err := srv.shutdown(c.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// running is a started HTTP server and its inbox.
type running struct {
	http  *http.Server
	inbox *ingest.Inbox
	done  chan error // receives Serve's error if it stops by itself

	imports *csvimport.Runner // uploaded CSV imports running in the background

	tables *azuretable.Group // the --azure-table pollers (nil without)

	resolver     *resolve.Resolver // nil without --resolve
	stopResolver func()            // stops the resolver and waits for it
}

// startServer wires the inbox, the Azure Table pollers, metrics, the source
// monitor and the HTTP handler over st and serves on ln.
// `serve` and `bench ingest` share it, so the benchmark measures the real
// server. The monitor runs until ctx ends.
func startServer(ctx context.Context, st *store.Store, ln net.Listener, c serveConfig, log *slog.Logger) *running {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := ingest.NewMetrics(reg, st.CountQuarantined)
	writers := c.Writers
	if writers == 0 {
		writers = 1
		if st.Engine() == "postgres" {
			writers = 4
		}
	}
	var resolver *resolve.Resolver
	nudge := func() {}
	if c.Resolve {
		resolver = resolve.New(st, resolve.Options{
			Thresholds: lead.Thresholds{Auto: c.MatchAuto, Review: c.MatchReview},
			Train:      c.MatchTrain, Lock: st, Logger: log, Registerer: reg,
		})
		nudge = resolver.Nudge
	}
	inbox := ingest.New(st, ingest.Options{Writers: writers, DedupWindow: c.DedupWindow,
		Metrics: metrics, OnCommit: nudge}) // new leads: resolve them now
	tables := startAzureTables(ctx, st, inbox, reg, c, log)
	var pollers []api.Poller
	configured := []sources.Configured{{Source: string(lead.ChannelHTTPS), Kind: string(lead.ChannelHTTPS),
		Config: map[string]string{"endpoint": "/ingest/marketplace"}}}
	for _, p := range tables.Pollers() {
		pollers = append(pollers, p)
		configured = append(configured, sources.Configured{Source: p.Source(), Kind: string(lead.ChannelAzureTable),
			Config: p.Describe().Config()})
	}
	monitor := sources.NewMonitor(st, func() []sources.Configured { return configured }, c.SilentAfter, log, reg)
	go monitor.Run(ctx, time.Minute)
	// The runner also fails the imports, and removes the uploads, that
	// servers which died left behind, now and while it runs.
	imports := csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: inbox, Store: st, Logger: log})
	readTimeout, writeTimeout := c.ReadTimeout, c.WriteTimeout
	if readTimeout <= 0 {
		readTimeout = 30 * time.Second
	}
	if writeTimeout <= 0 {
		writeTimeout = 60 * time.Second
	}
	srv := &http.Server{
		Handler: api.Handler(api.Deps{
			Store: st, Inbox: inbox, Verifier: auth.NewVerifier(st, 0), Logger: log,
			Metrics: metrics, Gatherer: reg, MaxBody: c.MaxBody, Sources: monitor, Pollers: pollers,
			Imports: imports, Customers: st, Nudge: nudge,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	r := &running{http: srv, inbox: inbox, done: make(chan error, 1), imports: imports}
	r.tables = tables
	r.resolver, r.stopResolver = resolver, func() {}
	if resolver != nil {
		rctx, cancel := context.WithCancel(ctx)
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			resolver.Run(rctx)
		}()
		r.stopResolver = func() { cancel(); <-stopped }
	}
	go func() { r.done <- srv.Serve(ln) }()
	return r
}

// shutdown stops accepting connections and waits for in-flight requests.
// Each handler waits for its lead's commit, so every acknowledged lead is
// durable when it returns; then the inbox commits anything left and stops.
func (r *running) shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := r.http.Shutdown(ctx)
	r.tables.Stop()  // a poll under way commits what it handed to the inbox
	r.imports.Stop() // running imports stop between rows and record why
	r.inbox.Close()
	r.stopResolver() // a batch under way commits or rolls back; the rest waits for the next start
	return err
}

// startAzureTables starts one poller per --azure-table (c is validated)
// until ctx ends or shutdown.
func startAzureTables(ctx context.Context, st lead.SourceProgress, inbox *ingest.Inbox, reg prometheus.Registerer, c serveConfig, log *slog.Logger) *azuretable.Group {
	if len(c.AzureTables) == 0 {
		return nil
	}
	pollers, err := azuretable.NewPollers(c.AzureTables,
		azuretable.Options{Table: c.AzureTableName, Interval: c.AzureTablePoll},
		azuretable.Deps{Store: st, Inbox: inbox, Metrics: azuretable.NewMetrics(reg), Logger: log})
	if err != nil {
		log.Error("azure table polling not started", "error", err.Error())
		return nil
	}
	return azuretable.Start(ctx, pollers)
}

// openStore opens and migrates the database. Only serve (and the
// benchmarks, on databases of their own) create a missing one: every other
// command run in the wrong directory or with the wrong --database must say
// so rather than work on a new, empty database.
func openStore(ctx context.Context, dsn string, log *slog.Logger, create bool) (*store.Store, error) {
	open := store.Open
	if create {
		open = store.Create
	}
	st, err := open(ctx, dsn)
	if lead.KindOf(err) == lead.KindNotFound {
		return nil, fmt.Errorf("%w; `leadhub serve --database %s` creates it, or pass the --database (LEADHUB_DATABASE) your server uses", err, dsn)
	}
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
	return st, nil
}

func anyActive(cs []lead.Credential) bool {
	for _, c := range cs {
		if c.RevokedAt == nil {
			return true
		}
	}
	return false
}

// ensureIngestToken makes sure Microsoft can be given an ingest URL. On a
// database that has never had an ingest token it creates the first one and
// prints its URL once, but only to a terminal: started as a service, whose
// standard output is a log, it creates none and logs how to make one, so
// that no secret is ever written to a log. A database whose tokens were all
// revoked is left so (the operator did it on purpose), with a warning.
func ensureIngestToken(ctx context.Context, st lead.CredentialStore, publicURL, listenAddr string, out io.Writer, terminal bool, log *slog.Logger) error {
	creds, err := st.ListCredentials(ctx, lead.CredentialIngest)
	if err != nil {
		return err
	}
	switch {
	case anyActive(creds):
		return nil
	case len(creds) > 0:
		log.Warn("every ingest token is revoked: Microsoft's lead deliveries are refused (401) until you create one with `leadhub token create` and give Partner Center its URL")
		return nil
	case !terminal:
		log.Warn("no ingest token exists yet: create one with `leadhub token create --public-url URL` and give Partner Center the URL it prints (it is not printed here, because standard output is not a terminal)")
		return nil
	}
	secret, cred := auth.NewSecret(lead.CredentialIngest, "first start", time.Now())
	if err := st.CreateCredential(ctx, cred); err != nil {
		return err
	}
	base := publicURL
	if base == "" {
		base = "http://" + listenAddr
	}
	fmt.Fprintf(out, "\nleadhub created its first ingest token. Give Microsoft this URL\n"+
		"(Partner Center → offer → Offer setup → Lead management → HTTPS endpoint).\n"+
		"It is shown only now; `leadhub token create` makes another.\n\n  %s\n\n",
		ingestURL(base, secret))
	return nil
}

func ingestURL(base, secret string) string {
	return strings.TrimRight(base, "/") + "/ingest/marketplace?code=" + url.QueryEscape(secret)
}
