package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// A user's notifications in the web app (the in-app channel), marked read
// one by one or all at once, and the user's own notification settings:
// the channels of each event, personal Slack and Teams webhooks, the
// daily digest.

// notificationsShown is how many notifications the page lists.
const notificationsShown = 100

type notificationsData struct {
	User          *lead.User
	Notifications []lead.Notification
	Unread        int
	Notice        string
}

func (s *server) notificationsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	ns, err := s.Store.ListNotifications(ctx, u.ID, lead.NotificationFilter{Limit: notificationsShown})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	unread, err := s.Store.CountUnread(ctx, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := notificationsData{User: &u, Notifications: ns, Unread: unread}
	switch r.URL.Query().Get("done") {
	case "read":
		d.Notice = "Marked read."
	case "settings":
		d.Notice = "Your notification settings are saved."
	}
	s.render(w, http.StatusOK, "notifications", d)
}

// readNotification marks one of the user's notifications read (id "all":
// every one) and goes back to the list, or to the notification's link
// when the form asks to open it.
func (s *server) readNotification(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "/notifications", "Back")
		return
	}
	id := r.PathValue("notification")
	var err error
	if id == "all" {
		_, err = s.Store.MarkAllNotificationsRead(ctx, u.ID, s.Now())
	} else {
		err = s.Store.MarkNotificationRead(ctx, u.ID, id, s.Now())
	}
	if err != nil {
		s.failBack(w, r, err, "/notifications")
		return
	}
	if open := r.PostForm.Get("open"); open != "" {
		http.Redirect(w, r, localPath(open), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/notifications?done=read", http.StatusSeeOther)
}

type notifySettingsData struct {
	User     *lead.User
	Events   []lead.NotifyEvent
	Channels []lead.NotifyChannel
	On       map[string]bool // "event/channel" → chosen
	Slack    string          // the Slack webhook as shown: its host only
	Teams    string
	Digest   bool
	Error    string
}

// webhookShown shows a stored webhook URL without its secret path.
func webhookShown(u string) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(u)
	if err != nil {
		return "set"
	}
	return p.Scheme + "://" + p.Host + "/…"
}

func (s *server) notifySettingsData(u *lead.User, p lead.NotifyPrefs) notifySettingsData {
	d := notifySettingsData{User: u, Events: lead.NotifyEvents, Channels: lead.NotifyChannels, On: map[string]bool{},
		Slack: webhookShown(p.SlackWebhookURL), Teams: webhookShown(p.TeamsWebhookURL), Digest: p.Digest}
	for _, e := range lead.NotifyEvents {
		chs, ok := p.Channels[e]
		if !ok {
			chs = lead.DefaultNotifyChannels
		}
		for _, c := range chs {
			d.On[string(e)+"/"+string(c)] = true
		}
	}
	return d
}

func (s *server) notifySettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	p, err := s.Store.NotifyPrefs(ctx, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "notification-settings", s.notifySettingsData(&u, p))
}

// saveNotifySettings stores the user's notification settings. An empty
// webhook field keeps the stored webhook; "remove" clears it.
func (s *server) saveNotifySettings(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "Bad request", "The form could not be read.", "/notifications/settings", "Back")
		return
	}
	old, err := s.Store.NotifyPrefs(ctx, u.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostForm
	p := lead.NotifyPrefs{UserID: u.ID, Channels: map[lead.NotifyEvent][]lead.NotifyChannel{}, Digest: f.Get("digest") == "on",
		SlackWebhookURL: old.SlackWebhookURL, TeamsWebhookURL: old.TeamsWebhookURL, UpdatedAt: s.Now()}
	for _, e := range lead.NotifyEvents {
		p.Channels[e] = []lead.NotifyChannel{}
		for _, c := range lead.NotifyChannels {
			if slices.Contains(f["on"], string(e)+"/"+string(c)) {
				p.Channels[e] = append(p.Channels[e], c)
			}
		}
	}
	for _, hook := range []struct {
		field string
		to    *string
	}{{"slack", &p.SlackWebhookURL}, {"teams", &p.TeamsWebhookURL}} {
		switch v := strings.TrimSpace(f.Get(hook.field)); {
		case f.Get(hook.field+"_remove") == "on":
			*hook.to = ""
		case v != "":
			*hook.to = v
		}
	}
	if err := s.Store.SetNotifyPrefs(ctx, p); err != nil {
		if lead.KindOf(err) != lead.KindInvalid {
			s.fail(w, r, err)
			return
		}
		d := s.notifySettingsData(&u, p)
		d.Slack, d.Teams = webhookShown(old.SlackWebhookURL), webhookShown(old.TeamsWebhookURL)
		d.Error = lead.MessageOf(err)
		s.render(w, http.StatusBadRequest, "notification-settings", d)
		return
	}
	http.Redirect(w, r, "/notifications?done=settings", http.StatusSeeOther)
}

type deliveriesData struct {
	User       *lead.User
	Deliveries []lead.Delivery
	Names      map[string]string
}

// failedDeliveries lists the sends that failed or are being retried after
// an error, most recently tried first: a failing channel is never silent.
func (s *server) failedDeliveries(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	ds, err := s.Store.ListFailedDeliveries(ctx, 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, _, err := s.names(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "settings-deliveries", deliveriesData{User: &u, Deliveries: ds, Names: names})
}
