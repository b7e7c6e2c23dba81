package store

import (
	"context"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

var _ lead.SetupStore = (*Store)(nil)

const (
	insertSetupToken = `INSERT INTO setup_tokens (hash, created_at, expires_at) VALUES ($1, $2, $3)`
	// takeSetupTokens takes every setup token: the first user is made once,
	// and a concurrent attempt waits for this one and then finds none.
	takeSetupTokens = `DELETE FROM setup_tokens RETURNING hash, expires_at`
	countUsers      = `SELECT count(*) FROM users`
)

// CreateSetupToken stores a one-time setup token by its hash.
func (s *Store) CreateSetupToken(ctx context.Context, hash string, created, expires time.Time) error {
	if hash == "" {
		return lead.Errorf(lead.KindInvalid, "store: a setup token needs a hash")
	}
	_, err := s.w.ExecContext(ctx, insertSetupToken, hash, created.UnixMicro(), expires.UnixMicro())
	if err != nil && s.d.uniqueViolation(err) {
		return lead.Errorf(lead.KindConflict, "store: the setup token exists already")
	}
	return s.fail("creating setup token", err)
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := s.r.QueryRowContext(ctx, countUsers).Scan(&n); err != nil {
		return 0, s.fail("counting users", err)
	}
	return n, nil
}

// CreateFirstUser creates u with the setup token with hash, while no user
// exists; on success every setup token is used up.
func (s *Store) CreateFirstUser(ctx context.Context, hash string, now time.Time, u lead.User) error {
	const op = "creating the first user"
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(op, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, takeSetupTokens)
	if err != nil {
		return s.fail(op, err)
	}
	found := false
	for rows.Next() {
		var (
			h       string
			expires int64
		)
		if err := rows.Scan(&h, &expires); err != nil {
			rows.Close()
			return s.fail(op, err)
		}
		if h == hash && now.Before(fromMicros(expires)) {
			found = true
		}
	}
	if err := rows.Close(); err != nil {
		return s.fail(op, err)
	}
	if err := rows.Err(); err != nil {
		return s.fail(op, err)
	}
	if !found {
		return lead.Errorf(lead.KindNotFound, "store: unknown, used or expired setup token")
	}
	var n int
	if err := tx.QueryRowContext(ctx, countUsers).Scan(&n); err != nil {
		return s.fail(op, err)
	}
	if n > 0 {
		return lead.Errorf(lead.KindConflict, "store: a user exists already")
	}
	u.Email = clean(strings.ToLower(strings.TrimSpace(u.Email)))
	if u.ID == "" || u.Email == "" {
		return lead.Errorf(lead.KindInvalid, "store: a user needs an id and an email")
	}
	if _, err := lead.ParseRole(string(u.Role)); err != nil {
		return lead.Errorf(lead.KindInvalid, "store: unknown role %q", u.Role)
	}
	if u.TimeZone == "" {
		u.TimeZone = "UTC"
	}
	if u.CreatedAt.IsZero() {
		u.CreatedAt = now
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	if _, err := tx.ExecContext(ctx, insertUser, u.ID, u.Email, clean(u.DisplayName), clean(u.TimeZone),
		string(u.Role), boolInt(u.Disabled), u.PasswordHash, u.CreatedAt.UnixMicro(), u.UpdatedAt.UnixMicro()); err != nil {
		if s.d.uniqueViolation(err) {
			return lead.Errorf(lead.KindConflict, "store: a user exists already")
		}
		return s.fail(op, err)
	}
	return s.fail(op, tx.Commit())
}
