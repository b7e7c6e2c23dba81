// Package notify tells users what needs them: by email over SMTP, in Slack
// through an incoming webhook and in Microsoft Teams through a workflow
// webhook. In-app notifications need no sending: the stored notification
// is what the web app shows.
//
// A notification is recorded in the transaction of the change that causes
// it, with one pending delivery per external channel, and one River job
// (SendArgs, kind "notify.send") per delivery is enqueued in that same
// transaction (Enqueue). The Worker sends it and records every attempt's
// outcome on the delivery row, so a failing channel shows in the store
// (lead.NotificationStore.ListFailedDeliveries) and in the metric
// leadhub_notify_sent_total{channel,outcome}.
//
// Errors are classified once, for every channel: a RetryAfterError (HTTP
// 429, or 503 with Retry-After) snoozes the job; a PermanentError (a 4xx
// other than 408 and 429, an SMTP 5xx, a missing address) cancels it and
// marks the delivery failed; anything else is transient and River retries
// it with backoff.
package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/lead"
)

// Defaults of Config.
const (
	DefaultHTTPTimeout = 10 * time.Second
	DefaultSMTPTimeout = 30 * time.Second
	DefaultSMTPPort    = 587
)

// TLSPolicy says whether email goes over TLS (STARTTLS).
type TLSPolicy string

const (
	TLSOpportunistic TLSPolicy = "opportunistic" // STARTTLS when the server offers it (the default)
	TLSMandatory     TLSPolicy = "mandatory"     // STARTTLS or no mail
	TLSNone          TLSPolicy = "none"          // plain text: local test servers only
)

// SMTPConfig is the mail server notifications are sent through. An empty
// Host turns email off. Password is a secret: LogValue and String never
// show it.
type SMTPConfig struct {
	Host     string
	Port     int // DefaultSMTPPort when 0
	Username string
	Password string
	From     string    // the sender, e.g. "leadhub <leadhub@contoso.com>"
	TLS      TLSPolicy // TLSOpportunistic when ""
	Timeout  time.Duration
}

// LogValue shows the configuration without its password.
func (c SMTPConfig) LogValue() slog.Value {
	return slog.GroupValue(slog.String("host", c.Host), slog.Int("port", c.Port),
		slog.String("username", c.Username), slog.Bool("password_set", c.Password != ""),
		slog.String("from", c.From), slog.String("tls", string(c.TLS)))
}

// String shows the configuration without its password.
func (c SMTPConfig) String() string {
	return fmt.Sprintf("smtp %s:%d user %q from %q tls %s", c.Host, c.Port, c.Username, c.From, c.TLS)
}

// Config configures the senders and the worker. The zero value sends
// nothing but in-app notifications: every external delivery fails with
// "not configured".
type Config struct {
	// PublicURL is the web app's address, which makes a notification's
	// link absolute (https://leads.contoso.com + /customers/ID).
	PublicURL string
	SMTP      SMTPConfig
	// SlackWebhookURL and TeamsWebhookURL are the shared webhooks, for
	// users without one of their own. Secrets: never logged.
	SlackWebhookURL string
	TeamsWebhookURL string
	// HTTPTimeout bounds one webhook request (DefaultHTTPTimeout when 0).
	HTTPTimeout time.Duration
	// HTTPClient sends the webhooks (one with HTTPTimeout when nil).
	HTTPClient *http.Client
	// Registerer receives the metrics (none when nil).
	Registerer prometheus.Registerer
}

// LogValue shows the configuration without its secrets.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(slog.String("public_url", c.PublicURL), slog.Any("smtp", c.SMTP),
		slog.Bool("slack_webhook_set", c.SlackWebhookURL != ""), slog.Bool("teams_webhook_set", c.TeamsWebhookURL != ""))
}

// withDefaults fills in what is zero.
func (c Config) withDefaults() Config {
	if c.HTTPTimeout <= 0 {
		c.HTTPTimeout = DefaultHTTPTimeout
	}
	if c.SMTP.Host != "" {
		if c.SMTP.Port == 0 {
			c.SMTP.Port = DefaultSMTPPort
		}
		if c.SMTP.TLS == "" {
			c.SMTP.TLS = TLSOpportunistic
		}
		if c.SMTP.Timeout <= 0 {
			c.SMTP.Timeout = DefaultSMTPTimeout
		}
	}
	return c
}

// Validate names every problem of c at once. Its messages never contain a
// password or a webhook URL.
func (c Config) Validate() error {
	var problems []string
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			problems = append(problems, "public URL must be an absolute http(s) URL")
		}
	}
	if s := c.SMTP; s.Host != "" {
		if s.Port < 0 || s.Port > 65535 {
			problems = append(problems, fmt.Sprintf("SMTP port %d out of range", s.Port))
		}
		switch s.TLS {
		case "", TLSOpportunistic, TLSMandatory, TLSNone:
		default:
			problems = append(problems, fmt.Sprintf("unknown SMTP TLS policy %q (opportunistic, mandatory or none)", s.TLS))
		}
		if s.From == "" {
			problems = append(problems, "SMTP needs a From address")
		} else if _, err := mail.ParseAddress(s.From); err != nil {
			problems = append(problems, fmt.Sprintf("SMTP From %q is not an address", s.From))
		}
		if s.Password != "" && s.Username == "" {
			problems = append(problems, "SMTP password without a username")
		}
	} else if c.SMTP != (SMTPConfig{}) {
		problems = append(problems, "SMTP settings without a host")
	}
	if err := lead.CheckWebhookURL(c.SlackWebhookURL); err != nil {
		problems = append(problems, "Slack webhook: "+lead.MessageOf(err))
	}
	if err := lead.CheckWebhookURL(c.TeamsWebhookURL); err != nil {
		problems = append(problems, "Teams webhook: "+lead.MessageOf(err))
	}
	if c.HTTPTimeout < 0 || c.SMTP.Timeout < 0 {
		problems = append(problems, "negative timeout")
	}
	if len(problems) > 0 {
		return lead.Errorf(lead.KindInvalid, "notify: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Message is one notification to send on one channel.
type Message struct {
	Notification lead.Notification
	// To is where it goes: an email address, or a webhook URL (a secret).
	To string
	// Link is the notification's link made absolute ("" without one).
	Link string
}

// Sender sends messages on one channel. Its errors are classified: a
// *RetryAfterError, a *PermanentError, or anything else (transient).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// RetryAfterError is a throttled send: try again after After.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}
func (e *RetryAfterError) Unwrap() error { return e.Err }

// PermanentError is a send that will fail again however often it is
// tried: the provider refused the message or the address. Text is the
// whole message, with the provider's own error text (Slack's
// invalid_payload, no_service, …).
type PermanentError struct {
	Status int // the HTTP or SMTP status; 0 when there was none
	Text   string
	Err    error
}

func (e *PermanentError) Error() string {
	if e.Text == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Text
}
func (e *PermanentError) Unwrap() error { return e.Err }

// IsPermanent reports whether err will fail again whatever the retries.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}

// RetryAfter returns how long to wait before trying again after err, and
// whether err was a throttle at all.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryAfterError
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}
