package csvimport

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// readAll returns every row of a file.
func readAll(t *testing.T, data []byte, opt Options) (*Reader, []Row, error) {
	t.Helper()
	rd, err := NewReader(bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []Row
	for {
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rd, rows, nil
		}
		if err != nil {
			return rd, rows, err
		}
		rows = append(rows, row)
	}
}

// readFixture returns every row of testdata/name, failing on an error.
func readFixture(t *testing.T, name string, opt Options) (*Reader, []Row) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	rd, rows, err := readAll(t, data, opt)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return rd, rows
}

func decodeRow(t *testing.T, row Row) *lead.Parsed {
	t.Helper()
	if row.Err != "" {
		t.Fatalf("line %d: %s", row.Line, row.Err)
	}
	p, err := ingest.Decode(lead.ChannelImport, row.Body)
	if err != nil {
		t.Fatalf("line %d: decode %s: %v", row.Line, row.Body, err)
	}
	return p
}

func TestMessyFile(t *testing.T) {
	_, rows := readFixture(t, "messy.csv", Options{Filename: "messy.csv"})
	type want struct {
		line int64
		err  string // substring; "" for a good row
	}
	wants := []want{
		{2, ""},
		{3, ""}, // an email that is not an address: a lead, flagged by the decoder
		{4, ""}, // no contact details: refused by the import channel's parser
		{5, ""},
		{6, `a quote (") inside a field that is not quoted, at line 6 column 47`},
		{7, "wrong number of fields: 7, but the header has 5"},
		{8, "wrong number of fields: 4, but the header has 5"},
		{12, ""}, // a repeat of line 2
		{13, ""}, // a quoted field on two lines
		{15, `a quote (") in a quoted field is not doubled`},
		{16, ""},
	}
	if len(rows) != len(wants) {
		for _, r := range rows {
			t.Logf("line %d: %q %s", r.Line, r.Err, r.Body)
		}
		t.Fatalf("%d rows, want %d", len(rows), len(wants))
	}
	for i, w := range wants {
		r := rows[i]
		if r.Line != w.line {
			t.Errorf("row %d: line %d, want %d", i, r.Line, w.line)
		}
		if w.err == "" && r.Err != "" || w.err != "" && !strings.Contains(r.Err, w.err) {
			t.Errorf("line %d: error %q, want %q", r.Line, r.Err, w.err)
		}
		if r.Body == nil || r.Key == "" {
			t.Errorf("line %d: error %q with body %q and key %q", r.Line, r.Err, r.Body, r.Key)
		}
	}
	if rows[0].Key != rows[7].Key {
		t.Error("a repeated row has another key")
	}
	if bytes.Equal(rows[0].Body, rows[7].Body) {
		t.Error("a repeated row has the same body: its line should differ")
	}
	p := decodeRow(t, rows[1])
	if p.Contact.Email != "" || p.Contact.FirstName != "Bob" || len(p.Notes) != 1 || !strings.Contains(p.Notes[0], `email "not-an-email" is not an email address`) {
		t.Errorf("line 3: %+v", p)
	}
	var rec struct {
		Record struct {
			Header []string `json:"header"`
			Text   string   `json:"text"`
		} `json:"_record"`
	}
	// Each malformed record is kept exactly as its line in the file.
	data, err := os.ReadFile(filepath.Join("testdata", "messy.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, i := range []int{4, 5, 6, 9} {
		rec.Record.Text, rec.Record.Header = "", nil
		if err := json.Unmarshal(rows[i].Body, &rec); err != nil || rec.Record.Text != lines[rows[i].Line-1] || len(rec.Record.Header) != 5 {
			t.Errorf("line %d kept as %s (%v), want the text %q", rows[i].Line, rows[i].Body, err, lines[rows[i].Line-1])
		}
	}
	if _, err := ingest.Decode(lead.ChannelImport, rows[2].Body); err == nil || !strings.Contains(err.Error(), "no contact details") {
		t.Errorf("line 4 (no contact details) decodes: %v", err)
	}
	p = decodeRow(t, rows[3])
	if p.Description != `She said "call me" later` || p.Contact.FirstName != "Carla" || p.Contact.LastName != "Diaz" {
		t.Errorf("line 5: %+v", p)
	}
	if p := decodeRow(t, rows[8]); p.Description != "a note\non two lines" {
		t.Errorf("line 13: description %q", p.Description)
	}
	if p := decodeRow(t, rows[10]); p.Contact.Email != "ivy@relecloud.example" {
		t.Errorf("line 16: email %q", p.Contact.Email)
	}
	var imp struct {
		File string `json:"file"`
		Line int64  `json:"line"`
	}
	if err := json.Unmarshal(decodeRow(t, rows[8]).Extra[importKey], &imp); err != nil || imp.File != "messy.csv" || imp.Line != 13 {
		t.Errorf("_import of line 13: %+v %v", imp, err)
	}

	// With lazy quotes, the quote problems become literal quotes.
	_, rows = readFixture(t, "messy.csv", Options{LazyQuotes: true})
	for _, r := range rows {
		switch r.Line {
		case 6:
			if p := decodeRow(t, r); p.Description != `wants a 27" monitor` {
				t.Errorf("lazy line 6: %q", p.Description)
			}
		case 15:
			if p := decodeRow(t, r); p.Contact.Company != `Proseware "Labs" Inc` {
				t.Errorf("lazy line 15: %q", p.Contact.Company)
			}
		}
	}
}

func TestPartnerCenterExport(t *testing.T) {
	rd, rows := readFixture(t, "partner-center.csv", Options{Filename: "partner-center.csv"})
	want := []Field{FieldExtra, FieldCompany, FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldTitle, FieldCountry,
		FieldOffer, FieldOfferTitle, FieldLeadSource, FieldAction, FieldExtra, FieldCreated, FieldDescription}
	if got := fieldsOf(rd.Mapping()); !slices.Equal(got, want) {
		t.Fatalf("mapping %v\nwant %v", got, want)
	}
	if len(rows) != 6 {
		t.Fatalf("%d rows", len(rows))
	}
	p := decodeRow(t, rows[0])
	if p.Contact != (lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com", Phone: "16175555555",
		Country: "United States", Company: "Contoso Ltd", Title: "Esquire"}) {
		t.Errorf("contact %+v", p.Contact)
	}
	if p.Source != "AppSource (SPZA)" || p.Action != "PLT" || p.Stage != lead.StageInterest ||
		p.Offer != (lead.Offer{PublisherID: "contoso", OfferID: "crm-connector", Title: "Contoso CRM Connector"}) {
		t.Errorf("lead %+v", p)
	}
	if string(p.Extra["Lead ID"]) != `"5f1c2a7e-0001"` || string(p.Extra["Status"]) != `"New"` || string(p.Extra["Created"]) != `"2025-03-02T10:15:00Z"` {
		t.Errorf("extra %v", p.Extra)
	}
	if p := decodeRow(t, rows[2]); p.Stage != lead.StageActive || p.Description != "Needs a quote for 200 seats.\nCall after 5pm JST." || rows[2].Line != 4 {
		t.Errorf("row 3 (line %d): %+v", rows[2].Line, p)
	}
	if p := decodeRow(t, rows[3]); p.DescriptionParams["mktcmpid"] != "spring-campaign" || p.Stage != lead.StageTrial || rows[3].Line != 6 {
		t.Errorf("row 4 (line %d): %+v", rows[3].Line, p)
	}
	if p := decodeRow(t, rows[4]); !p.IsTest || p.Stage != lead.StageTest {
		t.Errorf("the test lead: %+v", p)
	}
	if p := decodeRow(t, rows[5]); p.Stage != lead.StageNotifyOnly || p.Offer.Title != "Contoso CRM Connector" {
		t.Errorf("DNC row: %+v", p)
	}
}

