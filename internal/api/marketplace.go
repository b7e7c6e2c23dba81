package api

import (
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/httpx"
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
// A body over the limit is still read up to MaxKeptBody and kept in
// quarantine (answered 413 with its raw_id), so that an operator can see
// what was sent; a larger one is refused unread.
func (s *server) handleMarketplace(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		s.metrics.Reject(ingest.RejectMethodNotAllowed)
		w.Header().Set("Allow", http.MethodPost)
		httpx.WriteProblem(w, r, http.StatusMethodNotAllowed, "method-not-allowed", "Method Not Allowed",
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
		httpx.WriteProblem(w, r, http.StatusUnauthorized, "unauthorized", "Unauthorized",
			"missing or invalid code parameter")
		return
	}
	gz, ok := contentCoding(r.Header)
	if !ok {
		s.metrics.Reject(ingest.RejectUnsupportedEncoding)
		w.Header().Set("Accept-Encoding", "gzip")
		httpx.WriteProblem(w, r, http.StatusUnsupportedMediaType, "unsupported-encoding", "Unsupported Media Type",
			"the body's Content-Encoding is not supported; send it uncompressed or gzip-encoded")
		return
	}
	readLimit := max(s.maxBody, MaxKeptBody)
	if r.ContentLength > readLimit {
		s.refuseTooLarge(w, r, readLimit)
		return
	}
	body, err := readBody(w, r, gz, readLimit)
	if err != nil {
		if errors.Is(err, errOverLimit) {
			s.refuseTooLarge(w, r, readLimit)
			return
		}
		// The client went away or sent a broken body; nothing was stored.
		s.metrics.Reject(ingest.RejectReadError)
		detail := "the request body could not be read"
		if gz && isGzipError(err) {
			detail = "the gzip-encoded body could not be decompressed: " + err.Error()
		}
		httpx.WriteProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", detail)
		return
	}

	in := ingest.Body{Channel: lead.ChannelHTTPS, Body: body}
	over := int64(len(body)) > s.maxBody
	if over {
		decompressed := ""
		if gz {
			decompressed = " decompressed"
		}
		in.Quarantine = fmt.Sprintf("the body is %d bytes%s, over the limit of %d bytes", len(body), decompressed, s.maxBody)
	}
	rc, err := s.inbox.Receive(r.Context(), in)
	if err != nil {
		s.metrics.Reject(ingest.RejectUnavailable)
		s.metrics.ObserveEndpoint("error", time.Since(start))
		s.writeError(w, r, err)
		return
	}

	if rc.Status == lead.RawQuarantined && over {
		s.metrics.ObserveEndpoint("quarantined", time.Since(start))
		s.metrics.Reject(ingest.RejectTooLarge)
		if !rc.Duplicate {
			s.log.WarnContext(r.Context(), "marketplace body over the limit kept in quarantine",
				"raw_id", rc.ID, "request_id", httpx.RequestID(r.Context()), "size", len(body), "limit", s.maxBody)
		}
		httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large",
			in.Quarantine+"; the body was kept in quarantine as "+rc.ID,
			func(pr *httpx.Problem) { pr.RawID = rc.ID })
		return
	}
	if rc.Status == lead.RawQuarantined {
		s.metrics.ObserveEndpoint("quarantined", time.Since(start))
		if !rc.Duplicate {
			s.metrics.Reject(ingest.RejectNotJSON)
			s.log.WarnContext(r.Context(), "marketplace body quarantined",
				"raw_id", rc.ID, "request_id", httpx.RequestID(r.Context()), "size", len(body))
		}
		detail := rc.Error
		if detail == "" && rc.ParseErr != nil {
			detail = rc.ParseErr.Error()
		}
		httpx.WriteProblem(w, r, http.StatusBadRequest, "unparseable-lead", "Bad Request",
			detail+"; the body was kept in quarantine as "+rc.ID,
			func(pr *httpx.Problem) { pr.RawID = rc.ID })
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
	httpx.WriteJSON(w, status, ans)
}

// refuseTooLarge answers a body over readLimit, the most the endpoint
// reads: nothing is stored, and the connection is closed rather than the
// rest of the body read.
func (s *server) refuseTooLarge(w http.ResponseWriter, r *http.Request, readLimit int64) {
	s.metrics.Reject(ingest.RejectTooLarge)
	w.Header().Set("Connection", "close")
	size := "more than " + strconv.FormatInt(readLimit, 10) + " bytes"
	if r.ContentLength > readLimit {
		size = strconv.FormatInt(r.ContentLength, 10) + " bytes"
	}
	detail := "the body is " + size + ", over the limit of " + strconv.FormatInt(s.maxBody, 10) + " bytes"
	if readLimit > s.maxBody {
		detail += " and too large to keep in quarantine"
	}
	httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", detail+"; nothing was stored")
}

// contentCoding reads Content-Encoding: gz is true for gzip (or x-gzip);
// ok is false for any other coding, or gzip applied more than once.
// "identity" and an absent header mean the body is sent as it is.
func contentCoding(h http.Header) (gz, ok bool) {
	for _, v := range h.Values("Content-Encoding") {
		for c := range strings.SplitSeq(v, ",") {
			switch strings.ToLower(strings.TrimSpace(c)) {
			case "", "identity":
			case "gzip", "x-gzip":
				if gz {
					return false, false
				}
				gz = true
			default:
				return false, false
			}
		}
	}
	return gz, true
}

// errOverLimit is readBody's error for a body longer than its limit.
var errOverLimit = errors.New("the body is over the limit")

// readBody reads r's body, decompressed when gz, and fails with
// errOverLimit as soon as it (or, compressed, what is sent) exceeds limit
// bytes: a small gzip body that expands to gigabytes (a zip bomb) is
// decompressed no further than limit+1 bytes.
func readBody(w http.ResponseWriter, r *http.Request, gz bool, limit int64) ([]byte, error) {
	sent := http.MaxBytesReader(w, r.Body, limit)
	var rd io.Reader = sent
	if gz {
		zr, err := gzip.NewReader(sent)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // an empty body is not gzip either
		}
		if err != nil {
			return nil, overLimit(err)
		}
		defer zr.Close()
		rd = io.LimitReader(zr, limit+1)
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		return nil, overLimit(err)
	}
	if int64(len(body)) > limit {
		return nil, errOverLimit
	}
	return body, nil
}

func overLimit(err error) error {
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return errOverLimit
	}
	return err
}

// isGzipError says whether err comes from a body that is not valid gzip.
func isGzipError(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, gzip.ErrHeader) || errors.Is(err, gzip.ErrChecksum) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &corrupt)
}
