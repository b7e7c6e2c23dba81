package csvimport

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Field is what a column of an imported file holds.
type Field string

// The fields a column can be mapped to. FieldExtra keeps the column under
// its own header name; FieldIgnore drops it.
const (
	FieldFirstName   Field = "first_name"
	FieldLastName    Field = "last_name"
	FieldFullName    Field = "full_name"
	FieldEmail       Field = "email"
	FieldPhone       Field = "phone"
	FieldCountry     Field = "country"
	FieldCompany     Field = "company"
	FieldTitle       Field = "title"
	FieldLeadSource  Field = "lead_source"
	FieldAction      Field = "action"
	FieldOffer       Field = "offer"
	FieldOfferTitle  Field = "offer_title"
	FieldDescription Field = "description"
	FieldCreated     Field = "created"
	FieldExtra       Field = "extra"
	FieldIgnore      Field = "ignore"
)

// leadFields are the fields that hold lead data, in the order they are
// written to a row's JSON body.
var leadFields = [...]Field{
	FieldFirstName, FieldLastName, FieldEmail, FieldPhone, FieldCountry, FieldCompany, FieldTitle,
	FieldLeadSource, FieldAction, FieldOffer, FieldOfferTitle, FieldDescription, FieldCreated, FieldFullName,
}

const numLeadFields = len(leadFields)

// index returns f's position in leadFields, or -1.
func (f Field) index() int {
	for i, g := range leadFields {
		if g == f {
			return i
		}
	}
	return -1
}

// Fields lists every value a --map entry may name.
func Fields() []Field {
	return append(leadFields[:len(leadFields):len(leadFields)], FieldExtra, FieldIgnore)
}

func validField(f Field) bool {
	return f.index() >= 0 || f == FieldExtra || f == FieldIgnore
}

// aliases are the header spellings recognised for each field, normalised
// (see normalize): Microsoft's own field names, the names of Partner
// Center's and the common CRMs' exports (Dynamics 365, Salesforce, HubSpot,
// Zoho, Pipedrive), spreadsheet habits, and the usual German, French and
// Spanish headers.
var aliases = map[Field][]string{
	FieldFirstName: {"firstname", "first", "givenname", "forename", "fname", "firstnames",
		"vorname", "prenom", "nombre"},
	FieldLastName: {"lastname", "last", "surname", "familyname", "lname", "secondname",
		"nachname", "familienname", "nom", "nomdefamille", "apellido", "apellidos", "cognome", "sobrenome"},
	FieldFullName: {"name", "fullname", "contactname", "contact", "contactperson", "personname",
		"primarycontact", "yourname", "customercontact", "namefull", "nomcomplet", "nombrecompleto"},
	FieldEmail: {"email", "emailaddress", "mail", "emailid", "email1", "emailaddress1", "primaryemail",
		"workemail", "businessemail", "emailadresse", "courriel", "correo", "correoelectronico", "adressemail"},
	FieldPhone: {"phone", "phonenumber", "telephone", "telephonenumber", "tel", "mobile", "mobilephone",
		"mobilenumber", "cellphone", "cell", "businessphone", "workphone", "officephone", "telephone1",
		"phone1", "directphone", "mainphone", "phoneno", "telefon", "telefonnummer", "telefono", "handy", "mobil"},
	FieldCountry: {"country", "countryregion", "countrycode", "countryname", "countryorregion",
		"address1country", "address1countryregion", "addresscountry", "billingcountry", "mailingcountry", "countryiso",
		"land", "pays", "pais", "paese"},
	FieldCompany: {"company", "companyname", "organization", "organisation", "organizationname",
		"organisationname", "org", "accountname", "account", "companyaccount", "customername", "customer",
		"business", "businessname", "employer", "firma", "firmenname", "unternehmen", "societe",
		"entreprise", "empresa", "azienda"},
	FieldTitle: {"title", "jobtitle", "position", "role", "jobrole", "designation", "jobposition",
		"occupation", "businesstitle", "funktion", "fonction", "poste", "cargo"},
	FieldLeadSource: {"leadsource", "source", "leadsourcecode", "origin", "leadorigin", "originalsource",
		"sourcename", "quelle", "origine", "fuente", "origen"},
	FieldAction: {"action", "actioncode", "leadaction", "actiontype", "actionname"},
	FieldOffer: {"offer", "offerid", "offerids", "product", "productid", "productids", "offerreference",
		"listing", "listingid", "marketplaceoffer"},
	FieldOfferTitle: {"offername", "offertitle", "offerdisplayname", "productname", "producttitle",
		"productdisplayname", "listingname", "listingtitle", "appname", "solutionname"},
	FieldDescription: {"description", "notes", "note", "comments", "comment", "customercomments",
		"message", "details", "remarks", "beschreibung", "kommentar", "kommentare", "bemerkung",
		"bemerkungen", "notizen", "commentaire", "commentaires", "comentario", "comentarios", "descripcion"},
	FieldCreated: {"created", "createddate", "date", "createdtime", "received", "receivedat", "receiveddate",
		"receivedon", "receivedtime", "createdat", "createdon", "createdate", "datecreated", "datereceived",
		"createddatetime", "creationdate", "creationtime", "timestamp", "submitted", "submittedat",
		"submissiondate", "datetime", "erstellt", "erstelltam", "datum", "datedecreation", "fecha",
		"fechadecreacion"},
}

