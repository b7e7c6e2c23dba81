// Package batch reads record files for the matching engine and evaluates
// its output against a ground truth: CSV reading that copes with real
// exports, recognition of columns by their header names, the COLUMN=KIND
// map, and pairwise and B-cubed precision and recall.
package batch

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/leadhub/leadhub/internal/identity/match"
)

// Table is a CSV file read into memory.
type Table struct {
	Name   string
	Header []string
	Rows   [][]string
}

// ReadCSV reads a CSV table: the first row is the header. It accepts a
// UTF-8 byte-order mark, CRLF or LF line endings, quoted fields spanning
// lines, spaces after the separator (", " as in FEBRL's files), a
// semicolon or tab separator (detected from the header), stray quotes
// inside unquoted fields, and rows shorter or longer than the header.
// Every field is trimmed.
func ReadCSV(r io.Reader) (header []string, rows [][]string, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	line, _ := br.Peek(4096)
	if i := bytes.IndexAny(line, "\r\n"); i >= 0 {
		line = line[:i]
	}
	sep := detectSeparator(string(line))
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if header == nil {
			header = rec
			continue
		}
		if len(rec) == 1 && rec[0] == "" {
			continue // blank line
		}
		rows = append(rows, rec)
	}
	if header == nil {
		return nil, nil, fmt.Errorf("empty file: no header")
	}
	return header, rows, nil
}

// detectSeparator picks the separator that splits the header line into
// the most fields outside quotes.
func detectSeparator(line string) rune {
	best, bestN := ',', 0
	for _, sep := range []rune{',', ';', '\t', '|'} {
		n, quoted := 0, false
		for _, r := range line {
			switch {
			case r == '"':
				quoted = !quoted
			case r == sep && !quoted:
				n++
			}
		}
		if n > bestN {
			best, bestN = sep, n
		}
	}
	return best
}

// ReadFile reads a CSV file.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h, rows, err := ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &Table{Name: path, Header: h, Rows: rows}, nil
}

// headerKinds recognises columns by name (after Canon).
var headerKinds = map[string]match.Kind{
	"first_name": match.FirstName, "firstname": match.FirstName, "given_name": match.FirstName,
	"givenname": match.FirstName, "forename": match.FirstName, "first": match.FirstName,
	"fname": match.FirstName, "nombre": match.FirstName, "vorname": match.FirstName, "prenom": match.FirstName,
	"last_name": match.LastName, "lastname": match.LastName, "surname": match.LastName,
	"family_name": match.LastName, "familyname": match.LastName, "last": match.LastName,
	"lname": match.LastName, "apellido": match.LastName, "apellidos": match.LastName,
	"nachname": match.LastName, "sobrenome": match.LastName, "nom": match.LastName,
	"name": match.FullName, "full_name": match.FullName, "fullname": match.FullName,
	"contact_name": match.FullName, "person_name": match.FullName,
	"email": match.Email, "e_mail": match.Email, "email_address": match.Email, "mail": match.Email,
	"emailaddress": match.Email, "correo": match.Email,
	"phone": match.Phone, "phone_number": match.Phone, "telephone": match.Phone, "tel": match.Phone,
	"mobile": match.Phone, "cell": match.Phone, "phonenumber": match.Phone, "telefono": match.Phone,
	"telefon": match.Phone, "business_phone": match.Phone,
	"company": match.Company, "company_name": match.Company, "organisation": match.Company,
	"organization": match.Company, "organisation_name": match.Company, "organization_name": match.Company,
	"employer": match.Company, "account_name": match.Company, "firma": match.Company,
	"empresa": match.Company, "business_name": match.Company,
	"country": match.Country, "country_name": match.Country, "country_code": match.Country,
	"pais": match.Country, "land": match.Country,
	"title": match.Title, "job_title": match.Title, "jobtitle": match.Title, "position": match.Title,
	"role": match.Title,
	"dob":  match.Date, "date_of_birth": match.Date, "birth_date": match.Date, "birthdate": match.Date,
	"birthday": match.Date,
	"address":  match.Address, "address_1": match.Address, "address_2": match.Address,
	"address1": match.Address, "address2": match.Address, "address_line_1": match.Address,
	"address_line_2": match.Address, "street": match.Address, "street_address": match.Address,
	"street_number": match.IDNumber, "house_number": match.IDNumber,
	"city": match.City, "suburb": match.City, "town": match.City, "locality": match.City,
	"ciudad": match.City, "stadt": match.City, "ville": match.City,
	"postcode": match.Postcode, "post_code": match.Postcode, "zip": match.Postcode,
	"zipcode": match.Postcode, "zip_code": match.Postcode, "postal_code": match.Postcode,
	"plz": match.Postcode, "cep": match.Postcode,
	"soc_sec_id": match.IDNumber, "ssn": match.IDNumber, "social_security_number": match.IDNumber,
	"national_id": match.IDNumber, "nin": match.IDNumber, "tax_id": match.IDNumber, "vat": match.IDNumber,
	"vat_number": match.IDNumber, "cpf": match.IDNumber, "cnpj": match.IDNumber,
	"state": match.Exact, "region": match.Exact, "province": match.Exact, "gender": match.Exact,
	"sex": match.Exact,
}

