// Package normalize brings outside input — names, email addresses, phone
// numbers, company names, countries, dates, free text — into a canonical
// form so that equal things compare equal. Every function is pure, safe for
// concurrent use, and accepts any string (including invalid UTF-8) without
// panicking.
package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxInput bounds the input every function looks at, so that a hostile
// field cannot make normalisation slow. Longer input is cut (on a rune
// boundary).
const maxInput = 1024

func clip(s string) string {
	if len(s) <= maxInput {
		return s
	}
	for i := maxInput; i > maxInput-utf8.UTFMax; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i]
		}
	}
	return s[:maxInput]
}

// special are letters that Unicode compatibility decomposition leaves
// alone but that people write without their stroke or ligature.
var special = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe",
	'ø': "o", 'Ø': "o", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d",
	'ł': "l", 'Ł': "l", 'þ': "th", 'Þ': "th", 'ı': "i", 'ħ': "h", 'Ħ': "h",
	'ŋ': "n", 'Ŋ': "n", 'ſ': "s",
}

// Fold returns s in Unicode compatibility decomposition (NFKD) without
// combining marks, lower-cased, with a few letters that do not decompose
// (ß, æ, ø, ł, …) spelled in ASCII: "Ångström" → "angstrom",
// "Straße" → "strasse", "ＡＢＣ" → "abc". Invalid UTF-8 bytes are dropped.
func Fold(s string) string {
	s = clip(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	d := norm.NFKD.String(s)
	for _, r := range d {
		switch {
		case r == utf8.RuneError:
		case unicode.Is(unicode.Mn, r):
		default:
			if rep, ok := special[r]; ok {
				b.WriteString(rep)
			} else {
				b.WriteRune(unicode.ToLower(r))
			}
		}
	}
	return b.String()
}

// Words folds s (see Fold), deletes apostrophes ("O'Brien" → "obrien"),
// turns every other character that is not a letter or digit into a space,
// and collapses spaces: "  Jean-Pierre  DUPONT " → "jean pierre dupont".
func Words(s string) string {
	return words(Fold(s))
}

// words is Words on an already folded string.
func words(f string) string {
	var b strings.Builder
	b.Grow(len(f))
	space := false
	for _, r := range f {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		case r == '\'' || r == '’' || r == '`' || r == '´':
			// Deleted: O'Brien, Philips'.
		default:
			space = true
		}
	}
	return b.String()
}

// Tokens splits a normalised string on spaces.
func Tokens(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Fields(s)
}

// Text is the normal form of free text, titles, cities and addresses:
// Words, so case, accents, punctuation and spacing do not matter.
func Text(s string) string { return Words(s) }

// ID is the normal form of an identifier (a national id, an account number,
// a postcode): folded, with every character that is not a letter or digit
// removed: "AB-12 345" → "ab12345".
func ID(s string) string {
	f := Fold(s)
	var b strings.Builder
	b.Grow(len(f))
	for _, r := range f {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Digits returns only the ASCII digits of s.
func Digits(s string) string {
	s = clip(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
