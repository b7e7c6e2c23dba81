// Package match is leadhub's record-linkage engine. It decides which
// records describe the same real-world entity, for any record schema: a
// schema is a list of fields, each with a Kind that says how its values are
// normalised, blocked on and compared.
//
// The model is the one of Fellegi and Sunter ("A Theory for Record
// Linkage", JASA 1969), as implemented by Splink
// (https://moj-analytical-services.github.io/splink/): each field of a pair
// of records falls into a comparison level (exact, a typo away, similar,
// different, missing); each level has a probability m among matching pairs
// and u among non-matching pairs; the match weight of a pair is the sum of
// log2(m/u) over its fields plus the log-odds of the prior, and its match
// probability follows. u is measured on random pairs, m is estimated
// without labels by expectation maximisation over the candidate pairs, and
// exact agreement on a rare name weighs more than on a common one
// (term-frequency adjustment).
//
// The batch entry point is Dedupe (Prepare the records, then Dedupe; the
// Result holds the clusters and the trained Model). A resolver that
// compares one new record with candidates fetched from storage uses the
// same pieces: DefaultBlocking(schema).Keys to compute the blocking keys of
// the new record (the keys depend on that record alone, so they can be
// indexed), Prepare on the new record and its candidates, and
// Model.Explain (or Model.Score) for each pair with a stored Model.
package match

import (
	"fmt"
	"strings"
)

// Kind says what a field holds, and so how it is normalised, blocked on
// and compared.
type Kind string

// The kinds of field.
const (
	FirstName Kind = "first_name" // a given name; nicknames are recognised
	LastName  Kind = "last_name"  // a surname
	FullName  Kind = "full_name"  // a whole personal name in one field
	Email     Kind = "email"      // an email address
	Phone     Kind = "phone"      // a phone number
	Company   Kind = "company"    // an organisation's name
	Country   Kind = "country"    // a country, as a name or code
	Title     Kind = "title"      // a job title
	Date      Kind = "date"       // a date (of birth, of foundation)
	Address   Kind = "address"    // a street address line
	City      Kind = "city"       // a city, town or suburb
	Postcode  Kind = "postcode"   // a postal code
	IDNumber  Kind = "id_number"  // an identifier such as a national id
	Exact     Kind = "exact"      // any value that is equal or not (a state, a gender)
	Text      Kind = "text"       // other free text
)

// Kinds lists every kind, in the order documented.
var Kinds = []Kind{FirstName, LastName, FullName, Email, Phone, Company, Country, Title, Date,
	Address, City, Postcode, IDNumber, Exact, Text}

// ParseKind reads a kind name.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.ToLower(strings.TrimSpace(s)))
	for _, x := range Kinds {
		if x == k {
			return k, nil
		}
	}
	names := make([]string, len(Kinds))
	for i, x := range Kinds {
		names[i] = string(x)
	}
	return "", fmt.Errorf("unknown kind %q (want one of %s)", s, strings.Join(names, ", "))
}

// Field is one column of a schema.
type Field struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// Schema is the list of fields records are compared on.
type Schema []Field

// Validate checks that the schema has at least one field, that names are
// unique and kinds known, and that it fits the engine (at most MaxFields).
func (s Schema) Validate() error {
	if len(s) == 0 {
		return fmt.Errorf("the schema has no fields to compare")
	}
	if len(s) > MaxFields {
		return fmt.Errorf("the schema has %d fields; at most %d can be compared", len(s), MaxFields)
	}
	seen := map[string]bool{}
	for _, f := range s {
		if _, err := ParseKind(string(f.Kind)); err != nil {
			return fmt.Errorf("field %q: %w", f.Name, err)
		}
		if seen[f.Name] {
			return fmt.Errorf("field %q appears twice", f.Name)
		}
		seen[f.Name] = true
	}
	return nil
}

// index returns the position of the first field of kind k, or -1.
func (s Schema) index(k Kind) int {
	for i, f := range s {
		if f.Kind == k {
			return i
		}
	}
	return -1
}

// MaxFields is the largest number of fields a schema may have.
const MaxFields = 32

// levelNames are the comparison levels of each kind, best first. The last
// level is always "different"; a missing value on either side is not a
// level (it contributes no evidence).
var levelNames = map[Kind][]string{
	FirstName: {"exact", "alias", "typo", "similar", "weak", "dissimilar", "different"},
	LastName:  {"exact", "alias", "typo", "similar", "weak", "different"},
	FullName:  {"exact", "reordered", "typo", "similar", "partial", "different"},
	Email:     {"exact", "typo", "same_local_part", "similar", "shared_mailbox", "other_mailbox", "different"},
	Phone:     {"exact", "same_number", "typo", "shared_number", "different"},
	Company:   {"exact", "reordered", "typo", "similar", "partial", "different"},
	Country:   {"exact", "different"},
	Title:     {"exact", "similar", "different"},
	Date:      {"exact", "typo_or_swapped", "within_1y", "within_10y", "different"},
	Address:   {"exact", "reordered", "typo", "similar", "partial", "different"},
	City:      {"exact", "typo", "similar", "different"},
	Postcode:  {"exact", "typo", "different"},
	IDNumber:  {"exact", "typo", "different"},
	Exact:     {"exact", "different"},
	Text:      {"exact", "typo", "similar", "partial", "different"},
}

// Levels returns the names of the comparison levels of kind k, best first.
func Levels(k Kind) []string { return levelNames[k] }

// tfKinds are the kinds whose exact matches are weighted by how rare the
// value is.
var tfKinds = map[Kind]bool{FirstName: true, LastName: true, FullName: true, Company: true, City: true}
