package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
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
		s.metrics.Reject(ingest.RejectMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		writeProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", "Method Not Allowed",
			"the marketplace endpoint accepts POST only")
		return
	}
	ok, err := s.verifier.Check(r.Context(), lead.CredentialIngest, r.URL.Query().Get("code"))
	if err != nil {
		s.metrics.Reject(ingest.RejectUnavailable)
		s.writeError(w, r, &lead.Error{Kind: lead.KindUnavailable, Op: "ingest", Message: "cannot check the token, retry later", Err: err})
		return
	}
	if !ok {
		s.metrics.Reject(ingest.RejectUnauthorized)
		writeProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized",
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
		s.metrics.Reject(ingest.RejectReadError)
		writeProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read")
		return
	}

	rc, err := s.inbox.Receive(r.Context(), ingest.Body{Channel: lead.ChannelHTTPS, Body: body})
	if err != nil {
		s.metrics.Reject(ingest.RejectUnavailable)
		s.metrics.ObserveEndpoint("error", time.Since(start))
		s.writeError(w, r, err)
		return
	}

	if rc.Status == lead.RawQuarantined {
		s.metrics.ObserveEndpoint("quarantined", time.Since(start))
		if !rc.Duplicate {
			s.metrics.Reject(ingest.RejectNotJSON)
			s.log.WarnContext(r.Context(), "marketplace body quarantined",
				"raw_id", rc.ID, "request_id", requestID(r.Context()), "size", len(body))
		}
		detail := rc.Error
		if detail == "" && rc.ParseErr != nil {
			detail = rc.ParseErr.Error()
		}
		writeProblem(w, r, http.StatusBadRequest, "unparseable-lead", "Bad Request",
			detail+"; the body was kept in quarantine as "+rc.ID,
			func(pr *problem) { pr.RawID = rc.ID })
		return
	}

	ans := ingestAnswer{ID: rc.ID, Status: "created", Duplicate: rc.Duplicate}
	status := http.StatusCreated
	if rc.Duplicate {
		ans.Status = "duplicate"
		status = http.StatusOK
		s.metrics.ObserveEndpoint("duplicate", time.Since(start))
	} else {
		ans.Stage, ans.IsTest = rc.Parsed.Stage, rc.Parsed.IsTest
		s.metrics.ObserveEndpoint("created", time.Since(start))
	}
	w.Header().Set("Location", "/api/v1/leads/"+rc.ID)
	writeJSON(w, status, ans)
}

func (s *server) tooLarge(w http.ResponseWriter, r *http.Request) {
	s.metrics.Reject(ingest.RejectTooLarge)
	w.Header().Set("Connection", "close")
	writeProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large",
		"the body exceeds "+strconv.FormatInt(s.maxBody, 10)+" bytes")
}
