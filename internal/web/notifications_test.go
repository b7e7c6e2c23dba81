package web_test

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// A user reads their notifications (one opened, then all marked read),
// and sets where they go: channels per event, a personal Slack webhook
// that is never shown back whole, the digest; an invalid webhook is
// refused with the reason and changes nothing.
func TestNotificationsPages(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		ctx := context.Background()
		repU, otherU := ev.user(lead.RoleRep, true), ev.user(lead.RoleViewer, true)
		rep, other := ev.signIn(repU, nil), ev.signIn(otherU, nil)
		now := time.Now()
		for i, n := range []lead.Notification{
			{ID: "01NOTIFYA00000000000000000", UserID: repU.ID, Event: lead.EventAssigned, CustomerID: "cust-1",
				Title: "Anja Keller was assigned to you", Text: "Contoso GmbH, Get it now", Link: "/customers/cust-1", CreatedAt: now},
			{ID: "01NOTIFYB00000000000000000", UserID: repU.ID, Event: lead.EventBreached, CustomerID: "cust-2",
				Title: "First touch of Jonas Weber is overdue", Link: "/customers/cust-2", CreatedAt: now.Add(time.Second)},
		} {
			err := ev.st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				return ev.st.CreateNotificationTx(ctx, tx, n, []lead.NotifyChannel{lead.NotifyInApp})
			})
			if err != nil {
				t.Fatalf("notification %d: %v", i, err)
			}
		}
		hasAll(t, "the rep's notifications", ev.okPage("/notifications", rep), "2 unread", "Anja Keller was assigned to you",
			"Contoso GmbH, Get it now", "First touch of Jonas Weber is overdue", "Mark all read")
		if body := ev.okPage("/notifications", other); strings.Contains(body, "Anja Keller") {
			t.Errorf("another user sees the rep's notifications")
		}
		// Another user cannot mark the rep's notification read.
		if resp, _ := ev.do("POST", "/notifications/01NOTIFYA00000000000000000/read", other, url.Values{}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("marking another user's notification read: %d, want 404", resp.StatusCode)
		}
		ev.postRedirect("/notifications/01NOTIFYA00000000000000000/read", rep, url.Values{"open": {"/customers/cust-1"}}, "/customers/cust-1")
		ev.postRedirect("/notifications/01NOTIFYB00000000000000000/read", rep, url.Values{"open": {"https://evil.example/"}}, "/")
		if n, err := ev.st.CountUnread(ctx, repU.ID); err != nil || n != 0 {
			t.Fatalf("unread after opening both: %d (%v)", n, err)
		}

		// Settings: by default every event in leadhub and by email.
		body := ev.okPage("/notifications/settings", rep)
		hasAll(t, "the default settings", body, "Where each event goes", `value="breached/email" checked`, `value="assigned/in_app" checked`, `name="digest" checked`)
		if strings.Contains(body, `value="breached/slack" checked`) {
			t.Errorf("Slack is on by default")
		}
		hook := ev.secret("https://hooks.slack.com/services/T000/B000/" + strings.Repeat("x", 24))
		ev.postRedirect("/notifications/settings", rep, url.Values{"on": {"breached/slack", "breached/in_app", "at_risk/in_app"}, "slack": {hook}},
			"/notifications?done=settings")
		p, err := ev.st.NotifyPrefs(ctx, repU.ID)
		if err != nil || p.SlackWebhookURL != hook || p.Digest || len(p.ChannelsFor(lead.EventAssigned)) != 0 ||
			strings.Join(chs(p.ChannelsFor(lead.EventBreached)), ",") != "in_app,slack" {
			t.Fatalf("stored settings: %+v (%v)", p, err)
		}
		body = ev.okPage("/notifications/settings", rep)
		hasAll(t, "the saved settings", body, `value="breached/slack" checked`, "set: https://hooks.slack.com/…", "Remove the Slack webhook")
		if strings.Contains(body, "T000/B000") {
			t.Errorf("the settings page shows the webhook's secret path")
		}
		// An empty field keeps the webhook; a plain-http one is refused.
		resp, body := ev.do("POST", "/notifications/settings", rep, url.Values{"on": {"breached/slack"}, "teams": {"http://teams.example/hook"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Teams webhook") {
			t.Errorf("a plain-http Teams webhook: %d\n%s", resp.StatusCode, body)
		}
		if p, _ := ev.st.NotifyPrefs(ctx, repU.ID); p.SlackWebhookURL != hook || p.TeamsWebhookURL != "" {
			t.Errorf("a refused form changed the settings: %+v", p)
		}
		ev.postRedirect("/notifications/settings", rep, url.Values{"slack_remove": {"on"}, "digest": {"on"}}, "/notifications?done=settings")
		if p, _ := ev.st.NotifyPrefs(ctx, repU.ID); p.SlackWebhookURL != "" || !p.Digest {
			t.Errorf("removing the webhook: %+v", p)
		}

		// A send that failed shows on the admins' page, never to a rep.
		admin := ev.signIn(ev.user(lead.RoleAdmin, true), nil)
		hasAll(t, "no failed send yet", ev.okPage("/settings/deliveries", admin), "None: every notification went through.")
		err = ev.st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			return ev.st.CreateNotificationTx(ctx, tx, lead.Notification{ID: "01NOTIFYC00000000000000000", UserID: repU.ID,
				Event: lead.EventBreached, Title: "First touch of Lea Schmidt is overdue", CreatedAt: now}, []lead.NotifyChannel{lead.NotifyEmail})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ev.st.RecordDelivery(ctx, lead.DeliveryAttempt{NotificationID: "01NOTIFYC00000000000000000", Channel: lead.NotifyEmail,
			State: lead.DeliveryFailed, Error: "smtp: 550 mailbox unavailable", At: now}); err != nil {
			t.Fatal(err)
		}
		hasAll(t, "the failed sends", ev.okPage("/settings/deliveries", admin), "Email", "given up", "550 mailbox unavailable", "Pat rep")
		if resp, _ := ev.do("GET", "/settings/deliveries", rep, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("a rep on the failed sends: %d, want 403", resp.StatusCode)
		}
	})
}

func chs(cs []lead.NotifyChannel) []string {
	var out []string
	for _, c := range cs {
		out = append(out, string(c))
	}
	return out
}
