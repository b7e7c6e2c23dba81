package simulate

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// LeadsHeader is the header of the leads CSV: each lead's contact as
// leadhub parses it, in column names `leadhub dedupe` recognises, keyed by
// lead_seq (the key of the truth CSV).
var LeadsHeader = []string{"lead_seq", "first_name", "last_name", "email", "phone", "country", "company", "title", "offer", "action"}

// Contact is the contact of an event as leadhub's parser reads its body.
func (ev Event) Contact() lead.Contact {
	p, err := marketplace.Decode(ev.Body)
	if err != nil || p == nil {
		return lead.Contact{}
	}
	return p.Contact
}

// LeadsWriter writes the leads CSV one event at a time.
type LeadsWriter struct {
	w      *csv.Writer
	header bool
}

// NewLeadsWriter returns a LeadsWriter on w. The header is written with the
// first row, or by Close when there is none.
func NewLeadsWriter(w io.Writer) *LeadsWriter { return &LeadsWriter{w: csv.NewWriter(w)} }

// Write adds the row of one event.
func (l *LeadsWriter) Write(ev Event) error {
	if err := l.writeHeader(); err != nil {
		return err
	}
	c := ev.Contact()
	return l.w.Write([]string{strconv.Itoa(ev.Seq), c.FirstName, c.LastName, c.Email, c.Phone, c.Country, c.Company, c.Title, ev.Offer, ev.Action})
}

func (l *LeadsWriter) writeHeader() error {
	if l.header {
		return nil
	}
	l.header = true
	return l.w.Write(LeadsHeader)
}

// Close flushes the rows written so far (and the header, if no row was).
// It does not close the underlying writer.
func (l *LeadsWriter) Close() error {
	if err := l.writeHeader(); err != nil {
		return err
	}
	l.w.Flush()
	return l.w.Error()
}
