package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
)

// maxForm bounds a form's body: an email and two passwords.
const maxForm = 16 << 10

// signInFailed is the one answer to an unknown email, a wrong password
// and a disabled user alike.
const signInFailed = "Wrong email or password."

type signInData struct {
	User          *lead.User
	Error, Notice string
}

func (s *server) signInPage(w http.ResponseWriter, r *http.Request) {
	d := signInData{}
	if r.URL.Query().Get("password") == "set" {
		d.Notice = "Your password is set. Sign in with it."
	}
	s.render(w, http.StatusOK, "sign-in", d)
}

// signIn checks the email and password; on success it starts a session
// with a new id (ending the one the browser had) and sends the browser to
// the inbox.
func (s *server) signIn(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "sign-in", signInData{Error: "The form could not be read."})
		return
	}
	var old string
	if c, err := r.Cookie(cookieName(r)); err == nil {
		old = c.Value
	}
	id, _, err := s.SignIn.SignIn(r.Context(), r.PostForm.Get("email"), r.PostForm.Get("password"),
		s.Proxies.ClientAddr(r), old)
	switch {
	case err == nil:
	case err == auth.ErrSignIn:
		s.render(w, http.StatusUnauthorized, "sign-in", signInData{Error: signInFailed})
		return
	case lead.KindOf(err) == lead.KindThrottled:
		w.Header().Set("Retry-After", "60")
		s.render(w, http.StatusTooManyRequests, "sign-in", signInData{
			Error: "Too many failed sign-ins. Wait a while before you try again."})
		return
	default:
		s.fail(w, r, err)
		return
	}
	setCookie(w, r, id, s.Now().Add(s.absolute()))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *server) absolute() (d time.Duration) {
	if s.Sessions.Absolute > 0 {
		return s.Sessions.Absolute
	}
	return auth.DefaultAbsoluteTimeout
}

func (s *server) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName(r)); err == nil {
		if err := s.Sessions.SignOut(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	clearCookie(w, r)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

func (s *server) signOutEverywhere(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Sessions.SignOutEverywhere(r.Context(), userFrom(r.Context()).ID); err != nil {
		s.fail(w, r, err)
		return
	}
	clearCookie(w, r)
	http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
}

type setPasswordData struct {
	User         *lead.User
	Token, Error string
	MinLen       int
}

// badLink is the answer to a one-time link that is unknown, used or
// expired.
const badLink = "This link does not work: it was used already, has expired, or is incomplete. Ask an administrator for a new one."

func (s *server) setPasswordPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	if token == "" || len(token) > auth.MaxSecretLen {
		s.render(w, http.StatusBadRequest, "set-password", setPasswordData{Error: badLink})
		return
	}
	s.render(w, http.StatusOK, "set-password", setPasswordData{Token: token, MinLen: auth.MinPasswordLen})
}

// setPassword sets the password of the link's user and uses the link up;
// the user then signs in with it.
func (s *server) setPassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.render(w, http.StatusBadRequest, "set-password", setPasswordData{Error: "The form could not be read."})
		return
	}
	token, pw := r.PostForm.Get("token"), r.PostForm.Get("password")
	if token == "" || len(token) > auth.MaxSecretLen {
		s.render(w, http.StatusBadRequest, "set-password", setPasswordData{Error: badLink})
		return
	}
	again := setPasswordData{Token: token, MinLen: auth.MinPasswordLen}
	if pw != r.PostForm.Get("confirm") {
		again.Error = "The two passwords differ."
		s.render(w, http.StatusBadRequest, "set-password", again)
		return
	}
	hash, err := auth.HashPassword(pw, s.Params)
	if err != nil {
		again.Error = strings.TrimPrefix(lead.MessageOf(err), "auth: ")
		s.render(w, http.StatusBadRequest, "set-password", again)
		return
	}
	if _, err := s.Store.UseUserToken(r.Context(), auth.Hash(token), s.Now(), hash); err != nil {
		if lead.KindOf(err) == lead.KindNotFound {
			s.render(w, http.StatusGone, "set-password", setPasswordData{Error: badLink})
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/sign-in?password=set", http.StatusSeeOther)
}
