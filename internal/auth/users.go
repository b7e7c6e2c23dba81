package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"time"
	_ "time/tzdata" // users' time zones are checked on machines without a zone database too

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// One-time links: a set-password link works once for UserTokenTTL, the
// first-start setup link once for SetupTokenTTL (and only while no user
// exists).
const (
	UserTokenTTL     = 72 * time.Hour
	SetupTokenTTL    = 24 * time.Hour
	UserTokenPrefix  = "lht_"
	SetupTokenPrefix = "lhs_"
	maxDisplayName   = 200
	maxEmail         = 254
)

// NewUser checks a new user's email (lower-cased), display name, IANA
// time zone ("" is UTC) and role, and returns the user with a new id, or
// a KindInvalid error that says what is wrong.
func NewUser(email, name, timeZone string, role lead.Role) (lead.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if at := strings.IndexByte(email, '@'); at <= 0 || at == len(email)-1 || len(email) > maxEmail ||
		strings.ContainsAny(email, " \t\r\n,;<>\"") {
		return lead.User{}, lead.Errorf(lead.KindInvalid, "%q is not an email address", email)
	}
	name = strings.TrimSpace(name)
	if len(name) > maxDisplayName {
		return lead.User{}, lead.Errorf(lead.KindInvalid, "the display name is longer than %d characters", maxDisplayName)
	}
	timeZone = strings.TrimSpace(timeZone)
	if timeZone == "" {
		timeZone = "UTC"
	}
	if _, err := time.LoadLocation(timeZone); err != nil || timeZone == "Local" || len(timeZone) > 64 {
		return lead.User{}, lead.Errorf(lead.KindInvalid, "%q is not an IANA time zone (e.g. Europe/Berlin)", timeZone)
	}
	r, err := lead.ParseRole(string(role))
	if err != nil {
		return lead.User{}, lead.Errorf(lead.KindInvalid, "unknown role %q (one of admin, manager, rep, viewer)", role)
	}
	return lead.User{ID: ulid.Make().String(), Email: email, DisplayName: name, TimeZone: timeZone, Role: r}, nil
}

// UserTokenStore stores one-time set-password tokens.
type UserTokenStore interface {
	CreateUserToken(ctx context.Context, t lead.UserToken) error
}

// NewUserToken stores a one-time token that sets the password of the user
// with userID, valid for UserTokenTTL from now, and returns it: the only
// time it is seen (only its hash is stored).
func NewUserToken(ctx context.Context, st UserTokenStore, userID string, purpose lead.UserTokenPurpose, now time.Time) (string, error) {
	token := UserTokenPrefix + randomHex()
	err := st.CreateUserToken(ctx, lead.UserToken{Hash: Hash(token), UserID: userID, Purpose: purpose,
		CreatedAt: now, ExpiresAt: now.Add(UserTokenTTL)})
	if err != nil {
		return "", err
	}
	return token, nil
}

// NewSetupToken stores a one-time first-start setup token, valid for
// SetupTokenTTL from now, and returns it (only its hash is stored).
func NewSetupToken(ctx context.Context, st lead.SetupStore, now time.Time) (string, error) {
	token := SetupTokenPrefix + randomHex()
	if err := st.CreateSetupToken(ctx, Hash(token), now, now.Add(SetupTokenTTL)); err != nil {
		return "", err
	}
	return token, nil
}

// SetPasswordURL is the link that sets a password with token, on the
// server at base (e.g. https://leads.example.com).
func SetPasswordURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/set-password?token=" + url.QueryEscape(token)
}

// SetupURL is the first-start setup link with token.
func SetupURL(base, token string) string {
	return strings.TrimRight(base, "/") + "/setup?token=" + url.QueryEscape(token)
}

func randomHex() string {
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		panic("auth: crypto/rand failed: " + err.Error())
	}
	return hex.EncodeToString(raw[:])
}
