package marketplace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/lead"
)

// DecodeError reports a body that Decode cannot use. Its message says what
// is wrong in words fit to show to the sender.
type DecodeError struct {
	Message string
	// Line and Column locate a syntax error (1-based; Column counts
	// characters). Both are 0 when the problem has no position.
	Line, Column int
	// Err is the underlying error, if any.
	Err error
}

func (e *DecodeError) Error() string { return e.Message }

// Unwrap returns the underlying error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// ErrNoContact is the Err of the DecodeError for a JSON object that has
// no contact field with a value: it cannot become a lead (it would make a
// customer without a name, an email or a phone).
var ErrNoContact = errors.New("no contact details")

// noContactMessage says which fields a body needs at least one of.
const noContactMessage = "no contact details: the body has none of FirstName, LastName, Email, Phone, Company, " +
	"Title or Country (in UserDetails, CustomerInfo or at the top level)"

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Decode decodes one lead as POSTed to an HTTPS lead destination. It also
// accepts the Azure Table entity layout (CustomerInfo as a JSON string,
// ProductIds, OfferDisplayName) and flat bodies with Salesforce Web-to-Lead
// style names (first_name, lead_source, ...).
//
// The body must be one JSON object; a UTF-8 byte order mark and surrounding
// white space are ignored. When encoding/json rejects the body, Decode
// retries with a tolerant reader that repairs a missing comma between
// members or elements and trailing commas, and nothing else; each repair is
// recorded in Notes. Invalid UTF-8 in strings is replaced by U+FFFD. When
// the body cannot be used the error is a *DecodeError.
//
// Keys match ignoring case, spaces, "_" and "-", both at the top level and
// in the contact object (UserDetails or CustomerInfo, an object or a string
// holding one). Contact fields may also sit at the top level; nested values
// win over flat ones. Every field is optional; numbers and booleans are
// kept as written, objects and arrays as their JSON text, and all values
// are trimmed. At least one contact field (FirstName, LastName, Email,
// Phone, Company, Title, Country) must have a value: a body without any is
// an error wrapping ErrNoContact, whose message names them (and says why a
// contact object present could not be read). When a field is given twice with different non-empty values
// the first one wins (nested before flat, then document order) and the
// other is kept in Extra, with a note. Unknown keys are kept in Extra with
// their JSON value as received: top-level keys under their own name,
// contact keys as "UserDetails.<key>".
//
// Source and action come from LeadSource (see ParseLeadSource); ActionCode
// supplies the action when LeadSource has none. The publisher and offer ids
// come from the first of the combined LeadSource's offer, the first entry of
// ProductIds, OfferTitle and OfferDisplayName that has the form
// publisherid.offerid (see SplitOffer). The offer title is OfferTitle, else
// OfferDisplayName, else the first of those that is not such a reference.
// A Description holding a JSON object (or sent as one) is also decoded into
// DescriptionParams. The lead is a test lead when a name, the email, company,
// title, description or LeadSource starts with MSFT_TEST; Stage is StageOf.
func Decode(body []byte) (*lead.Parsed, error) {
	data := bytes.TrimPrefix(body, utf8BOM)
	if len(trimJSONSpace(data)) == 0 {
		if len(data) == 0 {
			return nil, &DecodeError{Message: "body is empty"}
		}
		return nil, &DecodeError{Message: "body is empty (it holds only white space)"}
	}
	data, repairs, derr := readJSON(data)
	if derr != nil {
		derr.Message = "body is not JSON: " + derr.Message
		return nil, derr
	}
	if kind := jsonKind(data); kind != "" {
		return nil, &DecodeError{Message: "body is " + kind + ", not a JSON object"}
	}
	members, err := objectMembers(data)
	if err != nil { // not expected: data is valid JSON
		return nil, &DecodeError{Message: "body is not JSON: " + err.Error(), Err: err}
	}

	d := &decoder{extra: make(map[string]json.RawMessage)}
	d.repaired("repaired", repairs)
	var flat []member
	for _, m := range members {
		switch f := lookup(m.key, leadFields); {
		case f == fieldContact:
			d.contact(m.key, m.raw)
		case f == fieldUnknown:
			if f = lookup(m.key, contactFields); f == fieldUnknown {
				d.keep(m.key, m.raw)
			} else {
				m.field = f
				flat = append(flat, m)
			}
		default:
			d.set(f, m.key, m.raw)
		}
	}
	for _, m := range flat {
		d.set(m.field, m.key, m.raw)
	}
	p := d.parsed()
	if p.Contact == (lead.Contact{}) {
		msg := noContactMessage
		if d.contactNote != "" {
			msg += "; " + d.contactNote
		}
		if d.emailNote != "" {
			msg += "; " + d.emailNote
		}
		return nil, &DecodeError{Message: msg, Err: ErrNoContact}
	}
	return p, nil
}

