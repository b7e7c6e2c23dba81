package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

func TestUsers(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		t0 := time.Date(2026, 1, 2, 3, 4, 5, 678901234, time.UTC)
		ann := lead.User{ID: "u1", Email: " Ann@Contoso.com ", DisplayName: "Ann Lee", TimeZone: "Europe/Berlin",
			Role: lead.RoleManager, PasswordHash: "$argon2id$x", CreatedAt: t0}
		if err := s.CreateUser(ctx, ann); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, lead.User{ID: "u2", Email: "bob@contoso.com", Role: lead.RoleViewer}); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.CreateUser(ctx, lead.User{ID: "u3", Email: "ANN@contoso.com", Role: lead.RoleRep}), lead.KindConflict)
		wantKind(t, s.CreateUser(ctx, lead.User{ID: "u1", Email: "c@contoso.com", Role: lead.RoleRep}), lead.KindConflict)
		wantKind(t, s.CreateUser(ctx, lead.User{ID: "u3", Email: "c@contoso.com", Role: "root"}), lead.KindInvalid)
		wantKind(t, s.CreateUser(ctx, lead.User{ID: "u3", Role: lead.RoleRep}), lead.KindInvalid)

		u, err := s.UserByEmail(ctx, "ANN@contoso.COM")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "u1" || u.Email != "ann@contoso.com" || u.DisplayName != "Ann Lee" || u.TimeZone != "Europe/Berlin" ||
			u.Role != lead.RoleManager || u.Disabled || u.PasswordHash != "$argon2id$x" ||
			!u.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || !u.UpdatedAt.Equal(u.CreatedAt) {
			t.Fatalf("user %+v", u)
		}
		if b, err := s.GetUser(ctx, "u2"); err != nil || b.TimeZone != "UTC" || b.HasPassword() {
			t.Fatalf("bob %+v %v", b, err)
		}
		_, err = s.GetUser(ctx, "nope")
		wantKind(t, err, lead.KindNotFound)
		_, err = s.UserByEmail(ctx, "nope@contoso.com")
		wantKind(t, err, lead.KindNotFound)
		list, err := s.ListUsers(ctx)
		if err != nil || len(list) != 2 || list[0].ID != "u1" || list[1].ID != "u2" {
			t.Fatalf("list %+v %v", list, err)
		}

		// Sessions: by hash, with their user; touched forward only.
		se := lead.Session{Hash: "s1", UserID: "u1", CreatedAt: t0, LastSeenAt: t0, ExpiresAt: t0.Add(time.Hour)}
		for _, h := range []string{"s1", "s2"} {
			se.Hash = h
			if err := s.CreateSession(ctx, se); err != nil {
				t.Fatal(err)
			}
		}
		wantKind(t, s.CreateSession(ctx, lead.Session{Hash: "s9", UserID: "nobody", ExpiresAt: t0}), lead.KindNotFound)
		if err := s.TouchSession(ctx, "s1", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := s.TouchSession(ctx, "s1", t0); err != nil {
			t.Fatal(err)
		}
		got, gu, err := s.SessionByHash(ctx, "s1")
		if err != nil || got.UserID != "u1" || gu.Email != "ann@contoso.com" || gu.Role != lead.RoleManager ||
			!got.LastSeenAt.Equal(t0.Add(time.Minute).Truncate(time.Microsecond)) || !got.ExpiresAt.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
			t.Fatalf("session %+v %+v %v", got, gu, err)
		}
		if err := s.DeleteSession(ctx, "s1"); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionByHash(ctx, "s1")
		wantKind(t, err, lead.KindNotFound)
		if n, err := s.DeleteUserSessions(ctx, "u1"); err != nil || n != 1 {
			t.Fatalf("sign out everywhere: %d %v", n, err)
		}

		// A new password ends the sessions.
		se.Hash = "s3"
		if err := s.CreateSession(ctx, se); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPassword(ctx, "u1", "$argon2id$y"); err != nil {
			t.Fatal(err)
		}
		_, _, err = s.SessionByHash(ctx, "s3")
		wantKind(t, err, lead.KindNotFound)
		wantKind(t, s.SetPassword(ctx, "nope", "h"), lead.KindNotFound)

		// One-time tokens: once, before they expire, for enabled users.
		tok := lead.UserToken{Hash: "t1", UserID: "u2", Purpose: lead.TokenSetPassword, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		if err := s.CreateUserToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		wantKind(t, s.CreateUserToken(ctx, lead.UserToken{Hash: "t9", UserID: "nobody", Purpose: lead.TokenSetPassword}), lead.KindNotFound)
		wantKind(t, s.CreateUserToken(ctx, lead.UserToken{Hash: "t9", UserID: "u2", Purpose: "other"}), lead.KindInvalid)
		_, err = s.UseUserToken(ctx, "t1", t0.Add(time.Hour), "late")
		wantKind(t, err, lead.KindNotFound)
		tok.Hash = "t2"
		if err := s.CreateUserToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		b, err := s.UseUserToken(ctx, "t2", t0.Add(time.Minute), "$argon2id$bob")
		if err != nil || b.ID != "u2" || b.PasswordHash != "$argon2id$bob" {
			t.Fatalf("use token: %+v %v", b, err)
		}
		_, err = s.UseUserToken(ctx, "t2", t0.Add(time.Minute), "again")
		wantKind(t, err, lead.KindNotFound)
		if b, _ := s.GetUser(ctx, "u2"); b.PasswordHash != "$argon2id$bob" {
			t.Fatalf("bob's password %q", b.PasswordHash)
		}

		// Disabling ends sessions and tokens and stops the user's API keys;
		// a key without a user is an admin key.
		tok.Hash = "t3"
		se.Hash, se.UserID = "s4", "u2"
		for _, err := range []error{s.CreateUserToken(ctx, tok), s.CreateSession(ctx, se),
			s.CreateCredential(ctx, lead.Credential{ID: "k1", Kind: lead.CredentialAPI, Hash: "kh1", UserID: "u2"}),
			s.CreateCredential(ctx, lead.Credential{ID: "k2", Kind: lead.CredentialAPI, Hash: "kh2"}),
			s.CreateCredential(ctx, lead.Credential{ID: "k3", Kind: lead.CredentialAPI, Hash: "kh3", UserID: "u1"})} {
			if err != nil {
				t.Fatal(err)
			}
		}
		wantKind(t, s.CreateCredential(ctx, lead.Credential{ID: "k4", Kind: lead.CredentialAPI, Hash: "kh4", UserID: "nobody"}), lead.KindNotFound)
		roles := func() map[string]lead.Role {
			cs, err := s.ActiveCredentials(ctx, lead.CredentialAPI)
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]lead.Role{}
			for _, c := range cs {
				m[c.ID] = c.Role
			}
			return m
		}
		if r := roles(); len(r) != 3 || r["k1"] != lead.RoleViewer || r["k2"] != lead.RoleAdmin || r["k3"] != lead.RoleManager {
			t.Fatalf("key roles %v", r)
		}
		d, err := s.SetUserDisabled(ctx, "u2", true)
		if err != nil || !d.Disabled {
			t.Fatalf("disable: %+v %v", d, err)
		}
		if r := roles(); len(r) != 2 || r["k1"] != "" {
			t.Fatalf("key roles after disabling %v", r)
		}
		_, _, err = s.SessionByHash(ctx, "s4")
		wantKind(t, err, lead.KindNotFound)
		_, err = s.UseUserToken(ctx, "t3", t0, "x")
		wantKind(t, err, lead.KindNotFound)
		if all, _ := s.ListCredentials(ctx, lead.CredentialAPI); !slices.ContainsFunc(all, func(c lead.Credential) bool {
			return c.ID == "k1" && c.UserID == "u2" && c.Role == ""
		}) {
			t.Fatalf("listed keys %+v", all)
		}
		_, err = s.SetUserDisabled(ctx, "nope", true)
		wantKind(t, err, lead.KindNotFound)
		if d, err := s.SetUserDisabled(ctx, "u2", false); err != nil || d.Disabled {
			t.Fatalf("enable: %+v %v", d, err)
		}
		if r := roles(); len(r) != 3 {
			t.Fatalf("key roles after enabling %v", r)
		}
	})
}
