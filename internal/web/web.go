// Package web is leadhub's web app: server-rendered pages (html/template,
// embedded with their stylesheet, no JavaScript) for people who sign in
// with an email and a password. Every route is in table() with the
// permission it needs; Handler puts each behind it. web shares httpx with
// api and never imports it.
package web

import (
	"context"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie names: the __Host- prefix (Secure, Path=/, no Domain: the
// browser keeps the cookie to this host) needs HTTPS.
const (
	CookieHTTPS = "__Host-leadhub_session"
	CookiePlain = "leadhub_session"
)

// CSP is the Content-Security-Policy of every answer: no inline script or
// style, nothing from elsewhere, no framing.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// The access of routes that need no permission of the table.
const (
	AccessPublic   lead.Permission = "public"    // anyone: sign-in, set-password, the stylesheet
	AccessSignedIn lead.Permission = "signed-in" // any signed-in user: sign out
)

// Store is what the web app reads and writes: users and their tokens,
// credentials, leads, customers and accounts with the human identity
// decisions, the review queue and audit log, the quarantine and imports.
type Store interface {
	lead.UserStore
	lead.CredentialStore
	lead.LeadReader
	lead.CustomerReader
	lead.AccountReader
	lead.ReviewReader
	lead.AuditReader
	lead.IdentityEditor
	lead.AccountEditor
	lead.QuarantineStore
	lead.ImportStore
	lead.SetupStore
	lead.ProcessReader
	lead.ProcessLister
	lead.NotificationStore
}

// Deps are what the web app needs.
type Deps struct {
	Store    Store
	Sessions *auth.Sessions
	SignIn   *auth.SignIn
	// Params hash the passwords set with a one-time link (zero:
	// auth.DefaultParams).
	Params  auth.Params
	Logger  *slog.Logger
	Proxies httpx.Proxies // name the client for the access log and the sign-in throttle
	Now     func() time.Time
	// Inbox takes reprocessed quarantine bodies; Imports runs uploaded CSV
	// files; Sources tells the state of each source (nil: the pages that
	// need them say so).
	Inbox   *ingest.Inbox
	Imports *csvimport.Runner
	Sources *sources.Monitor
	// Nudge wakes the resolver after an undo returns a lead to it.
	Nudge func()
	// PublicURL is the URL people reach leadhub at ("": the host each
	// request names); links shown once (set-password, ingest URLs) start
	// with it. An https URL makes the session cookie Secure and __Host-
	// even when a proxy in front of leadhub terminates TLS.
	PublicURL string
	// MaxImport caps an uploaded CSV file (0: DefaultMaxImport).
	MaxImport int64
	// Pollers are the polled sources (Azure Tables) "Sync now" polls.
	Pollers []Poller
	// Process runs the follow-up process's actions (nil: the process does
	// not run, and its forms say so).
	Process Process
	// Config changes the process's teams and rules (nil: the process does
	// not run, and the forms say so).
	Config Config
}

type server struct {
	Deps
	pages   map[string]*template.Template
	staging staging // uploads waiting for their import to be confirmed
}

// Route is one registered page and the permission it needs.
type Route struct {
	Method, Path string
	Permission   lead.Permission
}

type route struct {
	method, path string
	perm         lead.Permission
	handler      http.HandlerFunc
}

func (s *server) table() []route {
	return []route{
		{"GET", "/sign-in", AccessPublic, s.signInPage},
		{"POST", "/sign-in", AccessPublic, s.signIn},
		{"GET", "/set-password", AccessPublic, s.setPasswordPage},
		{"POST", "/set-password", AccessPublic, s.setPassword},
		{"GET", "/static/{file}", AccessPublic, s.static},
		{"GET", "/setup", AccessPublic, s.setupPage},
		{"POST", "/setup", AccessPublic, s.setup},
		{"POST", "/sign-out", AccessSignedIn, s.signOut},
		{"POST", "/sign-out-everywhere", AccessSignedIn, s.signOutEverywhere},
		{"GET", "/notifications", AccessSignedIn, s.notificationsPage},
		{"POST", "/notifications/{notification}/read", AccessSignedIn, s.readNotification},
		{"GET", "/notifications/settings", AccessSignedIn, s.notifySettings},
		{"POST", "/notifications/settings", AccessSignedIn, s.saveNotifySettings},
		{"GET", "/{$}", lead.PermRead, s.inbox},
		{"GET", "/customers/{customer}", lead.PermRead, s.customer},
		{"POST", "/customers/{customer}/merge", lead.PermIdentityEdit, s.mergeCustomer},
		{"POST", "/customers/{customer}/move-account", lead.PermIdentityEdit, s.moveCustomerAccount},
		{"POST", "/customers/{customer}/activities", lead.PermCustomersEdit, s.logActivity},
		{"POST", "/customers/{customer}/stage", lead.PermCustomersEdit, s.setStage},
		{"POST", "/customers/{customer}/assign", lead.PermProcessManage, s.reassign},
		{"POST", "/customers/{customer}/qualification", lead.PermProcessManage, s.override},
		{"GET", "/queue", lead.PermCustomersEdit, s.queue},
		{"GET", "/board", lead.PermProcessManage, s.board},
		{"GET", "/teams", lead.PermRead, s.teamsPage},
		{"POST", "/teams", lead.PermProcessManage, s.saveTeam},
		{"GET", "/teams/new", lead.PermProcessManage, s.teamPage},
		{"GET", "/teams/{team}", lead.PermProcessManage, s.teamPage},
		{"POST", "/teams/{team}", lead.PermProcessManage, s.saveTeam},
		{"POST", "/teams/{team}/delete", lead.PermProcessManage, s.deleteTeam},
		{"GET", "/rules", lead.PermRead, s.rulesPage},
		{"POST", "/rules", lead.PermProcessManage, s.saveRule},
		{"GET", "/rules/new", lead.PermProcessManage, s.rulePage},
		{"GET", "/rules/{rule}", lead.PermProcessManage, s.rulePage},
		{"POST", "/rules/{rule}", lead.PermProcessManage, s.saveRule},
		{"POST", "/rules/{rule}/delete", lead.PermProcessManage, s.deleteRule},
		{"GET", "/leads/{lead}", lead.PermRead, s.leadPage},
		{"POST", "/leads/{lead}/split", lead.PermIdentityEdit, s.splitLead},
		{"POST", "/audit/{entry}/undo", lead.PermIdentityEdit, s.undo},
		{"GET", "/accounts", lead.PermRead, s.accounts},
		{"GET", "/accounts/{account}", lead.PermRead, s.account},
		{"POST", "/accounts/{account}/merge", lead.PermIdentityEdit, s.mergeAccount},
		{"POST", "/accounts/{account}/split", lead.PermIdentityEdit, s.splitAccount},
		{"GET", "/users", lead.PermUsersManage, s.usersRedirect},
		{"GET", "/imports", lead.PermRead, s.importsPage},
		{"POST", "/imports", lead.PermImport, s.importUpload},
		{"POST", "/imports/confirm", lead.PermImport, s.importConfirm},
		{"POST", "/imports/cancel", lead.PermImport, s.importCancel},
		{"GET", "/imports/{import}", lead.PermRead, s.importPage},
		{"GET", "/imports/{import}/progress", lead.PermRead, s.importProgress},
		{"GET", "/settings", lead.PermSettings, s.settings},
		{"GET", "/settings/users", lead.PermUsersManage, s.settingsUsers},
		{"GET", "/settings/deliveries", lead.PermSettings, s.failedDeliveries},
		{"POST", "/settings/users", lead.PermUsersManage, s.createUser},
		{"POST", "/settings/users/{user}/{action}", lead.PermUsersManage, s.userAction},
		{"GET", "/settings/tokens", lead.PermCredentialsManage, s.credentials},
		{"POST", "/settings/tokens", lead.PermCredentialsManage, s.createCredential},
		{"POST", "/settings/tokens/{credential}/revoke", lead.PermCredentialsManage, s.revokeCredential},
		{"GET", "/settings/api-keys", lead.PermCredentialsManage, s.credentials},
		{"POST", "/settings/api-keys", lead.PermCredentialsManage, s.createCredential},
		{"POST", "/settings/api-keys/{credential}/revoke", lead.PermCredentialsManage, s.revokeCredential},
		{"GET", "/review", lead.PermRead, s.review},
		{"POST", "/review/{item}/merge", lead.PermIdentityEdit, s.decideReview("merge")},
		{"POST", "/review/{item}/dismiss", lead.PermIdentityEdit, s.decideReview("dismiss")},
		{"GET", "/audit", lead.PermRead, s.auditLog},
		{"GET", "/audit/{entry}", lead.PermRead, s.auditEntry},
		{"GET", "/sources", lead.PermRead, s.sourcesPage},
		{"POST", "/sources/sync", lead.PermImport, s.syncSources},
		{"GET", "/quarantine", lead.PermRead, s.quarantine},
		{"GET", "/quarantine/{raw}", lead.PermRead, s.quarantined},
		{"POST", "/quarantine/{raw}/reprocess", lead.PermImport, s.reprocess},
	}
}

// Routes lists every page Handler registers, with its permission.
func Routes() []Route {
	var out []Route
	for _, r := range (&server{}).table() {
		out = append(out, Route{r.method, r.path, r.perm})
	}
	return out
}

// Paths are the paths the web app answers, as http.ServeMux patterns
// without a method: what the server routes to Handler.
func Paths() []string {
	var out []string
	for _, r := range Routes() {
		if !slices.Contains(out, r.Path) {
			out = append(out, r.Path)
		}
	}
	return out
}

// Handler returns the web app. Requests that change state (every method
// but GET, HEAD and OPTIONS) from another origin are refused (403).
func Handler(d Deps) http.Handler {
	s := &server{Deps: d, pages: map[string]*template.Template{}}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Params == (auth.Params{}) {
		s.Params = auth.DefaultParams
	}
	if s.Nudge == nil {
		s.Nudge = func() {}
	}
	if s.MaxImport <= 0 {
		s.MaxImport = DefaultMaxImport
	}
	names, _ := fs.Glob(templateFS, "templates/*.html")
	for _, n := range names {
		p := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if p == "layout" {
			continue
		}
		s.pages[p] = template.Must(template.New(p).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	mux := http.NewServeMux()
	for _, r := range s.table() {
		mux.Handle(r.method+" "+r.path, s.guard(r))
	}
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.message(w, http.StatusForbidden, "Refused", "This request came from another site.", "/", "Back to leadhub")
	}))
	var h http.Handler = cop.Handler(mux)
	if strings.HasPrefix(strings.ToLower(d.PublicURL), "https://") {
		h = behindTLS(h)
	}
	return httpx.WithRequestID(headers(httpx.AccessLog(s.Logger, d.Proxies, h)))
}

// headers sets the security headers of every answer.
func headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

type userKey struct{}

// guard puts r's handler behind its permission: a public route is served
// to anyone; any other needs a session (a GET without one is sent to the
// sign-in page, anything else is 401) whose user's role has the
// permission (403 otherwise).
func (s *server) guard(r route) http.Handler {
	if r.perm == AccessPublic {
		return r.handler
	}
	if r.perm != AccessSignedIn && !slices.Contains(lead.AllPermissions, r.perm) {
		panic("web: route " + r.method + " " + r.path + " declares no permission")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		u, ok := s.signedIn(w, req)
		if !ok {
			return
		}
		if r.perm != AccessSignedIn && !u.Role.Can(r.perm) {
			s.message(w, http.StatusForbidden, "Not allowed",
				"Your role ("+string(u.Role)+") does not have the permission this page needs ("+string(r.perm)+").", "/", "Back to the inbox")
			return
		}
		ctx := auth.WithCaller(context.WithValue(req.Context(), userKey{}, u), auth.UserCaller(u))
		r.handler(w, req.WithContext(ctx))
	})
}

