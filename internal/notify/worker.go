package notify

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/leadhub/leadhub/internal/lead"
)

// Bounds of a delivery's attempts.
const (
	// MaxAttempts is River's bound on a send job's failed attempts: with
	// River's backoff (attempt⁴ seconds) the last comes about 2 h 30 min
	// after the first, after which the news is stale.
	MaxAttempts = 8
	// MaxDeliveryAttempts bounds a delivery's tries, throttled ones
	// included (River does not count a snooze as an attempt), so that a
	// webhook that answers 429 for ever is given up too.
	MaxDeliveryAttempts = 20
)

// SendArgs is the job that sends one notification on one external
// channel. It is unique by its arguments: enqueued twice while one waits
// or runs, it is sent once.
type SendArgs struct {
	NotificationID string             `json:"notification_id"`
	Channel        lead.NotifyChannel `json:"channel"`
}

// Kind is the job's kind.
func (SendArgs) Kind() string { return "notify.send" }

// InsertOpts makes the job unique by its arguments and bounds its attempts.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Inserter enqueues a job in the caller's transaction: jobs.Runner, or a
// fake (the same method as jobs.Enqueuer).
type Inserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Recorder records a notification and its pending deliveries in the
// caller's transaction: store.Store.
type Recorder interface {
	CreateNotificationTx(ctx context.Context, tx *sql.Tx, n lead.Notification, channels []lead.NotifyChannel) error
}

// Enqueue records n for its user on channels and enqueues one SendArgs job
// per external channel, all in tx, the transaction of the change that
// causes it: if tx rolls back, nobody is told. A zero ID gets a new ULID
// and a zero CreatedAt the current time; the notification as recorded is
// returned. Channels usually come from the user's preferences
// (lead.NotifyPrefs.ChannelsFor); with none the notification is still
// recorded, shown nowhere.
func Enqueue(ctx context.Context, tx *sql.Tx, ins Inserter, rec Recorder, n lead.Notification, channels []lead.NotifyChannel) (lead.Notification, error) {
	if n.ID == "" {
		n.ID = ulid.Make().String()
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now().UTC().Truncate(time.Microsecond)
	}
	if err := rec.CreateNotificationTx(ctx, tx, n, channels); err != nil {
		return lead.Notification{}, err
	}
	seen := map[lead.NotifyChannel]bool{}
	for _, c := range channels {
		if !c.External() || seen[c] {
			continue
		}
		seen[c] = true
		if _, err := ins.InsertTx(ctx, tx, SendArgs{NotificationID: n.ID, Channel: c}, nil); err != nil {
			return lead.Notification{}, fmt.Errorf("notify: enqueue %s: %w", c, err)
		}
	}
	return n, nil
}

// Store is what the worker reads and writes: store.Store, or a fake.
type Store interface {
	GetNotification(ctx context.Context, id string) (lead.Notification, error)
	GetUser(ctx context.Context, id string) (lead.User, error)
	NotifyPrefs(ctx context.Context, userID string) (lead.NotifyPrefs, error)
	Delivery(ctx context.Context, notificationID string, c lead.NotifyChannel) (lead.Delivery, error)
	RecordDelivery(ctx context.Context, a lead.DeliveryAttempt) (lead.Delivery, error)
}

// Outcomes counted by leadhub_notify_sent_total.
const (
	OutcomeSent      = "sent"      // delivered
	OutcomeRetried   = "retried"   // a transient error: River retries with backoff
	OutcomeThrottled = "throttled" // 429 or 503 with Retry-After: snoozed
	OutcomeFailed    = "failed"    // given up: permanent error, or out of attempts
	OutcomeSkipped   = "skipped"   // sent already (a job run again after its send)
)

// Worker works SendArgs jobs.
type Worker struct {
	river.WorkerDefaults[SendArgs]

	cfg     Config
	st      Store
	log     *slog.Logger
	senders map[lead.NotifyChannel]Sender
	sent    *prometheus.CounterVec
	now     func() time.Time
}

// New returns the worker for cfg, after cfg.Validate. The composition root
// adds it to River's workers (Register).
func New(cfg Config, st Store, log *slog.Logger) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Worker{cfg: cfg, st: st, log: log.With("component", "notify"), now: time.Now,
		senders: map[lead.NotifyChannel]Sender{
			lead.NotifySlack: NewSlack(cfg.HTTPClient, cfg.HTTPTimeout),
			lead.NotifyTeams: NewTeams(cfg.HTTPClient, cfg.HTTPTimeout),
		}}
	if e := NewEmail(cfg.SMTP); e != nil {
		w.senders[lead.NotifyEmail] = e
	}
	sent := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadhub_notify_sent_total",
		Help: "Notification sends by channel and outcome (sent, retried, throttled, failed, skipped).",
	}, []string{"channel", "outcome"})
	if cfg.Registerer != nil {
		if err := cfg.Registerer.Register(sent); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				return nil, fmt.Errorf("notify: metrics: %w", err)
			}
			sent = are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	for _, c := range []lead.NotifyChannel{lead.NotifyEmail, lead.NotifySlack, lead.NotifyTeams} {
		for _, o := range []string{OutcomeSent, OutcomeRetried, OutcomeThrottled, OutcomeFailed, OutcomeSkipped} {
			sent.WithLabelValues(string(c), o)
		}
	}
	w.sent = sent
	return w, nil
}

// Register adds the worker to ws, the workers the job runner is built with.
func (w *Worker) Register(ws *river.Workers) { river.AddWorker(ws, w) }

