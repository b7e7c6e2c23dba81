package store_test

import (
	"context"
	"database/sql"
	"maps"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// The owners' open counts kept by triggers equal a count of the open
// processes after every kind of change: an open, a reassignment, a stage
// moving to closed and back, an upsert that changes nothing, a delete.
func TestOwnerLoadsFollowTheProcesses(t *testing.T) {
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		for _, id := range []string{"u-ana", "u-ben"} {
			if err := s.CreateUser(ctx, lead.User{ID: id, Email: id + "@publisher.example", Role: lead.RoleRep}); err != nil {
				t.Fatal(err)
			}
		}
		_, cs := b2b(t, s, leadSpec{first: "Anja", last: "Keller", email: "anja@contoso.com", company: "Contoso GmbH", country: "DE", stage: lead.StageInterest},
			leadSpec{first: "Jonas", last: "Weber", email: "jonas@contoso.com", company: "Contoso GmbH", country: "DE", stage: lead.StageInterest},
			leadSpec{first: "Lea", last: "Schmidt", email: "lea@contoso.com", company: "Contoso GmbH", country: "DE", stage: lead.StageInterest})
		now := time.Now()
		put := func(customer, owner string, stage lead.ProcessStage) {
			t.Helper()
			err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
				return s.ProcessTx(ctx, tx).PutProcess(lead.Process{CustomerID: customer, Stage: stage, OwnerID: owner,
					Milestones: []lead.Milestone{}, OpenedAt: now, UpdatedAt: now})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		del := func(customer string) {
			t.Helper()
			if err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.ProcessTx(ctx, tx).DeleteProcess(customer) }); err != nil {
				t.Fatal(err)
			}
		}
		check := func(step string, want map[string]int) {
			t.Helper()
			var got map[string]int
			err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) (err error) {
				got, err = s.ProcessTx(ctx, tx).Loads()
				return err
			})
			if err != nil || !maps.Equal(got, want) {
				t.Errorf("%s: loads %v (%v), want %v", step, got, err, want)
			}
		}
		put(cs[0], "u-ana", lead.ProcessNew)
		put(cs[1], "u-ana", lead.ProcessNew)
		put(cs[2], "", lead.ProcessNew)
		check("three opened, two owned", map[string]int{"u-ana": 2})
		put(cs[1], "u-ben", lead.ProcessNew)
		check("one reassigned", map[string]int{"u-ana": 1, "u-ben": 1})
		put(cs[0], "u-ana", lead.ProcessContacted)
		put(cs[0], "u-ana", lead.ProcessContacted)
		check("a stage within the open ones, twice", map[string]int{"u-ana": 1, "u-ben": 1})
		put(cs[0], "u-ana", lead.ProcessLost)
		check("lost", map[string]int{"u-ben": 1})
		put(cs[0], "u-ana", lead.ProcessNew)
		put(cs[2], "u-ben", lead.ProcessQualified)
		check("reopened, and the unowned one given", map[string]int{"u-ana": 1, "u-ben": 2})
		put(cs[1], "u-ben", lead.ProcessWon)
		del(cs[2])
		check("won, and one deleted", map[string]int{"u-ana": 1})
	})
}
