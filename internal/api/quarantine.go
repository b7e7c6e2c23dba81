package api

import (
	"net/http"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// rawView is a quarantined (or reprocessed) raw lead with its body.
type rawView struct {
	lead.RawLead
	rawBody
}

func newRawView(r lead.RawLead) rawView { return rawView{r, newRawBody(r.Body)} }

type rawList struct {
	Quarantine []rawView `json:"quarantine"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func (s *server) handleListQuarantine(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	limit, cursor := q.page()
	if !q.ok(w, r) {
		return
	}
	page, err := s.store.ListQuarantine(r.Context(), limit, cursor)
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

// handleReprocess runs the current parser over a quarantined body again.
func (s *server) handleReprocess(w http.ResponseWriter, r *http.Request) {
	res, err := ingest.Reprocess(r.Context(), s.store, r.PathValue("id"))
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
