package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
)

// maxCredentialName bounds the label of an ingest token or API key.
const maxCredentialName = 200

type settingsData struct {
	User *lead.User
}

// settings is the overview of the settings pages.
func (s *server) settings(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	s.render(w, http.StatusOK, "settings", settingsData{User: &u})
}

// usersRedirect sends the old users page to its place in the settings.
func (s *server) usersRedirect(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/settings/users", http.StatusMovedPermanently)
}

type settingsUsersData struct {
	User  *lead.User
	Users []lead.User
	Roles []lead.Role
	Error string
	// Form holds what was typed when creating a user failed.
	Form struct{ Email, Name, TimeZone, Role string }
}

func (s *server) settingsUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, settingsUsersData{})
}

func (s *server) renderUsers(w http.ResponseWriter, r *http.Request, status int, d settingsUsersData) {
	u := userFrom(r.Context())
	us, err := s.Store.ListUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.User, d.Users, d.Roles = &u, us, lead.Roles
	if d.Form.TimeZone == "" {
		d.Form.TimeZone = "UTC"
	}
	if d.Form.Role == "" {
		d.Form.Role = string(lead.RoleRep)
	}
	s.render(w, status, "settings-users", d)
}

// linkData is the answer that shows a one-time link or secret, once.
type linkData struct {
	User          *lead.User
	Title, What   string
	Secret        string
	Back, BackTxt string
}

