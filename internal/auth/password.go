package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"

	"github.com/leadhub/leadhub/internal/lead"
)

// Params are argon2id's cost parameters.
type Params struct {
	Time    uint32 // passes over memory
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultParams are RFC 9106's second recommended option (section 4) for
// machines that cannot spare 2 GiB per hash: argon2id with t=3 passes,
// m=64 MiB, p=4 lanes, a 128-bit random salt and a 256-bit tag: above
// OWASP's minimum (m=19 MiB, t=2, p=1). A stored hash carries its parameters, so raising them later
// keeps old hashes verifiable.
var DefaultParams = Params{Time: 3, Memory: 64 * 1024, Threads: 4}

const (
	saltLen = 16
	keyLen  = 32
	// MinPasswordLen and MaxPasswordLen bound a new password (in bytes);
	// a longer one presented at sign-in is refused unread.
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// hashing bounds how many argon2id computations run at once: each takes
// Params.Memory, so a burst of sign-ins must not take the machine's memory.
var hashing = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// CheckNewPassword says what is wrong with a password a user chose (an
// error of kind invalid), or nil.
func CheckNewPassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return lead.Errorf(lead.KindInvalid, "auth: a password needs at least %d characters", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return lead.Errorf(lead.KindInvalid, "auth: a password has at most %d bytes", MaxPasswordLen)
	}
	return nil
}

// HashPassword returns the encoded argon2id hash of pw with p, in the PHC
// string format: $argon2id$v=19$m=65536,t=3,p=4$<salt>$<tag>.
func HashPassword(pw string, p Params) (string, error) {
	if err := CheckNewPassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: salt: %w", err)
	}
	key := derive(pw, salt, p, keyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw is the password encoded hashes, with
// the parameters the hash names, comparing in constant time. A hash that
// cannot be read is false.
func VerifyPassword(encoded, pw string) bool {
	p, salt, key, ok := decodeHash(encoded)
	if !ok || len(pw) > MaxPasswordLen {
		return false
	}
	return subtle.ConstantTimeCompare(derive(pw, salt, p, uint32(len(key))), key) == 1
}

func derive(pw string, salt []byte, p Params, n uint32) []byte {
	hashing <- struct{}{}
	defer func() { <-hashing }()
	return argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, n)
}

func decodeHash(s string) (p Params, salt, key []byte, ok bool) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return Params{}, nil, nil, false
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return Params{}, nil, nil, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		p.Time == 0 || p.Threads == 0 || p.Memory < 8*uint32(p.Threads) || p.Memory > 4<<20 || p.Time > 100 {
		return Params{}, nil, nil, false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return Params{}, nil, nil, false
	}
	return p, salt, key, true
}

// dummyHashes holds, per Params, a hash of a password nobody knows:
// unknown users are checked against it, so that they cost the same time as
// a wrong password.
var dummyHashes sync.Map

func dummyHash(p Params) string {
	if h, ok := dummyHashes.Load(p); ok {
		return h.(string)
	}
	var raw [24]byte
	_, _ = rand.Read(raw[:])
	h, err := HashPassword(base64.RawStdEncoding.EncodeToString(raw[:]), p)
	if err != nil {
		panic("auth: dummy hash: " + err.Error())
	}
	actual, _ := dummyHashes.LoadOrStore(p, h)
	return actual.(string)
}
