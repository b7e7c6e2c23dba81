package api_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// notify stores a notification for user, shown in the web app and sent on
// the other channels given, and returns it.
func notify(t *testing.T, h *apitest.Server, user, title string, channels ...lead.NotifyChannel) lead.Notification {
	t.Helper()
	n := lead.Notification{ID: ulid.Make().String(), UserID: user, Event: lead.EventBreached, CustomerID: "c-1",
		Title: title, Text: "No first touch yet", Link: "/customers/c-1", CreatedAt: time.Now()}
	err := h.Store.Write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		return h.Store.CreateNotificationTx(ctx, tx, n, append([]lead.NotifyChannel{lead.NotifyInApp}, channels...))
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// The caller's notifications: listed newest first with the unread count,
// marked read one by one or all at once, and never another user's.
func TestNotificationsOverTheAPI(t *testing.T) {
	onEngines(t, func(t *testing.T, e storetest.Engine) {
		h := apitest.StartOn(t, e, nil)
		rep := userKey(t, h, lead.RoleRep, false)
		admin := userKey(t, h, lead.RoleAdmin, false)
		first := notify(t, h, "u-rep", "Anja Keller at Contoso GmbH is past due")
		second := notify(t, h, "u-rep", "Jonas Weber at Contoso GmbH is past due", lead.NotifyEmail)
		third := notify(t, h, "u-rep", "Lea Schmidt at Contoso GmbH is at risk")
		others := notify(t, h, "u-admin", "Fabrikam AG is past due")

		list := func(key, query string) (lead.Notification, []string, int) {
			t.Helper()
			var ans struct {
				Notifications []lead.Notification `json:"notifications"`
				Unread        *int                `json:"unread"`
			}
			if s, b := call(t, h, key, "GET", "/api/v1/notifications"+query, "", &ans); s != http.StatusOK || ans.Unread == nil {
				t.Fatalf("GET /api/v1/notifications%s: %d %s", query, s, b)
			}
			var ids []string
			for _, n := range ans.Notifications {
				ids = append(ids, n.ID)
			}
			var top lead.Notification
			if len(ans.Notifications) > 0 {
				top = ans.Notifications[0]
			}
			return top, ids, *ans.Unread
		}
		top, ids, unread := list(rep, "")
		if strings.Join(ids, ",") != third.ID+","+second.ID+","+first.ID || unread != 3 {
			t.Fatalf("the rep's notifications: %v, %d unread", ids, unread)
		}
		if top.Title != third.Title || top.Link != "/customers/c-1" || top.ReadAt != nil || top.Event != lead.EventBreached {
			t.Errorf("the newest: %+v", top)
		}
		if _, ids, unread = list(rep, "?unread=true&limit=2"); len(ids) != 2 || unread != 3 {
			t.Errorf("unread, two: %v, %d unread", ids, unread)
		}
		s, b := call(t, h, rep, "GET", "/api/v1/notifications?unread=maybe&limit=0", "", nil)
		expect(t, "bad parameters", s, b, http.StatusBadRequest, "query.unread", "query.limit")

		s, b = call(t, h, rep, "POST", "/api/v1/notifications/"+first.ID+"/read", "", nil)
		expect(t, "reading one", s, b, http.StatusNoContent)
		s, b = call(t, h, rep, "POST", "/api/v1/notifications/"+first.ID+"/read", "", nil)
		expect(t, "reading it again", s, b, http.StatusNoContent)
		if _, ids, unread = list(rep, "?unread=true"); strings.Join(ids, ",") != third.ID+","+second.ID || unread != 2 {
			t.Errorf("after reading one: %v, %d unread", ids, unread)
		}
		s, b = call(t, h, rep, "POST", "/api/v1/notifications/"+others.ID+"/read", "", nil)
		expect(t, "reading another user's", s, b, http.StatusNotFound)
		s, b = call(t, h, rep, "POST", "/api/v1/notifications/nope/read", "", nil)
		expect(t, "reading none", s, b, http.StatusNotFound)

		var marked struct{ Marked int }
		s, b = call(t, h, rep, "POST", "/api/v1/notifications/read-all", "", &marked)
		expect(t, "reading all", s, b, http.StatusOK)
		if marked.Marked != 2 {
			t.Errorf("read-all marked %d, want 2", marked.Marked)
		}
		if top, _, unread = list(rep, ""); unread != 0 || top.ReadAt == nil {
			t.Errorf("after read-all: %d unread, newest %+v", unread, top)
		}
		if _, ids, unread = list(admin, ""); len(ids) != 1 || ids[0] != others.ID || unread != 1 {
			t.Errorf("the admin's: %v, %d unread", ids, unread)
		}

		// A key of no user has no notifications: the refusal says why.
		for _, rt := range []struct{ method, path string }{{"GET", "/api/v1/notifications"},
			{"POST", "/api/v1/notifications/read-all"}, {"GET", "/api/v1/notification-settings"}} {
			s, b := call(t, h, h.APIKey, rt.method, rt.path, "", nil)
			expect(t, rt.path+" with a key of no user", s, b, http.StatusBadRequest, "#problem-no-user", "belong to users", "--user")
		}

		// A failed channel is seen: the admin lists the deliveries that
		// failed or are retried, a rep may not.
		ctx := context.Background()
		if _, err := h.Store.RecordDelivery(ctx, lead.DeliveryAttempt{NotificationID: second.ID, Channel: lead.NotifyEmail,
			State: lead.DeliveryFailed, Error: "smtp: 550 mailbox unavailable"}); err != nil {
			t.Fatal(err)
		}
		var failed struct {
			Deliveries []lead.Delivery `json:"deliveries"`
		}
		s, b = call(t, h, admin, "GET", "/api/v1/notifications/failed", "", &failed)
		expect(t, "failed deliveries as admin", s, b, http.StatusOK, "550 mailbox unavailable")
		if len(failed.Deliveries) != 1 || failed.Deliveries[0].NotificationID != second.ID || failed.Deliveries[0].UserID != "u-rep" ||
			failed.Deliveries[0].State != lead.DeliveryFailed || failed.Deliveries[0].Attempts != 1 {
			t.Errorf("failed deliveries: %+v", failed.Deliveries)
		}
		s, b = call(t, h, rep, "GET", "/api/v1/notifications/failed", "", nil)
		expect(t, "failed deliveries as a rep", s, b, http.StatusForbidden, "settings")
	})
}

// Each user's notification settings: the defaults, a change kept with
// what it leaves out, and webhooks that are set and removed but never
// shown back.
func TestNotificationSettingsOverTheAPI(t *testing.T) {
	onEngines(t, func(t *testing.T, e storetest.Engine) {
		h := apitest.StartOn(t, e, nil)
		rep := userKey(t, h, lead.RoleRep, false)
		viewer := userKey(t, h, lead.RoleViewer, false)
		const secret = "T0AAA0AAA/B0BBB0BBB/s3cr3tPathXYZ"
		const hook = "https://hooks.slack.com/services/" + secret

		type settings struct {
			UserID       string                                    `json:"user_id"`
			Channels     map[lead.NotifyEvent][]lead.NotifyChannel `json:"channels"`
			Digest       bool                                      `json:"digest"`
			SlackWebhook struct {
				Set  bool   `json:"set"`
				Host string `json:"host"`
			} `json:"slack_webhook"`
			TeamsWebhook struct {
				Set bool `json:"set"`
			} `json:"teams_webhook"`
		}
		var got settings
		s, b := call(t, h, rep, "GET", "/api/v1/notification-settings", "", &got)
		expect(t, "the defaults", s, b, http.StatusOK)
		if got.UserID != "u-rep" || !got.Digest || got.SlackWebhook.Set || len(got.Channels) != len(lead.NotifyEvents) ||
			strings.Join(chs(got.Channels[lead.EventBreached]), ",") != "in_app,email" {
			t.Errorf("the defaults: %+v", got)
		}

		s, b = call(t, h, rep, "PUT", "/api/v1/notification-settings",
			`{"channels": {"breached": ["slack", "in_app", "slack"], "assigned": []}, "digest": false, "slack_webhook_url": "`+hook+`"}`, &got)
		expect(t, "setting a Slack webhook", s, b, http.StatusOK, `"host":"hooks.slack.com"`)
		if strings.Contains(b, secret) || !got.SlackWebhook.Set || got.Digest || got.TeamsWebhook.Set ||
			strings.Join(chs(got.Channels[lead.EventBreached]), ",") != "in_app,slack" || len(got.Channels[lead.EventAssigned]) != 0 ||
			strings.Join(chs(got.Channels[lead.EventAtRisk]), ",") != "in_app,email" {
			t.Errorf("after the change: %+v; %s", got, b)
		}
		// What a PUT leaves out is kept.
		s, b = call(t, h, rep, "PUT", "/api/v1/notification-settings", `{"digest": true}`, &got)
		expect(t, "turning the digest on", s, b, http.StatusOK)
		s, b = call(t, h, rep, "GET", "/api/v1/notification-settings", "", &got)
		if s != http.StatusOK || strings.Contains(b, secret) || !got.Digest || !got.SlackWebhook.Set || got.SlackWebhook.Host != "hooks.slack.com" ||
			strings.Join(chs(got.Channels[lead.EventBreached]), ",") != "in_app,slack" {
			t.Errorf("read back: %d %s", s, b)
		}
		// Refusals name the field and never repeat a webhook.
		for _, c := range []struct{ what, body, want string }{
			{"an unknown event", `{"channels": {"lunch": ["in_app"]}}`, "body.channels.lunch"},
			{"an unknown channel", `{"channels": {"breached": ["pigeon"]}}`, "body.channels.breached[0]"},
			{"plain http", `{"teams_webhook_url": "http://example.com/workflows/` + secret + `"}`, "body.teams_webhook_url"},
			{"an unknown field", `{"slack_webhook": {"set": false}}`, `unknown field \"slack_webhook\"`},
		} {
			s, b := call(t, h, rep, "PUT", "/api/v1/notification-settings", c.body, nil)
			expect(t, c.what, s, b, http.StatusBadRequest, c.want)
			if strings.Contains(b, secret) {
				t.Errorf("%s: the refusal repeats the webhook: %s", c.what, b)
			}
		}
		// "" removes a webhook; the other settings stay.
		got = settings{}
		s, b = call(t, h, rep, "PUT", "/api/v1/notification-settings", `{"slack_webhook_url": ""}`, &got)
		expect(t, "removing the webhook", s, b, http.StatusOK)
		if got.SlackWebhook.Set || got.SlackWebhook.Host != "" || !got.Digest {
			t.Errorf("after removing the webhook: %+v", got)
		}
		// Settings are each user's own: the viewer still has the defaults.
		got = settings{}
		s, b = call(t, h, viewer, "GET", "/api/v1/notification-settings", "", &got)
		if s != http.StatusOK || got.UserID != "u-viewer" || strings.Join(chs(got.Channels[lead.EventBreached]), ",") != "in_app,email" {
			t.Errorf("the viewer's settings: %d %s", s, b)
		}
		if strings.Contains(h.Log.String(), secret) {
			t.Errorf("the log holds the webhook's secret")
		}
	})
}

func chs(cs []lead.NotifyChannel) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}
