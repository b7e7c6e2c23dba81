package csvimport

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxRecordBytes caps one record of the file (all its fields and lines). A
// longer one is nearly always a quote that is never closed; reading stops
// there so that memory stays bounded.
const MaxRecordBytes = 1 << 20

// importKey is the body's member that says where the row came from. It is
// not part of the row's identity.
const importKey = "_import"

// Row is one data row of the file, ready to be ingested or rejected.
type Row struct {
	Line int64 // physical line the record starts on (the header is line 1)
	// Body is the JSON object stored as the raw lead: Microsoft's field
	// names, extra columns under their keys, and "_import" (file, line,
	// import id).
	Body []byte
	// Key is the idempotency key: "import:" and the hex SHA-256 of the
	// body without its "_import" member.
	Key string
	// Err says why the row cannot become a lead: its fields could not be
	// read. Body then holds the record as written, under "_record" with the
	// file's header, to be kept in quarantine. (A row whose fields were
	// read but that has no contact details is refused by the import
	// channel's parser, and kept in quarantine as mapped.)
	Err string
}

// Reader reads an import file one row at a time, in constant memory.
type Reader struct {
	in       *input
	g        *guard
	cr       *csv.Reader
	header   []string
	mapping  Mapping
	warnings []string
	file     string
	id       string
	lazy     bool

	vals    [numLeadFields]string
	lastAt  int64 // line the last record read starts on
	lastEnd int64 // line it ends on
	recAt   int64 // the byte offset the last record starts at
}

// StopError ends the reading of a file before its end.
type StopError struct {
	Line    int64 // the line reading stopped at, when known
	Message string
}

func (e *StopError) Error() string { return e.Message }

// NewReader reads the header of r and decides the mapping. The error says
// what is wrong when the file has no header, the overrides do not fit it,
// or no column holds contact details.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	in, err := openInput(r, opt.Comma)
	if err != nil {
		return nil, fmt.Errorf("reading the file: %w", err)
	}
	rd := &Reader{in: in, file: opt.Filename, id: opt.ID, lazy: opt.LazyQuotes}
	rd.g = &guard{r: in.r, limit: MaxRecordBytes + 4096}
	rd.cr = csv.NewReader(rd.g)
	rd.cr.Comma = in.comma
	rd.cr.FieldsPerRecord = -1
	rd.cr.ReuseRecord = true
	rd.cr.LazyQuotes = opt.LazyQuotes
	if !validComma(in.comma) {
		return nil, fmt.Errorf("the delimiter %q cannot be used", in.comma)
	}

	rec, err := rd.cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		return nil, errors.New("the file is empty: it has no header line")
	case err != nil:
		return nil, fmt.Errorf("the header line cannot be read: %s", rd.describe(err))
	}
	rd.positions(rec)
	rd.header = make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(strings.TrimPrefix(fixEncoding(h), "\uFEFF"))
		rd.header[i] = h
	}
	rd.mapping, rd.warnings, err = DetectMapping(rd.header, opt.Map)
	if err != nil {
		return nil, err
	}
	rd.advance()
	return rd, nil
}

func validComma(c rune) bool {
	return c != 0 && c != '"' && c != '\r' && c != '\n' && c != utf8.RuneError && utf8.ValidRune(c)
}

// Header returns the file's column names.
func (rd *Reader) Header() []string { return rd.header }

// Mapping returns what each column becomes.
func (rd *Reader) Mapping() Mapping { return rd.mapping }

// Warnings lists what the caller should know about the mapping.
func (rd *Reader) Warnings() []string { return rd.warnings }

// Format describes the file: its delimiter and anything unusual about its
// encoding or line endings.
func (rd *Reader) Format() string {
	names := map[rune]string{',': "comma", ';': "semicolon", '\t': "tab", '|': "vertical bar"}
	d := names[rd.in.comma]
	if d == "" {
		d = strconv.QuoteRune(rd.in.comma)
	}
	parts := append([]string{d + "-delimited"}, rd.in.notes...)
	if rd.in.skipped > 0 {
		parts = append(parts, `"sep=" line`)
	}
	return strings.Join(parts, ", ")
}

// advance lets the CSV reader read one more record past what it consumed.
func (rd *Reader) advance() {
	rd.g.limit = rd.cr.InputOffset() + MaxRecordBytes + 4096
}

// line converts a line number of the CSV reader to one of the file.
func (rd *Reader) line(n int) int64 { return int64(n) + rd.in.skipped }

