package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

var (
	_ lead.UserStore    = (*Store)(nil)
	_ lead.SessionStore = (*Store)(nil)
)

// CreateUser stores u, its email lower-cased. Zero times mean now.
func (s *Store) CreateUser(ctx context.Context, u lead.User) error {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if u.ID == "" || u.Email == "" {
		return lead.Errorf(lead.KindInvalid, "store: a user needs an id and an email")
	}
	if _, err := lead.ParseRole(string(u.Role)); err != nil || string(u.Role) != strings.ToLower(string(u.Role)) {
		return lead.Errorf(lead.KindInvalid, "store: unknown role %q", u.Role)
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	now := time.Now()
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	_, err := s.w.ExecContext(ctx, insertUser, u.ID, clean(u.Email), clean(u.DisplayName), clean(u.TimeZone),
		string(u.Role), boolInt(u.Disabled), u.PasswordHash, u.CreatedAt.UnixMicro(), u.UpdatedAt.UnixMicro())
	if err != nil && s.d.uniqueViolation(err) {
		return lead.Errorf(lead.KindConflict, "store: a user with id %q or email %q exists already", u.ID, u.Email)
	}
	return s.fail("creating user", err)
}

// GetUser returns the user with id.
func (s *Store) GetUser(ctx context.Context, id string) (lead.User, error) {
	return s.oneUser(ctx, s.r, selectUser, id)
}

// UserByEmail returns the user with email, ignoring case.
func (s *Store) UserByEmail(ctx context.Context, email string) (lead.User, error) {
	return s.oneUser(ctx, s.r, selectUserEmail, strings.ToLower(strings.TrimSpace(email)))
}

// ListUsers returns every user, by email.
func (s *Store) ListUsers(ctx context.Context) ([]lead.User, error) {
	rows, err := s.r.QueryContext(ctx, listUsers)
	us, err := collect(rows, err, []lead.User{}, scanUser)
	if err != nil {
		return nil, s.fail("listing users", err)
	}
	return us, nil
}

// SetUserDisabled disables (or enables again) the user with id; disabling
// ends the user's sessions and unused tokens in the same transaction. Its
// API keys stop working as soon as the verifiers re-read the keys.
func (s *Store) SetUserDisabled(ctx context.Context, id string, disabled bool) (lead.User, error) {
	const op = "disabling user"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return lead.User{}, s.fail(op, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, setUserDisabled, id, boolInt(disabled), time.Now().UnixMicro())
	if err != nil {
		return lead.User{}, s.fail(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lead.User{}, lead.Errorf(lead.KindNotFound, "store: no user %q", id)
	}
	if disabled {
		for _, q := range []string{deleteUserSessions, deleteUserTokens} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return lead.User{}, s.fail(op, err)
			}
		}
	}
	u, err := s.oneUser(ctx, tx, selectUser, id)
	if err != nil {
		return lead.User{}, err
	}
	return u, s.fail(op, tx.Commit())
}

// SetPassword replaces the password hash of the user with id and ends the
// user's sessions.
func (s *Store) SetPassword(ctx context.Context, id, passwordHash string) error {
	const op = "setting password"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	defer tx.Rollback()
	if err := s.setPassword(ctx, tx, id, passwordHash); err != nil {
		return err
	}
	return s.fail(op, tx.Commit())
}

