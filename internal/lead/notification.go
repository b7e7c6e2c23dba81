package lead

import (
	"context"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// NotifyEvent is what a notification tells a user about.
type NotifyEvent string

const (
	EventAtRisk      NotifyEvent = "at_risk"      // a customer's first-touch clock is at risk
	EventBreached    NotifyEvent = "breached"     // a customer's first-touch clock is past due
	EventAssigned    NotifyEvent = "assigned"     // a customer was assigned to the user
	EventTaskOverdue NotifyEvent = "task_overdue" // one of the user's tasks is overdue
	EventDigest      NotifyEvent = "digest"       // the daily digest
)

// NotifyEvents lists every event, in the order settings show them.
var NotifyEvents = []NotifyEvent{EventAtRisk, EventBreached, EventAssigned, EventTaskOverdue, EventDigest}

// NotifyChannel is where a notification goes.
type NotifyChannel string

const (
	NotifyInApp NotifyChannel = "in_app" // the user's list in the web app (the notification row itself)
	NotifyEmail NotifyChannel = "email"  // an email to the user's address
	NotifySlack NotifyChannel = "slack"  // a Slack incoming webhook
	NotifyTeams NotifyChannel = "teams"  // a Microsoft Teams workflow webhook
)

// NotifyChannels lists every channel.
var NotifyChannels = []NotifyChannel{NotifyInApp, NotifyEmail, NotifySlack, NotifyTeams}

// External reports whether c is sent somewhere (and so has a delivery);
// in-app notifications are only stored.
func (c NotifyChannel) External() bool {
	return c == NotifyEmail || c == NotifySlack || c == NotifyTeams
}

// ParseNotifyChannel returns the channel named s, or a KindInvalid error.
func ParseNotifyChannel(s string) (NotifyChannel, error) {
	if c := NotifyChannel(s); slices.Contains(NotifyChannels, c) {
		return c, nil
	}
	return "", Errorf(KindInvalid, "lead: unknown notification channel %q (one of in_app, email, slack, teams)", s)
}

// ParseNotifyEvent returns the event named s, or a KindInvalid error.
func ParseNotifyEvent(s string) (NotifyEvent, error) {
	if e := NotifyEvent(s); slices.Contains(NotifyEvents, e) {
		return e, nil
	}
	return "", Errorf(KindInvalid, "lead: unknown notification event %q (one of at_risk, breached, assigned, task_overdue, digest)", s)
}

// Notification is one thing a user is told. Link is a path of the web app
// (such as /customers/ID); senders make it absolute with the public URL.
// ReadAt is nil until the user read it.
type Notification struct {
	ID         string      `json:"id"` // ULID
	UserID     string      `json:"user_id"`
	Event      NotifyEvent `json:"event"`
	CustomerID string      `json:"customer_id,omitempty"`
	Title      string      `json:"title"`
	Text       string      `json:"text"`
	Link       string      `json:"link,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	ReadAt     *time.Time  `json:"read_at,omitempty"`
}

// Validate names what makes n unstorable: no id, user, known event or
// title, or a link that is not a path of this site.
func (n Notification) Validate() error {
	var problems []string
	if n.ID == "" {
		problems = append(problems, "no id")
	}
	if n.UserID == "" {
		problems = append(problems, "no user")
	}
	if _, err := ParseNotifyEvent(string(n.Event)); err != nil {
		problems = append(problems, "unknown event "+strconv.Quote(string(n.Event)))
	}
	if strings.TrimSpace(n.Title) == "" {
		problems = append(problems, "no title")
	}
	if n.Link != "" && (!strings.HasPrefix(n.Link, "/") || strings.HasPrefix(n.Link, "//") || strings.ContainsAny(n.Link, "\\\r\n")) {
		problems = append(problems, "link "+strconv.Quote(n.Link)+" is not a path such as /customers/ID")
	}
	if len(problems) > 0 {
		return Errorf(KindInvalid, "lead: notification: %s", strings.Join(problems, "; "))
	}
	return nil
}

// NotifyPrefs is where a user's notifications go. Channels maps each event
// to its channels; an event missing from the map gets the defaults
// (DefaultNotifyChannels). Email goes to the user's own address. Slack and
// Teams go to the user's webhook URL, or to the shared one of the server's
// configuration when the user has none. Digest turns the daily digest on.
type NotifyPrefs struct {
	UserID          string                          `json:"user_id"`
	Channels        map[NotifyEvent][]NotifyChannel `json:"channels"`
	SlackWebhookURL string                          `json:"-"` // a secret: never shown back whole
	TeamsWebhookURL string                          `json:"-"` // a secret: never shown back whole
	Digest          bool                            `json:"digest"`
	UpdatedAt       time.Time                       `json:"updated_at"`
}

// DefaultNotifyChannels are the channels of an event a user has not set:
// in the web app and by email.
var DefaultNotifyChannels = []NotifyChannel{NotifyInApp, NotifyEmail}

// DefaultNotifyPrefs are the preferences of a user who has set none:
// every event in the web app and by email, the digest on.
func DefaultNotifyPrefs(userID string) NotifyPrefs {
	p := NotifyPrefs{UserID: userID, Channels: map[NotifyEvent][]NotifyChannel{}, Digest: true}
	for _, e := range NotifyEvents {
		p.Channels[e] = slices.Clone(DefaultNotifyChannels)
	}
	return p
}

// ChannelsFor returns the channels event e goes to (the defaults when p
// does not name e; none when it names it with no channel). The digest
// event goes nowhere while the digest is off.
func (p NotifyPrefs) ChannelsFor(e NotifyEvent) []NotifyChannel {
	if e == EventDigest && !p.Digest {
		return nil
	}
	chs, ok := p.Channels[e]
	if !ok {
		return slices.Clone(DefaultNotifyChannels)
	}
	return slices.Clone(chs)
}

// Validate names every problem of p: no user, unknown events or
// channels, a webhook URL that is not https (plain http is allowed to
// loopback addresses only, for local tests).
func (p NotifyPrefs) Validate() error {
	var problems []string
	if p.UserID == "" {
		problems = append(problems, "no user")
	}
	for e, chs := range p.Channels {
		if _, err := ParseNotifyEvent(string(e)); err != nil {
			problems = append(problems, "unknown event "+strconv.Quote(string(e)))
		}
		for _, c := range chs {
			if _, err := ParseNotifyChannel(string(c)); err != nil {
				problems = append(problems, "unknown channel "+strconv.Quote(string(c)))
			}
		}
	}
	if err := CheckWebhookURL(p.SlackWebhookURL); err != nil {
		problems = append(problems, "Slack webhook: "+err.Error())
	}
	if err := CheckWebhookURL(p.TeamsWebhookURL); err != nil {
		problems = append(problems, "Teams webhook: "+err.Error())
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return Errorf(KindInvalid, "lead: notification settings: %s", strings.Join(problems, "; "))
	}
	return nil
}

// CheckWebhookURL accepts "" (none), an absolute https URL, or an http
// URL to a loopback address. Its errors never repeat the URL, which holds
// the webhook's secret.
func CheckWebhookURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return Errorf(KindInvalid, "not an absolute URL")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
		return Errorf(KindInvalid, "plain http only to a loopback address; use https")
	}
	return Errorf(KindInvalid, "scheme must be https")
}

// DeliveryState is where one channel's delivery of a notification stands.
type DeliveryState string

const (
	DeliveryPending DeliveryState = "pending" // not sent yet, or being retried (LastError says why)
	DeliverySent    DeliveryState = "sent"
	DeliveryFailed  DeliveryState = "failed" // given up: a permanent error, or out of attempts
)

// Delivery is the sending of one notification on one external channel.
// Attempts counts every try, retries and throttled ones included;
// LastError is the last failure's text ("" after none).
type Delivery struct {
	NotificationID string        `json:"notification_id"`
	UserID         string        `json:"user_id"`
	Channel        NotifyChannel `json:"channel"`
	State          DeliveryState `json:"state"`
	Attempts       int           `json:"attempts"`
	LastError      string        `json:"last_error,omitempty"`
	UpdatedAt      time.Time     `json:"updated_at"`
	SentAt         *time.Time    `json:"sent_at,omitempty"`
}

// DeliveryAttempt is the outcome of one try: State sent, failed, or
// pending (to be retried) with Error.
type DeliveryAttempt struct {
	NotificationID string
	Channel        NotifyChannel
	State          DeliveryState
	Error          string
	At             time.Time
}

// NotificationFilter narrows a user's notifications. Limit 0 means 50;
// more than 500 is 500.
type NotificationFilter struct {
	UnreadOnly bool
	Limit      int
}

// NotificationStore keeps notifications, their deliveries and the users'
// preferences. Recording a notification happens in the transaction of the
// change that causes it, so it is a method of the store itself
// (CreateNotificationTx), not of this role.
//
// GetNotification and Delivery return KindNotFound for no such row;
// MarkNotificationRead returns KindNotFound for a notification that is
// not the user's. NotifyPrefs returns DefaultNotifyPrefs for a user who
// set none (KindNotFound for no such user); SetNotifyPrefs returns
// KindInvalid for what NotifyPrefs.Validate refuses and KindNotFound for
// no such user. RecordDelivery returns KindNotFound for a delivery never
// created.
type NotificationStore interface {
	GetNotification(ctx context.Context, id string) (Notification, error)
	// ListNotifications lists the notifications of userID shown in the web
	// app, newest first.
	ListNotifications(ctx context.Context, userID string, f NotificationFilter) ([]Notification, error)
	CountUnread(ctx context.Context, userID string) (int, error)
	// MarkNotificationRead marks one notification read at at; marking it
	// again keeps the first time.
	MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error
	// MarkAllNotificationsRead marks every unread notification of userID
	// read and returns how many it marked.
	MarkAllNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error)

	NotifyPrefs(ctx context.Context, userID string) (NotifyPrefs, error)
	SetNotifyPrefs(ctx context.Context, p NotifyPrefs) error

	Delivery(ctx context.Context, notificationID string, c NotifyChannel) (Delivery, error)
	// Deliveries lists a notification's deliveries, by channel.
	Deliveries(ctx context.Context, notificationID string) ([]Delivery, error)
	// RecordDelivery counts an attempt and sets the delivery's state, last
	// error and (when sent) sent time. A delivery that is sent stays sent.
	RecordDelivery(ctx context.Context, a DeliveryAttempt) (Delivery, error)
	// ListFailedDeliveries lists the deliveries that failed or are being
	// retried after an error, most recently tried first, at most limit
	// (0: 50).
	ListFailedDeliveries(ctx context.Context, limit int) ([]Delivery, error)
}
