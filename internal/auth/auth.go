// Package auth makes and checks leadhub's secrets: ingest tokens (the `code`
// in the marketplace URL), API keys (Bearer tokens for /api/v1), users'
// passwords (argon2id), sessions and one-time password tokens. Random
// secrets are shown once and stored only as SHA-256 hashes; checks compare
// in constant time. Sign-in is throttled per account and per address.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// Prefixes make a leaked secret recognisable (and greppable by scanners).
const (
	IngestPrefix = "lhi_"
	APIKeyPrefix = "lhk_"
	hintLen      = 12
	// MaxSecretLen bounds what a caller may present; longer is rejected unread.
	MaxSecretLen = 256
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a fresh secret of the given kind and the credential to
// store for it. The secret is 32 random bytes; only its hash is kept.
func NewSecret(kind lead.CredentialKind, name string, now time.Time) (string, lead.Credential) {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error()) // cannot happen on supported platforms
	}
	prefix := IngestPrefix
	if kind == lead.CredentialAPI {
		prefix = APIKeyPrefix
	}
	secret := prefix + strings.ToLower(b32.EncodeToString(raw[:]))
	return secret, lead.Credential{
		ID:        ulid.Make().String(),
		Kind:      kind,
		Name:      name,
		Hint:      secret[:hintLen],
		Hash:      Hash(secret),
		CreatedAt: now.UTC().Truncate(time.Microsecond),
	}
}

// Hash is the stored form of a secret.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Store is what a Verifier reads: the active credentials of a kind (their
// hashes, ids and names).
type Store interface {
	ActiveCredentials(ctx context.Context, kind lead.CredentialKind) ([]lead.Credential, error)
}

// Verifier checks presented secrets against the active credentials. It
// caches the active credentials for TTL, so a revocation takes effect on
// every replica within TTL without a database read per request.
type Verifier struct {
	store Store
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[lead.CredentialKind]cached
}

type cached struct {
	hashes [][]byte          // hex SHA-256 of each active secret
	creds  []lead.Credential // in the same order
	at     time.Time
}

// NewVerifier returns a Verifier reading from store; ttl 0 means 2 seconds.
func NewVerifier(store Store, ttl time.Duration) *Verifier {
	if ttl <= 0 {
		ttl = 2 * time.Second
	}
	return &Verifier{store: store, ttl: ttl, now: time.Now, cache: map[lead.CredentialKind]cached{}}
}

// Check reports whether secret is an active credential of kind. An error
// means the store could not be read (the caller should answer 503, not 401).
func (v *Verifier) Check(ctx context.Context, kind lead.CredentialKind, secret string) (bool, error) {
	_, ok, err := v.Identify(ctx, kind, secret)
	return ok, err
}

// Identify returns the active credential of kind whose secret is secret
// (its hash, id, name and hint; never the secret). Every active hash is
// compared in constant time, so timing says nothing about which matched or
// whether any did. An error means the store could not be read.
func (v *Verifier) Identify(ctx context.Context, kind lead.CredentialKind, secret string) (lead.Credential, bool, error) {
	if secret == "" || len(secret) > MaxSecretLen {
		return lead.Credential{}, false, nil
	}
	c, err := v.active(ctx, kind)
	if err != nil {
		return lead.Credential{}, false, err
	}
	sum := sha256.Sum256([]byte(secret))
	want := []byte(hex.EncodeToString(sum[:]))
	found := -1
	for i, h := range c.hashes {
		if subtle.ConstantTimeCompare(want, h) == 1 {
			found = i
		}
	}
	if found < 0 {
		return lead.Credential{}, false, nil
	}
	return c.creds[found], true, nil
}

// Forget drops the cache, so the next Check reads the store (used after a
// credential is created or revoked in this process).
func (v *Verifier) Forget() {
	v.mu.Lock()
	clear(v.cache)
	v.mu.Unlock()
}

func (v *Verifier) active(ctx context.Context, kind lead.CredentialKind) (cached, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := v.cache[kind]; ok && v.now().Sub(c.at) < v.ttl {
		return c, nil
	}
	all, err := v.store.ActiveCredentials(ctx, kind)
	if err != nil {
		return cached{}, err
	}
	c := cached{at: v.now()}
	for _, cr := range all {
		if cr.RevokedAt != nil || cr.Kind != kind {
			continue
		}
		c.hashes = append(c.hashes, []byte(cr.Hash))
		c.creds = append(c.creds, cr)
	}
	v.cache[kind] = c
	return c, nil
}
