package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/store"
)

// DefaultDatabase is the embedded default: a SQLite file in the working directory.
const DefaultDatabase = app.DefaultDatabase

// serveConfig is serve's flags: the server's configuration and what only
// the command itself uses.
type serveConfig struct {
	app.Config
	LogLevel        string
	ShutdownTimeout time.Duration
	Demo            bool
	trustedProxies  string // --trusted-proxy, parsed into Config.TrustedProxies
}

func (c *serveConfig) validate() error {
	errs := []error{c.Config.Validate()}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout must be positive"))
	}
	ps, err := httpx.ParseProxies(c.trustedProxies)
	if err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxy: %w", err))
	}
	c.TrustedProxies = ps
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
	c := serveConfig{Config: app.Defaults()}
	d := c.Config
	fs.StringVar(&c.Addr, "addr", d.Addr, "address to listen on")
	databaseFlag(fs, &c.Database)
	fs.StringVar(&c.PublicURL, "public-url", "", "URL people and Microsoft reach this server at: ingest URLs and one-time links start with it; an https URL makes the session cookie Secure even behind a proxy that terminates TLS (default http://ADDR)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.Int64Var(&c.MaxBody, "max-body", d.MaxBody, "largest marketplace body accepted, in bytes (a gzip body counts decompressed; a larger body up to 1 MiB is kept in quarantine)")
	fs.DurationVar(&c.DedupWindow, "dedup-window", d.DedupWindow, "an identical body within this window is a redelivery, not a new lead")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	fs.IntVar(&c.Writers, "writers", 0, "goroutines committing ingest batches (0: 1 on SQLite, 4 on PostgreSQL)")
	fs.DurationVar(&c.SilentAfter, "silent-after", d.SilentAfter, "a source that used to deliver leads is \"silent\" after this long without one")
	fs.BoolVar(&c.Demo, "demo", false, "run on a throw-away database (unless --database is given) and feed the server simulated leads")
	fs.Var(&c.AzureTables, "azure-table", "connection string of an Azure Storage account whose lead table to poll (repeatable; in the environment, one per line)")
	fs.StringVar(&c.AzureTableName, "azure-table-name", d.AzureTableName, "table Microsoft writes leads to in each --azure-table account")
	fs.DurationVar(&c.AzureTablePoll, "azure-table-poll", d.AzureTablePoll, "time between polls of each --azure-table")
	fs.BoolVar(&c.Resolve, "resolve", d.Resolve, "resolve every new lead into a customer (on PostgreSQL one replica resolves at a time)")
	fs.Float64Var(&c.MatchAuto, "match-auto", d.MatchAuto, "match probability from which a new lead joins an existing customer")
	fs.Float64Var(&c.MatchReview, "match-review", d.MatchReview, "match probability from which (below --match-auto) a new lead is queued for review as a possible duplicate")
	fs.BoolVar(&c.MatchTrain, "match-train", d.MatchTrain, "train the match model on the leads (from 1000 leads, again each time they double)")
	fs.StringVar(&c.trustedProxies, "trusted-proxy", "", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For names the client in the access log")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics on this address of its own instead of --addr (e.g. 127.0.0.1:9090)")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "require this Bearer token for /metrics (at least 16 characters; LEADHUB_METRICS_TOKEN_FILE keeps it out of the environment)")
	var smtpTLS string
	fs.StringVar(&c.Notify.SMTP.Host, "smtp-host", "", "mail server for email notifications (none: email off; in-app notifications always work)")
	fs.IntVar(&c.Notify.SMTP.Port, "smtp-port", 587, "mail server port")
	fs.StringVar(&c.Notify.SMTP.Username, "smtp-username", "", "mail server user")
	fs.StringVar(&c.Notify.SMTP.Password, "smtp-password", "", "mail server password (LEADHUB_SMTP_PASSWORD_FILE keeps it out of the environment and the process list)")
	fs.StringVar(&c.Notify.SMTP.From, "smtp-from", "", "sender of email notifications, e.g. \"leadhub <leadhub@contoso.com>\"")
	fs.StringVar(&smtpTLS, "smtp-tls", "opportunistic", "STARTTLS: opportunistic, mandatory, or none (a local test server only)")
	fs.StringVar(&c.Notify.SlackWebhookURL, "slack-webhook", "", "Slack incoming webhook for users without one of their own (a secret: use LEADHUB_SLACK_WEBHOOK_FILE)")
	fs.StringVar(&c.Notify.TeamsWebhookURL, "teams-webhook", "", "Microsoft Teams workflow webhook for users without one of their own (a secret: use LEADHUB_TEAMS_WEBHOOK_FILE)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if c.Notify.SMTP.Host == "" {
		c.Notify.SMTP = notify.SMTPConfig{}
	} else {
		c.Notify.SMTP.TLS = notify.TLSPolicy(smtpTLS)
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
	if !c.Demo {
		if err := ensureSetupLink(ctx, st, c.PublicURL, ln.Addr().String(), e.stdout, isTerminal(e.stdout), log); err != nil {
			return err
		}
	}
	srv, err := app.Start(ctx, st, ln, c.Config, log)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "database", store.Redact(c.Database), "engine", st.Engine(), "version", Version)
	if c.Demo {
		if err := startDemo(ctx, st, "http://"+ln.Addr().String(), c.Database, e, log); err != nil {
			_ = srv.Shutdown(c.ShutdownTimeout)
			return err
		}
	}

	var serveErr error
	select {
	case serveErr = <-srv.Done(): // a listener failed: stop the rest in order too
		log.Error("a listener stopped", "error", serveErr.Error())
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests", "timeout", c.ShutdownTimeout.String())
	if err := srv.Shutdown(c.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if serveErr != nil {
		return fmt.Errorf("serve: %w", serveErr)
	}
	log.Info("stopped")
	return nil
}

// openStore opens and migrates the database (see app.OpenStore); a
// missing database is an error that says how to create it.
func openStore(ctx context.Context, dsn string, log *slog.Logger, create bool) (*store.Store, error) {
	st, err := app.OpenStore(ctx, dsn, create, log)
	if lead.KindOf(err) == lead.KindNotFound {
		return nil, fmt.Errorf("%w; `leadhub serve --database %s` creates it, or pass the --database (LEADHUB_DATABASE) your server uses", err, dsn)
	}
	return st, err
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

// ensureSetupLink prints, while no user exists, a one-time link that
// creates the first admin in the web app (valid for auth.SetupTokenTTL).
// Like the first ingest token it is printed only to a terminal, never to
// the log; started as a service, serve logs how to get one instead.
func ensureSetupLink(ctx context.Context, st interface {
	lead.SetupStore
}, publicURL, listenAddr string, out io.Writer, terminal bool, log *slog.Logger) error {
	n, err := st.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	if !terminal {
		log.Warn("no user exists yet: run `leadhub users setup-link --public-url URL` for a one-time link that creates the first admin " +
			"(it is not printed here, because standard output is not a terminal)")
		return nil
	}
	token, err := auth.NewSetupToken(ctx, st, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nNo user exists yet. Open this one-time link to create the first administrator\n"+
		"(it works once, for %s, and only until a user exists):\n\n  %s\n\n",
		auth.SetupTokenTTL, auth.SetupURL(baseURL(publicURL, listenAddr), token))
	return nil
}

// baseURL is the public URL, or http://ADDR.
func baseURL(publicURL, listenAddr string) string {
	if publicURL != "" {
		return publicURL
	}
	return "http://" + listenAddr
}

func ingestURL(base, secret string) string {
	return strings.TrimRight(base, "/") + "/ingest/marketplace?code=" + url.QueryEscape(secret)
}