// prefixes are stripped once from a header that is not recognised as is:
// "Contact Email", "Customer Phone", "Lead Source Code", "Person - Name".
var prefixes = []string{"primarycontact", "contact", "customer", "lead", "person", "user", "client",
	"prospect", "buyer", "main", "primary", "your"}

// notStripped are headers whose meaning changes when a prefix is dropped:
// a lead's name or title is its topic, a user name is a login, a client
// may be a company or a person.
var notStripped = map[string]bool{
	"leadname": true, "leadtitle": true, "username": true, "clientname": true, "customertype": true,
	"userid": true, "leadtopic": true,
}

var aliasIndex = func() map[string]Field {
	m := make(map[string]Field)
	for f, names := range aliases {
		for _, n := range names {
			if g, dup := m[n]; dup {
				panic(fmt.Sprintf("csvimport: alias %q is listed for %s and %s", n, g, f))
			}
			m[n] = f
		}
	}
	return m
}()

// Recognize returns the field a header names, or "" when it names none.
// Matching ignores case, accents, spaces and punctuation, and text in
// brackets ("Email (work)"); a leading "Contact", "Customer", "Lead",
// "Person", … is tried off as well.
func Recognize(header string) Field {
	n := normalize(header)
	if f, ok := aliasIndex[n]; ok {
		return f
	}
	if notStripped[n] {
		return ""
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(n, p); ok && rest != "" {
			if f, ok := aliasIndex[rest]; ok {
				return f
			}
		}
	}
	return ""
}

// normalize folds a header to lower-case ASCII letters and digits: accents
// are dropped, text in round or square brackets is removed (unless that
// leaves nothing), and everything else that is not a letter or a digit goes.
func normalize(h string) string {
	var b strings.Builder
	depth := 0
	for _, r := range h {
		switch {
		case r == '(' || r == '[':
			depth++
			continue
		case (r == ')' || r == ']') && depth > 0:
			depth--
			continue
		case depth > 0:
			continue
		}
		writeFolded(&b, r)
	}
	if b.Len() == 0 && strings.ContainsAny(h, "([") {
		for _, r := range h {
			writeFolded(&b, r)
		}
	}
	return b.String()
}

func writeFolded(b *strings.Builder, r rune) {
	if r < 0x80 {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + ('a' - 'A'))
		}
		return
	}
	if f, ok := foldAccent[unicode.ToLower(r)]; ok {
		b.WriteString(f)
		return
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		b.WriteRune(unicode.ToLower(r))
	}
}

// foldAccent maps the accented Latin letters of Western European headers
// to ASCII.
var foldAccent = map[rune]string{
	'à': "a", 'á': "a", 'â': "a", 'ã': "a", 'ä': "a", 'å': "a", 'æ': "ae", 'ç': "c",
	'è': "e", 'é': "e", 'ê': "e", 'ë': "e", 'ì': "i", 'í': "i", 'î': "i", 'ï': "i",
	'ñ': "n", 'ò': "o", 'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ø': "o", 'œ': "oe",
	'ù': "u", 'ú': "u", 'û': "u", 'ü': "u", 'ý': "y", 'ÿ': "y", 'ß': "ss",
}