// Timeout bounds one attempt: the slower of a webhook request and an SMTP
// conversation, and some time for the store.
func (w *Worker) Timeout(*river.Job[SendArgs]) time.Duration {
	return max(w.cfg.HTTPTimeout, w.cfg.SMTP.Timeout) + 15*time.Second
}

// Work sends the notification of job on its channel and records the
// outcome on its delivery.
func (w *Worker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	a := job.Args
	if !a.Channel.External() {
		if a.Channel == lead.NotifyInApp {
			return nil // the notification row is the in-app notification
		}
		return river.JobCancel(fmt.Errorf("notify: unknown channel %q", a.Channel))
	}
	d, err := w.st.Delivery(ctx, a.NotificationID, a.Channel)
	if lead.KindOf(err) == lead.KindNotFound {
		w.sent.WithLabelValues(string(a.Channel), OutcomeFailed).Inc()
		return river.JobCancel(err)
	}
	if err != nil {
		return err // the database: try again later
	}
	if d.State == lead.DeliverySent {
		w.sent.WithLabelValues(string(a.Channel), OutcomeSkipped).Inc()
		return nil
	}
	m, err := w.message(ctx, a)
	if err == nil {
		if s := w.senders[a.Channel]; s != nil {
			err = s.Send(ctx, m)
		} else {
			err = &PermanentError{Text: fmt.Sprintf("%s: not configured on this server", a.Channel)}
		}
	}
	return w.settle(ctx, job, d, err)
}

// message loads what sending a needs: the notification, its user, and the
// address on the channel (the user's email, or the user's or the shared
// webhook).
func (w *Worker) message(ctx context.Context, a SendArgs) (Message, error) {
	n, err := w.st.GetNotification(ctx, a.NotificationID)
	if err != nil {
		return Message{}, notFoundIsPermanent(err)
	}
	u, err := w.st.GetUser(ctx, n.UserID)
	if err != nil {
		return Message{}, notFoundIsPermanent(err)
	}
	if u.Disabled {
		return Message{}, &PermanentError{Text: "the user is disabled"}
	}
	m := Message{Notification: n, Link: w.link(n.Link)}
	switch a.Channel {
	case lead.NotifyEmail:
		m.To = u.Email
	case lead.NotifySlack, lead.NotifyTeams:
		p, err := w.st.NotifyPrefs(ctx, u.ID)
		if err != nil {
			return Message{}, notFoundIsPermanent(err)
		}
		m.To = w.cfg.SlackWebhookURL
		if a.Channel == lead.NotifyTeams {
			m.To = w.cfg.TeamsWebhookURL
		}
		if own := p.SlackWebhookURL; a.Channel == lead.NotifySlack && own != "" {
			m.To = own
		}
		if own := p.TeamsWebhookURL; a.Channel == lead.NotifyTeams && own != "" {
			m.To = own
		}
		if m.To == "" {
			return Message{}, &PermanentError{Text: fmt.Sprintf("%s: no webhook for this user and no shared one", a.Channel)}
		}
	}
	return m, nil
}

// link makes a notification's path absolute with the public URL ("" when
// there is no public URL or no path).
func (w *Worker) link(path string) string {
	if path == "" || w.cfg.PublicURL == "" {
		return ""
	}
	return strings.TrimRight(w.cfg.PublicURL, "/") + path
}

func notFoundIsPermanent(err error) error {
	if lead.KindOf(err) == lead.KindNotFound {
		return &PermanentError{Text: lead.MessageOf(err), Err: err}
	}
	return err
}

// settle records the outcome of one try on the delivery d and tells River
// what to do next: complete, snooze, cancel, or retry with backoff.
func (w *Worker) settle(ctx context.Context, job *river.Job[SendArgs], d lead.Delivery, err error) error {
	a := job.Args
	rec := lead.DeliveryAttempt{NotificationID: a.NotificationID, Channel: a.Channel, At: w.now()}
	outcome := OutcomeSent
	var next error
	after, throttled := RetryAfter(err)
	last := d.Attempts+1 >= MaxDeliveryAttempts
	switch {
	case err == nil:
		rec.State = lead.DeliverySent
	case IsPermanent(err):
		rec.State, outcome, next = lead.DeliveryFailed, OutcomeFailed, river.JobCancel(err)
	case last:
		err = fmt.Errorf("given up after %d tries: %w", d.Attempts+1, err)
		rec.State, outcome, next = lead.DeliveryFailed, OutcomeFailed, river.JobCancel(err)
	case throttled:
		rec.State, outcome, next = lead.DeliveryPending, OutcomeThrottled, river.JobSnooze(after)
	case job.Attempt >= job.MaxAttempts:
		// River discards the job after this attempt.
		rec.State, outcome, next = lead.DeliveryFailed, OutcomeFailed, err
	default:
		rec.State, outcome, next = lead.DeliveryPending, OutcomeRetried, err
	}
	if err != nil {
		rec.Error = err.Error()
	}
	w.sent.WithLabelValues(string(a.Channel), outcome).Inc()
	if _, rerr := w.st.RecordDelivery(ctx, rec); rerr != nil {
		// Not recorded. After a send that went through, the job still
		// completes: sending again would tell the user twice.
		w.log.Error("notification delivery not recorded", "notification_id", a.NotificationID,
			"channel", string(a.Channel), "state", string(rec.State), "error", rerr)
	}
	if err != nil {
		level := slog.LevelWarn
		if rec.State == lead.DeliveryFailed {
			level = slog.LevelError
		}
		w.log.Log(ctx, level, "notification not delivered", "notification_id", a.NotificationID,
			"channel", string(a.Channel), "attempt", d.Attempts+1, "outcome", outcome, "error", err.Error())
	}
	return next
}
