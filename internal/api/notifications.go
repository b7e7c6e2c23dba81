package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// Notifications over the API: the calling user's in-app notifications
// (marked read one by one or all at once), the user's own notification
// settings, and, for admins, the deliveries that failed or are being
// retried, so that a channel that fails is seen.

// notificationList is GET /api/v1/notifications: a page of the caller's
// notifications and how many of all of them are unread.
type notificationList struct {
	Notifications []lead.Notification `json:"notifications"`
	Unread        int                 `json:"unread"`
}

// webhookView shows a stored webhook without its secret: whether one is
// set and the host it goes to.
type webhookView struct {
	Set  bool   `json:"set"`
	Host string `json:"host,omitempty"`
}

// notifySettings is what GET and PUT /api/v1/notification-settings answer.
type notifySettings struct {
	UserID       string                                    `json:"user_id"`
	Channels     map[lead.NotifyEvent][]lead.NotifyChannel `json:"channels"`
	Digest       bool                                      `json:"digest"`
	SlackWebhook webhookView                               `json:"slack_webhook"`
	TeamsWebhook webhookView                               `json:"teams_webhook"`
	UpdatedAt    time.Time                                 `json:"updated_at"`
}

// notifySettingsRequest is PUT /api/v1/notification-settings. A field
// left out (or null) keeps its value; an event left out of channels keeps
// its channels. A webhook URL "" removes the webhook.
type notifySettingsRequest struct {
	Channels        map[lead.NotifyEvent][]lead.NotifyChannel `json:"channels"`
	Digest          *bool                                     `json:"digest"`
	SlackWebhookURL *string                                   `json:"slack_webhook_url"`
	TeamsWebhookURL *string                                   `json:"teams_webhook_url"`
}

// deliveryList is GET /api/v1/notifications/failed.
type deliveryList struct {
	Deliveries []lead.Delivery `json:"deliveries"`
}

// notifyUser is the user whose notifications the caller reads, and false
// after answering when there is none: notifications belong to users, and
// an API key made without one has none.
func (s *server) notifyUser(w http.ResponseWriter, r *http.Request) (string, bool) {
	if s.notifications == nil {
		httpx.WriteProblem(w, r, http.StatusServiceUnavailable, "unavailable", "Service Unavailable",
			"notifications are not available on this server")
		return "", false
	}
	c, _ := auth.CallerFrom(r.Context())
	if c.UserID == "" {
		httpx.WriteProblem(w, r, http.StatusBadRequest, "no-user", "Bad Request",
			"notifications belong to users, and this API key has none; use a key made with `leadhub apikey create --user EMAIL`")
		return "", false
	}
	return c.UserID, true
}

func (s *server) handleListNotifications(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	unread := q.boolean("unread")
	limit := q.limit()
	if !q.ok(w, r) {
		return
	}
	user, ok := s.notifyUser(w, r)
	if !ok {
		return
	}
	f := lead.NotificationFilter{Limit: limit, UnreadOnly: unread != nil && *unread}
	ns, err := s.notifications.ListNotifications(r.Context(), user, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.notifications.CountUnread(r.Context(), user)
	s.answer(w, r, notificationList{Notifications: ns, Unread: n}, err)
}

func (s *server) handleReadNotification(w http.ResponseWriter, r *http.Request) {
	user, ok := s.notifyUser(w, r)
	if !ok {
		return
	}
	if err := s.notifications.MarkNotificationRead(r.Context(), user, r.PathValue("id"), time.Now()); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) handleReadAllNotifications(w http.ResponseWriter, r *http.Request) {
	user, ok := s.notifyUser(w, r)
	if !ok {
		return
	}
	n, err := s.notifications.MarkAllNotificationsRead(r.Context(), user, time.Now())
	s.answer(w, r, map[string]int{"marked": n}, err)
}

// webhookShown is a stored webhook as shown: never its path or query,
// which hold its secret.
func webhookShown(raw string) webhookView {
	if raw == "" {
		return webhookView{}
	}
	v := webhookView{Set: true}
	if u, err := url.Parse(raw); err == nil {
		v.Host = u.Hostname()
	}
	return v
}

func settingsView(p lead.NotifyPrefs) notifySettings {
	chs := make(map[lead.NotifyEvent][]lead.NotifyChannel, len(lead.NotifyEvents))
	for _, e := range lead.NotifyEvents {
		set, ok := p.Channels[e]
		if !ok {
			set = lead.DefaultNotifyChannels
		}
		c := []lead.NotifyChannel{} // each once, in the order of lead.NotifyChannels
		for _, known := range lead.NotifyChannels {
			if slices.Contains(set, known) {
				c = append(c, known)
			}
		}
		chs[e] = c
	}
	return notifySettings{UserID: p.UserID, Channels: chs, Digest: p.Digest,
		SlackWebhook: webhookShown(p.SlackWebhookURL), TeamsWebhook: webhookShown(p.TeamsWebhookURL), UpdatedAt: p.UpdatedAt}
}

func (s *server) handleGetNotifySettings(w http.ResponseWriter, r *http.Request) {
	user, ok := s.notifyUser(w, r)
	if !ok {
		return
	}
	p, err := s.notifications.NotifyPrefs(r.Context(), user)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, settingsView(p))
}

