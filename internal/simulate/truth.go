package simulate

import (
	"encoding/csv"
	"io"
	"strconv"
)

// TruthHeader is the header row of the ground-truth CSV: the lead's
// sequence number, its person, its payload shape, and its account (the
// company the person acted for, empty for an individual or a test lead).
// Readers find columns by name; later columns may be added.
var TruthHeader = []string{"lead_seq", "person_id", "shape", "company_id"}

// WriteTruth writes the ground truth of events as CSV: a header
// "lead_seq,person_id,shape,company_id", then one row per event.
func WriteTruth(w io.Writer, events []Event) error {
	tw := NewTruthWriter(w)
	for _, ev := range events {
		if err := tw.Write(ev); err != nil {
			return err
		}
	}
	return tw.Close()
}

// TruthWriter writes the ground truth one event at a time, for streamed
// runs.
type TruthWriter struct {
	w      *csv.Writer
	header bool
}

// NewTruthWriter returns a TruthWriter on w. The header is written with the
// first row, or by Close when there is none.
func NewTruthWriter(w io.Writer) *TruthWriter { return &TruthWriter{w: csv.NewWriter(w)} }

// Write adds the row of one event.
func (t *TruthWriter) Write(ev Event) error {
	if !t.header {
		t.header = true
		if err := t.w.Write(TruthHeader); err != nil {
			return err
		}
	}
	return t.w.Write([]string{strconv.Itoa(ev.Seq), ev.PersonID, ev.Shape, ev.CompanyID})
}

// Close flushes the rows written so far (and the header, if no row was).
// It does not close the underlying writer.
func (t *TruthWriter) Close() error {
	if !t.header {
		t.header = true
		if err := t.w.Write(TruthHeader); err != nil {
			return err
		}
	}
	t.w.Flush()
	return t.w.Error()
}