// readJSON checks that data is JSON, repairing it when it can. The error's
// message lacks the "body is not JSON: " prefix.
func readJSON(data []byte) ([]byte, []string, *DecodeError) {
	if json.Valid(data) {
		return data, nil, nil
	}
	strict := json.Unmarshal(data, new(json.RawMessage))
	if strict == nil { // not expected: json.Valid said no
		strict = errors.New("invalid JSON")
	}
	if fixed, repairs, err := repairJSON(data); err == nil && json.Valid(fixed) {
		return fixed, repairs, nil
	}
	return nil, nil, syntaxError(data, strict)
}

// syntaxError describes a strict decoding error with its position.
func syntaxError(data []byte, err error) *DecodeError {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return &DecodeError{Message: err.Error(), Err: err}
	}
	off := int(se.Offset)
	if off >= len(data) && strings.HasPrefix(se.Error(), "unexpected end") {
		line, col := position(data, len(data))
		return &DecodeError{
			Message: fmt.Sprintf("%s at line %d, column %d (the body is truncated or a bracket is never closed)", se.Error(), line, col),
			Line:    line, Column: col, Err: err,
		}
	}
	line, col := position(data, off-1) // Offset is just past the offending byte
	return &DecodeError{
		Message: fmt.Sprintf("%s at line %d, column %d", se.Error(), line, col),
		Line:    line, Column: col, Err: err,
	}
}

// jsonKind returns "" for a JSON object and a phrase naming the type of any
// other JSON value, e.g. "a JSON array".
func jsonKind(data []byte) string {
	data = trimJSONSpace(data)
	if len(data) == 0 {
		return "empty"
	}
	switch data[0] {
	case '{':
		return ""
	case '[':
		return "a JSON array"
	case '"':
		return "a JSON string"
	case 't', 'f':
		return "a JSON boolean"
	case 'n':
		return "JSON null"
	default:
		return "a JSON number"
	}
}

func trimJSONSpace(b []byte) []byte {
	return bytes.Trim(b, " \t\r\n")
}

type field uint8

const (
	fieldUnknown field = iota
	fieldFirstName
	fieldLastName
	fieldEmail
	fieldPhone
	fieldCountry
	fieldCompany
	fieldTitle
	fieldLeadSource
	fieldActionCode
	fieldOfferTitle
	fieldOfferDisplayName
	fieldProductIDs
	fieldDescription
	fieldContact
	numFields
)

type fieldName struct {
	name  string
	field field
}

// contactFields are the customer info names, inside UserDetails or flat.
var contactFields = []fieldName{
	{"FirstName", fieldFirstName},
	{"LastName", fieldLastName},
	{"Email", fieldEmail},
	{"EmailAddress", fieldEmail},
	{"Phone", fieldPhone},
	{"PhoneNumber", fieldPhone},
	{"Country", fieldCountry},
	{"Company", fieldCompany},
	{"CompanyName", fieldCompany},
	{"Title", fieldTitle},
	{"JobTitle", fieldTitle},
}

// leadFields are the lead-level names.
var leadFields = []fieldName{
	{"LeadSource", fieldLeadSource},
	{"ActionCode", fieldActionCode},
	{"OfferTitle", fieldOfferTitle},
	{"OfferDisplayName", fieldOfferDisplayName},
	{"ProductIds", fieldProductIDs},
	{"ProductId", fieldProductIDs},
	{"Description", fieldDescription},
	{"UserDetails", fieldContact},
	{"CustomerInfo", fieldContact},
}

func lookup(key string, names []fieldName) field {
	for _, n := range names {
		if sameName(key, n.name) {
			return n.field
		}
	}
	return fieldUnknown
}

type member struct {
	key   string
	raw   json.RawMessage
	field field
}

// objectMembers returns the members of a valid JSON object in document
// order, duplicates included.
func objectMembers(data []byte) ([]member, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		ms = append(ms, member{key: key, raw: raw})
	}
	return ms, nil
}

// decoder gathers the fields of one body.
type decoder struct {
	vals  [numFields]string          // the kept value of each field
	raws  [numFields]json.RawMessage // its JSON text
	from  [numFields]string          // where it came from: its key, or "UserDetails.<key>"
	extra map[string]json.RawMessage
	dups  map[string]int // per Extra key, how many "#n" keys were taken
	notes []string
	// moreNotes counts the notes beyond maxNotes.
	moreNotes int
	// contactNote says why the first unreadable contact object was kept
	// in extra instead.
	contactNote string
	// emailNote says what CleanEmail did with the email, if anything.
	emailNote string
}

// EmailNotePrefix starts the note that says what CleanEmail did with a
// lead's email.
const EmailNotePrefix = "email "

