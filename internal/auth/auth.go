// Package auth makes and checks leadhub's secrets: ingest tokens (the `code`
// in the marketplace URL) and API keys (Bearer tokens for /api/v1). Secrets
// are random, shown once, and stored only as SHA-256 hashes; checks compare
// hashes in constant time.
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

// Store is the part of lead.Store a Verifier reads.
type Store interface {
	ActiveCredentialHashes(ctx context.Context, kind lead.CredentialKind) ([]string, error)
}

// Verifier checks presented secrets against the active credentials. It
// caches the active hashes for TTL, so a revocation takes effect on every
// replica within TTL without a database read per request.
type Verifier struct {
	store Store
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[lead.CredentialKind]cached
}

type cached struct {
	hashes [][]byte
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
	if secret == "" || len(secret) > MaxSecretLen {
		return false, nil
	}
	hashes, err := v.hashes(ctx, kind)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256([]byte(secret))
	want := []byte(hex.EncodeToString(sum[:]))
	ok := 0
	for _, h := range hashes {
		// Every hash is compared, so timing says nothing about which matched.
		ok |= subtle.ConstantTimeCompare(want, h)
	}
	return ok == 1, nil
}

// Forget drops the cache, so the next Check reads the store (used after a
// credential is created or revoked in this process).
func (v *Verifier) Forget() {
	v.mu.Lock()
	clear(v.cache)
	v.mu.Unlock()
}

func (v *Verifier) hashes(ctx context.Context, kind lead.CredentialKind) ([][]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if c, ok := v.cache[kind]; ok && v.now().Sub(c.at) < v.ttl {
		return c.hashes, nil
	}
	hs, err := v.store.ActiveCredentialHashes(ctx, kind)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(hs))
	for i, h := range hs {
		out[i] = []byte(h)
	}
	v.cache[kind] = cached{hashes: out, at: v.now()}
	return out, nil
}