// Column is one column of the file and what the import does with it.
type Column struct {
	Index  int    `json:"index"`  // 1-based position in the header
	Header string `json:"header"` // as written in the file
	Field  Field  `json:"field"`
	// Key is the name an extra column is kept under in the stored body.
	Key string `json:"key,omitempty"`
	// By says how the field was chosen: "header" (recognised), "map" (an
	// override), or "unknown" (not recognised, so kept as extra).
	By string `json:"by"`
}

// Mapping is what each column of a file becomes.
type Mapping struct {
	Columns []Column
	// field[i] is the column index (0-based) holding leadFields[i], or -1.
	field [numLeadFields]int
	// extras are the indexes of the extra columns, sorted by key.
	extras []int
}

// Has reports whether a column holds f.
func (m *Mapping) Has(f Field) bool {
	i := f.index()
	return i >= 0 && m.field[i] >= 0
}

// reservedKeys are the body's own keys and every name the marketplace
// decoder gives a meaning to; an extra column named like one of them is
// kept under "<header>#2" so that the decoder keeps it as an unknown field.
var reservedKeys = []string{
	"UserDetails", "CustomerInfo", "LeadSource", "ActionCode", "OfferTitle", "OfferDisplayName",
	"ProductIds", "ProductId", "Description", "Created", "FullName", importKey,
	"FirstName", "LastName", "Email", "EmailAddress", "Phone", "PhoneNumber", "Country",
	"Company", "CompanyName", "Title", "JobTitle",
}

// decoderName folds a key the way the marketplace decoder compares names:
// ASCII case, spaces, tabs, '_' and '-' do not count.
func decoderName(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '_' || c == '-':
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + ('a' - 'A'))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var reserved = func() map[string]bool {
	m := make(map[string]bool, len(reservedKeys))
	for _, k := range reservedKeys {
		m[decoderName(k)] = true
	}
	return m
}()

// volatileWords mark columns whose values change between two exports of
// the same lead (a status, an owner, a modification time).
var volatileWords = []string{"status", "modified", "updated", "owner", "stage", "lastactivity", "rating", "score"}

// ParseMap reads overrides written as "column=field,column=field". A
// column name may itself contain '='; the last one separates the field.
func ParseMap(s string) (map[string]string, error) {
	m := make(map[string]string)
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		i := strings.LastIndexByte(part, '=')
		if i < 0 {
			return nil, fmt.Errorf("map entry %q: want column=field", part)
		}
		col, field := strings.TrimSpace(part[:i]), strings.ToLower(strings.TrimSpace(part[i+1:]))
		if col == "" {
			return nil, fmt.Errorf("map entry %q: the column name is empty", part)
		}
		if !validField(Field(field)) {
			return nil, fmt.Errorf("map entry %q: unknown field %q (want one of %s)", part, field, fieldList())
		}
		if old, dup := m[col]; dup && old != field {
			return nil, fmt.Errorf("map: column %q is mapped twice (%s and %s)", col, old, field)
		}
		m[col] = field
	}
	return m, nil
}