// maxNoteValue caps how much of a value a note quotes.
const maxNoteValue = 100

// email returns the lead's email: the email field read by CleanEmail. A
// value that is not an address as it stands gets a note saying what was
// done with it; one that holds more than the email, or no usable address,
// is kept in Extra under its key, so that nothing is lost and a value that
// is not an address never becomes the lead's email (nor a key identity
// resolution matches on).
func (d *decoder) email() string {
	v := d.vals[fieldEmail]
	if v == "" {
		return ""
	}
	e := CleanEmail(v)
	kept := ""
	if e.Keep {
		kept = fmt.Sprintf("; the value is kept in extra as %q", d.keep(d.from[fieldEmail], d.raws[fieldEmail]))
	}
	q := strconvQuote(v)
	switch {
	case e.Placeholder:
		d.emailNote = fmt.Sprintf(EmailNotePrefix+"%s is a placeholder: the lead has no email", q)
	case e.Address == "":
		d.emailNote = fmt.Sprintf(EmailNotePrefix+"%s is not an email address (%s): the lead has no email%s", q, e.Problem, kept)
	case e.Address != v:
		d.emailNote = fmt.Sprintf(EmailNotePrefix+"%s read as %q (%s)%s", q, e.Address, strings.Join(e.Fixes, ", "), kept)
	}
	return e.Address
}

// strconvQuote quotes v for a note, shortened to maxNoteValue characters.
func strconvQuote(v string) string {
	if utf8.RuneCountInString(v) > maxNoteValue {
		v = string([]rune(v)[:maxNoteValue]) + "…"
	}
	return fmt.Sprintf("%q", v)
}

// maxNotes caps the notes of one lead; a hostile body could otherwise
// produce thousands.
const maxNotes = 32

// set records the value of field f found under key. The first non-empty
// value wins; a later, different one is kept in Extra.
func (d *decoder) set(f field, key string, raw json.RawMessage) {
	v := text(raw)
	switch {
	case v == "":
	case d.vals[f] == "":
		d.vals[f], d.raws[f], d.from[f] = v, raw, key
	case d.vals[f] != v:
		d.conflict(d.from[f], key, raw)
	}
}

func (d *decoder) conflict(kept, key string, raw json.RawMessage) {
	k := d.keep(key, raw)
	d.note(fmt.Sprintf("conflicting values: kept %s, moved %s to extra as %q", kept, key, k))
}

// keep stores raw in Extra under key; when key already holds a different
// value, under the next of "key#2", "key#3", ... It returns the key used.
func (d *decoder) keep(key string, raw json.RawMessage) string {
	raw = json.RawMessage(bytes.ToValidUTF8(raw, []byte("\uFFFD")))
	k := key
	for {
		old, ok := d.extra[k]
		if !ok {
			d.extra[k] = raw
			return k
		}
		if bytes.Equal(old, raw) {
			return k
		}
		if d.dups == nil {
			d.dups = make(map[string]int)
		}
		d.dups[key]++ // resume numbering where the last duplicate of key stopped
		k = fmt.Sprintf("%s#%d", key, d.dups[key]+1)
	}
}

func (d *decoder) repaired(what string, fixes []string) {
	for _, f := range fixes {
		d.note(what + ": " + f)
	}
}

// note adds a note, keeping at most maxNotes and counting the rest.
func (d *decoder) note(s string) {
	if len(d.notes) < maxNotes {
		d.notes = append(d.notes, s)
	} else {
		d.moreNotes++
	}
}

// contact reads a contact object (UserDetails, CustomerInfo), which may
// also arrive as a string holding the object's JSON text.
func (d *decoder) contact(key string, raw json.RawMessage) {
	data := trimJSONSpace(raw)
	switch data[0] {
	case 'n':
		return
	case '{':
	case '"':
		s := text(data)
		if s == "" {
			return
		}
		inner, repairs, err := readJSON([]byte(s))
		if err != nil || jsonKind(inner) != "" {
			d.keep(key, raw)
			d.contactUnread(fmt.Sprintf("%s is a string that does not hold a JSON object; kept in extra", key))
			return
		}
		d.repaired("repaired "+key, repairs)
		data = inner
	default:
		d.keep(key, raw)
		d.contactUnread(fmt.Sprintf("%s is %s, not an object; kept in extra", key, jsonKind(data)))
		return
	}
	members, err := objectMembers(data)
	if err != nil { // not expected: data is valid JSON
		d.keep(key, raw)
		return
	}
	for _, m := range members {
		xkey := "UserDetails." + m.key
		if f := lookup(m.key, contactFields); f != fieldUnknown {
			d.set(f, xkey, m.raw)
		} else {
			d.keep(xkey, m.raw)
		}
	}
}

