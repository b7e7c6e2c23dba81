package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// rawView is a quarantined (or reprocessed) raw lead with its body as
// received and, once an operator corrected it, the correction.
type rawView struct {
	lead.RawLead
	rawBody
	FixedBody       *string `json:"fixed_body,omitempty"`
	FixedBodyBase64 []byte  `json:"fixed_body_base64,omitempty"`
}

func newRawView(r lead.RawLead) rawView {
	v := rawView{RawLead: r, rawBody: newRawBody(r.Body)}
	switch {
	case r.FixedBody == nil:
	case utf8.Valid(r.FixedBody):
		s := string(r.FixedBody)
		v.FixedBody = &s
	default:
		v.FixedBodyBase64 = r.FixedBody
	}
	return v
}

type rawList struct {
	Quarantine []rawView `json:"quarantine"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func (s *server) handleListQuarantine(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := lead.QuarantineFilter{ImportID: q.str("import", 128)}
	f.Limit, f.Cursor = q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.store.ListQuarantine(r.Context(), f)
	out := rawList{Quarantine: make([]rawView, 0, len(page.Raws)), NextCursor: page.NextCursor}
	for _, raw := range page.Raws {
		out.Quarantine = append(out.Quarantine, newRawView(raw))
	}
	s.answer(w, r, out, err)
}

func (s *server) handleGetQuarantined(w http.ResponseWriter, r *http.Request) {
	raw, err := s.store.GetRaw(r.Context(), r.PathValue("id"))
	s.answer(w, r, newRawView(raw), err)
}

type reprocessAnswer struct {
	Status string     `json:"status"` // "parsed" or "quarantined"
	Raw    rawView    `json:"raw"`
	Lead   *lead.Lead `json:"lead,omitempty"`
}

// reprocessRequest is the optional body of a reprocessing: the corrected
// lead body, a JSON object.
type reprocessRequest struct {
	Body json.RawMessage `json:"body"`
}

// handleReprocess runs the current parser over a quarantined body again,
// or over the operator's correction of it sent as {"body": {…}}.
func (s *server) handleReprocess(w http.ResponseWriter, r *http.Request) {
	fix, ok := readFix(w, r)
	if !ok {
		return
	}
	res, err := ingest.Reprocess(r.Context(), s.store, r.PathValue("id"), fix)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ans := reprocessAnswer{Status: string(res.Raw.Status), Raw: newRawView(res.Raw), Lead: res.Lead}
	if res.Lead == nil {
		httpx.WriteProblem(w, r, http.StatusUnprocessableEntity, "unparseable-lead", "Unprocessable Content",
			"still cannot be parsed: "+res.Raw.Error, func(p *httpx.Problem) { p.RawID = res.Raw.ID })
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ans)
}

// readFix reads the optional {"body": {…}} of a reprocessing; nil when
// there is none.
func readFix(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, ingest.MaxFix+4096))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", "the body exceeds 1 MiB")
		} else {
			httpx.WriteProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read")
		}
		return nil, false
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, true
	}
	var req reprocessRequest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		httpx.InvalidField(w, r, "body", `must be empty, or a JSON object such as {"body": {"UserDetails": {…}}}: `+err.Error())
		return nil, false
	}
	if t := bytes.TrimSpace(req.Body); len(t) == 0 || t[0] != '{' {
		httpx.InvalidField(w, r, "body.body", "must be a JSON object: the corrected lead")
		return nil, false
	}
	return bytes.TrimSpace(req.Body), true
}
