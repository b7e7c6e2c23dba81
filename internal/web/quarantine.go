package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// The quarantine: raw bodies that could not be parsed, with their error,
// and a form to reprocess one as it is or with a corrected body.

type quarantineData struct {
	User   *lead.User
	Raws   []lead.RawLead
	Import string // the import whose rows are listed ("" for all)
	Next   string
	Error  string
}

// quarantine lists the quarantined raw leads, newest first, a page at a
// time (the rows of one import with ?import=).
func (s *server) quarantine(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	q := r.URL.Query()
	d := quarantineData{User: &u, Import: bounded(q.Get("import"), maxID)}
	page, err := s.Store.ListQuarantine(r.Context(), lead.QuarantineFilter{ImportID: d.Import, Limit: pageSize,
		Cursor: bounded(q.Get("cursor"), 512)})
	if err != nil {
		if lead.KindOf(err) != lead.KindInvalid {
			s.fail(w, r, err)
			return
		}
		d.Error = "This page of the quarantine does not exist (the link is broken); start again from the first page."
	}
	d.Raws = page.Raws
	if page.NextCursor != "" {
		next := url.Values{"cursor": {page.NextCursor}}
		if d.Import != "" {
			next.Set("import", d.Import)
		}
		d.Next = "/quarantine?" + next.Encode()
	}
	s.render(w, http.StatusOK, "quarantine", d)
}

type rawData struct {
	User *lead.User
	Raw  lead.RawLead
	// Body is the body as received, Fixed the last correction, and Edit
	// what the correction box holds; Binary is set when the body is not
	// UTF-8 text (it is then shown escaped).
	Body, Fixed, Edit string
	Binary            bool
	Quarantined       bool
	// Lead is the lead the raw body became, once parsed.
	Lead          *lead.Lead
	Error, Notice string
}

// quarantined shows one raw lead: its body, error, and the reprocessing
// form while it is in quarantine.
func (s *server) quarantined(w http.ResponseWriter, r *http.Request) {
	raw, err := s.Store.GetRaw(r.Context(), r.PathValue("raw"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := s.rawData(r, raw)
	switch r.URL.Query().Get("done") {
	case "parsed":
		d.Notice = "Reprocessed: the body parsed and is now a lead."
	case "quarantined":
		d.Notice = "Reprocessed, but the body still cannot be parsed; it stays in quarantine."
	}
	s.render(w, http.StatusOK, "quarantined", d)
}

func (s *server) rawData(r *http.Request, raw lead.RawLead) rawData {
	u := userFrom(r.Context())
	d := rawData{User: &u, Raw: raw, Quarantined: raw.Status == lead.RawQuarantined,
		Body: text(raw.Body), Binary: !utf8.Valid(raw.Body)}
	if raw.FixedBody != nil {
		d.Fixed = text(raw.FixedBody)
	}
	d.Edit = text(raw.Parseable())
	if !d.Quarantined {
		if l, err := s.Store.GetLead(r.Context(), raw.ID); err == nil {
			d.Lead = &l
		}
	}
	return d
}

// text is b as a string, with what is not UTF-8 replaced.
func text(b []byte) string { return strings.ToValidUTF8(string(b), "\uFFFD") }

// reprocess parses a quarantined body again, as it is (the last
// correction, if any) or with the corrected body of the form when it
// differs, and shows the raw lead again with the outcome.
func (s *server) reprocess(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("raw")
	r.Body = http.MaxBytesReader(w, r.Body, ingest.MaxFix*2+maxForm)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.message(w, http.StatusRequestEntityTooLarge, "Too large", "The corrected body is larger than 1 MiB.", "/quarantine/"+url.PathEscape(id), "Back to the raw lead")
			return
		}
		s.message(w, http.StatusBadRequest, "Bad Request", "The form could not be read.", "/quarantine/"+url.PathEscape(id), "Back to the raw lead")
		return
	}
	raw, err := s.Store.GetRaw(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var fix []byte
	if body, ok := r.PostForm["body"]; ok {
		b := strings.ReplaceAll(body[0], "\r\n", "\n")
		if strings.TrimSpace(b) != strings.TrimSpace(strings.ReplaceAll(text(raw.Parseable()), "\r\n", "\n")) {
			fix = []byte(b)
		}
	}
	res, err := ingest.Reprocess(r.Context(), s.Store, id, fix)
	if err != nil {
		status := statusOf(err)
		if status >= 500 {
			s.fail(w, r, err)
			return
		}
		d := s.rawData(r, raw)
		if fix != nil {
			d.Edit = string(fix)
		}
		d.Error = lead.MessageOf(err)
		s.render(w, status, "quarantined", d)
		return
	}
	if res.Lead != nil {
		s.Nudge() // the new lead waits for the resolver
	}
	http.Redirect(w, r, "/quarantine/"+url.PathEscape(id)+"?done="+string(res.Raw.Status), http.StatusSeeOther)
}
