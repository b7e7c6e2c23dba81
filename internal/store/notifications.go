package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

var _ lead.NotificationStore = (*Store)(nil)

const (
	notificationColumns = `id, user_id, event, customer_id, title, body, link, created_at, read_at`
	insertNotification  = `INSERT INTO notifications (id, user_id, event, customer_id, title, body, link, in_app, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	insertDelivery = `INSERT INTO notification_deliveries (notification_id, channel, state, attempts, last_error, updated_at)
VALUES ($1, $2, 'pending', 0, '', $3)`
	selectNotification = `SELECT ` + notificationColumns + ` FROM notifications WHERE id = $1`
	listNotifications  = `SELECT ` + notificationColumns + ` FROM notifications
WHERE user_id = $1 AND in_app = 1 ORDER BY id DESC LIMIT $2`
	listUnread = `SELECT ` + notificationColumns + ` FROM notifications
WHERE user_id = $1 AND in_app = 1 AND read_at IS NULL ORDER BY id DESC LIMIT $2`
	countUnread      = `SELECT count(*) FROM notifications WHERE user_id = $1 AND in_app = 1 AND read_at IS NULL`
	markRead         = `UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2 AND in_app = 1`
	markAllRead      = `UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND in_app = 1 AND read_at IS NULL`
	deliveryColumns  = `d.notification_id, n.user_id, d.channel, d.state, d.attempts, d.last_error, d.updated_at, d.sent_at`
	deliveryFrom     = ` FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id`
	selectDelivery   = `SELECT ` + deliveryColumns + deliveryFrom + ` WHERE d.notification_id = $1 AND d.channel = $2`
	listDeliveries   = `SELECT ` + deliveryColumns + deliveryFrom + ` WHERE d.notification_id = $1 ORDER BY d.channel`
	listFailedDelivs = `SELECT ` + deliveryColumns + deliveryFrom + `
WHERE d.state = 'failed' OR (d.state = 'pending' AND d.last_error <> '')
ORDER BY d.updated_at DESC, d.notification_id DESC, d.channel LIMIT $1`
	// recordDelivery leaves a sent delivery as it is: a late retry of a
	// job whose send went through must not make it pending again.
	recordDelivery = `UPDATE notification_deliveries SET attempts = attempts + 1, state = $3,
last_error = COALESCE($4, last_error), sent_at = COALESCE($5, sent_at), updated_at = $6
WHERE notification_id = $1 AND channel = $2 AND state <> 'sent'`
	selectPrefs = `SELECT user_id, channels, slack_webhook_url, teams_webhook_url, digest, updated_at
FROM notify_prefs WHERE user_id = $1`
	upsertPrefs = `INSERT INTO notify_prefs (user_id, channels, slack_webhook_url, teams_webhook_url, digest, updated_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (user_id) DO UPDATE SET channels = excluded.channels, slack_webhook_url = excluded.slack_webhook_url,
teams_webhook_url = excluded.teams_webhook_url, digest = excluded.digest, updated_at = excluded.updated_at`
	userExists = `SELECT count(*) FROM users WHERE id = $1`
)

// CreateNotificationTx records n in tx, the transaction of the change that
// causes it, with a pending delivery for each external channel of
// channels; n shows in the user's list in the web app when channels holds
// lead.NotifyInApp. The caller enqueues the sending jobs in the same
// transaction (notify.Enqueue does both). A zero CreatedAt means now.
// It returns KindInvalid for what Notification.Validate refuses or an
// unknown channel, KindNotFound for no such user and KindConflict for an
// id that is taken.
func (s *Store) CreateNotificationTx(ctx context.Context, tx *sql.Tx, n lead.Notification, channels []lead.NotifyChannel) error {
	const op = "creating notification"
	if err := n.Validate(); err != nil {
		return asStoreError(err)
	}
	inApp := false
	var external []lead.NotifyChannel
	for _, c := range channels {
		if _, err := lead.ParseNotifyChannel(string(c)); err != nil {
			return asStoreError(err)
		}
		if c == lead.NotifyInApp {
			inApp = true
		} else if !slices.Contains(external, c) {
			external = append(external, c)
		}
	}
	if n.CreatedAt.IsZero() {
		n.CreatedAt = time.Now()
	}
	created := n.CreatedAt.UnixMicro()
	_, err := tx.ExecContext(ctx, insertNotification, clean(n.ID), clean(n.UserID), string(n.Event), clean(n.CustomerID),
		clean(n.Title), clean(n.Text), clean(n.Link), boolInt(inApp), created)
	switch {
	case err != nil && s.d.foreignKeyViolation(err):
		return lead.Errorf(lead.KindNotFound, "store: no user %q", n.UserID)
	case err != nil && s.d.uniqueViolation(err):
		return lead.Errorf(lead.KindConflict, "store: notification %q exists already", n.ID)
	case err != nil:
		return s.fail(op, err)
	}
	for _, c := range external {
		if _, err := tx.ExecContext(ctx, insertDelivery, clean(n.ID), string(c), created); err != nil {
			return s.fail(op, err)
		}
	}
	return nil
}

// GetNotification returns the notification with id.
func (s *Store) GetNotification(ctx context.Context, id string) (lead.Notification, error) {
	return readOne(ctx, s, "reading notification", "notification", selectNotification, id, scanNotification)
}

// ListNotifications lists the notifications of userID shown in the web
// app, newest first.
func (s *Store) ListNotifications(ctx context.Context, userID string, f lead.NotificationFilter) ([]lead.Notification, error) {
	q := listNotifications
	if f.UnreadOnly {
		q = listUnread
	}
	rows, err := s.r.QueryContext(ctx, q, clean(userID), pageSize(f.Limit))
	ns, err := collect(rows, err, []lead.Notification{}, scanNotification)
	if err != nil {
		return nil, s.fail("listing notifications", err)
	}
	return ns, nil
}

// CountUnread counts the unread notifications of userID in the web app.
func (s *Store) CountUnread(ctx context.Context, userID string) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, countUnread, clean(userID)).Scan(&n); err != nil {
		return 0, s.fail("counting unread notifications", err)
	}
	return n, nil
}

// MarkNotificationRead marks the notification id of userID read at at,
// unless it was read before.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, markRead, clean(id), clean(userID), at.UnixMicro())
	if err != nil {
		return s.fail("marking notification read", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lead.Errorf(lead.KindNotFound, "store: no notification %q for this user", id)
	}
	return nil
}

// MarkAllNotificationsRead marks every unread notification of userID read.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, markAllRead, clean(userID), at.UnixMicro())
	if err != nil {
		return 0, s.fail("marking notifications read", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// NotifyPrefs returns the preferences of userID, the defaults for events
// (or a user) without any.
func (s *Store) NotifyPrefs(ctx context.Context, userID string) (lead.NotifyPrefs, error) {
	const op = "reading notification settings"
	var (
		p       lead.NotifyPrefs
		chs     string
		digest  int
		updated int64
	)
	err := s.r.QueryRowContext(ctx, selectPrefs, clean(userID)).Scan(&p.UserID, &chs, &p.SlackWebhookURL,
		&p.TeamsWebhookURL, &digest, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		var n int
		if err := s.r.QueryRowContext(ctx, userExists, clean(userID)).Scan(&n); err != nil {
			return lead.NotifyPrefs{}, s.fail(op, err)
		}
		if n == 0 {
			return lead.NotifyPrefs{}, lead.Errorf(lead.KindNotFound, "store: no user %q", userID)
		}
		return lead.DefaultNotifyPrefs(userID), nil
	}
	if err != nil {
		return lead.NotifyPrefs{}, s.fail(op, err)
	}
	stored := map[lead.NotifyEvent][]lead.NotifyChannel{}
	if err := json.Unmarshal([]byte(chs), &stored); err != nil {
		return lead.NotifyPrefs{}, s.fail(op, err)
	}
	p.Channels = lead.DefaultNotifyPrefs(userID).Channels
	for e, c := range stored {
		if c == nil {
			c = []lead.NotifyChannel{}
		}
		p.Channels[e] = c
	}
	p.Digest = digest != 0
	p.UpdatedAt = fromMicros(updated)
	return p, nil
}

// SetNotifyPrefs stores p, replacing the user's preferences. Channels are
// kept once each, in the order of lead.NotifyChannels; a zero UpdatedAt
// means now.
func (s *Store) SetNotifyPrefs(ctx context.Context, p lead.NotifyPrefs) error {
	if err := p.Validate(); err != nil {
		return asStoreError(err)
	}
	chs := make(map[lead.NotifyEvent][]lead.NotifyChannel, len(p.Channels))
	for e, c := range p.Channels {
		out := []lead.NotifyChannel{}
		for _, known := range lead.NotifyChannels {
			if slices.Contains(c, known) {
				out = append(out, known)
			}
		}
		chs[e] = out
	}
	b, err := json.Marshal(chs)
	if err != nil {
		return s.fail("storing notification settings", err)
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = time.Now()
	}
	_, err = s.w.ExecContext(ctx, upsertPrefs, clean(p.UserID), string(b), clean(p.SlackWebhookURL),
		clean(p.TeamsWebhookURL), boolInt(p.Digest), p.UpdatedAt.UnixMicro())
	if err != nil && s.d.foreignKeyViolation(err) {
		return lead.Errorf(lead.KindNotFound, "store: no user %q", p.UserID)
	}
	return s.fail("storing notification settings", err)
}

// Delivery returns the delivery of notificationID on channel c.
func (s *Store) Delivery(ctx context.Context, notificationID string, c lead.NotifyChannel) (lead.Delivery, error) {
	d, err := scanDelivery(s.r.QueryRowContext(ctx, selectDelivery, clean(notificationID), string(c)))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.Delivery{}, lead.Errorf(lead.KindNotFound, "store: no %s delivery of notification %q", c, notificationID)
	}
	if err != nil {
		return lead.Delivery{}, s.fail("reading delivery", err)
	}
	return d, nil
}

// Deliveries lists the deliveries of notificationID, by channel.
func (s *Store) Deliveries(ctx context.Context, notificationID string) ([]lead.Delivery, error) {
	rows, err := s.r.QueryContext(ctx, listDeliveries, clean(notificationID))
	ds, err := collect(rows, err, []lead.Delivery{}, scanDelivery)
	if err != nil {
		return nil, s.fail("listing deliveries", err)
	}
	return ds, nil
}

// RecordDelivery counts one attempt of a delivery and records its outcome;
// a sent delivery stays as it is (and is returned). A zero At means now.
func (s *Store) RecordDelivery(ctx context.Context, a lead.DeliveryAttempt) (lead.Delivery, error) {
	switch a.State {
	case lead.DeliveryPending, lead.DeliverySent, lead.DeliveryFailed:
	default:
		return lead.Delivery{}, lead.Errorf(lead.KindInvalid, "store: unknown delivery state %q", a.State)
	}
	if a.At.IsZero() {
		a.At = time.Now()
	}
	var (
		lastError *string
		sentAt    *int64
	)
	if a.State == lead.DeliverySent {
		at := a.At.UnixMicro()
		sentAt = &at
	} else {
		e := clean(a.Error)
		lastError = &e
	}
	_, err := s.w.ExecContext(ctx, recordDelivery, clean(a.NotificationID), string(a.Channel), string(a.State),
		lastError, sentAt, a.At.UnixMicro())
	if err != nil {
		return lead.Delivery{}, s.fail("recording delivery", err)
	}
	// Read back on the writer: the reader pool may not see the update yet.
	d, err := scanDelivery(s.w.QueryRowContext(ctx, selectDelivery, clean(a.NotificationID), string(a.Channel)))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.Delivery{}, lead.Errorf(lead.KindNotFound, "store: no %s delivery of notification %q", a.Channel, a.NotificationID)
	}
	if err != nil {
		return lead.Delivery{}, s.fail("recording delivery", err)
	}
	return d, nil
}

// ListFailedDeliveries lists the deliveries that failed or are being
// retried after an error, most recently tried first.
func (s *Store) ListFailedDeliveries(ctx context.Context, limit int) ([]lead.Delivery, error) {
	rows, err := s.r.QueryContext(ctx, listFailedDelivs, pageSize(limit))
	ds, err := collect(rows, err, []lead.Delivery{}, scanDelivery)
	if err != nil {
		return nil, s.fail("listing failed deliveries", err)
	}
	return ds, nil
}

func scanNotification(sc scanner) (lead.Notification, error) {
	var (
		n       lead.Notification
		event   string
		created int64
		read    sql.NullInt64
	)
	if err := sc.Scan(&n.ID, &n.UserID, &event, &n.CustomerID, &n.Title, &n.Text, &n.Link, &created, &read); err != nil {
		return lead.Notification{}, err
	}
	n.Event = lead.NotifyEvent(event)
	n.CreatedAt = fromMicros(created)
	if read.Valid {
		t := fromMicros(read.Int64)
		n.ReadAt = &t
	}
	return n, nil
}

func scanDelivery(sc scanner) (lead.Delivery, error) {
	var (
		d              lead.Delivery
		channel, state string
		updated        int64
		sent           sql.NullInt64
	)
	if err := sc.Scan(&d.NotificationID, &d.UserID, &channel, &state, &d.Attempts, &d.LastError, &updated, &sent); err != nil {
		return lead.Delivery{}, err
	}
	d.Channel, d.State = lead.NotifyChannel(channel), lead.DeliveryState(state)
	d.UpdatedAt = fromMicros(updated)
	if sent.Valid {
		t := fromMicros(sent.Int64)
		d.SentAt = &t
	}
	return d, nil
}

// asStoreError gives a domain validation error the store's op, as the
// store's own refusals have.
func asStoreError(err error) error {
	var le *lead.Error
	if errors.As(err, &le) {
		return &lead.Error{Kind: le.Kind, Op: "store", Message: le.Message, Err: le.Err}
	}
	return err
}