// signedIn returns the user of the request's session, or answers the
// request itself and returns false.
func (s *server) signedIn(w http.ResponseWriter, r *http.Request) (lead.User, bool) {
	var err error = lead.Errorf(lead.KindUnauthorized, "web: no session cookie")
	var u lead.User
	if c, cerr := r.Cookie(cookieName(r)); cerr == nil {
		_, u, err = s.Sessions.Lookup(r.Context(), c.Value)
	}
	if err == nil {
		return u, true
	}
	if lead.KindOf(err) != lead.KindUnauthorized {
		s.fail(w, r, err)
		return lead.User{}, false
	}
	if _, cerr := r.Cookie(cookieName(r)); cerr == nil {
		clearCookie(w, r)
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return lead.User{}, false
	}
	s.message(w, http.StatusUnauthorized, "Signed out", "You are not signed in, or your session has ended.", "/sign-in", "Sign in")
	return lead.User{}, false
}

func userFrom(ctx context.Context) lead.User {
	u, _ := ctx.Value(userKey{}).(lead.User)
	return u
}

type secureKey struct{}

// https reports whether the browser reached leadhub over HTTPS: the
// connection is TLS, or the public URL is https (a proxy in front
// terminates TLS).
func https(r *http.Request) bool { return r.TLS != nil || r.Context().Value(secureKey{}) != nil }

