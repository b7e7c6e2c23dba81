package csvimport

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// FuzzImport feeds arbitrary files and overrides to the header detection
// and the row mapping. The seed corpus is in testdata/fuzz/FuzzImport.
func FuzzImport(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, mapSpec string, lazy bool) {
		over, err := ParseMap(mapSpec)
		if err != nil {
			over = nil
		}
		opt := Options{Filename: "f.csv", ID: "01FUZZ", Map: over, LazyQuotes: lazy}
		rd, err := NewReader(bytes.NewReader(data), opt)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		checkMapping(t, rd)
		rows := readRows(t, rd, len(data))

		// Reading is deterministic.
		rd2, err := NewReader(bytes.NewReader(data), opt)
		if err != nil {
			t.Fatalf("second read: %v", err)
		}
		rows2 := readRows(t, rd2, len(data))
		if len(rows) != len(rows2) {
			t.Fatalf("%d rows, then %d", len(rows), len(rows2))
		}
		for i := range rows {
			if rows[i].Key != rows2[i].Key || rows[i].Err != rows2[i].Err || !bytes.Equal(rows[i].Body, rows2[i].Body) {
				t.Fatalf("row %d differs between two reads", i)
			}
		}
	})
}

func checkMapping(t *testing.T, rd *Reader) {
	m := rd.Mapping()
	if len(m.Columns) != len(rd.Header()) {
		t.Fatalf("%d columns for %d headers", len(m.Columns), len(rd.Header()))
	}
	claimed := map[Field]bool{}
	keys := map[string]bool{}
	for _, c := range m.Columns {
		if !validField(c.Field) {
			t.Fatalf("column %d: field %q", c.Index, c.Field)
		}
		if c.Field.index() >= 0 {
			if claimed[c.Field] {
				t.Fatalf("field %s claimed twice", c.Field)
			}
			claimed[c.Field] = true
		}
		if (c.Field == FieldExtra) != (c.Key != "") {
			t.Fatalf("column %d: field %s with key %q", c.Index, c.Field, c.Key)
		}
		if c.Key != "" {
			if keys[c.Key] || reserved[decoderName(c.Key)] {
				t.Fatalf("key %q is taken or reserved", c.Key)
			}
			keys[c.Key] = true
		}
	}
}

func readRows(t *testing.T, rd *Reader, size int) []Row {
	var rows []Row
	last := int64(1)
	for n := 0; ; n++ {
		if n > size+1 {
			t.Fatalf("more rows than bytes")
		}
		row, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			var se *StopError
			if !errors.As(err, &se) || se.Message == "" {
				t.Fatalf("error %T %v", err, err)
			}
			return rows
		}
		if row.Line <= last {
			t.Fatalf("row at line %d after line %d", row.Line, last)
		}
		last = row.Line
		rows = append(rows, row)
		if !utf8.ValidString(row.Err) {
			t.Fatalf("line %d: error %q is not UTF-8", row.Line, row.Err)
		}
		checkRow(t, row)
	}
}

func checkRow(t *testing.T, row Row) {
	if !json.Valid(row.Body) || !utf8.Valid(row.Body) {
		t.Fatalf("line %d: body is not valid UTF-8 JSON: %q", row.Line, row.Body)
	}
	// The key is the hash of the body without its "_import" member.
	i := bytes.LastIndex(row.Body, []byte(`"_import":`))
	if i < 1 {
		t.Fatalf("line %d: no _import in %s", row.Line, row.Body)
	}
	canon := append(bytes.TrimSuffix(append([]byte{}, row.Body[:i]...), []byte(",")), '}')
	sum := sha256.Sum256(canon)
	if row.Key != "import:"+hex.EncodeToString(sum[:]) {
		t.Fatalf("line %d: key is not the hash of %s", row.Line, canon)
	}
	if !strings.HasSuffix(string(row.Body), `"line":`+strconv.FormatInt(row.Line, 10)+"}}") {
		t.Fatalf("line %d: body ends %s", row.Line, row.Body)
	}
	if row.Err != "" {
		// Kept in quarantine: the row as mapped, or the record as written.
		return
	}
	p, err := ingest.Decode(lead.ChannelImport, row.Body)
	if errors.Is(err, marketplace.ErrNoContact) {
		// Its only contact detail is an email that holds no address: the
		// inbox keeps it in quarantine.
		return
	}
	if err != nil {
		t.Fatalf("line %d: decode: %v", row.Line, err)
	}
	c := p.Contact
	if c.FirstName == "" && c.LastName == "" && c.Email == "" && c.Phone == "" && c.Company == "" {
		t.Fatalf("line %d: a lead without contact details: %s", row.Line, row.Body)
	}
	if c.Email != "" {
		if e := marketplace.CleanEmail(c.Email); e.Address != c.Email || len(e.Fixes) > 0 {
			t.Fatalf("line %d: email %q is not an address as it stands: %+v", row.Line, c.Email, e)
		}
	}
	if _, ok := p.Extra[importKey]; !ok {
		t.Fatalf("line %d: the decoder lost _import", row.Line)
	}
}