func TestCRMExportSemicolonBOM(t *testing.T) {
	rd, rows := readFixture(t, "crm-semicolon-bom.csv", Options{})
	if rd.Header()[0] != "Full Name" {
		t.Errorf("header[0] = %q: the BOM was not removed", rd.Header()[0])
	}
	if !strings.HasPrefix(rd.Format(), "semicolon") {
		t.Errorf("format %q", rd.Format())
	}
	warns := strings.Join(rd.Warnings(), "\n")
	for _, w := range []string{`"Mobile Phone" also looks like phone`, `"Status Reason" is kept`, `"Owner" is kept`} {
		if !strings.Contains(warns, w) {
			t.Errorf("warnings lack %q:\n%s", w, warns)
		}
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows", len(rows))
	}
	p := decodeRow(t, rows[0])
	if p.Contact.FirstName != "Jürgen" || p.Contact.Company != "Litware GmbH" || p.Description != "Rückruf erwünscht; bitte vormittags" {
		t.Errorf("row 1: %+v", p.Contact)
	}
	if string(p.Extra["FullName"]) != `"Jürgen Müller"` || string(p.Extra["Mobile Phone"]) != `"+49 170 5555 0100"` {
		t.Errorf("row 1 extra: %v", p.Extra)
	}
	// A row with a company and a phone only is a lead.
	if p := decodeRow(t, rows[1]); p.Contact.FirstName != "Lars" || p.Contact.LastName != "Nilsson" || p.Contact.Phone != "+46 8 5555 0100" {
		t.Errorf("row 2: the full name was not split: %+v", p.Contact)
	}
	if p := decodeRow(t, rows[3]); p.Contact.FirstName != "Ola" || p.Contact.LastName != "Nordmann" {
		t.Errorf("row 4: %+v", p.Contact)
	}
}

