package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/api"
	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/sources"
)

// DefaultDatabase is the embedded default: a SQLite file in the working
// directory.
const DefaultDatabase = "sqlite:./leadhub.db"

// Config is what a server is built from: serve's flags, as one value.
type Config struct {
	Addr      string // where the HTTP server listens
	Database  string
	PublicURL string // the URL Microsoft reaches the server at ("": http://Addr)
	// Notify configures email and chat notifications (zero: in-app only).
	Notify      notify.Config
	MaxBody     int64 // the largest marketplace body accepted
	DedupWindow time.Duration
	Writers     int // goroutines committing ingest batches (0: the engine's number)
	SilentAfter time.Duration

	AzureTables    azuretable.ConnectionStrings
	AzureTableName string
	AzureTablePoll time.Duration

	Resolve     bool    // resolve leads into customers
	MatchAuto   float64 // a new lead joins a customer from this match probability
	MatchReview float64 // below MatchAuto, from this one it is queued for review
	MatchTrain  bool    // train the match model on the leads as they grow

	// TrustedProxies may name the client in X-Forwarded-For (access log).
	TrustedProxies httpx.Proxies
	// MetricsAddr, when set, serves /metrics on a listener of its own
	// instead of Addr; MetricsToken, when set, requires it as a Bearer
	// token wherever /metrics is served.
	MetricsAddr  string
	MetricsToken string

	// ReadTimeout and WriteTimeout bound an ordinary request (0: 30s and
	// 60s); handlers that need longer, such as uploads, extend their own.
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// SessionIdle ends a web session after this long without a request
	// (0: auth.DefaultIdleTimeout).
	SessionIdle time.Duration
}

// Defaults is the configuration `leadhub serve` runs with when given no
// flags. The ingest benchmark runs with it too, so that it measures the
// product as shipped.
func Defaults() Config {
	return Config{
		Addr:           "127.0.0.1:8080",
		Database:       DefaultDatabase,
		MaxBody:        api.DefaultMaxBody,
		DedupWindow:    ingest.DefaultDedupWindow,
		SilentAfter:    sources.DefaultSilentAfter,
		AzureTableName: azuretable.DefaultTable,
		AzureTablePoll: azuretable.DefaultInterval,
		Resolve:        true,
		MatchAuto:      resolve.DefaultAuto,
		MatchReview:    resolve.DefaultReview,
		MatchTrain:     true,
	}
}

// Validate reports every invalid setting at once, by its flag's name.
func (c Config) Validate() error {
	var errs []error
	if err := c.Notify.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--smtp-* / --slack-webhook / --teams-webhook: %s", lead.MessageOf(err)))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want host:port", c.Addr))
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("--metrics-addr %q: want host:port", c.MetricsAddr))
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("--public-url %q: want an absolute http(s) URL", c.PublicURL))
		}
	}
	if c.MaxBody < 1024 || c.MaxBody > 16<<20 {
		errs = append(errs, fmt.Errorf("--max-body %d: want 1024 to 16777216 bytes", c.MaxBody))
	}
	if c.DedupWindow < time.Minute {
		errs = append(errs, fmt.Errorf("--dedup-window %s: want at least 1m", c.DedupWindow))
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
	if len(c.AzureTables) > 0 && c.AzureTablePoll < time.Second {
		errs = append(errs, fmt.Errorf("--azure-table-poll %s: want at least 1s", c.AzureTablePoll))
	}
	if c.Resolve {
		if err := resolve.CheckThresholds(lead.Thresholds{Auto: c.MatchAuto, Review: c.MatchReview}); err != nil {
			errs = append(errs, fmt.Errorf("--match-auto / --match-review: %w", err))
		}
	}
	if c.SessionIdle < 0 {
		errs = append(errs, fmt.Errorf("session idle timeout %s: want 0 (the default) or more", c.SessionIdle))
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		errs = append(errs, fmt.Errorf("--metrics-token: want at least 16 characters"))
	}
	return errors.Join(errs...)
}

// serverZone is the IANA name of the server's time zone, for the default
// team's calendar: $TZ when it names one, else the zone /etc/localtime
// links to, else UTC.
func serverZone() string {
	if tz := os.Getenv("TZ"); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil && tz != "Local" {
			return tz
		}
	}
	if target, err := os.Readlink("/etc/localtime"); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			if _, err := time.LoadLocation(name); err == nil {
				return name
			}
		}
	}
	return "UTC"
}
