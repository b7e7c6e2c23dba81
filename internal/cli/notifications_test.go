package cli

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// TestNotificationsCommands lists and reads the caller's notifications,
// changes their settings without the webhook ever being printed, and
// shows the failed deliveries to an admin.
func TestNotificationsCommands(t *testing.T) {
	ts := startFresh(t)
	st := storetest.OpenDSN(t, ts.dsn)
	rep := userWithKey(t, st, "u-rep", lead.RoleRep)
	ctx := context.Background()
	var ids []string
	for i, title := range []string{"Anja Keller at Contoso GmbH is past due", "Jonas Weber at Contoso GmbH was assigned to you"} {
		n := lead.Notification{ID: ulid.Make().String(), UserID: "u-rep", Event: lead.EventBreached, Title: title,
			Text: "First touch was due", Link: "/customers/c-" + string(rune('1'+i))}
		if err := st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			return st.CreateNotificationTx(ctx, tx, n, []lead.NotifyChannel{lead.NotifyInApp, lead.NotifySlack})
		}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, n.ID)
	}
	as := func(key string, args ...string) (string, error) {
		t.Helper()
		out, _, err := run(t, append(append([]string{"notifications"}, args...), "--server", ts.base, "--api-key", key)...)
		return out, err
	}

	out, err := as(rep, "list")
	if err != nil || !strings.Contains(out, "Anja Keller at Contoso GmbH is past due") || !strings.Contains(out, "2 unread") ||
		strings.Index(out, "Jonas Weber") > strings.Index(out, "Anja Keller") {
		t.Fatalf("list: %v %s", err, out)
	}
	if out, err = as(rep, "read", ids[0]); err != nil || strings.TrimSpace(out) != "marked "+ids[0]+" read" {
		t.Errorf("read: %v %s", err, out)
	}
	if out, err = as(rep, "list", "--unread", "--json"); err != nil || strings.Contains(out, ids[0]) || !strings.Contains(out, ids[1]) ||
		!strings.Contains(out, `"unread": 1`) {
		t.Errorf("list --unread --json: %v %s", err, out)
	}
	if out, err = as(rep, "read-all"); err != nil || strings.TrimSpace(out) != "marked 1 read" {
		t.Errorf("read-all: %v %s", err, out)
	}
	if _, err = as(rep, "read", "nope"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("reading none: %v", err)
	}
	if _, err = as(ts.apiKey, "list"); err == nil || !strings.Contains(err.Error(), "belong to users") {
		t.Errorf("a key of no user: %v", err)
	}

	const secret = "T0AAA/B0BBB/s3cr3tXYZ"
	out, err = as(rep, "settings")
	if err != nil || !strings.Contains(out, "in_app, email") || !strings.Contains(out, "Slack webhook  not set") {
		t.Errorf("settings: %v %s", err, out)
	}
	hook := writeFile(t, "settings.json", `{"channels": {"breached": ["in_app", "slack"]}, "digest": false,
 "slack_webhook_url": "https://hooks.slack.com/services/`+secret+`"}`)
	out, err = as(rep, "settings", "--file", hook)
	if err != nil || !strings.Contains(out, "set (hooks.slack.com)") || !strings.Contains(out, "off") || strings.Contains(out, secret) {
		t.Errorf("settings --file: %v %s", err, out)
	}
	if out, err = as(rep, "settings", "--json"); err != nil || strings.Contains(out, secret) || !strings.Contains(out, `"hooks.slack.com"`) {
		t.Errorf("settings --json: %v %s", err, out)
	}
	if _, err = as(rep, "settings", "--file", writeFile(t, "bad.json", `{"channels": {"breached": ["pigeon"]}}`)); err == nil ||
		!strings.Contains(err.Error(), "body.channels.breached[0]") {
		t.Errorf("an unknown channel: %v", err)
	}

	// A channel that failed shows to an admin, not to a rep.
	if _, err := st.RecordDelivery(ctx, lead.DeliveryAttempt{NotificationID: ids[1], Channel: lead.NotifySlack,
		State: lead.DeliveryFailed, Error: "slack: 404 no_service"}); err != nil {
		t.Fatal(err)
	}
	if _, err = as(rep, "failed"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("failed as a rep: %v", err)
	}
	if out, err = as(ts.apiKey, "failed"); err != nil || !strings.Contains(out, "slack: 404 no_service") || !strings.Contains(out, ids[1]) {
		t.Errorf("failed as an admin: %v %s", err, out)
	}
	if strings.Contains(ts.stderr.String(), secret) {
		t.Errorf("the server logged the webhook's secret")
	}
}