// Next returns the next data row. Rows with a problem come back with Err
// set. Blank rows and repeats of the header line are skipped. At the end
// it returns io.EOF; a *StopError means the rest of the file cannot be read.
func (rd *Reader) Next() (Row, error) {
	for {
		rd.recAt = rd.cr.InputOffset()
		rd.g.discard(rd.recAt)
		rec, err := rd.cr.Read()
		if err == nil {
			rd.positions(rec)
			rd.advance()
			if row, skip := rd.row(rec); !skip {
				return row, nil
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			return Row{}, io.EOF
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && !errors.Is(err, errRecordTooLarge) && pe.Err != nil && (errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote) || errors.Is(pe.Err, csv.ErrFieldCount)) {
			start := rd.line(pe.StartLine)
			rd.lastAt, rd.lastEnd = start, rd.line(pe.Line)
			rd.advance()
			if rd.atEOF() && errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine {
				return rd.record(Row{Line: start, Err: fmt.Sprintf("a quoted field that starts on this line is never closed: lines %d to %d (the end of the file) were read as part of it", start, rd.lastEnd)}), nil
			}
			return rd.record(Row{Line: start, Err: rd.describe(err)}), nil
		}
		if errors.Is(err, errRecordTooLarge) {
			return Row{}, &StopError{Line: rd.lastEnd + 1, Message: fmt.Sprintf(
				"the record after line %d is longer than %d bytes (is a quote never closed?); the rest of the file was not read",
				rd.lastEnd, MaxRecordBytes)}
		}
		return Row{}, &StopError{Line: rd.lastEnd + 1, Message: fmt.Sprintf("reading the file after line %d: %v", rd.lastEnd, err)}
	}
}

// positions notes the lines the record just read starts and ends on.
func (rd *Reader) positions(rec []string) {
	line, _ := rd.cr.FieldPos(0)
	rd.lastAt = rd.line(line)
	last := len(rec) - 1
	line, _ = rd.cr.FieldPos(last)
	rd.lastEnd = rd.line(line) + int64(strings.Count(rec[last], "\n"))
}

// atEOF reports whether the whole input has been consumed.
func (rd *Reader) atEOF() bool {
	_, err := rd.in.r.Peek(1)
	return err != nil && rd.g.n == rd.cr.InputOffset()
}

// describe words a CSV error for a row of the report.
func (rd *Reader) describe(err error) string {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	where := ""
	if pe.Line != pe.StartLine {
		where = fmt.Sprintf(" (the record runs from line %d to line %d)", rd.line(pe.StartLine), rd.line(pe.Line))
	}
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return fmt.Sprintf(`malformed CSV: a quote (") inside a field that is not quoted, at line %d column %d; quote the field and double the quote (""), or import with lazy quotes%s`,
			rd.line(pe.Line), pe.Column, where)
	case errors.Is(pe.Err, csv.ErrQuote):
		return fmt.Sprintf(`malformed CSV: a quote (") in a quoted field is not doubled, or the field is never closed, at line %d column %d%s`,
			rd.line(pe.Line), pe.Column, where)
	default:
		return fmt.Sprintf("malformed CSV at line %d column %d: %v%s", rd.line(pe.Line), pe.Column, pe.Err, where)
	}
}

// row turns a record into a Row. skip is true for a blank row or a repeat
// of the header.
func (rd *Reader) row(rec []string) (r Row, skip bool) {
	start := rd.lastAt
	blank, isHeader := true, len(rec) == len(rd.header)
	for i, v := range rec {
		t := strings.TrimSpace(v)
		if t != "" {
			blank = false
		}
		if isHeader && strings.TrimSpace(fixEncoding(v)) != rd.header[i] {
			isHeader = false
		}
	}
	if blank || isHeader {
		return Row{}, true
	}
	r.Line = start
	if len(rec) < len(rd.header) {
		r.Err = fmt.Sprintf("wrong number of fields: %d, but the header has %d", len(rec), len(rd.header))
		return rd.record(r), false
	}
	for _, v := range rec[len(rd.header):] {
		if strings.TrimSpace(v) != "" {
			r.Err = fmt.Sprintf("wrong number of fields: %d, but the header has %d", len(rec), len(rd.header))
			return rd.record(r), false
		}
	}

	m := &rd.mapping
	for i, col := range m.field {
		rd.vals[i] = ""
		if col >= 0 {
			rd.vals[i] = cellValue(rec[col])
		}
	}
	v := func(f Field) string { return rd.vals[f.index()] }
	if e := v(FieldEmail); e != "" {
		// An RFC 5322 address with a name ("Ann Lee <ann@contoso.com>") is
		// stored as its address, as imports always stored it, so that the
		// row's identity stays the same from one import to the next. Any
		// other value is stored as written: the decoder reads it with the
		// rules of every channel (marketplace.CleanEmail), and keeps or
		// flags what is not an address.
		if addr, err := mail.ParseAddress(e); err == nil {
			rd.vals[FieldEmail.index()] = addr.Address
		}
	}
	first, last, full := v(FieldFirstName), v(FieldLastName), v(FieldFullName)
	if first == "" && last == "" && full != "" {
		first, last = SplitName(full)
		rd.vals[FieldFirstName.index()], rd.vals[FieldLastName.index()] = first, last
		rd.vals[FieldFullName.index()] = ""
	}
	r.Body, r.Key = rd.body(rec)
	return r, false
}

// recordKey is the member that holds a record kept as written.
const recordKey = "_record"