// Canon is the form header names are recognised in: lower-case, with
// spaces, dashes and dots as underscores ("Date of Birth" → "date_of_birth").
func Canon(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	var b strings.Builder
	us := false
	for _, r := range h {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if us && b.Len() > 0 {
				b.WriteByte('_')
			}
			us = false
			b.WriteRune(r)
		} else {
			us = true
		}
	}
	return b.String()
}

// RecogniseKind returns the kind of a column from its header name.
func RecogniseKind(header string) (match.Kind, bool) {
	k, ok := headerKinds[Canon(header)]
	return k, ok
}

// Mapping assigns a kind to a column.
type Mapping struct {
	Column string
	Kind   match.Kind
}

// ParseMap reads "COLUMN=KIND,COLUMN=KIND". Column names may contain
// spaces; they are matched against headers case-insensitively.
func ParseMap(spec string) ([]Mapping, error) {
	var out []Mapping
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		col, kind, ok := strings.Cut(part, "=")
		if !ok || strings.TrimSpace(col) == "" {
			return nil, fmt.Errorf("%q: want COLUMN=KIND", part)
		}
		k, err := match.ParseKind(kind)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", part, err)
		}
		out = append(out, Mapping{Column: strings.TrimSpace(col), Kind: k})
	}
	return out, nil
}

// Schema decides the schema for a set of tables: the explicit map when
// given, else every column whose header is recognised (the id column
// excluded). Every mapped column must exist in every table.
func Schema(tables []*Table, idColumn string, maps []Mapping) (match.Schema, error) {
	if len(tables) == 0 {
		return nil, fmt.Errorf("no input")
	}
	var s match.Schema
	if len(maps) > 0 {
		for _, m := range maps {
			s = append(s, match.Field{Name: m.Column, Kind: m.Kind})
		}
	} else {
		for _, h := range tables[0].Header {
			if strings.EqualFold(h, idColumn) {
				continue
			}
			if k, ok := RecogniseKind(h); ok {
				s = append(s, match.Field{Name: h, Kind: k})
			}
		}
		if len(s) == 0 {
			return nil, fmt.Errorf("%s: no column recognised; name the columns to compare with --map COLUMN=KIND,…", tables[0].Name)
		}
	}
	for _, t := range tables {
		for _, f := range s {
			if column(t.Header, f.Name) < 0 {
				return nil, fmt.Errorf("%s: no column %q (columns: %s)", t.Name, f.Name, strings.Join(t.Header, ", "))
			}
		}
	}
	return s, s.Validate()
}

func column(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	for i, h := range header {
		if strings.EqualFold(h, name) || Canon(h) == Canon(name) {
			return i
		}
	}
	return -1
}

// Records turns tables into records for schema s, each table a source.
// Ids are kept as given; an empty id is an error, and so is an id that
// appears twice in one table. The same id in two tables is allowed: the
// records stay distinct, and the output names both under that id.
func Records(tables []*Table, idColumn string, s match.Schema) ([]match.Record, error) {
	var out []match.Record
	for src, t := range tables {
		idc := column(t.Header, idColumn)
		if idc < 0 {
			return nil, fmt.Errorf("%s: no id column %q (columns: %s)", t.Name, idColumn, strings.Join(t.Header, ", "))
		}
		cols := make([]int, len(s))
		for f, fd := range s {
			cols[f] = column(t.Header, fd.Name)
		}
		seen := make(map[string]bool, len(t.Rows))
		for i, row := range t.Rows {
			id := cell(row, idc)
			if id == "" {
				return nil, fmt.Errorf("%s: row %d: empty id", t.Name, i+2)
			}
			if seen[id] {
				return nil, fmt.Errorf("%s: row %d: id %q appears twice", t.Name, i+2, id)
			}
			seen[id] = true
			vals := make([]string, len(s))
			for f, c := range cols {
				vals[f] = cell(row, c)
			}
			out = append(out, match.Record{ID: id, Source: src, Values: vals})
		}
	}
	return out, nil
}

func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return row[i]
}
