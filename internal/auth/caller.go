package auth

import (
	"context"

	"github.com/leadhub/leadhub/internal/lead"
)

// Caller is who makes a request, as the authentication middleware found
// it: today an API key (by id and name, never its secret); users signing in
// to the web app will be callers too. Handlers that record who did what
// read it from the request's context.
type Caller struct {
	Kind string `json:"kind"` // "api_key" or "user"
	ID   string `json:"id"`
	Name string `json:"name"`
	// UserID is the user the caller acts for ("" for an API key made
	// before users); Role is what the caller may do.
	UserID string    `json:"user_id,omitempty"`
	Role   lead.Role `json:"role"`
}

// CallerAPIKey is the Kind of a caller authenticated by an API key.
const CallerAPIKey = "api_key"

// APIKeyCaller is the caller behind an API key credential.
func APIKeyCaller(c lead.Credential) Caller {
	return Caller{Kind: CallerAPIKey, ID: c.ID, Name: c.Name, UserID: c.UserID, Role: c.Role}
}

// Actor names the caller in audit entries: "api-key:NAME (ID)".
func (c Caller) Actor() string {
	switch c.Kind {
	case CallerAPIKey:
		return "api-key:" + c.Name + " (" + c.ID + ")"
	case "":
		return "anonymous"
	}
	return c.Kind + ":" + c.Name + " (" + c.ID + ")"
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller ctx carries; false outside an
// authenticated request.
func CallerFrom(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// CallerUser is the Kind of a caller signed in to the web app.
const CallerUser = "user"

// UserCaller is the caller behind a signed-in user's session.
func UserCaller(u lead.User) Caller {
	return Caller{Kind: CallerUser, ID: u.ID, Name: u.Email, UserID: u.ID, Role: u.Role}
}
