package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// Leads that come before anybody can take them (a fresh install without
// users) open without an owner, their clocks running; once a rep exists
// they are given to the rep, clocks kept, and the rep is told.
func TestUnownedCustomersFindAnOwner(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			srv := apitest.StartAppOn(t, e.NewDSN(t), app.Defaults(), slog.New(slog.DiscardHandler))
			st, ctx := srv.Store, context.Background()
			post(t, srv.IngestURL, leadBody("Hanna", "Berg", "hanna.berg@contoso.com", "Contoso GmbH", "CTO", "INS"))
			post(t, srv.IngestURL, leadBody("Jonas", "Weber", "jonas.weber@contoso.com", "Contoso GmbH", "Developer", "PLT"))
			hanna := processOf(t, st, customerOf(t, st, "hanna.berg@contoso.com"), 5*time.Second)
			jonas := processOf(t, st, customerOf(t, st, "jonas.weber@contoso.com"), 5*time.Second)
			if hanna.OwnerID != "" || jonas.OwnerID != "" || hanna.SLA.DueAt.IsZero() {
				t.Fatalf("before any user: owners %q %q, due %s", hanna.OwnerID, jonas.OwnerID, hanna.SLA.DueAt)
			}
			if n, err := srv.Process.AssignUnowned(ctx); err != nil || n != 0 {
				t.Fatalf("with nobody to take them: %d assigned (%v)", n, err)
			}

			rep := mkUser(t, st, "ana@publisher.example", lead.RoleRep)
			// (A run skips while the engine drains its queue, and the
			// server's own minute job may take them first.)
			waitFor(t, 10*time.Second, "both customers assigned", func() (bool, string) {
				_, err := srv.Process.AssignUnowned(ctx)
				n := srv.Process.Stats().Assigned
				return err == nil && n == 2, fmt.Sprint(n, err)
			})
			for _, before := range []*lead.Process{hanna, jonas} {
				p, err := st.GetProcess(ctx, before.CustomerID)
				if err != nil || p.OwnerID != rep.ID || !p.SLA.DueAt.Equal(before.SLA.DueAt) ||
					!strings.HasPrefix(p.Assignment.Reason, "nobody could take the customer when it came") {
					t.Errorf("after: %+v (%v)", p, err)
				}
			}
			ns, err := st.ListNotifications(ctx, rep.ID, lead.NotificationFilter{Limit: 10})
			if err != nil || len(ns) != 2 || ns[0].Event != lead.EventAssigned {
				t.Errorf("the rep's notifications: %+v (%v)", ns, err)
			}
			if n, err := srv.Process.AssignUnowned(ctx); err != nil || n != 0 {
				t.Errorf("a second run: %d assigned (%v), want 0", n, err)
			}
		})
	}
}
