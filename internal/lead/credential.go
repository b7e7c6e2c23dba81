package lead

import (
	"context"
	"time"
)

// CredentialKind tells ingest tokens and API keys apart.
type CredentialKind string

const (
	CredentialIngest CredentialKind = "ingest" // the `code` in the marketplace URL
	CredentialAPI    CredentialKind = "api"    // Authorization: Bearer for /api/v1
)

// Credential is a stored secret, by its hash. The secret itself is shown
// once at creation and never stored.
type Credential struct {
	ID        string         `json:"id"`
	Kind      CredentialKind `json:"kind"`
	Name      string         `json:"name"`
	Hint      string         `json:"hint"` // first characters, to recognise it in a list
	Hash      string         `json:"-"`    // hex sha256 of the secret
	CreatedAt time.Time      `json:"created_at"`
	RevokedAt *time.Time     `json:"revoked_at,omitempty"`
	// UserID is the user an API key belongs to; the key acts with at most
	// that user's role. Empty for ingest tokens and for API keys made
	// before users existed, which act as admin keys.
	UserID string `json:"user_id,omitempty"`
	// Role is what an API key may do, as the store read it: its user's
	// role, admin for a key without a user. A key of a disabled user is
	// not active.
	Role Role `json:"role,omitempty"`
}

// CredentialStore keeps ingest tokens and API keys by their hashes.
// CreateCredential returns KindInvalid for a credential without id, kind
// or hash and KindConflict when its id or hash exists already;
// RevokeCredential returns KindInvalid for an empty idOrHint, KindNotFound
// when nothing matches and KindConflict when a hint prefix matches several.
type CredentialStore interface {
	CreateCredential(ctx context.Context, c Credential) error
	// ListCredentials lists the credentials of kind (every kind when
	// empty), newest first, revoked ones included.
	ListCredentials(ctx context.Context, kind CredentialKind) ([]Credential, error)
	// RevokeCredential revokes by id or by hint prefix.
	RevokeCredential(ctx context.Context, kind CredentialKind, idOrHint string) (Credential, error)
	// ActiveCredentials returns the unrevoked credentials of kind (with
	// their hashes), in hash order.
	ActiveCredentials(ctx context.Context, kind CredentialKind) ([]Credential, error)
}