func fieldList() string {
	var names []string
	for _, f := range Fields() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// DetectMapping decides what each column holds: overrides first (keyed by
// the header as written, by a header that normalises the same, or by the
// 1-based column number), then the recognised spellings; the first column
// to claim a field gets it and later ones are kept as extra. It returns an
// error when an override is invalid or names no column, or when no column
// holds contact details.
func DetectMapping(header []string, overrides map[string]string) (Mapping, []string, error) {
	var m Mapping
	for i := range m.field {
		m.field[i] = -1
	}
	var warnings []string
	cols := make([]Column, len(header))
	for i, h := range header {
		cols[i] = Column{Index: i + 1, Header: h}
	}

	// Overrides.
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f := Field(strings.ToLower(strings.TrimSpace(overrides[k])))
		if !validField(f) {
			return Mapping{}, nil, fmt.Errorf("map %q: unknown field %q (want one of %s)", k, overrides[k], fieldList())
		}
		i, err := findColumn(header, k)
		if err != nil {
			return Mapping{}, nil, err
		}
		if cols[i].By == "map" && cols[i].Field != f {
			return Mapping{}, nil, fmt.Errorf("map: column %d (%q) is mapped twice (%s and %s)", i+1, header[i], cols[i].Field, f)
		}
		if fi := f.index(); fi >= 0 {
			if j := m.field[fi]; j >= 0 && j != i {
				return Mapping{}, nil, fmt.Errorf("map: columns %q and %q are both mapped to %s", header[j], header[i], f)
			}
			m.field[fi] = i
		}
		cols[i].Field, cols[i].By = f, "map"
	}

	// Recognised headers.
	for i, h := range header {
		if cols[i].By != "" {
			continue
		}
		f := Recognize(h)
		if f == "" {
			cols[i].Field, cols[i].By = FieldExtra, "unknown"
			continue
		}
		cols[i].By = "header"
		fi := f.index()
		if j := m.field[fi]; j >= 0 {
			cols[i].Field = FieldExtra
			warnings = append(warnings, fmt.Sprintf("column %d %q also looks like %s, which column %d %q holds; it is kept as an extra column",
				i+1, h, f, j+1, header[j]))
			continue
		}
		cols[i].Field = f
		m.field[fi] = i
	}

	// Keys of the extra columns: the header, unless it is empty, taken, or a
	// name the decoder would read as a lead field.
	used := make(map[string]bool)
	for i := range cols {
		if cols[i].Field != FieldExtra {
			continue
		}
		base := strings.TrimSpace(strings.TrimPrefix(header[i], "\uFEFF"))
		if base == "" {
			base = "column_" + strconv.Itoa(i+1)
		}
		key := base
		for n := 2; used[key] || reserved[decoderName(key)]; n++ {
			key = base + "#" + strconv.Itoa(n)
		}
		used[key] = true
		cols[i].Key = key
		m.extras = append(m.extras, i)
		if cols[i].By == "unknown" {
			n := normalize(header[i])
			for _, w := range volatileWords {
				if strings.Contains(n, w) {
					warnings = append(warnings, fmt.Sprintf("column %d %q is kept with each lead and counts in its identity; if its values change between exports, map it to ignore (%q) so that an overlapping file is not imported twice",
						i+1, header[i], header[i]+"=ignore"))
					break
				}
			}
		}
	}
	sort.Slice(m.extras, func(a, b int) bool { return cols[m.extras[a]].Key < cols[m.extras[b]].Key })
	m.Columns = cols

	if !m.Has(FieldFirstName) && !m.Has(FieldLastName) && !m.Has(FieldFullName) &&
		!m.Has(FieldEmail) && !m.Has(FieldPhone) && !m.Has(FieldCompany) {
		return Mapping{}, nil, fmt.Errorf("no column holds contact details (a name, email, phone or company); columns are %s; use a map such as %q",
			quoteList(header), firstOr(header, "Column")+"=email")
	}
	if m.Has(FieldFullName) && (m.Has(FieldFirstName) || m.Has(FieldLastName)) {
		warnings = append(warnings, fmt.Sprintf("column %q (full name) is split into first and last name only in rows that have neither", header[m.field[FieldFullName.index()]]))
	}
	return m, warnings, nil
}

// findColumn resolves an override's column: the header as written, else
// the one header that normalises the same, else a 1-based column number.
func findColumn(header []string, k string) (int, error) {
	k = strings.TrimSpace(k)
	for i, h := range header {
		if strings.TrimSpace(h) == k {
			return i, nil
		}
	}
	found := -1
	nk := normalize(k)
	for i, h := range header {
		if nk != "" && normalize(h) == nk {
			if found >= 0 {
				return 0, fmt.Errorf("map: %q matches both column %d %q and column %d %q; write the header exactly",
					k, found+1, header[found], i+1, header[i])
			}
			found = i
		}
	}
	if found >= 0 {
		return found, nil
	}
	if n, err := strconv.Atoi(k); err == nil && n >= 1 && n <= len(header) {
		return n - 1, nil
	}
	return 0, fmt.Errorf("map: no column named %q; columns are %s", k, quoteList(header))
}

func quoteList(ss []string) string {
	const max = 30
	var b strings.Builder
	for i, s := range ss {
		if i == max {
			fmt.Fprintf(&b, ", … (%d more)", len(ss)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(truncate(s, 60)))
	}
	if len(ss) == 0 {
		return "(none)"
	}
	return b.String()
}

func firstOr(ss []string, def string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return def
}

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}
