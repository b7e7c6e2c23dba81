package lead

import (
	"context"
	"time"
)

// SetupStore keeps the one-time tokens of the first-start setup link, by
// the SHA-256 of the token, and creates the first user with one.
type SetupStore interface {
	// CreateSetupToken stores a setup token that works until expires.
	CreateSetupToken(ctx context.Context, hash string, created, expires time.Time) error
	// CreateFirstUser creates u (with its password hash) if the token with
	// hash exists and has not expired at now and no user exists yet, and
	// uses up every setup token, in one transaction. It returns
	// KindNotFound for a token that is unknown, used or expired and
	// KindConflict when a user exists already.
	CreateFirstUser(ctx context.Context, hash string, now time.Time, u User) error
	// CountUsers returns how many users exist.
	CountUsers(ctx context.Context) (int, error)
}
