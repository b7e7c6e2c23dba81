package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// The daily digest reaches each user at 08:00 in their own time zone, once
// a day however often its job runs, says what waits for them, and skips a
// user with nothing waiting.
func TestDailyDigest(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			srv := apitest.StartAppOn(t, e.NewDSN(t), app.Defaults(), slog.New(slog.DiscardHandler))
			st, ctx := srv.Store, context.Background()
			zoned := func(email, tz string) lead.User {
				u := lead.User{ID: ulid.Make().String(), Email: email, DisplayName: strings.Split(email, "@")[0], Role: lead.RoleRep, TimeZone: tz}
				if err := st.CreateUser(ctx, u); err != nil {
					t.Fatal(err)
				}
				return u
			}
			// The server's leader inserts the digest job of the current
			// quarter hour as it starts, and works it.
			waitFor(t, 20*time.Second, "the digest job of the current slot runs", func() (bool, string) {
				js, err := srv.Jobs().List(ctx, jobs.Filter{Kind: "process.digest", State: "completed"})
				return err == nil && len(js) > 0, fmt.Sprint(len(js), err)
			})
			berlin := zoned("bea@publisher.example", "Europe/Berlin")
			delhi := zoned("dev@publisher.example", "Asia/Kolkata")
			idle := zoned("ida@publisher.example", "Europe/Berlin")

			// Two Contoso people, round-robin among the three reps, then
			// given to Bea and Dev by a manager's reassignment.
			post(t, srv.IngestURL, leadBody("Hanna", "Berg", "hanna.berg@contoso.com", "Contoso GmbH", "CTO", "INS"))
			post(t, srv.IngestURL, leadBody("Jonas", "Weber", "jonas.weber@fabrikam.com", "Fabrikam AG", "Developer", "PLT"))
			hanna := customerOf(t, st, "hanna.berg@contoso.com")
			jonas := customerOf(t, st, "jonas.weber@fabrikam.com")
			processOf(t, st, hanna, 5*time.Second)
			processOf(t, st, jonas, 5*time.Second)
			for c, u := range map[string]string{hanna: berlin.ID, jonas: delhi.ID} {
				if _, err := srv.Process.Reassign(ctx, c, u, "", "territory", berlin.ID); err != nil {
					t.Fatal(err)
				}
			}
			digests := func(u lead.User) []lead.Notification {
				ns, err := st.ListNotifications(ctx, u.ID, lead.NotificationFilter{Limit: 50})
				if err != nil {
					t.Fatal(err)
				}
				var out []lead.Notification
				for _, n := range ns {
					if n.Event == lead.EventDigest {
						out = append(out, n)
					}
				}
				return out
			}

			// 08:00 in Berlin is 12:30 or 11:30 in Delhi.
			at8 := func(tz string) time.Time {
				loc, err := time.LoadLocation(tz)
				if err != nil {
					t.Fatal(err)
				}
				y, m, d := time.Now().In(loc).Date()
				return time.Date(y, m, d, 8, 0, 0, 0, loc).UTC()
			}
			for range 2 { // a second run of the same slot tells nobody again
				if _, err := srv.Process.Digest(ctx, at8("Europe/Berlin")); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := srv.Process.Digest(ctx, at8("Europe/Berlin").Add(15*time.Minute)); err != nil { // 08:15 in Berlin: no digest
				t.Fatal(err)
			}
			got := digests(berlin)
			if len(got) != 1 || !strings.Contains(got[0].Text, "New customers in the last 24 hours: 1 (Hanna Berg (Contoso GmbH))") || got[0].Link != "/queue" {
				t.Fatalf("Bea's digests: %+v", got)
			}
			if n := len(digests(delhi)); n != 0 {
				t.Errorf("Dev got %d digests at 08:00 in Berlin", n)
			}
			if n := len(digests(idle)); n != 0 {
				t.Errorf("Ida, with nothing waiting, got %d digests", n)
			}
			// Delhi is UTC+05:30: its 08:00 is a half-hour slot.
			if told, err := srv.Process.Digest(ctx, at8("Asia/Kolkata")); err != nil || told != 1 {
				t.Fatalf("the Delhi slot told %d (%v), want 1", told, err)
			}
			if got := digests(delhi); len(got) != 1 || !strings.Contains(got[0].Text, "Jonas Weber") {
				t.Errorf("Dev's digests: %+v", got)
			}
		})
	}
}