// base is the URL links are printed with: the public URL, or the one the
// browser used.
func (s *server) base(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if https(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// createUser creates a user and shows the one-time link that sets the
// password, once.
func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.renderUsers(w, r, http.StatusBadRequest, settingsUsersData{Error: "The form could not be read."})
		return
	}
	f := r.PostForm
	d := settingsUsersData{}
	d.Form.Email, d.Form.Name, d.Form.TimeZone, d.Form.Role = f.Get("email"), f.Get("name"), f.Get("time_zone"), f.Get("role")
	nu, err := auth.NewUser(d.Form.Email, d.Form.Name, d.Form.TimeZone, lead.Role(d.Form.Role))
	if err == nil {
		err = s.Store.CreateUser(r.Context(), nu)
	}
	if err != nil {
		if k := lead.KindOf(err); k == lead.KindInvalid || k == lead.KindConflict {
			d.Error = userMessage(err)
			if k == lead.KindConflict {
				d.Error = "A user with that email exists already."
			}
			s.renderUsers(w, r, http.StatusBadRequest, d)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.Logger.InfoContext(r.Context(), "web: user created", "user_id", nu.ID, "role", string(nu.Role), "by", userFrom(r.Context()).ID)
	s.passwordLink(w, r, nu, lead.TokenSetPassword, "User "+nu.Email+" created")
}

// passwordLink stores a one-time set-password token for u and shows its
// link, once.
func (s *server) passwordLink(w http.ResponseWriter, r *http.Request, u lead.User, purpose lead.UserTokenPurpose, title string) {
	token, err := auth.NewUserToken(r.Context(), s.Store, u.ID, purpose, s.Now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	me := userFrom(r.Context())
	s.render(w, http.StatusOK, "secret", linkData{User: &me, Title: title,
		What: "Give " + u.Email + " this one-time link to set a password. It works once, for " +
			strings.TrimSuffix(auth.UserTokenTTL.String(), "0m0s") + ". It is shown only now.",
		Secret: auth.SetPasswordURL(s.base(r), token), Back: "/settings/users", BackTxt: "Back to the users"})
}

// userAction disables or enables a user, or resets a password.
func (s *server) userAction(w http.ResponseWriter, r *http.Request) {
	me := userFrom(r.Context())
	id, action := r.PathValue("user"), r.PathValue("action")
	u, err := s.Store.GetUser(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch action {
	case "disable", "enable":
		if action == "disable" && u.ID == me.ID {
			s.renderUsers(w, r, http.StatusBadRequest, settingsUsersData{Error: "You cannot disable yourself."})
			return
		}
		if _, err := s.Store.SetUserDisabled(r.Context(), u.ID, action == "disable"); err != nil {
			s.fail(w, r, err)
			return
		}
		s.Logger.InfoContext(r.Context(), "web: user "+action+"d", "user_id", u.ID, "by", me.ID)
		http.Redirect(w, r, "/settings/users", http.StatusSeeOther)
	case "reset-password":
		if u.Disabled {
			s.renderUsers(w, r, http.StatusBadRequest, settingsUsersData{Error: "Enable " + u.Email + " before resetting the password."})
			return
		}
		s.Logger.InfoContext(r.Context(), "web: password reset link made", "user_id", u.ID, "by", me.ID)
		s.passwordLink(w, r, u, lead.TokenResetPassword, "New password link for "+u.Email)
	default:
		http.NotFound(w, r)
	}
}

// userMessage is an error's message without its package prefix.
func userMessage(err error) string {
	m := lead.MessageOf(err)
	if i := strings.Index(m, ": "); i > 0 && !strings.Contains(m[:i], " ") {
		m = m[i+2:]
	}
	return strings.ToUpper(m[:1]) + m[1:] + "."
}

type credentialsData struct {
	User        *lead.User
	Kind        lead.CredentialKind
	Path, Title string
	Credentials []lead.Credential
	Users       []lead.User // the users an API key may belong to
	Emails      map[string]string
	Error       string
}

func kindOf(r *http.Request) (lead.CredentialKind, string, string) {
	if strings.HasPrefix(r.URL.Path, "/settings/api-keys") {
		return lead.CredentialAPI, "/settings/api-keys", "API keys"
	}
	return lead.CredentialIngest, "/settings/tokens", "Ingest tokens"
}

// credentials lists the ingest tokens or the API keys, with the form
// that creates one.
func (s *server) credentials(w http.ResponseWriter, r *http.Request) {
	s.renderCredentials(w, r, http.StatusOK, "")
}

func (s *server) renderCredentials(w http.ResponseWriter, r *http.Request, status int, msg string) {
	u := userFrom(r.Context())
	kind, path, title := kindOf(r)
	cs, err := s.Store.ListCredentials(r.Context(), kind)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := credentialsData{User: &u, Kind: kind, Path: path, Title: title, Credentials: cs, Error: msg, Emails: map[string]string{}}
	if kind == lead.CredentialAPI {
		us, err := s.Store.ListUsers(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, x := range us {
			d.Emails[x.ID] = x.Email
			if !x.Disabled {
				d.Users = append(d.Users, x)
			}
		}
	}
	s.render(w, status, "settings-credentials", d)
}

// createCredential makes an ingest token or an API key and shows its
// secret once: it is stored only as its hash, and never logged.
func (s *server) createCredential(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.renderCredentials(w, r, http.StatusBadRequest, "The form could not be read.")
		return
	}
	kind, path, title := kindOf(r)
	name := strings.TrimSpace(r.PostForm.Get("name"))
	if len(name) > maxCredentialName {
		s.renderCredentials(w, r, http.StatusBadRequest, "The name is too long.")
		return
	}
	secret, cred := auth.NewSecret(kind, name, s.Now())
	if kind == lead.CredentialAPI {
		owner, err := s.Store.GetUser(r.Context(), r.PostForm.Get("user"))
		if lead.KindOf(err) == lead.KindNotFound || (err == nil && owner.Disabled) {
			s.renderCredentials(w, r, http.StatusBadRequest, "Choose an active user for the key: it acts with at most that user's role.")
			return
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		cred.UserID = owner.ID
	}
	if err := s.Store.CreateCredential(r.Context(), cred); err != nil {
		s.fail(w, r, err)
		return
	}
	me := userFrom(r.Context())
	s.Logger.InfoContext(r.Context(), "web: credential created", "kind", string(kind), "credential_id", cred.ID, "by", me.ID)
	d := linkData{User: &me, Back: path, BackTxt: "Back to the " + strings.ToLower(title)}
	if kind == lead.CredentialIngest {
		d.Title = "Ingest token created"
		d.What = "Give Microsoft this URL (Partner Center → offer → Offer setup → Lead management → HTTPS endpoint). It is shown only now."
		d.Secret = s.base(r) + "/ingest/marketplace?code=" + url.QueryEscape(secret)
	} else {
		d.Title = "API key created"
		d.What = "Send it as Authorization: Bearer … to /api/v1. It is shown only now."
		d.Secret = secret
	}
	s.render(w, http.StatusOK, "secret", d)
}

// revokeCredential revokes an ingest token or an API key by id.
func (s *server) revokeCredential(w http.ResponseWriter, r *http.Request) {
	kind, path, _ := kindOf(r)
	id := r.PathValue("credential")
	if id == "" || len(id) > 64 {
		http.NotFound(w, r)
		return
	}
	c, err := s.Store.RevokeCredential(r.Context(), kind, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Logger.InfoContext(r.Context(), "web: credential revoked", "kind", string(kind), "credential_id", c.ID, "by", userFrom(r.Context()).ID)
	http.Redirect(w, r, path, http.StatusSeeOther)
}
