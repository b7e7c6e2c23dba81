package match

import (
	"strings"

	"github.com/leadhub/leadhub/internal/identity/strsim"
)

// Missing is the level of a field that is empty on either side.
const Missing int8 = -1

// level compares two values of kind k and returns the index of the first
// level of levelNames[k] they satisfy. Both values are non-missing and
// different entries (equal entries are "exact" without a call).
func level(k Kind, a, b *value) int8 {
	switch k {
	case FirstName:
		return givenNameLevel(a, b)
	case LastName:
		return nameLevel(a, b)
	case FullName:
		return fullNameLevel(a, b)
	case Email:
		return emailLevel(a, b)
	case Phone:
		return phoneLevel(a, b)
	case Company, Address:
		return orgLevel(a, b)
	case Title:
		if a.alt == b.alt || strsim.TokenJaccard(a.toks, b.toks) >= 0.5 || strsim.JaroWinkler(a.norm, b.norm) >= 0.9 {
			return 1
		}
		return 2
	case Date:
		return dateLevel(a, b)
	case City:
		switch {
		case a.alt2 == b.alt2:
			return 1
		case strsim.WithinOSA(a.norm, b.norm, 1) || strsim.JaroWinkler(a.norm, b.norm) >= 0.92:
			return 1
		case strsim.JaroWinkler(a.norm, b.norm) >= 0.85:
			return 2
		}
		return 3
	case Postcode, IDNumber:
		if len(a.norm) >= 3 && len(b.norm) >= 3 && strsim.WithinOSA(a.norm, b.norm, 1) {
			return 1
		}
		return 2
	case Text:
		switch {
		case a.alt == b.alt || a.alt2 == b.alt2:
			return 1
		case strsim.JaroWinkler(a.norm, b.norm) >= 0.92:
			return 1
		case softTokenScore(a.toks, b.toks) >= 0.6:
			return 2
		case sharesToken(a.toks, b.toks, 3):
			return 3
		}
		return 4
	default: // Country, Exact
		return 1
	}
}

// givenNameLevel: exact, alias, typo, similar, weak, dissimilar,
// different. Two given names that the nickname tables both know and that
// are not aliases of each other are two names, not a typo of one (mark and
// mary, john and joan, michael and michelle): different, strong evidence
// of two people. Other names that do not agree (a name the tables do not
// know, a transliteration, a nickname of another language) are only
// dissimilar.
func givenNameLevel(a, b *value) int8 {
	l := nameLevel(a, b)
	switch {
	case l == 1:
		return 1
	case a.flag && b.flag:
		return nameDifferent
	case l == 5:
		return nameDissimilar
	}
	return l
}

// nameLevel: exact, alias, typo, similar, weak, different. Given names
// (which carry their nickname keys in toks) are aliases when the keys
// meet (chris and christine; bob and rob). Spelling variants of one name
// (catherine, kathryn) are related in the tables.
func nameLevel(a, b *value) int8 {
	switch {
	case a.alt == b.alt || a.alt2 == b.alt2 || meetSorted(a.toks, b.toks):
		return 1
	}
	jw := strsim.JaroWinkler(a.norm, b.norm)
	switch {
	case jw >= 0.92 || (len(a.norm) > 3 && len(b.norm) > 3 && strsim.WithinOSA(a.norm, b.norm, 1)):
		return 2
	case jw >= 0.85 || (a.phon != "" && a.phon == b.phon):
		return 3
	case jw >= 0.7 || initialOf(a.norm, b.norm) || tokenOf(a.norm, b.norm):
		return 4
	}
	return 5
}

// initialOf reports whether one name is the initial of the other.
func initialOf(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(a) == 1 && len(b) > 1 && b[0] == a[0]
}

// tokenOf reports whether the shorter of two multi-word names is one of
// the words of the longer ("maria" and "maria jose").
func tokenOf(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(a) < 2 || !strings.Contains(b, " ") {
		return false
	}
	for _, t := range strings.Fields(b) {
		if t == a {
			return true
		}
	}
	return false
}

// fullNameLevel: exact, reordered, typo, similar, partial, different.
func fullNameLevel(a, b *value) int8 {
	switch {
	case a.alt == b.alt || a.alt2 == b.alt2:
		return 1
	case strsim.JaroWinkler(a.norm, b.norm) >= 0.92 || strsim.JaroWinkler(a.alt, b.alt) >= 0.94:
		return 2
	}
	s := softTokenScore(a.toks, b.toks)
	switch {
	case s >= 0.66:
		return 3
	case sharesToken(a.toks, b.toks, 2):
		return 4
	}
	return 5
}

