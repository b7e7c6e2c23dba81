package store_test

import (
	"context"
	"database/sql"
	"slices"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

func createNotification(t *testing.T, s *store.Store, n lead.Notification, chs ...lead.NotifyChannel) error {
	t.Helper()
	return s.Write(ctxT(t), func(ctx context.Context, tx *sql.Tx) error {
		return s.CreateNotificationTx(ctx, tx, n, chs)
	})
}

func TestNotifications(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for _, id := range []string{"u1", "u2"} {
			if err := s.CreateUser(ctx, lead.User{ID: id, Email: id + "@contoso.com", Role: lead.RoleRep}); err != nil {
				t.Fatal(err)
			}
		}
		t0 := time.Date(2026, 3, 4, 9, 0, 0, 123456789, time.UTC)
		ids := []string{newID(), newID(), newID()}
		base := lead.Notification{UserID: "u1", Event: lead.EventAtRisk, CustomerID: "c1", Title: "Contoso is at risk",
			Text: "Due in 30 minutes", Link: "/customers/c1"}

		// Three notifications: the second only by email (not in the list).
		for i, id := range ids {
			n := base
			n.ID, n.CreatedAt = id, t0.Add(time.Duration(i)*time.Minute)
			chs := []lead.NotifyChannel{lead.NotifyInApp, lead.NotifyEmail, lead.NotifySlack, lead.NotifyEmail}
			if i == 1 {
				chs = []lead.NotifyChannel{lead.NotifyEmail}
			}
			if err := createNotification(t, s, n, chs...); err != nil {
				t.Fatal(err)
			}
		}
		// Refused: a taken id, no such user, an invalid notification, an
		// unknown channel; a rolled back transaction leaves nothing.
		dup := base
		dup.ID = ids[0]
		wantKind(t, createNotification(t, s, dup, lead.NotifyInApp), lead.KindConflict)
		ghost := base
		ghost.ID, ghost.UserID = newID(), "nobody"
		wantKind(t, createNotification(t, s, ghost, lead.NotifyInApp), lead.KindNotFound)
		bad := base
		bad.ID, bad.Link = newID(), "https://evil.example/x"
		wantKind(t, createNotification(t, s, bad, lead.NotifyInApp), lead.KindInvalid)
		odd := base
		odd.ID = newID()
		wantKind(t, createNotification(t, s, odd, "pager"), lead.KindInvalid)

		got, err := s.GetNotification(ctx, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		want := base
		want.ID, want.CreatedAt = ids[0], t0.Truncate(time.Microsecond)
		if got.ID != want.ID || got.UserID != "u1" || got.Event != lead.EventAtRisk || got.CustomerID != "c1" ||
			got.Title != want.Title || got.Text != want.Text || got.Link != want.Link ||
			!got.CreatedAt.Equal(want.CreatedAt) || got.ReadAt != nil {
			t.Fatalf("notification %+v, want %+v", got, want)
		}
		_, err = s.GetNotification(ctx, "nope")
		wantKind(t, err, lead.KindNotFound)

		list, err := s.ListNotifications(ctx, "u1", lead.NotificationFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if got := notificationIDs(list); !slices.Equal(got, []string{ids[2], ids[0]}) {
			t.Fatalf("list %v, want newest first without the email-only one %v", got, []string{ids[2], ids[0]})
		}
		if l, err := s.ListNotifications(ctx, "u1", lead.NotificationFilter{Limit: 1}); err != nil || len(l) != 1 || l[0].ID != ids[2] {
			t.Fatalf("limit 1: %v %v", notificationIDs(l), err)
		}
		if l, err := s.ListNotifications(ctx, "u2", lead.NotificationFilter{}); err != nil || len(l) != 0 || l == nil {
			t.Fatalf("u2's list: %#v %v", l, err)
		}

		// Reading: once, by its user only; unread filter and count follow.
		if n, err := s.CountUnread(ctx, "u1"); err != nil || n != 2 {
			t.Fatalf("unread %d %v, want 2", n, err)
		}
		r1 := t0.Add(time.Hour)
		if err := s.MarkNotificationRead(ctx, "u1", ids[0], r1); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkNotificationRead(ctx, "u1", ids[0], r1.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.MarkNotificationRead(ctx, "u2", ids[2], r1), lead.KindNotFound)
		wantKind(t, s.MarkNotificationRead(ctx, "u1", ids[1], r1), lead.KindNotFound) // not in the web app
		if got, _ := s.GetNotification(ctx, ids[0]); got.ReadAt == nil || !got.ReadAt.Equal(r1.Truncate(time.Microsecond)) {
			t.Fatalf("read at %v, want the first time %v", got.ReadAt, r1)
		}
		unread, err := s.ListNotifications(ctx, "u1", lead.NotificationFilter{UnreadOnly: true})
		if err != nil || !slices.Equal(notificationIDs(unread), []string{ids[2]}) {
			t.Fatalf("unread list %v %v", notificationIDs(unread), err)
		}
		if n, err := s.MarkAllNotificationsRead(ctx, "u1", r1); err != nil || n != 1 {
			t.Fatalf("mark all: %d %v, want 1", n, err)
		}
		if n, err := s.CountUnread(ctx, "u1"); err != nil || n != 0 {
			t.Fatalf("unread after mark all: %d %v", n, err)
		}
	})
}

func TestNotificationDeliveries(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if err := s.CreateUser(ctx, lead.User{ID: "u1", Email: "ann@contoso.com", Role: lead.RoleRep}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
		id := newID()
		n := lead.Notification{ID: id, UserID: "u1", Event: lead.EventBreached, Title: "Breached", CreatedAt: t0}
		if err := createNotification(t, s, n, lead.NotifyInApp, lead.NotifyTeams, lead.NotifyEmail, lead.NotifySlack); err != nil {
			t.Fatal(err)
		}
		ds, err := s.Deliveries(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 3 {
			t.Fatalf("%d deliveries, want 3 (no in-app one): %+v", len(ds), ds)
		}
		for i, c := range []lead.NotifyChannel{lead.NotifyEmail, lead.NotifySlack, lead.NotifyTeams} {
			d := ds[i]
			if d.Channel != c || d.State != lead.DeliveryPending || d.Attempts != 0 || d.UserID != "u1" ||
				d.LastError != "" || d.SentAt != nil || !d.UpdatedAt.Equal(t0) {
				t.Fatalf("delivery %d: %+v", i, d)
			}
		}
		_, err = s.Delivery(ctx, id, lead.NotifyInApp)
		wantKind(t, err, lead.KindNotFound)

		record := func(c lead.NotifyChannel, st lead.DeliveryState, msg string, at time.Time) lead.Delivery {
			t.Helper()
			d, err := s.RecordDelivery(ctx, lead.DeliveryAttempt{NotificationID: id, Channel: c, State: st, Error: msg, At: at})
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
		// Email: a retry, then sent; a late attempt leaves it sent.
		d := record(lead.NotifyEmail, lead.DeliveryPending, "dial tcp: connection refused", t0.Add(time.Second))
		if d.State != lead.DeliveryPending || d.Attempts != 1 || d.LastError != "dial tcp: connection refused" {
			t.Fatalf("after a retry: %+v", d)
		}
		sentAt := t0.Add(time.Minute)
		d = record(lead.NotifyEmail, lead.DeliverySent, "", sentAt)
		if d.State != lead.DeliverySent || d.Attempts != 2 || d.SentAt == nil || !d.SentAt.Equal(sentAt) {
			t.Fatalf("after sending: %+v", d)
		}
		d = record(lead.NotifyEmail, lead.DeliveryFailed, "late", sentAt.Add(time.Minute))
		if d.State != lead.DeliverySent || d.Attempts != 2 || !d.UpdatedAt.Equal(sentAt) {
			t.Fatalf("a late attempt changed a sent delivery: %+v", d)
		}
		// Slack fails for good; Teams is being retried.
		record(lead.NotifySlack, lead.DeliveryFailed, "slack: 400 invalid_payload", t0.Add(2*time.Minute))
		record(lead.NotifyTeams, lead.DeliveryPending, "teams: 502", t0.Add(3*time.Minute))
		failing, err := s.ListFailedDeliveries(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(failing) != 2 || failing[0].Channel != lead.NotifyTeams || failing[1].Channel != lead.NotifySlack ||
			failing[1].State != lead.DeliveryFailed || failing[1].LastError != "slack: 400 invalid_payload" {
			t.Fatalf("failing deliveries %+v", failing)
		}
		_, err = s.RecordDelivery(ctx, lead.DeliveryAttempt{NotificationID: "nope", Channel: lead.NotifyEmail, State: lead.DeliverySent})
		wantKind(t, err, lead.KindNotFound)
		_, err = s.RecordDelivery(ctx, lead.DeliveryAttempt{NotificationID: id, Channel: lead.NotifyEmail, State: "maybe"})
		wantKind(t, err, lead.KindInvalid)
	})
}

func TestNotifyPrefs(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		if err := s.CreateUser(ctx, lead.User{ID: "u1", Email: "ann@contoso.com", Role: lead.RoleRep}); err != nil {
			t.Fatal(err)
		}
		p, err := s.NotifyPrefs(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		def := lead.DefaultNotifyPrefs("u1")
		if !p.Digest || len(p.Channels) != len(lead.NotifyEvents) || !slices.Equal(p.ChannelsFor(lead.EventBreached), def.ChannelsFor(lead.EventBreached)) {
			t.Fatalf("defaults %+v", p)
		}
		_, err = s.NotifyPrefs(ctx, "nobody")
		wantKind(t, err, lead.KindNotFound)

		t0 := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
		p = lead.NotifyPrefs{UserID: "u1", Channels: map[lead.NotifyEvent][]lead.NotifyChannel{
			lead.EventBreached: {lead.NotifySlack, lead.NotifyInApp, lead.NotifySlack},
			lead.EventAssigned: {},
		}, SlackWebhookURL: "https://hooks.slack.com/services/T1/B1/x", Digest: false, UpdatedAt: t0}
		if err := s.SetNotifyPrefs(ctx, p); err != nil {
			t.Fatal(err)
		}
		got, err := s.NotifyPrefs(ctx, "u1")
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.ChannelsFor(lead.EventBreached), []lead.NotifyChannel{lead.NotifyInApp, lead.NotifySlack}) ||
			len(got.ChannelsFor(lead.EventAssigned)) != 0 ||
			!slices.Equal(got.ChannelsFor(lead.EventAtRisk), lead.DefaultNotifyChannels) ||
			got.ChannelsFor(lead.EventDigest) != nil || got.Digest ||
			got.SlackWebhookURL != p.SlackWebhookURL || got.TeamsWebhookURL != "" || !got.UpdatedAt.Equal(t0) {
			t.Fatalf("stored prefs %+v", got)
		}
		// Replaced whole.
		p.Channels, p.Digest, p.SlackWebhookURL = nil, true, ""
		if err := s.SetNotifyPrefs(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.NotifyPrefs(ctx, "u1"); !got.Digest || got.SlackWebhookURL != "" ||
			!slices.Equal(got.ChannelsFor(lead.EventBreached), lead.DefaultNotifyChannels) {
			t.Fatalf("replaced prefs %+v", got)
		}
		wantKind(t, s.SetNotifyPrefs(ctx, lead.NotifyPrefs{UserID: "nobody"}), lead.KindNotFound)
		wantKind(t, s.SetNotifyPrefs(ctx, lead.NotifyPrefs{UserID: "u1", TeamsWebhookURL: "http://10.0.0.1/hook"}), lead.KindInvalid)
		wantKind(t, s.SetNotifyPrefs(ctx, lead.NotifyPrefs{UserID: "u1",
			Channels: map[lead.NotifyEvent][]lead.NotifyChannel{"party": {lead.NotifyEmail}}}), lead.KindInvalid)
	})
}

func notificationIDs(ns []lead.Notification) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}
