package normalize

import "strings"

// Name is the normal form of a personal name (a given name, a surname or a
// full name): Words, so "  José-María " → "jose maria" and "O'Neil" → "oneil".
func Name(s string) string { return Words(s) }

// honorifics are dropped from the front and back of full names.
var honorifics = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "mx": true, "dr": true, "prof": true,
	"sir": true, "dame": true, "herr": true, "frau": true, "sr": true, "sra": true, "srta": true,
	"mme": true, "mlle": true, "jr": true, "snr": true,
	"jnr": true, "phd": true, "md": true, "esq": true, "ii": true, "iii": true, "iv": true,
}

// FullName is the normal form of a whole name in one field: Name without
// honorifics and generational suffixes ("Dr. Jane Smith Jr." → "jane smith").
// "Smith, Jane" is turned into "jane smith".
func FullName(s string) string {
	s = clip(s)
	if i := strings.IndexByte(s, ','); i > 0 && strings.Count(s, ",") == 1 {
		last, first := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:])
		if first != "" && !honorifics[Words(first)] {
			s = first + " " + last
		}
	}
	t := Tokens(Name(s))
	for len(t) > 1 && honorifics[t[0]] {
		t = t[1:]
	}
	for len(t) > 1 && honorifics[t[len(t)-1]] {
		t = t[:len(t)-1]
	}
	return strings.Join(t, " ")
}

// GivenName returns the canonical given name for a normalised given name
// (see Name): a nickname or short form maps to the name it stands for
// ("bill" → "william", "pepe" → "jose", "paco" → "francisco"); any other
// name is returned unchanged. For a compound name the whole name is looked
// up first, then its first word.
func GivenName(n string) string {
	if c, ok := nicknames[n]; ok {
		return c
	}
	if i := strings.IndexByte(n, ' '); i > 0 {
		if c, ok := nicknames[n[:i]]; ok {
			return c
		}
		return n[:i]
	}
	return n
}

// Nicknames returns the number of nickname entries known to GivenName.
func Nicknames() int { return len(nicknames) }