// record sets the body of a row whose fields could not be read as lead
// fields: {"_record": {"header": [...], "text": "..."}, "_import": {...}},
// the record exactly as written (without the line breaks around it). Its identity is
// that of the record and the header.
func (rd *Reader) record(r Row) Row {
	text := strings.Trim(fixEncoding(string(rd.g.text(rd.recAt, rd.cr.InputOffset()))), "\r\n")
	text = strings.ToValidUTF8(text, "\uFFFD")
	b := make([]byte, 0, len(text)+256)
	b = append(b, `{"`+recordKey+`":{"header":[`...)
	for i, h := range rd.header {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, h)
	}
	b = append(b, `],"text":`...)
	b = appendString(b, text)
	b = append(b, '}')
	r.Body, r.Key = rd.finish(b, r.Line)
	return r
}

// cellValue is a cell as stored: trimmed, in UTF-8, and without the ="…"
// wrapper spreadsheets use to keep a number as text.
func cellValue(s string) string {
	s = strings.TrimSpace(fixEncoding(s))
	if len(s) >= 3 && strings.HasPrefix(s, `="`) && strings.HasSuffix(s, `"`) && !strings.Contains(s[2:len(s)-1], `"`) {
		s = strings.TrimSpace(s[2 : len(s)-1])
	}
	return s
}

// jsonKeys are the body's member names, per lead field.
var jsonKeys = [numLeadFields]string{
	"FirstName", "LastName", "Email", "Phone", "Country", "Company", "Title",
	"LeadSource", "ActionCode", "ProductIds", "OfferTitle", "Description", "Created", "FullName",
}

// contactFields is how many of leadFields sit in UserDetails.
const contactFields = 7

// body writes the row's JSON object and its idempotency key.
func (rd *Reader) body(rec []string) ([]byte, string) {
	b := make([]byte, 0, 256)
	b = append(b, '{')
	n := 0
	member := func(key, val string) {
		if n > 0 {
			b = append(b, ',')
		}
		n++
		b = appendString(b, key)
		b = append(b, ':')
		b = appendString(b, val)
	}
	contact := false
	for i := range contactFields {
		if rd.vals[i] != "" {
			contact = true
		}
	}
	if contact {
		b = append(b, `"UserDetails":{`...)
		n = 0
		for i := range contactFields {
			if rd.vals[i] != "" {
				member(jsonKeys[i], rd.vals[i])
			}
		}
		b = append(b, '}')
	}
	n = 0
	if contact {
		n = 1
	}
	for i := contactFields; i < numLeadFields; i++ {
		if rd.vals[i] != "" {
			member(jsonKeys[i], rd.vals[i])
		}
	}
	for _, col := range rd.mapping.extras {
		if val := cellValue(rec[col]); val != "" {
			member(rd.mapping.Columns[col].Key, val)
		}
	}

	return rd.finish(b, rd.lastAt)
}

// finish closes a body whose members are written (b is "{…" without its
// closing brace): its key is the SHA-256 of the body so far, and
// "_import" follows.
func (rd *Reader) finish(b []byte, line int64) ([]byte, string) {
	h := sha256.New()
	h.Write(b)
	h.Write([]byte{'}'})
	key := "import:" + hex.EncodeToString(h.Sum(nil))

	if len(b) > 1 {
		b = append(b, ',')
	}
	b = appendString(b, importKey)
	b = append(b, ':', '{')
	if rd.file != "" {
		b = append(b, `"file":`...)
		b = appendString(b, rd.file)
		b = append(b, ',')
	}
	if rd.id != "" {
		b = append(b, `"id":`...)
		b = appendString(b, rd.id)
		b = append(b, ',')
	}
	b = append(b, `"line":`...)
	b = strconv.AppendInt(b, line, 10)
	b = append(b, '}', '}')
	return b, key
}

// appendString appends s as a JSON string. s is valid UTF-8.
func appendString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c != 0x7f {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// nameSuffixes stay with the last name when a full name is split.
var nameSuffixes = map[string]bool{"jr": true, "sr": true, "ii": true, "iii": true, "iv": true, "phd": true, "md": true, "esq": true}

// SplitName splits a full name: "Last, First" at the comma, otherwise the
// last word is the last name ("Jr.", "III", … go with it) and the rest the
// first name. A single word is a first name.
func SplitName(full string) (first, last string) {
	full = strings.Join(strings.Fields(full), " ")
	if l, f, ok := strings.Cut(full, ","); ok {
		l, f = strings.TrimSpace(l), strings.TrimSpace(f)
		if l != "" && f != "" && !nameSuffixes[suffixKey(f)] {
			return f, l
		}
	}
	words := strings.Fields(full)
	if len(words) <= 1 {
		return full, ""
	}
	cut := len(words) - 1
	for cut > 1 && nameSuffixes[suffixKey(words[cut])] {
		cut--
	}
	return strings.Join(words[:cut], " "), strings.Join(words[cut:], " ")
}

func suffixKey(w string) string {
	return strings.ToLower(strings.Trim(w, ".,"))
}