func (s *Store) setPassword(ctx context.Context, tx *sql.Tx, id, passwordHash string) error {
	const op = "setting password"
	res, err := tx.ExecContext(ctx, setUserPassword, id, passwordHash, time.Now().UnixMicro())
	if err != nil {
		return s.fail(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lead.Errorf(lead.KindNotFound, "store: no user %q", id)
	}
	if _, err := tx.ExecContext(ctx, deleteUserSessions, id); err != nil {
		return s.fail(op, err)
	}
	return nil
}

// CreateUserToken stores a one-time password token.
func (s *Store) CreateUserToken(ctx context.Context, t lead.UserToken) error {
	if t.Hash == "" || t.UserID == "" || (t.Purpose != lead.TokenSetPassword && t.Purpose != lead.TokenResetPassword) {
		return lead.Errorf(lead.KindInvalid, "store: a user token needs a hash, a user and a purpose")
	}
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	_, err := s.w.ExecContext(ctx, insertUserToken, t.Hash, t.UserID, string(t.Purpose),
		t.CreatedAt.UnixMicro(), t.ExpiresAt.UnixMicro())
	if err != nil && s.d.foreignKeyViolation(err) {
		return lead.Errorf(lead.KindNotFound, "store: no user %q", t.UserID)
	}
	if err != nil && s.d.uniqueViolation(err) {
		return lead.Errorf(lead.KindConflict, "store: the token exists already")
	}
	return s.fail("creating user token", err)
}

// UseUserToken takes the token with hash (it works once), checks that it
// has not expired at now and that its user is not disabled, and sets the
// user's password to passwordHash, ending the user's sessions.
func (s *Store) UseUserToken(ctx context.Context, hash string, now time.Time, passwordHash string) (lead.User, error) {
	const op = "using user token"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return lead.User{}, s.fail(op, err)
	}
	defer tx.Rollback()
	var (
		userID  string
		expires int64
	)
	err = tx.QueryRowContext(ctx, takeUserToken, hash).Scan(&userID, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return lead.User{}, lead.Errorf(lead.KindNotFound, "store: unknown or used token")
	}
	if err != nil {
		return lead.User{}, s.fail(op, err)
	}
	if !now.Before(fromMicros(expires)) {
		// Keep the expired token deleted.
		return lead.User{}, errors.Join(s.fail(op, tx.Commit()), lead.Errorf(lead.KindNotFound, "store: the token has expired"))
	}
	u, err := s.oneUser(ctx, tx, selectUser, userID)
	if err != nil {
		return lead.User{}, err
	}
	if u.Disabled {
		return lead.User{}, lead.Errorf(lead.KindNotFound, "store: the token's user is disabled")
	}
	if err := s.setPassword(ctx, tx, userID, passwordHash); err != nil {
		return lead.User{}, err
	}
	u.PasswordHash = passwordHash
	return u, s.fail(op, tx.Commit())
}

// CreateSession stores a session (by its hash).
func (s *Store) CreateSession(ctx context.Context, se lead.Session) error {
	if se.Hash == "" || se.UserID == "" {
		return lead.Errorf(lead.KindInvalid, "store: a session needs a hash and a user")
	}
	_, err := s.w.ExecContext(ctx, insertSession, se.Hash, se.UserID, se.CreatedAt.UnixMicro(),
		se.LastSeenAt.UnixMicro(), se.ExpiresAt.UnixMicro())
	if err != nil && s.d.foreignKeyViolation(err) {
		return lead.Errorf(lead.KindNotFound, "store: no user %q", se.UserID)
	}
	return s.fail("creating session", err)
}

// SessionByHash returns the session with hash and its user.
func (s *Store) SessionByHash(ctx context.Context, hash string) (lead.Session, lead.User, error) {
	var (
		se                     lead.Session
		created, seen, expires int64
	)
	u, err := scanUserWith(s.r.QueryRowContext(ctx, selectSession, hash), &se.Hash, &se.UserID, &created, &seen, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return lead.Session{}, lead.User{}, lead.Errorf(lead.KindNotFound, "store: no such session")
	}
	if err != nil {
		return lead.Session{}, lead.User{}, s.fail("reading session", err)
	}
	se.CreatedAt, se.LastSeenAt, se.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	return se, u, nil
}

// TouchSession records that the session was used at lastSeen (never
// moving it back).
func (s *Store) TouchSession(ctx context.Context, hash string, lastSeen time.Time) error {
	_, err := s.w.ExecContext(ctx, touchSession, hash, lastSeen.UnixMicro())
	return s.fail("touching session", err)
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, hash string) error {
	_, err := s.w.ExecContext(ctx, deleteSession, hash)
	return s.fail("deleting session", err)
}

// DeleteUserSessions ends every session of the user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int, error) {
	res, err := s.w.ExecContext(ctx, deleteUserSessions, userID)
	if err != nil {
		return 0, s.fail("deleting sessions", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (s *Store) oneUser(ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, q string, arg string) (lead.User, error) {
	u, err := scanUser(db.QueryRowContext(ctx, q, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.User{}, lead.Errorf(lead.KindNotFound, "store: no user %q", arg)
	}
	if err != nil {
		return lead.User{}, s.fail("reading user", err)
	}
	return u, nil
}

// scanUser reads userColumns.
func scanUser(sc scanner) (lead.User, error) { return scanUserWith(sc) }

// scanUserWith reads the columns before into before, then userColumns.
func scanUserWith(sc scanner, before ...any) (lead.User, error) {
	var (
		u                lead.User
		role             string
		disabled         int64
		created, updated int64
	)
	dest := append(before, &u.ID, &u.Email, &u.DisplayName, &u.TimeZone, &role, &disabled, &u.PasswordHash, &created, &updated)
	if err := sc.Scan(dest...); err != nil {
		return lead.User{}, err
	}
	u.Role, u.Disabled = lead.Role(role), disabled != 0
	u.CreatedAt, u.UpdatedAt = fromMicros(created), fromMicros(updated)
	return u, nil
}
