package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// cheap keeps the tests fast; the format and the code path are the same as
// with auth.DefaultParams.
var cheap = auth.Params{Time: 1, Memory: 64, Threads: 1}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse battery", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("encoded %q", h)
	}
	h2, _ := auth.HashPassword("correct horse battery", cheap)
	if h == h2 {
		t.Fatal("two hashes of one password are equal (no salt?)")
	}
	if !auth.VerifyPassword(h, "correct horse battery") {
		t.Fatal("the password does not verify")
	}
	for _, c := range []struct{ name, hash, pw string }{
		{"wrong password", h, "correct horse batterY"},
		{"empty password", h, ""},
		{"empty hash", "", "correct horse battery"},
		{"other algorithm", strings.Replace(h, "argon2id", "argon2i", 1), "correct horse battery"},
		{"other tag", h[:len(h)-2] + "AA", "correct horse battery"},
		{"absurd memory", strings.Replace(h, "m=64", "m=99999999", 1), "correct horse battery"},
	} {
		if auth.VerifyPassword(c.hash, c.pw) {
			t.Errorf("%s verifies", c.name)
		}
	}
	for _, pw := range []string{"short", strings.Repeat("x", auth.MaxPasswordLen+1)} {
		if _, err := auth.HashPassword(pw, cheap); lead.KindOf(err) != lead.KindInvalid {
			t.Errorf("a password of %d bytes: %v", len(pw), err)
		}
	}
}

func TestDefaultParamsFollowRFC9106(t *testing.T) {
	if p := auth.DefaultParams; p.Time != 3 || p.Memory != 64*1024 || p.Threads != 4 {
		t.Fatalf("DefaultParams = %+v, the README documents t=3, m=64 MiB, p=4", p)
	}
}

