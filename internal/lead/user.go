package lead

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do: one of RoleAdmin, RoleManager, RoleRep and
// RoleViewer. Permissions holds what each role may do.
type Role string

const (
	RoleAdmin   Role = "admin"   // everything, users, tokens, API keys and settings included
	RoleManager Role = "manager" // customers and accounts, review, merge/split/undo, imports
	RoleRep     Role = "rep"     // customers and accounts; no settings
	RoleViewer  Role = "viewer"  // read only
)

// Roles lists the roles, from most to least allowed.
var Roles = []Role{RoleAdmin, RoleManager, RoleRep, RoleViewer}

// ParseRole reads a role's name (case and surrounding space ignored); an
// unknown name is KindInvalid.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", Errorf(KindInvalid, "lead: unknown role %q (one of admin, manager, rep, viewer)", s)
}

// Permission is one thing a caller may be allowed to do. Every route of
// the REST API (and later the web app) declares the one it needs.
type Permission string

const (
	// PermRead: read leads, customers, accounts, the review queue, the
	// audit log, imports, sources and the quarantine.
	PermRead Permission = "read"
	// PermCustomersEdit: work customers: log activities (calls, emails,
	// meetings, notes), change a customer's process stage.
	PermCustomersEdit Permission = "customers.edit"
	// PermProcessManage: reassign customers, override their qualification,
	// configure teams and assignment rules.
	PermProcessManage Permission = "process.manage"
	// PermIdentityEdit: merge, split and move customers and accounts,
	// decide review items, undo.
	PermIdentityEdit Permission = "identity.edit"
	// PermImport: import leads, reprocess the quarantine, poll sources now.
	PermImport Permission = "import"
	// PermUsersManage: create, list, disable users and reset passwords.
	PermUsersManage Permission = "users.manage"
	// PermCredentialsManage: create and revoke ingest tokens and API keys.
	PermCredentialsManage Permission = "credentials.manage"
	// PermSettings: change leadhub's settings.
	PermSettings Permission = "settings"
)

// Permissions is the one permission table: what each role may do. The
// server enforces it for the REST API and the web app alike.
var Permissions = map[Role][]Permission{
	RoleAdmin:   {PermRead, PermCustomersEdit, PermProcessManage, PermIdentityEdit, PermImport, PermUsersManage, PermCredentialsManage, PermSettings},
	RoleManager: {PermRead, PermCustomersEdit, PermProcessManage, PermIdentityEdit, PermImport},
	RoleRep:     {PermRead, PermCustomersEdit},
	RoleViewer:  {PermRead},
}

// AllPermissions lists every permission, in the order of the table.
var AllPermissions = Permissions[RoleAdmin]

// Can reports whether role r has permission p. An unknown role has none.
func (r Role) Can(p Permission) bool {
	return slices.Contains(Permissions[r], p)
}

// User is a person who signs in to leadhub. Email is stored lower-cased and
// is unique; PasswordHash is an encoded argon2id hash ("" until a password
// is set) and never leaves the server.
type User struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	DisplayName  string    `json:"display_name"`
	TimeZone     string    `json:"time_zone"` // IANA name, e.g. Europe/Berlin
	Role         Role      `json:"role"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// HasPassword reports whether the user has set a password.
func (u User) HasPassword() bool { return u.PasswordHash != "" }

// Session is a signed-in browser, by the SHA-256 of its id (the id itself
// is only in the browser's cookie). It ends at ExpiresAt (the absolute
// timeout) or after the idle timeout since LastSeenAt, whichever is first.
type Session struct {
	Hash       string    `json:"-"`
	UserID     string    `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
}

// UserTokenPurpose says what a one-time user token is for.
type UserTokenPurpose string

const (
	TokenSetPassword   UserTokenPurpose = "set_password"   // a new user's first password
	TokenResetPassword UserTokenPurpose = "reset_password" // a password reset by an admin
)

// UserToken is a one-time token that lets its holder set a user's
// password, by the SHA-256 of the token.
type UserToken struct {
	Hash      string           `json:"-"`
	UserID    string           `json:"user_id"`
	Purpose   UserTokenPurpose `json:"purpose"`
	CreatedAt time.Time        `json:"created_at"`
	ExpiresAt time.Time        `json:"expires_at"`
}

// UserStore keeps users. CreateUser returns KindInvalid for a user without
// id, email or a known role and KindConflict when the id or the email is
// taken; the lookups return KindNotFound for no such user.
// SetUserDisabled and SetPassword end the user's sessions.
type UserStore interface {
	CreateUser(ctx context.Context, u User) error
	GetUser(ctx context.Context, id string) (User, error)
	// UserByEmail finds a user by email, ignoring case.
	UserByEmail(ctx context.Context, email string) (User, error)
	// ListUsers lists every user, by email.
	ListUsers(ctx context.Context) ([]User, error)
	SetUserDisabled(ctx context.Context, id string, disabled bool) (User, error)
	SetPassword(ctx context.Context, id, passwordHash string) error
	// CreateUserToken stores a one-time token (KindNotFound for no such
	// user); UseUserToken sets the password of the token's user and
	// deletes the token, in one transaction (KindNotFound for a token that
	// is unknown, used, expired at now or not for a user allowed to sign in).
	CreateUserToken(ctx context.Context, t UserToken) error
	UseUserToken(ctx context.Context, hash string, now time.Time, passwordHash string) (User, error)
}

// SessionStore keeps sessions in the database, so that every replica
// knows them. SessionByHash returns KindNotFound for no such session;
// DeleteSession of an unknown session is no error.
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	// SessionByHash returns the session and its user.
	SessionByHash(ctx context.Context, hash string) (Session, User, error)
	TouchSession(ctx context.Context, hash string, lastSeen time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	// DeleteUserSessions ends every session of a user (sign out
	// everywhere) and returns how many there were.
	DeleteUserSessions(ctx context.Context, userID string) (int, error)
}
