package api

import (
	"encoding/json"
	"net/http"

	"github.com/leadhub/leadhub/internal/lead"
)

// problem is an RFC 9457 problem document.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"` // the request id
	// RawID names the stored raw lead when a bad body was kept in quarantine.
	RawID string `json:"raw_id,omitempty"`
	// Errors lists each invalid parameter, for 400s on query strings.
	Errors []fieldError `json:"errors,omitempty"`
}

type fieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// problemTypeBase prefixes problem types; each type is documented in README.md.
const problemTypeBase = "https://github.com/leadhub/leadhub/blob/main/README.md#problem-"

func writeProblem(w http.ResponseWriter, r *http.Request, status int, slug, title, detail string, mod ...func(*problem)) {
	p := problem{
		Type:     problemTypeBase + slug,
		Title:    title,
		Status:   status,
		Detail:   detail,
		Instance: requestID(r.Context()),
	}
	for _, m := range mod {
		m(&p)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// statusOf maps an error kind to its HTTP status: the only such mapping.
func statusOf(k lead.Kind) (int, string) {
	switch k {
	case lead.KindInvalid:
		return http.StatusBadRequest, "invalid"
	case lead.KindNotFound:
		return http.StatusNotFound, "not-found"
	case lead.KindConflict:
		return http.StatusConflict, "conflict"
	case lead.KindUnauthorized:
		return http.StatusUnauthorized, "unauthorized"
	case lead.KindTooLarge:
		return http.StatusRequestEntityTooLarge, "too-large"
	case lead.KindUnavailable:
		return http.StatusServiceUnavailable, "unavailable"
	default:
		return http.StatusInternalServerError, "internal"
	}
}

// writeError answers with the problem for err. Internal details go to the
// log, never to the caller.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind := lead.KindOf(err)
	status, slug := statusOf(kind)
	msg := lead.MessageOf(err)
	if status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed", "err", err.Error(), "request_id", requestID(r.Context()))
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
	}
	writeProblem(w, r, status, slug, http.StatusText(status), msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