// emailLevel: exact, typo, same_local_part, similar, shared_mailbox,
// other_mailbox, different. Two personal mailboxes at one company domain
// are two people (other_mailbox): the company field, not the address, says
// whether two people work together. Mailboxes that differ in their digits
// (clee1@, clee2@) are numbered to tell namesakes apart: never a typo.
func emailLevel(a, b *value) int8 {
	if a.alt == "" || b.alt == "" { // not shaped like addresses
		switch {
		case strsim.WithinOSA(a.norm, b.norm, 1):
			return 1
		case strsim.JaroWinkler(a.norm, b.norm) >= 0.9:
			return 3
		}
		return emailDifferent
	}
	sameDigits := digitsOf(a.alt) == digitsOf(b.alt)
	sameCompany := a.alt2 == b.alt2 && !a.flag
	switch {
	case sameDigits && strsim.WithinOSA(a.norm, b.norm, 1) && !(sameCompany && initialsApart(a.alt, b.alt)):
		return 1
	case a.alt == b.alt && len(a.alt) >= 3 && !a.role:
		return 2
	case sameCompany && (a.role || b.role):
		return emailShared // a person and the team mailbox of the same company
	case sameCompany:
		return emailOtherMailbox
	case sameDigits && strsim.WithinOSA(a.alt2, b.alt2, 1) && strsim.JaroWinkler(a.alt, b.alt) >= 0.88:
		return 3
	}
	return emailDifferent
}

// initialsApart reports whether two local parts at one company differ only
// in their first letter (ahoffmann, shoffmann): an initial and a surname,
// the mailboxes of two colleagues, not a typo of one.
func initialsApart(a, b string) bool {
	return len(a) == len(b) && len(a) >= 4 && a[0] != b[0] && a[1:] == b[1:]
}

// digitsOf returns the digits of s, in order.
func digitsOf(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// meetSorted reports whether two sorted lists share an element.
func meetSorted(a, b []string) bool {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch strings.Compare(a[i], b[j]) {
		case 0:
			return true
		case -1:
			i++
		default:
			j++
		}
	}
	return false
}

// phoneLevel: exact, same_number, typo, shared_number, different.
func phoneLevel(a, b *value) int8 {
	if len(a.alt) >= 7 && a.alt == b.alt {
		if a.shared || b.shared {
			return phoneShared
		}
		return 1
	}
	if len(a.alt) >= 5 && len(b.alt) >= 5 && strsim.WithinOSA(a.alt, b.alt, 1) {
		return 2
	}
	return 4
}

// orgLevel (companies and addresses): exact, reordered, typo, similar,
// partial, different.
func orgLevel(a, b *value) int8 {
	if a.alt == b.alt || a.alt2 == b.alt2 {
		return 1
	}
	jw := strsim.JaroWinkler(a.alt2, b.alt2)
	if jw >= 0.94 || (len(a.alt2) >= 5 && strsim.WithinOSA(a.alt2, b.alt2, 1)) {
		return 2
	}
	if softTokenScore(a.toks, b.toks) >= 0.6 || jw >= 0.88 {
		return 3
	}
	if sharesToken(a.toks, b.toks, 3) {
		return 4
	}
	return 5
}

// dateLevel: exact, typo_or_swapped, within_1y, within_10y, different.
func dateLevel(a, b *value) int8 {
	x, y := a.date, b.date
	if strsim.WithinOSA(a.norm, b.norm, 1) {
		return 1
	}
	if x.Year != 0 && x.Year == y.Year && x.Month == y.Day && x.Day == y.Month {
		return 1
	}
	if a.flag && b.flag {
		d := a.day - b.day
		if d < 0 {
			d = -d
		}
		switch {
		case d <= 366:
			return 2
		case d <= 3653:
			return 3
		}
	}
	return 4
}

// softTokenScore is the share of tokens (of the longer list) that have a
// close counterpart (Jaro–Winkler ≥ 0.9) in the other list.
func softTokenScore(a, b []string) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	hit := 0
	for _, x := range a {
		for _, y := range b {
			if x == y || (len(x) > 2 && len(y) > 2 && strsim.JaroWinkler(x, y) >= 0.9) {
				hit++
				break
			}
		}
	}
	return float64(hit) / float64(len(b))
}

// sharesToken reports whether a and b have a word of at least minLen
// bytes in common.
func sharesToken(a, b []string, minLen int) bool {
	for _, x := range a {
		if len(x) < minLen {
			continue
		}
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