func TestThrottleGrows(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	th := &auth.Throttle{Now: func() time.Time { return now }}
	for range 3 {
		if w := th.Wait("k"); w != 0 {
			t.Fatalf("waits %v within the free attempts", w)
		}
		th.Fail("k")
	}
	var last time.Duration
	for i := range 12 {
		w := th.Wait("k", "other")
		if w <= last && w < 15*time.Minute {
			t.Fatalf("attempt %d: wait %v after %v", i, w, last)
		}
		if w > 15*time.Minute {
			t.Fatalf("wait %v over the maximum", w)
		}
		last = w
		now = now.Add(w)
		if th.Wait("k") != 0 {
			t.Fatal("still waiting after the delay")
		}
		th.Fail("k")
	}
	now = now.Add(2 * time.Hour)
	if w := th.Wait("k"); w != 0 {
		t.Fatalf("failures not forgotten: %v", w)
	}
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func signInSetup(t *testing.T) (*store.Store, *auth.SignIn, *clock) {
	t.Helper()
	st := storetest.Engines(t)[0].Open(t)
	c := &clock{t: time.Now().UTC()}
	s := &auth.SignIn{
		Users:    st,
		Sessions: &auth.Sessions{Store: st, Now: c.now},
		Throttle: &auth.Throttle{Now: c.now},
		Params:   cheap,
	}
	ctx := context.Background()
	for _, u := range []lead.User{
		{ID: "u1", Email: "ann@contoso.com", Role: lead.RoleRep},
		{ID: "u2", Email: "bob@contoso.com", Role: lead.RoleViewer, Disabled: true},
		{ID: "u3", Email: "cai@contoso.com", Role: lead.RoleViewer},
	} {
		if u.ID != "u3" {
			h, err := auth.HashPassword("password of "+u.ID, cheap)
			if err != nil {
				t.Fatal(err)
			}
			u.PasswordHash = h
		}
		if err := st.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	return st, s, c
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	st, s, c := signInSetup(t)
	ctx := context.Background()

	// Unknown user, wrong password, disabled user, no password yet: one answer.
	for _, try := range [][2]string{
		{"nobody@contoso.com", "password of u1"},
		{"ann@contoso.com", "password of u2"},
		{"bob@contoso.com", "password of u2"},
		{"cai@contoso.com", ""},
	} {
		_, _, err := s.SignIn(ctx, try[0], try[1], "192.0.2."+try[0][:1], "")
		if err != auth.ErrSignIn {
			t.Errorf("%s: %v", try[0], err)
		}
	}

	id, u, err := s.SignIn(ctx, " ANN@contoso.com", "password of u1", "192.0.2.1", "")
	if err != nil || u.ID != "u1" || !strings.HasPrefix(id, auth.SessionPrefix) {
		t.Fatalf("sign in: %q %+v %v", id, u, err)
	}
	// Only the hash is stored.
	if _, _, err := st.SessionByHash(ctx, id); lead.KindOf(err) != lead.KindNotFound {
		t.Fatalf("the session id itself is a stored key: %v", err)
	}
	se, su, err := s.Sessions.Lookup(ctx, id)
	if err != nil || se.UserID != "u1" || su.Role != lead.RoleRep {
		t.Fatalf("lookup: %+v %+v %v", se, su, err)
	}

	// Signing in again rotates the id: the old one ends.
	id2, _, err := s.SignIn(ctx, "ann@contoso.com", "password of u1", "192.0.2.1", id)
	if err != nil || id2 == id {
		t.Fatalf("second sign in: %q %v", id2, err)
	}
	if _, _, err := s.Sessions.Lookup(ctx, id); lead.KindOf(err) != lead.KindUnauthorized {
		t.Fatalf("old session after sign-in: %v", err)
	}

	// Idle timeout, refreshed by use; absolute timeout.
	c.t = c.t.Add(20 * time.Minute)
	if _, _, err := s.Sessions.Lookup(ctx, id2); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(20 * time.Minute)
	if _, _, err := s.Sessions.Lookup(ctx, id2); err != nil {
		t.Fatalf("used 20 min ago: %v", err)
	}
	c.t = c.t.Add(31 * time.Minute)
	if _, _, err := s.Sessions.Lookup(ctx, id2); lead.KindOf(err) != lead.KindUnauthorized {
		t.Fatalf("idle 31 min: %v", err)
	}
	id3, _, err := s.SignIn(ctx, "ann@contoso.com", "password of u1", "192.0.2.1", "")
	if err != nil {
		t.Fatal(err)
	}
	for range 12 * 3 {
		c.t = c.t.Add(20 * time.Minute)
		if _, _, err := s.Sessions.Lookup(ctx, id3); err != nil {
			if lead.KindOf(err) != lead.KindUnauthorized {
				t.Fatal(err)
			}
			break
		}
	}
	if se, _, err := s.Sessions.Lookup(ctx, id3); err == nil {
		t.Fatalf("session alive after its absolute timeout: %+v", se)
	}

	// Sign out, and sign out everywhere.
	a, _, _ := s.SignIn(ctx, "ann@contoso.com", "password of u1", "192.0.2.1", "")
	b, _, _ := s.SignIn(ctx, "ann@contoso.com", "password of u1", "192.0.2.9", "")
	if err := s.Sessions.SignOut(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Sessions.Lookup(ctx, a); lead.KindOf(err) != lead.KindUnauthorized {
		t.Fatalf("signed out: %v", err)
	}
	if _, _, err := s.Sessions.Lookup(ctx, b); err != nil {
		t.Fatal(err)
	}
	c2, _, _ := s.SignIn(ctx, "ann@contoso.com", "password of u1", "192.0.2.9", "")
	if n, err := s.Sessions.SignOutEverywhere(ctx, "u1"); err != nil || n != 2 {
		t.Fatalf("sign out everywhere: %d %v", n, err)
	}
	for _, id := range []string{b, c2} {
		if _, _, err := s.Sessions.Lookup(ctx, id); lead.KindOf(err) != lead.KindUnauthorized {
			t.Fatalf("after signing out everywhere: %v", err)
		}
	}
	if _, _, err := s.Sessions.Lookup(ctx, "not a session"); lead.KindOf(err) != lead.KindUnauthorized {
		t.Fatal(err)
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	_, s, c := signInSetup(t)
	ctx := context.Background()
	// Per account, from many addresses; an unknown account alike.
	for _, email := range []string{"ann@contoso.com", "nobody@contoso.com"} {
		for i := range 3 {
			if _, _, err := s.SignIn(ctx, email, "wrong password", "198.51.100."+string(rune('0'+i)), ""); err != auth.ErrSignIn {
				t.Fatalf("%s attempt %d: %v", email, i, err)
			}
		}
		_, _, err := s.SignIn(ctx, email, "password of u1", "203.0.113.7", "")
		if lead.KindOf(err) != lead.KindThrottled || !strings.Contains(err.Error(), "retry in 1 s") {
			t.Fatalf("%s: 4th attempt: %v", email, err)
		}
	}
	c.t = c.t.Add(time.Second)
	if _, _, err := s.SignIn(ctx, "ann@contoso.com", "password of u1", "203.0.113.7", ""); err != nil {
		t.Fatalf("after the delay: %v", err)
	}
	// Per address, across accounts.
	for _, email := range []string{"x@contoso.com", "y@contoso.com", "z@contoso.com"} {
		_, _, _ = s.SignIn(ctx, email, "wrong password", "203.0.113.66", "")
	}
	if _, _, err := s.SignIn(ctx, "ann@contoso.com", "password of u1", "203.0.113.66", ""); lead.KindOf(err) != lead.KindThrottled {
		t.Fatalf("per address: %v", err)
	}
}