// contactUnread notes a contact object that could not be read.
func (d *decoder) contactUnread(note string) {
	d.note(note)
	if d.contactNote == "" {
		d.contactNote = note
	}
}

// parsed assembles the result.
func (d *decoder) parsed() *lead.Parsed {
	ls := ParseLeadSource(d.vals[fieldLeadSource])

	action := ls.Action
	if code := canonicalAction(d.vals[fieldActionCode]); code != "" {
		switch {
		case action == "":
			action = code
		case !sameName(action, code):
			d.conflict("the action in "+d.from[fieldLeadSource], d.from[fieldActionCode], d.raws[fieldActionCode])
		}
	}

	offer := lead.Offer{Title: d.vals[fieldOfferTitle]}
	if offer.Title == "" {
		offer.Title = d.vals[fieldOfferDisplayName]
	}
	var candidates [4]string
	if ls.Combined {
		candidates[0] = ls.Offer
	}
	candidates[1] = firstProduct(d.vals[fieldProductIDs])
	candidates[2] = d.vals[fieldOfferTitle]
	candidates[3] = d.vals[fieldOfferDisplayName]
	for i, c := range candidates {
		if c == "" {
			continue
		}
		p, o := SplitOffer(c)
		if i >= 2 && !looksLikeOfferRef(c) {
			p, o = "", "" // a display title, even if it has a dot
		}
		if p != "" && offer.PublisherID == "" {
			offer.PublisherID, offer.OfferID = p, o
		}
		if p == "" && offer.Title == "" {
			offer.Title = c
		}
	}

	c := lead.Contact{
		FirstName: d.vals[fieldFirstName],
		LastName:  d.vals[fieldLastName],
		Email:     d.email(),
		Phone:     d.vals[fieldPhone],
		Country:   d.vals[fieldCountry],
		Company:   d.vals[fieldCompany],
		Title:     d.vals[fieldTitle],
	}
	desc := d.vals[fieldDescription]
	isTest := false
	for _, s := range [...]string{c.FirstName, c.LastName, d.vals[fieldEmail], c.Company, c.Title, desc, ls.Raw} {
		if hasTestPrefix(s) {
			isTest = true
			break
		}
	}

	if d.moreNotes > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%d more notes", d.moreNotes))
	}
	if d.emailNote != "" {
		// Never capped: it says why the lead has no email, or another one.
		d.notes = append(d.notes, d.emailNote)
	}
	return &lead.Parsed{
		Source:            ls.Source,
		Action:            action,
		Offer:             offer,
		Stage:             StageOf(ls.Source, action, isTest),
		IsTest:            isTest,
		Contact:           c,
		Description:       desc,
		DescriptionParams: descriptionParams(desc),
		Extra:             d.extra,
		Notes:             d.notes,
	}
}

// firstProduct returns the first entry of a ProductIds value: a comma or
// semicolon separated list, or a JSON array.
func firstProduct(s string) string {
	if strings.HasPrefix(s, "[") {
		var list []json.RawMessage
		if json.Unmarshal([]byte(s), &list) == nil {
			for _, raw := range list {
				if v := text(raw); v != "" {
					return v
				}
			}
			return ""
		}
	}
	for p := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
		if p = strings.TrimSpace(p); p != "" {
			return p
		}
	}
	return ""
}

// descriptionParams decodes a Description holding a JSON object, such as
// the AppSource URL parameters {"mktcmpid":"1234","partnerid":"98765"}.
// Non-string values are kept as their JSON text. The map is never nil.
func descriptionParams(desc string) map[string]string {
	params := make(map[string]string)
	if !strings.HasPrefix(desc, "{") {
		return params
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(desc), &m) != nil {
		return params
	}
	for k, raw := range m {
		var s string
		if len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &s) == nil {
			params[k] = s
		} else {
			params[k] = compactText(raw)
		}
	}
	return params
}

// text converts a JSON value to the text of a field: strings unquoted and
// trimmed, null empty, numbers and booleans as written, objects and arrays
// as compact JSON.
func text(raw json.RawMessage) string {
	raw = trimJSONSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 && utf8.Valid(raw) { // nothing to unescape
			return strings.TrimSpace(string(raw[1 : len(raw)-1]))
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return strings.TrimSpace(s)
	case 'n':
		return ""
	case '{', '[':
		return compactText(raw)
	default:
		return string(raw)
	}
}

// compactText returns raw as compact JSON text with valid UTF-8.
func compactText(raw json.RawMessage) string {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return strings.ToValidUTF8(string(raw), "\uFFFD")
	}
	if utf8.Valid(b.Bytes()) {
		return b.String()
	}
	return strings.ToValidUTF8(b.String(), "\uFFFD")
}
