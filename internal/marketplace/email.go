package marketplace

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// EmailValue is what CleanEmail made of an email field.
type EmailValue struct {
	// Address is the address to use as the lead's email; "" when the value
	// holds none (empty, a placeholder, or not an address).
	Address string
	// Placeholder is true for a value that stands for "no email": "n/a",
	// "-", "none", "unknown", …
	Placeholder bool
	// Problem says why the value holds no usable address, when it is
	// neither empty nor a placeholder: "two dots in a row", "no @", …
	Problem string
	// Fixes says what was removed or chosen to find Address in a value that
	// was not an address as it stands ("a mailto: prefix", "a trailing
	// dot", "2 addresses: the first is used", …).
	Fixes []string
	// Keep is true when the value holds more than Address (further
	// addresses, a name, other text) or no usable address at all: it
	// must then be kept beside the lead so that nothing is lost.
	Keep bool
}

// CleanEmail reads an email field as people and exports fill it in. The
// same rules apply to every channel (the HTTPS endpoint, Azure Tables and
// CSV imports), through Decode:
//
//   - an address as it stands is used as is;
//   - a placeholder ("n/a", "-", "none", "unknown", "noemail@noemail.com",
//     …) means no email;
//   - an address is recovered from a mailto: link ("mailto:b@contoso.com",
//     with or without "?subject=…"), a trailing dot ("c@contoso.com."),
//     angle brackets, quotes or brackets around it, invisible characters
//     (zero-width spaces, byte order marks), and a name beside it
//     ("Ann Lee <ann@contoso.com>");
//   - of several addresses ("ann@contoso.com; bob@contoso.com", separated
//     by ";", ",", "|" or spaces), the first usable one is the email and
//     the value is to be kept (Keep);
//   - anything else holds no usable address (Problem says why) and is to be
//     kept: "wei..jackson@gmail.com" is not an address, and leadhub does not
//     guess which address was meant.
//
// An address is usable when it has one "@", a dot-atom local part of at
// most 64 bytes (letters, digits and !#$%&'*+-/=?^_`{|}~, dots only between
// them) and a domain of at least two labels of letters, digits and hyphens
// (international names allowed) whose last label is not numeric, at most
// 254 bytes in all. Quoted local parts and address literals are not
// accepted: no real lead uses them. Every usable address is also an address
// for identity resolution (normalize.Email).
func CleanEmail(s string) EmailValue {
	v := strings.TrimSpace(s)
	if v == "" {
		return EmailValue{}
	}
	if isPlaceholder(v) {
		return EmailValue{Placeholder: true}
	}
	if addressProblem(v) == "" {
		return EmailValue{Address: v}
	}
	var fixes []string
	fix := func(f string) {
		for _, g := range fixes {
			if g == f {
				return
			}
		}
		fixes = append(fixes, f)
	}
	if w := strings.Map(dropInvisible, v); w != v {
		fix("invisible characters")
		v = w
	}
	var good, bad []string
	other := false
	for _, tok := range splitEmails(v) {
		t, tfixes := cleanToken(tok)
		if t == "" {
			continue
		}
		if !strings.Contains(t, "@") {
			if isPlaceholder(t) {
				fix("a placeholder beside the address")
			} else {
				other = true
			}
			continue
		}
		if addressProblem(t) != "" {
			bad = append(bad, t)
			continue
		}
		if len(good) == 0 {
			for _, f := range tfixes {
				fix(f)
			}
		}
		good = append(good, t)
	}
	if len(good) == 0 {
		if len(bad) == 0 && !other {
			return EmailValue{Placeholder: true}
		}
		p := "no @"
		if len(bad) > 0 {
			p = addressProblem(bad[0])
		}
		return EmailValue{Problem: p, Keep: true}
	}
	e := EmailValue{Address: good[0], Keep: len(good) > 1 || len(bad) > 0 || other}
	if n := len(good) + len(bad); n > 1 {
		fix(fmt.Sprintf("%d addresses: the first usable one is the email", n))
	}
	if other {
		fix("text beside the address")
	}
	e.Fixes = fixes
	return e
}

// dropInvisible removes characters that cannot be seen in a cell but break
// an address: zero-width spaces and joiners, byte order marks, soft hyphens.
func dropInvisible(r rune) rune {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u00AD':
		return -1
	}
	return r
}

// splitEmails splits a value at ";", ",", "|" and white space, except
// inside double quotes.
func splitEmails(s string) []string {
	var toks []string
	start, quoted := 0, false
	for i, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ';' || r == ',' || r == '|' || unicode.IsSpace(r)):
			if i > start {
				toks = append(toks, s[start:i])
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(s) {
		toks = append(toks, s[start:])
	}
	return toks
}

