package web

import (
	"net/http"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
)

type setupData struct {
	User         *lead.User
	Token, Error string
	Email, Name  string
	MinLen       int
	Done         bool
}

// setUp is the answer once a user exists: the setup link has done its
// work.
const setUp = "leadhub is set up already: its first user exists. Sign in, or ask an administrator for an account."

// setupPage is the page of the first-start setup link: while no user
// exists, it creates the first admin.
func (s *server) setupPage(w http.ResponseWriter, r *http.Request) {
	if !s.needsSetup(w, r) {
		return
	}
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > auth.MaxSecretLen {
		s.render(w, http.StatusBadRequest, "setup", setupData{Error: badSetupLink})
		return
	}
	s.render(w, http.StatusOK, "setup", setupData{Token: token, MinLen: auth.MinPasswordLen})
}

const badSetupLink = "This setup link does not work: it is incomplete, was used, or has expired. Restart leadhub, or run `leadhub users setup-link`, for a new one."

// needsSetup reports whether no user exists; otherwise it answers 410.
func (s *server) needsSetup(w http.ResponseWriter, r *http.Request) bool {
	n, err := s.Store.CountUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return false
	}
	if n > 0 {
		s.render(w, http.StatusGone, "setup", setupData{Error: setUp, Done: true})
		return false
	}
	return true
}

// setup creates the first user, an admin, with the setup link's token;
// the token and every other setup token are used up.
func (s *server) setup(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "setup", setupData{Error: "The form could not be read."})
		return
	}
	if !s.needsSetup(w, r) {
		return
	}
	f := r.PostForm
	token, pw := f.Get("token"), f.Get("password")
	if token == "" || len(token) > auth.MaxSecretLen {
		s.render(w, http.StatusBadRequest, "setup", setupData{Error: badSetupLink})
		return
	}
	again := setupData{Token: token, Email: f.Get("email"), Name: f.Get("name"), MinLen: auth.MinPasswordLen}
	if pw != f.Get("confirm") {
		again.Error = "The two passwords differ."
		s.render(w, http.StatusBadRequest, "setup", again)
		return
	}
	u, err := auth.NewUser(again.Email, again.Name, "UTC", lead.RoleAdmin)
	if err != nil {
		again.Error = userMessage(err)
		s.render(w, http.StatusBadRequest, "setup", again)
		return
	}
	if u.PasswordHash, err = auth.HashPassword(pw, s.Params); err != nil {
		again.Error = userMessage(err)
		s.render(w, http.StatusBadRequest, "setup", again)
		return
	}
	err = s.Store.CreateFirstUser(r.Context(), auth.Hash(token), s.Now(), u)
	switch {
	case err == nil:
	case lead.KindOf(err) == lead.KindNotFound:
		s.render(w, http.StatusGone, "setup", setupData{Error: badSetupLink})
		return
	case lead.KindOf(err) == lead.KindConflict:
		s.render(w, http.StatusGone, "setup", setupData{Error: setUp, Done: true})
		return
	default:
		s.fail(w, r, err)
		return
	}
	s.Logger.InfoContext(r.Context(), "web: the first user was created with the setup link", "user_id", u.ID)
	http.Redirect(w, r, "/sign-in?password=set", http.StatusSeeOther)
}
