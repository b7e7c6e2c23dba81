package csvimport

import (
	"reflect"
	"strings"
	"testing"
)

func TestPreview(t *testing.T) {
	in := "First Name;Last Name;Email;Offer ID;Lead Status;Favourite Colour\n" +
		"Ann;Lee;ann@contoso.com;contoso.crm;New;blue\n" +
		"\n" +
		"First Name;Last Name;Email;Offer ID;Lead Status;Favourite Colour\n" +
		"Bob;Ray;bob@fabrikam.com;contoso.crm;Open;" + strings.Repeat("x", 300) + "\n" +
		"Cy;Doe;cy@fabrikam.com;contoso.crm;Open\n" +
		"Dee;Fox;dee@fabrikam.com;contoso.crm;Open;red\n"
	p, err := NewPreview(strings.NewReader(in), Options{}, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.Format, "semicolon") {
		t.Errorf("format %q", p.Format)
	}
	var fields []Field
	for _, c := range p.Columns {
		fields = append(fields, c.Field)
	}
	if want := []Field{FieldFirstName, FieldLastName, FieldEmail, FieldOffer, FieldExtra, FieldExtra}; !reflect.DeepEqual(fields, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if want := []string{"Lead Status", "Favourite Colour"}; !reflect.DeepEqual(p.Unmapped, want) {
		t.Errorf("unmapped %q", p.Unmapped)
	}
	if want := []Field{FieldCompany, FieldCountry, FieldCreated}; !reflect.DeepEqual(p.Missing, want) {
		t.Errorf("missing %v", p.Missing)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "Lead Status") {
		t.Errorf("warnings %q", p.Warnings)
	}
	if len(p.Rows) != 3 || p.Rows[0][0] != "Ann" || p.Rows[1][0] != "Bob" || p.Rows[2][0] != "Cy" || p.Rows[2][5] != "" {
		t.Fatalf("rows %q", p.Rows)
	}
	if n := len([]rune(p.Rows[1][5])); n != PreviewCellLen+1 || !strings.HasSuffix(p.Rows[1][5], "…") {
		t.Errorf("a long cell has %d characters", n)
	}

	if _, err := NewPreview(strings.NewReader("Colour,Size\nblue,4\n"), Options{}, 3); err == nil || !strings.Contains(err.Error(), "contact details") {
		t.Errorf("no contact details: %v", err)
	}
	if p, err := NewPreview(strings.NewReader("Colour,Size\nblue,4\n"), Options{Map: map[string]string{"Colour": "email"}}, 3); err != nil || len(p.Rows) != 1 {
		t.Errorf("with a map: %+v %v", p, err)
	}
	p, err = NewPreview(strings.NewReader("Email,Name\na@b.c,\"Ann\" Lee\nb@c.d,Bob\n"), Options{}, 3)
	if err != nil || len(p.Rows) != 0 || len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "cannot be read") {
		t.Errorf("a malformed row: %+v %v", p, err)
	}
}
