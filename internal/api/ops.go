package api

import (
	"context"
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}

func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReadyz answers 200 only when the database answers.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.WarnContext(r.Context(), "readiness check failed", "err", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "database": "unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": "ok"})
}

func (s *server) handleAPINotFound(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, http.StatusNotFound, "not-found", "Not Found", "no such API endpoint; see /openapi.json")
}

// apiAuth guards a REST handler with an API key in "Authorization: Bearer".
func (s *server) apiAuth(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		const scheme = "bearer "
		hdr := r.Header.Get("Authorization")
		key := ""
		if len(hdr) > len(scheme) && strings.EqualFold(hdr[:len(scheme)], scheme) {
			key = strings.TrimSpace(hdr[len(scheme):])
		}
		ok, err := s.verifier.Check(r.Context(), lead.CredentialAPI, key)
		if err != nil {
			s.writeError(w, r, &lead.Error{Kind: lead.KindUnavailable, Op: "api", Message: "cannot check the API key, retry later", Err: err})
			return
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="leadhub"`)
			writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized",
				"missing or invalid API key; send Authorization: Bearer "+auth.APIKeyPrefix+"…")
			return
		}
		h(w, r)
	})
}
