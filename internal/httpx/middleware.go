package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota + 1
	clientRequestIDKey
)

// RequestID returns the id leadhub gave the request ("" outside a request).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// ClientRequestID returns the X-Request-Id the caller sent, when it was
// well formed; it is logged beside leadhub's own id, never instead of it.
func ClientRequestID(ctx context.Context) string {
	id, _ := ctx.Value(clientRequestIDKey).(string)
	return id
}

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// WithRequestID gives every request an id of leadhub's own, echoes it in
// the X-Request-Id response header and puts it in the context for logs and
// problem documents. A caller's X-Request-Id cannot choose it (a caller
// could otherwise make its requests look like others in the logs); it is
// kept, when well formed, as the client request id.
func WithRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		if theirs := r.Header.Get("X-Request-Id"); validRequestID.MatchString(theirs) {
			ctx = context.WithValue(ctx, clientRequestIDKey, theirs)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recorder notes the status and size of an answer. Unwrap lets
// http.ResponseController reach the connection (deadlines, flushing).
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *recorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *recorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

func (s *recorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// AccessLog logs one line per request at debug level (warn for 5xx): the
// request ids, the client's address (see Proxies), the method, the route
// pattern, the status, the size and the duration. It never logs the path's
// values or the query string: the marketplace URL carries its token there.
func AccessLog(log *slog.Logger, proxies Proxies, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		level := slog.LevelDebug
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		pattern := r.Pattern
		if pattern == "" {
			pattern = "unmatched"
		}
		attrs := []slog.Attr{
			slog.String("request_id", RequestID(r.Context())),
			slog.String("client", proxies.ClientAddr(r)),
			slog.String("method", r.Method),
			slog.String("route", pattern),
			slog.Int("status", rec.status),
			slog.Int("bytes", rec.bytes),
			slog.Duration("duration", time.Since(start)),
		}
		if id := ClientRequestID(r.Context()); id != "" {
			attrs = append(attrs, slog.String("client_request_id", id))
		}
		log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// SecurityHeaders sets headers that cost nothing and close doors.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