func (s *server) handleSetNotifySettings(w http.ResponseWriter, r *http.Request) {
	user, ok := s.notifyUser(w, r)
	if !ok {
		return
	}
	var req notifySettingsRequest
	if !readJSONBody(w, r, &req, `{"channels": {"breached": ["in_app", "slack"]}, "digest": false, "slack_webhook_url": "https://hooks.slack.com/…"}`) {
		return
	}
	var errs []httpx.FieldError
	bad := func(loc, msg string) { errs = append(errs, httpx.FieldError{Location: loc, Message: msg}) }
	for e, chs := range req.Channels {
		if _, err := lead.ParseNotifyEvent(string(e)); err != nil {
			bad("body.channels."+string(e), lead.MessageOf(err))
			continue
		}
		for i, c := range chs {
			if _, err := lead.ParseNotifyChannel(string(c)); err != nil {
				bad("body.channels."+string(e)+"["+strconv.Itoa(i)+"]", lead.MessageOf(err))
			}
		}
	}
	for _, h := range []struct {
		loc string
		v   *string
	}{{"body.slack_webhook_url", req.SlackWebhookURL}, {"body.teams_webhook_url", req.TeamsWebhookURL}} {
		if h.v == nil {
			continue
		}
		*h.v = strings.TrimSpace(*h.v)
		if err := lead.CheckWebhookURL(*h.v); err != nil {
			bad(h.loc, lead.MessageOf(err))
		}
	}
	if len(errs) > 0 {
		msgs := make([]string, len(errs))
		for i, e := range errs {
			msgs[i] = e.Location + ": " + e.Message
		}
		httpx.BadRequest(w, r, "invalid notification settings: "+strings.Join(msgs, "; "), errs)
		return
	}
	ctx := r.Context()
	p, err := s.notifications.NotifyPrefs(ctx, user)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if p.Channels == nil {
		p.Channels = map[lead.NotifyEvent][]lead.NotifyChannel{}
	}
	for e, chs := range req.Channels {
		if chs == nil {
			chs = []lead.NotifyChannel{}
		}
		p.Channels[e] = chs
	}
	if req.Digest != nil {
		p.Digest = *req.Digest
	}
	if req.SlackWebhookURL != nil {
		p.SlackWebhookURL = *req.SlackWebhookURL
	}
	if req.TeamsWebhookURL != nil {
		p.TeamsWebhookURL = *req.TeamsWebhookURL
	}
	p.UserID, p.UpdatedAt = user, time.Now()
	if err := s.notifications.SetNotifyPrefs(ctx, p); err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, settingsView(p))
}

func (s *server) handleListFailedDeliveries(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit := q.limit()
	if !q.ok(w, r) {
		return
	}
	if s.notifications == nil {
		httpx.WriteProblem(w, r, http.StatusServiceUnavailable, "unavailable", "Service Unavailable",
			"notifications are not available on this server")
		return
	}
	ds, err := s.notifications.ListFailedDeliveries(r.Context(), limit)
	s.answer(w, r, deliveryList{Deliveries: ds}, err)
}
