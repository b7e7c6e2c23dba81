package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// Throttle slows down password guessing: after FreeAttempts failures in a
// row for one key (an account's email, a client's address), each further
// attempt must wait a delay that doubles with every failure, from Base up
// to Max. It is kept in memory, per replica: a failure is forgotten Forget
// after the last one, and an account's failures when it signs in.
type Throttle struct {
	FreeAttempts int           // 0: 3
	Base         time.Duration // 0: 1 s
	Max          time.Duration // 0: 15 min
	Forget       time.Duration // 0: 1 h
	Now          func() time.Time

	mu   sync.Mutex
	keys map[string]failures
}

// maxThrottleKeys is how many keys a Throttle holds before it drops the
// forgotten ones (guessing at many accounts must not grow it for ever).
const maxThrottleKeys = 10000

type failures struct {
	n    int
	last time.Time
}

func (t *Throttle) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

// delay is how long after the last of n failures the next attempt waits.
func (t *Throttle) delay(n int) time.Duration {
	free := orDefault(t.FreeAttempts, 3)
	if n < free {
		return 0
	}
	d, maxD := orDefault(t.Base, time.Second), orDefault(t.Max, 15*time.Minute)
	for i := free; i < n && d < maxD; i++ {
		d *= 2
	}
	return min(d, maxD)
}

// Wait returns how long the caller must still wait before an attempt for
// keys is allowed (0: now).
func (t *Throttle) Wait(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for _, k := range keys {
		f, ok := t.keys[k]
		if !ok {
			continue
		}
		if now.Sub(f.last) >= orDefault(t.Forget, time.Hour) {
			delete(t.keys, k)
			continue
		}
		wait = max(wait, f.last.Add(t.delay(f.n)).Sub(now))
	}
	return wait
}

// Fail records a failed attempt for keys.
func (t *Throttle) Fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.keys == nil {
		t.keys = map[string]failures{}
	}
	now := t.now()
	forget := orDefault(t.Forget, time.Hour)
	if len(t.keys) >= maxThrottleKeys {
		for k, f := range t.keys {
			if now.Sub(f.last) >= forget {
				delete(t.keys, k)
			}
		}
	}
	for _, k := range keys {
		f := t.keys[k]
		if now.Sub(f.last) >= forget {
			f.n = 0
		}
		t.keys[k] = failures{n: f.n + 1, last: now}
	}
}

// Succeed forgets the failures of keys.
func (t *Throttle) Succeed(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.keys, k)
	}
}

// SignIn checks email and password and starts sessions.
type SignIn struct {
	Users    lead.UserStore
	Sessions *Sessions
	Throttle *Throttle
	Params   Params // for the dummy hash unknown users are checked against; zero: DefaultParams
}

// ErrSignIn is the one answer to a wrong email, a wrong password, a
// disabled user and a user without a password alike.
var ErrSignIn = lead.Errorf(lead.KindUnauthorized, "auth: wrong email or password")

// SignIn signs in the user with email and password from the client at ip:
// it returns a new session id (ending the session old, if any). Throttled
// attempts are KindThrottled and say when to retry; every other failure is
// ErrSignIn, after one argon2id verification whether the user exists or
// not, so neither the answer nor its time tells an unknown user from a
// wrong password.
func (a *SignIn) SignIn(ctx context.Context, email, password, ip, old string) (string, lead.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	keys := []string{"account:" + email, "ip:" + ip}
	if wait := a.Throttle.Wait(keys...); wait > 0 {
		return "", lead.User{}, lead.Errorf(lead.KindThrottled,
			"auth: too many failed sign-ins; retry in %d s", int((wait+time.Second-1)/time.Second))
	}
	u, err := a.Users.UserByEmail(ctx, email)
	if err != nil && lead.KindOf(err) != lead.KindNotFound {
		return "", lead.User{}, err
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		p := a.Params
		if p == (Params{}) {
			p = DefaultParams
		}
		hash = dummyHash(p)
	}
	ok := VerifyPassword(hash, password)
	if !ok || err != nil || u.PasswordHash == "" || u.Disabled {
		a.Throttle.Fail(keys...)
		return "", lead.User{}, ErrSignIn
	}
	a.Throttle.Succeed(keys[0])
	id, _, err := a.Sessions.Create(ctx, u.ID, old)
	if err != nil {
		return "", lead.User{}, fmt.Errorf("auth: starting a session: %w", err)
	}
	return id, u, nil
}
