package cli

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// The calling user's notifications on a running server, over its API: the
// list, marking read, the user's notification settings; and, for admins,
// the deliveries that failed. The API key must belong to a user
// (`leadhub apikey create --user EMAIL`).

func notificationsVerbs() verbs {
	return verbs{
		"list":     notificationsList,
		"read":     notificationsRead,
		"read-all": notificationsReadAll,
		"settings": notificationsSettings,
		"failed":   notificationsFailed,
	}
}

func notificationsList(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("notifications list", "notifications list [--unread] [--limit N]", e)
	unread := p.fs.Bool("unread", false, "only the unread ones")
	limit := p.fs.Int("limit", 0, "at most this many (1–500; default 50)")
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	q := url.Values{}
	if *unread {
		q.Set("unread", "true")
	}
	if *limit != 0 {
		q.Set("limit", strconv.Itoa(*limit))
	}
	path := "/api/v1/notifications"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var ans struct {
		Notifications []lead.Notification `json:"notifications"`
		Unread        int                 `json:"unread"`
	}
	if printed, err := p.call(ctx, e, "GET", path, nil, &ans); err != nil || printed {
		return err
	}
	if len(ans.Notifications) > 0 {
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tAT\tREAD\tEVENT\tTITLE\tLINK")
		for _, n := range ans.Notifications {
			read := "unread"
			if n.ReadAt != nil {
				read = "read"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.CreatedAt.Format(time.RFC3339), read, n.Event, cell(n.Title), cell(n.Link))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(e.stdout, "no notifications")
	}
	fmt.Fprintf(e.stdout, "%d unread\n", ans.Unread)
	return nil
}

func notificationsRead(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("notifications read", "notifications read ID", e)
	if err := p.parse(args, e, 1); err != nil {
		return err
	}
	id := p.fs.Arg(0)
	if err := p.c.do(ctx, "POST", "/api/v1/notifications/"+url.PathEscape(id)+"/read", nil, "", nil); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "marked %s read\n", id)
	return nil
}

func notificationsReadAll(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("notifications read-all", "notifications read-all", e)
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	var ans struct {
		Marked int `json:"marked"`
	}
	if printed, err := p.call(ctx, e, "POST", "/api/v1/notifications/read-all", nil, &ans); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.stdout, "marked %d read\n", ans.Marked)
	return nil
}

// notifySettings is what the server answers for the settings.
type notifySettings struct {
	UserID   string                                    `json:"user_id"`
	Channels map[lead.NotifyEvent][]lead.NotifyChannel `json:"channels"`
	Digest   bool                                      `json:"digest"`
	Slack    webhookShown                              `json:"slack_webhook"`
	Teams    webhookShown                              `json:"teams_webhook"`
}

type webhookShown struct {
	Set  bool   `json:"set"`
	Host string `json:"host"`
}

func (w webhookShown) String() string {
	if !w.Set {
		return "not set"
	}
	return "set (" + cell(w.Host) + ")"
}

// notificationsSettings shows the caller's settings, or changes them with
// --file: a JSON object with any of channels, digest, slack_webhook_url
// and teams_webhook_url ("" removes a webhook); what it leaves out stays.
func notificationsSettings(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("notifications settings", "notifications settings [--file FILE.json|-]", e)
	file := p.fs.String("file", "", `change the settings to this JSON, e.g. {"channels": {"breached": ["in_app", "slack"]}, "digest": false, `+
		`"slack_webhook_url": "https://hooks.slack.com/…"} (what it leaves out stays; "" removes a webhook)`)
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	method := "GET"
	var body any
	if *file != "" {
		b, err := readJSONFile(*file, e)
		if err != nil {
			return err
		}
		method, body = "PUT", b
	}
	var s notifySettings
	if printed, err := p.call(ctx, e, method, "/api/v1/notification-settings", body, &s); err != nil || printed {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "EVENT\tCHANNELS")
	for _, ev := range lead.NotifyEvents {
		var names []string
		for _, c := range s.Channels[ev] {
			names = append(names, string(c))
		}
		chs := strings.Join(names, ", ")
		if chs == "" {
			chs = "none"
		}
		fmt.Fprintf(tw, "%s\t%s\n", ev, chs)
	}
	digest := "off"
	if s.Digest {
		digest = "on"
	}
	fmt.Fprintf(tw, "\ndaily digest\t%s\n", digest)
	fmt.Fprintf(tw, "Slack webhook\t%s\n", s.Slack)
	fmt.Fprintf(tw, "Teams webhook\t%s\n", s.Teams)
	return tw.Flush()
}

func notificationsFailed(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("notifications failed", "notifications failed [--limit N] (admins)", e)
	limit := p.fs.Int("limit", 0, "at most this many (1–500; default 50)")
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	path := "/api/v1/notifications/failed"
	if *limit != 0 {
		path += "?limit=" + strconv.Itoa(*limit)
	}
	var ans struct {
		Deliveries []lead.Delivery `json:"deliveries"`
	}
	if printed, err := p.call(ctx, e, "GET", path, nil, &ans); err != nil || printed {
		return err
	}
	if len(ans.Deliveries) == 0 {
		fmt.Fprintln(e.stdout, "no failed deliveries")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UPDATED\tSTATE\tCHANNEL\tUSER\tNOTIFICATION\tATTEMPTS\tLAST ERROR")
	for _, d := range ans.Deliveries {
		state := string(d.State)
		if d.State == lead.DeliveryPending {
			state = "retrying"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.UpdatedAt.Format(time.RFC3339), state, d.Channel, d.UserID,
			d.NotificationID, d.Attempts, cell(d.LastError))
	}
	return tw.Flush()
}