// behindTLS marks every request as reached over HTTPS.
func behindTLS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), secureKey{}, true)))
	})
}

func cookieName(r *http.Request) string {
	if https(r) {
		return CookieHTTPS
	}
	return CookiePlain
}

func setCookie(w http.ResponseWriter, r *http.Request, id string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: id, Path: "/", Expires: expires,
		HttpOnly: true, Secure: https(r), SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: cookieName(r), Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: https(r), SameSite: http.SameSiteLaxMode})
}

// render writes page with data and status.
func (s *server) render(w http.ResponseWriter, status int, page string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[page].ExecuteTemplate(w, "layout", data); err != nil {
		s.Logger.Error("web: rendering a page", "page", page, "error", err.Error())
	}
}

type messageData struct {
	User                           *lead.User
	Title, Message, Link, LinkText string
}

func (s *server) message(w http.ResponseWriter, status int, title, msg, link, linkText string) {
	s.render(w, status, "message", messageData{Title: title, Message: msg, Link: link, LinkText: linkText})
}

// fail answers err with the status of its kind; what is not the
// caller's fault is logged and not shown.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, _ := httpx.StatusOf(lead.KindOf(err))
	msg := lead.MessageOf(err)
	if status >= 500 {
		s.Logger.Error("web: request failed", "request_id", httpx.RequestID(r.Context()), "error", err.Error())
		msg = "Something went wrong on our side; try again later."
	}
	s.message(w, status, http.StatusText(status), msg, "/", "Back to leadhub")
}

// static serves the embedded stylesheet and scripts (and 404 for any
// other name).
func (s *server) static(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	if !strings.HasSuffix(name, ".css") && !strings.HasSuffix(name, ".js") {
		http.NotFound(w, r)
		return
	}
	sub, _ := fs.Sub(staticFS, "static")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	http.ServeFileFS(w, r, sub, name)
}
