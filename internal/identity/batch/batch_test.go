package batch

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/match"
)

func TestReadCSV(t *testing.T) {
	cases := []struct {
		name, in string
		header   []string
		rows     [][]string
	}{
		{"febrl separators and CRLF", "rec_id, given_name, surname\r\nrec-1-org, mitchell, green\r\nrec-1-dup-0, , green\r\n",
			[]string{"rec_id", "given_name", "surname"}, [][]string{{"rec-1-org", "mitchell", "green"}, {"rec-1-dup-0", "", "green"}}},
		{"multi-line quoted field", "id,name\n1,\"Chicago Commons\nSt Lucy\"\n2,x\n",
			[]string{"id", "name"}, [][]string{{"1", "Chicago Commons\nSt Lucy"}, {"2", "x"}}},
		{"byte-order mark and semicolons", "\xef\xbb\xbfid;name\n1;Ana\n",
			[]string{"id", "name"}, [][]string{{"1", "Ana"}}},
		{"ragged rows and blank lines", "a,b,c\n1\n\n2,3,4,5\n",
			[]string{"a", "b", "c"}, [][]string{{"1"}, {"2", "3", "4", "5"}}},
		{"stray quote", "a,b\nx\"y,2\n", []string{"a", "b"}, [][]string{{"x\"y", "2"}}},
		{"tabs", "a\tb\n1\t2\n", []string{"a", "b"}, [][]string{{"1", "2"}}},
	}
	for _, c := range cases {
		h, rows, err := ReadCSV(strings.NewReader(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(h, c.header) || !reflect.DeepEqual(rows, c.rows) {
			t.Errorf("%s: got %q %q, want %q %q", c.name, h, rows, c.header, c.rows)
		}
	}
	if _, _, err := ReadCSV(strings.NewReader("")); err == nil {
		t.Error("an empty file should be an error")
	}
}

func TestRecogniseKind(t *testing.T) {
	cases := map[string]match.Kind{
		"given_name": match.FirstName, "First Name": match.FirstName, "surname": match.LastName,
		"Date of Birth": match.Date, "dob": match.Date, "postcode": match.Postcode, "ZIP": match.Postcode,
		"address_1": match.Address, "street": match.Address, "suburb": match.City, "soc_sec_id": match.IDNumber,
		"SSN": match.IDNumber, "E-mail": match.Email, "phone": match.Phone, "Organisation": match.Company,
		"company": match.Company, "Country": match.Country, "Job Title": match.Title,
	}
	for h, want := range cases {
		if got, ok := RecogniseKind(h); !ok || got != want {
			t.Errorf("RecogniseKind(%q) = %q, %v; want %q", h, got, ok, want)
		}
	}
	for _, h := range []string{"cluster", "unique_id", "notes", "created"} {
		if k, ok := RecogniseKind(h); ok {
			t.Errorf("RecogniseKind(%q) = %q, want none", h, k)
		}
	}
}

func TestParseMapAndSchema(t *testing.T) {
	m, err := ParseMap("Site name=company, Zip=postcode,,Phone=phone")
	if err != nil || len(m) != 3 || m[0] != (Mapping{"Site name", match.Company}) {
		t.Fatalf("ParseMap = %v, %v", m, err)
	}
	for _, bad := range []string{"x", "=email", "a=nonsense"} {
		if _, err := ParseMap(bad); err == nil {
			t.Errorf("ParseMap(%q) should fail", bad)
		}
	}
	tb := &Table{Name: "t", Header: []string{"id", "first_name", "surname", "Site name", "cluster"}}
	s, err := Schema([]*Table{tb}, "id", nil)
	if err != nil || len(s) != 2 || s[0].Kind != match.FirstName || s[1].Kind != match.LastName {
		t.Errorf("recognised schema = %v, %v", s, err)
	}
	s, err = Schema([]*Table{tb}, "id", m[:1])
	if err != nil || len(s) != 1 || s[0].Name != "Site name" {
		t.Errorf("mapped schema = %v, %v", s, err)
	}
	if _, err := Schema([]*Table{tb}, "id", m); err == nil {
		t.Error("a mapped column that is missing should be an error")
	}
}

func TestRecords(t *testing.T) {
	a := &Table{Name: "a", Header: []string{"id", "name"}, Rows: [][]string{{"1", "x"}, {"2"}}}
	b := &Table{Name: "b", Header: []string{"name", "ID"}, Rows: [][]string{{"y", "1"}}}
	s := match.Schema{{Name: "name", Kind: match.FullName}}
	recs, err := Records([]*Table{a, b}, "id", s)
	if err != nil {
		t.Fatal(err)
	}
	want := []match.Record{{ID: "1", Values: []string{"x"}}, {ID: "2", Values: []string{""}}, {ID: "1", Source: 1, Values: []string{"y"}}}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("Records = %+v", recs)
	}
	dup := &Table{Name: "d", Header: []string{"id", "name"}, Rows: [][]string{{"1", "x"}, {"1", "y"}}}
	if _, err := Records([]*Table{dup}, "id", s); err == nil {
		t.Error("a repeated id should be an error")
	}
}

func TestEvaluate(t *testing.T) {
	truth := map[string]string{"a": "1", "b": "1", "c": "1", "d": "2", "e": "3"}
	perfect := Evaluate(map[string]string{"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"}, truth)
	if perfect.F1 != 1 || perfect.BCubedF1 != 1 || perfect.TruePairs != 3 {
		t.Errorf("perfect = %+v", perfect)
	}
	singles := Evaluate(map[string]string{"a": "a", "b": "b", "c": "c", "d": "d", "e": "e"}, truth)
	if singles.Recall != 0 || singles.Precision != 1 || singles.F1 != 0 {
		t.Errorf("singletons = %+v", singles)
	}
	// {a,b} {c,d} {e}: predicted pairs ab, cd; correct ab.
	m := Evaluate(map[string]string{"a": "1", "b": "1", "c": "2", "d": "2", "e": "3"}, truth)
	if m.PredictedPairs != 2 || m.CorrectPairs != 1 || m.Precision != 0.5 || math.Abs(m.Recall-1.0/3) > 1e-12 {
		t.Errorf("mixed = %+v", m)
	}
	// B³ precision: a,b: 1; c,d: 1/2; e: 1 → 4/5.
	if math.Abs(m.BCubedPrecision-0.8) > 1e-12 {
		t.Errorf("B³ precision = %v", m.BCubedPrecision)
	}
}

func TestTruthFromIDs(t *testing.T) {
	tr, err := TruthFromIDs([]string{"rec-12-org", "rec-12-dup-0", "other"}, `^rec-(\d+)-`)
	if err != nil || tr["rec-12-org"] != "12" || tr["rec-12-dup-0"] != "12" || len(tr) != 2 {
		t.Errorf("TruthFromIDs = %v, %v", tr, err)
	}
	if _, err := TruthFromIDs(nil, `rec`); err == nil {
		t.Error("a pattern without a group should be an error")
	}
}

// FuzzReadCSV: any input is read or rejected with an error, never a
// panic, and every field comes back trimmed.
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"rec_id, given_name\r\nrec-1-org, ann\r\n",
		"id,name\n1,\"multi\nline\"\n",
		"\xef\xbb\xbfa;b\n1;2\n",
		"a,b\n\"unterminated\n",
		"",
		"a\n\"\"\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, rows, err := ReadCSV(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, r := range append([][]string{h}, rows...) {
			for _, c := range r {
				if strings.TrimSpace(c) != c {
					t.Fatalf("untrimmed field %q", c)
				}
			}
		}
	})
}
