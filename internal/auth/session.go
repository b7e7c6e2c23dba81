package auth

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// SessionPrefix starts every session id (the cookie's value).
const SessionPrefix = "lhs_"

// Session timeouts by default: a session ends after 30 minutes without a
// request (idle) and 12 hours after sign-in (absolute), whichever is first.
const (
	DefaultIdleTimeout     = 30 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
	// touchEvery is how stale a session's last-seen time may get before a
	// request writes it: at most one write a minute per session.
	touchEvery = time.Minute
)

// Sessions are signed-in browsers, kept in the database (every replica
// knows them). The id is random, shown only to the browser, and stored as
// its SHA-256.
type Sessions struct {
	Store    lead.SessionStore
	Idle     time.Duration // 0: DefaultIdleTimeout
	Absolute time.Duration // 0: DefaultAbsoluteTimeout
	Now      func() time.Time
}

func (s *Sessions) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Sessions) idle() time.Duration {
	if s.Idle > 0 {
		return s.Idle
	}
	return DefaultIdleTimeout
}

func (s *Sessions) absolute() time.Duration {
	if s.Absolute > 0 {
		return s.Absolute
	}
	return DefaultAbsoluteTimeout
}

// NewSessionID returns a fresh random session id (32 bytes).
func NewSessionID() string {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return SessionPrefix + strings.ToLower(b32.EncodeToString(raw[:]))
}

// Create starts a session for userID with a new id and returns the id.
// When old is a session id (the browser's before signing in), that session
// ends: an id is never carried across a sign-in.
func (s *Sessions) Create(ctx context.Context, userID, old string) (string, lead.Session, error) {
	if old != "" {
		if err := s.Store.DeleteSession(ctx, Hash(old)); err != nil {
			return "", lead.Session{}, err
		}
	}
	id := NewSessionID()
	now := s.now().Truncate(time.Microsecond)
	se := lead.Session{Hash: Hash(id), UserID: userID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.absolute())}
	if err := s.Store.CreateSession(ctx, se); err != nil {
		return "", lead.Session{}, err
	}
	return id, se, nil
}

// Lookup returns the session with id and its user, and records that it was
// used. A session that is unknown, idle for the idle timeout, past its
// absolute timeout, or whose user is disabled is KindUnauthorized (and an
// expired one is deleted).
func (s *Sessions) Lookup(ctx context.Context, id string) (lead.Session, lead.User, error) {
	denied := lead.Errorf(lead.KindUnauthorized, "auth: not signed in, or the session has ended")
	if !strings.HasPrefix(id, SessionPrefix) || len(id) > MaxSecretLen {
		return lead.Session{}, lead.User{}, denied
	}
	hash := Hash(id)
	se, u, err := s.Store.SessionByHash(ctx, hash)
	if lead.KindOf(err) == lead.KindNotFound {
		return lead.Session{}, lead.User{}, denied
	}
	if err != nil {
		return lead.Session{}, lead.User{}, err
	}
	now := s.now()
	if !now.Before(se.ExpiresAt) || now.Sub(se.LastSeenAt) >= s.idle() || u.Disabled {
		if err := s.Store.DeleteSession(ctx, hash); err != nil {
			return lead.Session{}, lead.User{}, err
		}
		return lead.Session{}, lead.User{}, denied
	}
	if now.Sub(se.LastSeenAt) >= touchEvery {
		if err := s.Store.TouchSession(ctx, hash, now); err != nil {
			return lead.Session{}, lead.User{}, err
		}
		se.LastSeenAt = now.Truncate(time.Microsecond)
	}
	return se, u, nil
}

// SignOut ends the session with id (an unknown one is no error).
func (s *Sessions) SignOut(ctx context.Context, id string) error {
	return s.Store.DeleteSession(ctx, Hash(id))
}

// SignOutEverywhere ends every session of userID.
func (s *Sessions) SignOutEverywhere(ctx context.Context, userID string) (int, error) {
	return s.Store.DeleteUserSessions(ctx, userID)
}
