package store_test

import (
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// A setup token creates the first user once; an expired or unknown one
// creates none, and none works once a user exists.
func TestSetupTokens(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		now := time.Now()
		if err := s.CreateSetupToken(ctx, "h-old", now.Add(-2*time.Hour), now.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSetupToken(ctx, "h1", now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.CreateSetupToken(ctx, "h1", now, now.Add(time.Hour)), lead.KindConflict)
		admin := lead.User{ID: "u1", Email: " Ann@Contoso.com", Role: lead.RoleAdmin, PasswordHash: "$argon2id$x"}
		wantKind(t, s.CreateFirstUser(ctx, "h-old", now, admin), lead.KindNotFound)
		wantKind(t, s.CreateFirstUser(ctx, "nope", now, admin), lead.KindNotFound)
		if n, err := s.CountUsers(ctx); err != nil || n != 0 {
			t.Fatalf("users before: %d %v", n, err)
		}
		if err := s.CreateFirstUser(ctx, "h1", now, admin); err != nil {
			t.Fatal(err)
		}
		u, err := s.UserByEmail(ctx, "ann@contoso.com")
		if err != nil || u.Role != lead.RoleAdmin || !u.HasPassword() || u.TimeZone != "UTC" {
			t.Fatalf("first user %+v %v", u, err)
		}
		wantKind(t, s.CreateFirstUser(ctx, "h1", now, lead.User{ID: "u2", Email: "b@contoso.com", Role: lead.RoleAdmin}), lead.KindNotFound)
		if err := s.CreateSetupToken(ctx, "h2", now, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.CreateFirstUser(ctx, "h2", now, lead.User{ID: "u2", Email: "b@contoso.com", Role: lead.RoleAdmin}), lead.KindConflict)
		if n, err := s.CountUsers(ctx); err != nil || n != 1 {
			t.Fatalf("users after: %d %v", n, err)
		}
	})
}
