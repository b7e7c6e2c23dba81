package api

import (
	"context"
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 200 only when the database answers.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "readiness check failed", "err", err.Error())
		httpx.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

// noRoute answers a request no route takes, always with a problem
// document: under /api/ a caller without a valid API key learns nothing
// (401); otherwise 405 with Allow when the path has routes for other
// methods, else 404.
func (s *server) noRoute(mux *http.ServeMux, w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		if _, ok := s.authenticate(w, r); !ok {
			return
		}
	}
	if allowed := httpx.Allowed(mux, r); len(allowed) > 0 {
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		httpx.WriteProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", "Method Not Allowed",
			r.Method+" is not allowed here; use "+strings.Join(allowed, ", "))
		return
	}
	detail := "no such page"
	if strings.HasPrefix(r.URL.Path, "/api/") {
		detail = "no such API endpoint; see /openapi.json"
	}
	httpx.WriteProblem(w, r, http.StatusNotFound, "not-found", "Not Found", detail)
}

// bearer returns the token of an "Authorization: Bearer" header ("" when
// there is none).
func bearer(r *http.Request) string {
	const scheme = "bearer "
	hdr := r.Header.Get("Authorization")
	if len(hdr) > len(scheme) && strings.EqualFold(hdr[:len(scheme)], scheme) {
		return strings.TrimSpace(hdr[len(scheme):])
	}
	return ""
}

// authenticate finds the caller of r by its API key ("Authorization:
// Bearer"), or answers 401 (503 when the keys cannot be read) and returns
// false.
func (s *server) authenticate(w http.ResponseWriter, r *http.Request) (auth.Caller, bool) {
	cred, ok, err := s.verifier.Identify(r.Context(), lead.CredentialAPI, bearer(r))
	if err != nil {
		s.writeError(w, r, &lead.Error{Kind: lead.KindUnavailable, Op: "api", Message: "cannot check the API key, retry later", Err: err})
		return auth.Caller{}, false
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="leadhub"`)
		httpx.WriteProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized",
			"missing or invalid API key; send Authorization: Bearer "+auth.APIKeyPrefix+"…")
		return auth.Caller{}, false
	}
	return auth.APIKeyCaller(cred), true
}

// apiAuth guards a REST handler with an API key whose role has perm (403
// otherwise) and puts the caller in the request's context, where every
// handler that records who did what finds it.
func (s *server) apiAuth(perm lead.Permission, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.authenticate(w, r)
		if !ok {
			return
		}
		if !c.Role.Can(perm) {
			s.writeError(w, r, lead.Errorf(lead.KindForbidden,
				"api: the role %s may not do this (it needs the %s permission)", c.Role, perm))
			return
		}
		h.ServeHTTP(w, r.WithContext(auth.WithCaller(r.Context(), c)))
	})
}
