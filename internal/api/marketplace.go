package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// ingestAnswer is the body of a 2xx from the marketplace endpoint.
type ingestAnswer struct {
	ID        string     `json:"id"`
	Status    string     `json:"status"` // "created" or "duplicate"
	Stage     lead.Stage `json:"stage,omitempty"`
	IsTest    bool       `json:"is_test"`
	Duplicate bool       `json:"duplicate"`
}

// handleMarketplace is the endpoint Microsoft posts leads to:
// POST /ingest/marketplace?code=<ingest token>.
//
// Order matters: the method and token are checked before the body is read
// (an unauthenticated caller stores nothing and learns nothing), the body is
// bounded, and the answer is sent only after the raw body is committed.
func (s *server) handleMarketplace(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		s.metrics.Rejected.WithLabelValues("method_not_allowed").Inc()
		w.Header().Set("Allow", http.MethodPost)
		httpx.WriteProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", "Method Not Allowed",
			"the marketplace endpoint accepts POST only")
		return
	}
	ok, err := s.verifier.Check(r.Context(), lead.CredentialIngest, r.URL.Query().Get("code"))
	if err != nil {
		s.metrics.Rejected.WithLabelValues("unavailable").Inc()
		s.writeError(w, r, &lead.Error{Kind: lead.KindUnavailable, Op: "ingest", Message: "cannot check the token, retry later", Err: err})
		return
	}
	if !ok {
		s.metrics.Rejected.WithLabelValues("unauthorized").Inc()
		httpx.WriteProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized",
			"missing or invalid code parameter")
		return
	}
	if r.ContentLength > s.maxBody {
		s.tooLarge(w, r)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.tooLarge(w, r)
			return
		}
		// The client went away or sent a broken body; nothing was stored.
		s.metrics.Rejected.WithLabelValues("read_error").Inc()
		httpx.WriteProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read")
		return
	}

	p := ingest.Payload{Channel: lead.ChannelHTTPS, Body: body}
	parsed, perr := ingest.Decode(lead.ChannelHTTPS, body)
	if perr != nil {
		p.ParseErr = perr.Error()
	} else {
		p.Parsed = parsed
	}
	out, err := s.inbox.Submit(r.Context(), p)
	if err != nil {
		s.metrics.Rejected.WithLabelValues("unavailable").Inc()
		s.metrics.IngestLatency.WithLabelValues("error").Observe(time.Since(start).Seconds())
		s.writeError(w, r, err)
		return
	}

	if out.Status == lead.RawQuarantined {
		s.metrics.IngestLatency.WithLabelValues("quarantined").Observe(time.Since(start).Seconds())
		if out.Duplicate {
			s.metrics.Duplicates.Inc()
		} else {
			s.metrics.Quarantined.Inc()
			s.metrics.Rejected.WithLabelValues("not_json").Inc()
			s.log.WarnContext(r.Context(), "marketplace body quarantined",
				"raw_id", out.ID, "request_id", httpx.RequestID(r.Context()), "size", len(body))
		}
		detail := out.Error
		if detail == "" {
			detail = p.ParseErr
		}
		httpx.WriteProblem(w, r, http.StatusBadRequest, "unparseable-lead", "Bad Request",
			detail+"; the body was kept in quarantine as "+out.ID,
			func(pr *httpx.Problem) { pr.RawID = out.ID })
		return
	}

	ans := ingestAnswer{ID: out.ID, Status: "created", Duplicate: out.Duplicate}
	status := http.StatusCreated
	if out.Duplicate {
		ans.Status = "duplicate"
		status = http.StatusOK
		s.metrics.Duplicates.Inc()
		s.metrics.IngestLatency.WithLabelValues("duplicate").Observe(time.Since(start).Seconds())
	} else {
		ans.Stage, ans.IsTest = parsed.Stage, parsed.IsTest
		s.metrics.leadStored(parsed, sourceLabel(parsed.Source), actionLabel(parsed.Action))
		s.metrics.IngestLatency.WithLabelValues("created").Observe(time.Since(start).Seconds())
	}
	w.Header().Set("Location", "/api/v1/leads/"+out.ID)
	httpx.WriteJSON(w, status, ans)
}

func (s *server) tooLarge(w http.ResponseWriter, r *http.Request) {
	s.metrics.Rejected.WithLabelValues("too_large").Inc()
	w.Header().Set("Connection", "close")
	httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large",
		"the body exceeds "+strconv.FormatInt(s.maxBody, 10)+" bytes")
}

// sourceLabel and actionLabel keep metric label values to the documented
// set, so a sender cannot create unbounded series.
func sourceLabel(v string) string {
	if marketplace.KnownSource(v) {
		return v
	}
	if v == "" {
		return "none"
	}
	return "other"
}

func actionLabel(v string) string {
	if marketplace.KnownAction(v) {
		return v
	}
	if v == "" {
		return "none"
	}
	return "other"
}