// cleanToken strips what commonly surrounds an address in a cell:
// brackets, quotes, a mailto: prefix and its query, trailing dots.
func cleanToken(t string) (string, []string) {
	var fixes []string
	const wrap = "<>()[]{}\"'`"
	if u := strings.Trim(t, wrap); u != t {
		t = u
		fixes = append(fixes, "brackets or quotes")
	}
	if len(t) >= 7 && strings.EqualFold(t[:7], "mailto:") {
		t = strings.TrimLeft(t[7:], "/")
		if i := strings.IndexByte(t, '?'); i >= 0 {
			t = t[:i]
		}
		t = strings.Trim(t, wrap)
		fixes = append(fixes, "a mailto: prefix")
	}
	if u := strings.TrimRight(t, "."); u != t && strings.Contains(u, "@") {
		t = u
		fixes = append(fixes, "a trailing dot")
	}
	return t, fixes
}

// addressProblem returns "" when s is a usable address, else why not.
func addressProblem(s string) string {
	at := strings.IndexByte(s, '@')
	switch {
	case at < 0:
		return "no @"
	case strings.Count(s, "@") > 1:
		return "more than one @"
	case !utf8.ValidString(s):
		return "not valid text"
	}
	local, domain := s[:at], s[at+1:]
	if p := localProblem(local); p != "" {
		return p
	}
	ascii, p := domainProblem(domain)
	if p != "" {
		return p
	}
	if len(strings.ToLower(local))+1+len(ascii) > 254 {
		return "longer than 254 bytes"
	}
	return ""
}

func localProblem(local string) string {
	switch {
	case local == "":
		return "nothing before the @"
	case len(local) > 64:
		return "the part before the @ is longer than 64 bytes"
	case local[0] == '.' || local[len(local)-1] == '.':
		return "a dot at the start or end of the part before the @"
	case strings.Contains(local, ".."):
		return "two dots in a row"
	}
	for _, r := range local {
		if r < utf8.RuneSelf {
			if !atext(byte(r)) && r != '.' {
				return fmt.Sprintf("the character %q", r)
			}
			continue
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
			return fmt.Sprintf("the character %q", r)
		}
	}
	return ""
}

// atext reports whether c may appear in a dot-atom (RFC 5322 3.2.3).
func atext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// domainProblem checks a domain and returns its ASCII (IDNA) form.
func domainProblem(domain string) (string, string) {
	if domain == "" {
		return "", "nothing after the @"
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return "", "no dot in the domain"
	}
	for _, l := range labels {
		if l == "" {
			return "", "an empty part in the domain (a dot at its start or end, or two in a row)"
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return "", "a hyphen at the start or end of a part of the domain"
		}
		for _, r := range l {
			if r < utf8.RuneSelf {
				c := byte(r)
				if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
					return "", fmt.Sprintf("the character %q in the domain", r)
				}
				continue
			}
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r) {
				return "", fmt.Sprintf("the character %q in the domain", r)
			}
		}
	}
	ascii, err := idna.Lookup.ToASCII(strings.ToLower(domain))
	if err != nil || ascii == "" || strings.Count(ascii, ".") != len(labels)-1 {
		return "", "the domain is not a valid name"
	}
	tld := ascii[strings.LastIndexByte(ascii, '.')+1:]
	if len(tld) < 2 || strings.Trim(tld, "0123456789") == "" {
		return "", "the domain does not end in a top-level domain"
	}
	return ascii, ""
}

// placeholders are values that stand for "no email", folded by
// placeholderKey.
var placeholders = map[string]bool{
	"na": true, "n a": true, "none": true, "null": true, "nil": true, "nan": true, "unknown": true,
	"not available": true, "not provided": true, "not given": true, "none given": true, "not applicable": true,
	"no email": true, "noemail": true, "no e mail": true, "no mail": true, "nomail": true, "no email address": true,
	"tbd": true, "tba": true, "x": true, "xx": true, "xxx": true, "blank": true, "empty": true, "no": true,
	"keine": true, "keine angabe": true, "k a": true, "ka": true, "aucun": true, "aucune": true, "inconnu": true,
	"ninguno": true, "desconocido": true, "sin email": true, "sin correo": true,
	"noemail@noemail.com": true, "none@none.com": true, "no@email.com": true, "noemail@email.com": true,
	"na@na.com": true, "email@email.com": true, "no@no.com": true, "none@email.com": true,
}

// isPlaceholder reports whether s stands for "no email": a word of
// placeholders, or punctuation only ("-", "--", "?", "#N/A", "0").
func isPlaceholder(s string) bool {
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || (unicode.IsDigit(r) && r != '0') }) < 0 {
		return true
	}
	return placeholders[placeholderKey(s)]
}

// placeholderKey lower-cases s, drops "#", and turns every other run of
// punctuation and space into one space, keeping "@" and the dots of an
// address: "N/A" → "n a", "#N/A" → "n a", "(none)" → "none".
func placeholderKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	addr := strings.Contains(s, "@")
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '#':
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (addr && (r == '@' || r == '.')):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}
