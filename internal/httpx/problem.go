// Package httpx holds what every HTTP surface of leadhub shares: problem
// documents (RFC 9457) and the one mapping from error kinds to statuses,
// JSON answers, request ids, client addresses, access logs, security
// headers, and the answers for requests no route takes. The REST API
// (internal/api) and the web app both use it; they never import each
// other.
package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/leadhub/leadhub/internal/lead"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"` // the request id
	// RawID names the stored raw lead when a bad body was kept in quarantine.
	RawID string `json:"raw_id,omitempty"`
	// Errors lists each invalid parameter, for 400s on query strings.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError is one invalid parameter: where it is ("query.limit",
// "body.other", "form.file") and what is wrong with it.
type FieldError struct {
	Location string `json:"location"`
	Message  string `json:"message"`
}

// ProblemTypeBase prefixes problem types; each type is documented in
// README.md under its slug.
const ProblemTypeBase = "https://github.com/leadhub/leadhub/blob/main/README.md#problem-"

// WriteProblem answers with a problem document; mod may add fields.
func WriteProblem(w http.ResponseWriter, r *http.Request, status int, slug, title, detail string, mod ...func(*Problem)) {
	p := Problem{
		Type:     ProblemTypeBase + slug,
		Title:    title,
		Status:   status,
		Detail:   detail,
		Instance: RequestID(r.Context()),
	}
	for _, m := range mod {
		m(&p)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// BadRequest answers 400 with every invalid parameter.
func BadRequest(w http.ResponseWriter, r *http.Request, detail string, errs []FieldError) {
	WriteProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", detail,
		func(p *Problem) { p.Errors = errs })
}

// InvalidField answers 400 for one invalid parameter at location.
func InvalidField(w http.ResponseWriter, r *http.Request, location, msg string) {
	BadRequest(w, r, msg, []FieldError{{Location: location, Message: msg}})
}

// statuses is the only mapping from error kinds to HTTP statuses and
// problem slugs; anything else is a 500 "internal".
var statuses = map[lead.Kind]struct {
	status int
	slug   string
}{
	lead.KindInvalid:      {http.StatusBadRequest, "invalid"},
	lead.KindNotFound:     {http.StatusNotFound, "not-found"},
	lead.KindConflict:     {http.StatusConflict, "conflict"},
	lead.KindUnauthorized: {http.StatusUnauthorized, "unauthorized"},
	lead.KindForbidden:    {http.StatusForbidden, "forbidden"},
	lead.KindTooLarge:     {http.StatusRequestEntityTooLarge, "too-large"},
	lead.KindThrottled:    {http.StatusTooManyRequests, "throttled"},
	lead.KindUnavailable:  {http.StatusServiceUnavailable, "unavailable"},
}

// StatusOf maps an error kind to its HTTP status and problem slug.
func StatusOf(k lead.Kind) (int, string) {
	if s, ok := statuses[k]; ok {
		return s.status, s.slug
	}
	return http.StatusInternalServerError, "internal"
}

// WriteError answers with the problem for err: its kind decides the
// status, its caller-safe message is the detail. Internal details (the
// wrapped cause, the package that raised it) go to log, never to the
// caller.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status, slug := StatusOf(lead.KindOf(err))
	if status >= 500 {
		if log != nil {
			log.ErrorContext(r.Context(), "request failed", "err", err.Error(), "request_id", RequestID(r.Context()))
		}
		if status == http.StatusServiceUnavailable {
			w.Header().Set("Retry-After", "5")
		}
	}
	WriteProblem(w, r, status, slug, http.StatusText(status), lead.MessageOf(err))
}

// WriteJSON answers with v as JSON (not HTML-escaped: values come back as
// they were received).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
