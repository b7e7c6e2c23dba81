package csvimport

import (
	"errors"
	"fmt"
	"io"
	"strings"
)

// Preview is what an operator checks before importing a file: how it is
// read, what each column becomes, which columns are not recognised, which
// of the usual fields no column holds, and the first rows as written.
type Preview struct {
	Format   string
	Columns  []Column
	Unmapped []string // headers not recognised: kept with each lead as extra columns
	Missing  []Field  // usual fields no column holds
	Warnings []string
	Rows     [][]string // the first data rows, one cell per column, cut to PreviewCellLen
}

// PreviewCellLen caps a cell of a preview row, in characters.
const PreviewCellLen = 120

// expected are the fields a file of leads usually has; a name counts as
// present when any of first, last or full name is.
var expected = []Field{FieldFullName, FieldEmail, FieldCompany, FieldCountry, FieldOffer, FieldCreated}

// NewPreview reads the header of r and at most n data rows (blank rows and
// repeats of the header skipped), and returns what an import of it with
// opt would do with its columns. It stores nothing. Its error is the one
// an import would fail with (an unreadable header, bad overrides, no
// column with contact details); a row that cannot be read ends the
// preview rows without an error.
func NewPreview(r io.Reader, opt Options, n int) (Preview, error) {
	rd, err := NewReader(r, opt)
	if err != nil {
		return Preview{}, err
	}
	m := rd.Mapping()
	p := Preview{Format: rd.Format(), Columns: m.Columns, Warnings: rd.Warnings()}
	for _, c := range m.Columns {
		if c.By == "unknown" {
			p.Unmapped = append(p.Unmapped, c.Header)
		}
	}
	for _, f := range expected {
		has := m.Has(f)
		if f == FieldFullName {
			has = has || m.Has(FieldFirstName) || m.Has(FieldLastName)
		}
		if !has {
			p.Missing = append(p.Missing, f)
		}
	}
	width := len(rd.Header())
	for len(p.Rows) < n {
		rec, err := rd.cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			p.Warnings = append(p.Warnings, fmt.Sprintf("the preview stops at a row that cannot be read: %s", rd.describe(err)))
			break
		}
		rd.positions(rec)
		rd.advance()
		if _, skip := rd.row(rec); skip {
			continue
		}
		row := make([]string, width)
		for i := range row {
			if i < len(rec) {
				row[i] = truncate(strings.ToValidUTF8(fixEncoding(rec[i]), "\uFFFD"), PreviewCellLen)
			}
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}
