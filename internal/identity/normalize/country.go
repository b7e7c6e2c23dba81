package normalize

import (
	"strings"
	"sync"

	"github.com/biter777/countries"
)

// countryAliases maps free-text country names (after Words) to ISO 3166-1
// alpha-2 codes, for the names people and forms actually use that the
// countries package does not know, in English, Spanish, Portuguese,
// German, French and the countries' own languages. The table is
// data/countries.txt.
var countryAliases = aliasTable("countries.txt")

// Country returns the ISO 3166-1 alpha-2 code (upper-case, "US") for a
// free-text country: a code (alpha-2 or alpha-3), an English name, or one
// of the common names in other languages and scripts ("USA", "United
// States of America", "EUA", "Estados Unidos", "Brasil", "Deutschland",
// "UK", "England", "Holland", "日本"). It returns "" when it does not
// recognise s.
func Country(s string) string {
	s = strings.TrimSpace(clip(s))
	if s == "" || len(s) > 80 {
		return ""
	}
	w := Words(s)
	if w == "" {
		return ""
	}
	if c, ok := countryAliases[w]; ok {
		return c
	}
	// Forms often write "Germany (DE)" or "Korea, Republic of".
	if i := strings.IndexAny(s, "(,;/"); i > 0 {
		if c := Country(s[:i]); c != "" {
			return c
		}
	}
	if len(w) == 2 || len(w) == 3 {
		return countryCodes()[strings.ToUpper(w)]
	}
	if c := countries.ByName(w); c != countries.Unknown && c.IsValid() {
		if a2 := c.Alpha2(); countryCodes()[a2] == a2 {
			return a2
		}
	}
	return ""
}

// countryCodes maps alpha-2 and alpha-3 codes to alpha-2.
var countryCodes = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	for _, c := range countries.All() {
		if a2 := c.Alpha2(); len(a2) == 2 {
			m[a2] = a2
			if a3 := c.Alpha3(); len(a3) == 3 {
				m[a3] = a2
			}
		}
	}
	m["UK"] = "GB"
	return m
})