func TestFormats(t *testing.T) {
	const want = "Ann|Lee|ann@fabrikam.example"
	utf16le := func(s string, big bool) []byte {
		var b []byte
		if big {
			b = []byte{0xFE, 0xFF}
		} else {
			b = []byte{0xFF, 0xFE}
		}
		for _, u := range utf16.Encode([]rune(s)) {
			if big {
				b = append(b, byte(u>>8), byte(u))
			} else {
				b = append(b, byte(u), byte(u>>8))
			}
		}
		return b
	}
	for name, tc := range map[string]struct {
		data   []byte
		format string
		line   int64
		first  string
	}{
		"comma LF":       {[]byte("First Name,Last Name,Email\nAnn,Lee,ann@fabrikam.example\n"), "comma-delimited", 2, "Ann"},
		"CRLF no ending": {[]byte("First Name,Last Name,Email\r\nAnn,Lee,ann@fabrikam.example"), "comma-delimited", 2, "Ann"},
		"semicolon BOM":  {[]byte("\xEF\xBB\xBFFirst Name;Last Name;Email\r\nAnn;Lee;ann@fabrikam.example\r\n"), "semicolon-delimited", 2, "Ann"},
		"tab":            {[]byte("First Name\tLast Name\tEmail\nAnn\tLee\tann@fabrikam.example\n"), "tab-delimited", 2, "Ann"},
		"pipe":           {[]byte("First Name|Last Name|Email\nAnn|Lee|ann@fabrikam.example\n"), "vertical bar-delimited", 2, "Ann"},
		"quoted commas in a semicolon header": {[]byte("\"First, Name\";Last Name;Email\nAnn;Lee;ann@fabrikam.example\n"),
			"semicolon-delimited", 2, "Ann"},
		"sep line": {[]byte("sep=;\r\nFirst Name;Last Name;Email\r\n\"Ann\";Lee;ann@fabrikam.example\r\n"), `semicolon-delimited, "sep=" line`, 3, "Ann"},
		"UTF-16LE tab": {utf16le("First Name\tLast Name\tEmail\r\nÄnn 😀\tLee\tann@fabrikam.example\r\n", false),
			"tab-delimited, UTF-16 text, read as UTF-8", 2, "Änn 😀"},
		"UTF-16BE":     {utf16le("First Name,Last Name,Email\nAnn,Lee,ann@fabrikam.example\n", true), "comma-delimited, UTF-16 text, read as UTF-8", 2, "Ann"},
		"CR only":      {[]byte("First Name,Last Name,Email\rAnn,Lee,ann@fabrikam.example\r"), "comma-delimited, lines end with CR only", 2, "Ann"},
		"Windows-1252": {[]byte("First Name,Last Name,Email\nJ\xfcrgen \x80,Lee,ann@fabrikam.example\n"), "comma-delimited", 2, "Jürgen €"},
		"Excel text":   {[]byte("First Name,Last Name,Email\n\"=\"\"Ann\"\"\",Lee,ann@fabrikam.example\n"), "comma-delimited", 2, "Ann"},
	} {
		t.Run(name, func(t *testing.T) {
			rd, rows, err := readAll(t, tc.data, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rd.Format() != tc.format {
				t.Errorf("format %q, want %q", rd.Format(), tc.format)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			p := decodeRow(t, rows[0])
			if got := p.Contact.FirstName + "|" + p.Contact.LastName + "|" + p.Contact.Email; got != strings.Replace(want, "Ann", tc.first, 1) {
				t.Errorf("got %q", got)
			}
			if rows[0].Line != tc.line {
				t.Errorf("line %d, want %d", rows[0].Line, tc.line)
			}
		})
	}
}

// TestIdentity checks what the idempotency key depends on: the content of
// the row, not its line, the file, the column order or a header spelling.
func TestIdentity(t *testing.T) {
	key := func(data string, opt Options) string {
		t.Helper()
		_, rows, err := readAll(t, []byte(data), opt)
		if err != nil || len(rows) != 1 || rows[0].Err != "" {
			t.Fatalf("%q: %v %+v", data, err, rows)
		}
		return rows[0].Key
	}
	base := key("First Name,Last Name,Email,Status\nAnn,Lee,ann@x.example,New\n", Options{Filename: "a.csv", ID: "1"})
	for name, data := range map[string]string{
		"other line":      "First Name,Last Name,Email,Status\n\n\nAnn,Lee,ann@x.example,New\n",
		"other order":     "Status,Email,Last Name,First Name\nNew,ann@x.example,Lee,Ann\n",
		"other spelling":  "given name;surname;E-mail address;Status\r\n Ann ;Lee;ann@x.example;New\r\n",
		"full name":       "Name,Email,Status\nAnn Lee,ann@x.example,New\n",
		"an empty column": "First Name,Last Name,Email,Status,Zip\nAnn,Lee,ann@x.example,New,\n",
	} {
		if k := key(data, Options{Filename: "b.csv", ID: "2"}); k != base {
			t.Errorf("%s: another key", name)
		}
	}
	for name, data := range map[string]string{
		"other status": "First Name,Last Name,Email,Status\nAnn,Lee,ann@x.example,Won\n",
		"other email":  "First Name,Last Name,Email,Status\nAnn,Lee,ann2@x.example,New\n",
		"more":         "First Name,Last Name,Email,Status,Zip\nAnn,Lee,ann@x.example,New,1000\n",
	} {
		if k := key(data, Options{}); k == base {
			t.Errorf("%s: the same key", name)
		}
	}
	if !strings.HasPrefix(base, "import:") || len(base) != len("import:")+64 {
		t.Errorf("key %q", base)
	}
}

func TestUnclosedQuote(t *testing.T) {
	data := "Email,Notes\na@x.example,ok\nb@x.example,\"never closed\nc@x.example,swallowed\nd@x.example,swallowed too\n"
	_, rows, err := readAll(t, []byte(data), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1].Line != 3 || !strings.Contains(rows[1].Err, "never closed: lines 3 to 5") {
		t.Fatalf("rows %+v", rows)
	}

	// A runaway record stops the file instead of filling the memory.
	big := "Email,Notes\na@x.example,ok\nb@x.example,\"" + strings.Repeat("x", 2*MaxRecordBytes) + "\nc@x.example,after\n"
	_, rows, err = readAll(t, []byte(big), Options{})
	var se *StopError
	if !errors.As(err, &se) || se.Line != 3 || !strings.Contains(se.Message, "longer than") || len(rows) != 1 {
		t.Fatalf("got %v, %d rows", err, len(rows))
	}
	// A long line without quotes is stopped too.
	big = "Email,Notes\n" + strings.Repeat("y", 3*MaxRecordBytes) + "\n"
	if _, _, err = readAll(t, []byte(big), Options{}); !errors.As(err, &se) || se.Line != 2 {
		t.Fatalf("long line: %v", err)
	}
}

func TestHeaderErrors(t *testing.T) {
	for name, tc := range map[string]struct{ data, want string }{
		"empty":       {"", "the file is empty"},
		"only a BOM":  {"\xEF\xBB\xBF\r\n\r\n", "the file is empty"},
		"bad header":  {"Email,\"Na\"me\n", "header line cannot be read"},
		"no contact":  {"Lead ID,Status\n1,New\n", "no column holds contact details"},
		"wrong delim": {"Email:Name\nann@x.example:Ann\n", "no column holds contact details"},
	} {
		_, err := NewReader(strings.NewReader(tc.data), Options{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}
