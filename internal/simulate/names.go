package simulate

import (
	_ "embed"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameEntry is a given name or surname: its Latin spelling, its spelling in
// the native script when that is not Latin, and common short forms.
type nameEntry struct {
	s      string
	native string
	nicks  []string
}

// culture is a naming tradition with the countries its people mostly live
// in and the habits that make their details vary from one form to the next.
type culture struct {
	code      string
	weight    int      // relative share of people
	countries []string // ISO codes; the first is home
	first     []nameEntry
	last      []nameEntry
	// twoSurnames is the chance (basis points) that a person carries a
	// paternal and a maternal surname (Spanish and Portuguese custom).
	twoSurnames int
	// swapRate is the chance per form of typing the family name first.
	swapRate int
	// nativeRate is the chance that a person sometimes types the name in
	// the native script (Chinese, Japanese).
	nativeRate int
	// aliasRate is the chance that a person also uses an English given
	// name (common among Chinese professionals).
	aliasRate int
	// middleRate is the chance that a person has a middle initial.
	middleRate int
	// feminine turns a surname into its feminine form for a woman's given
	// name (Polish -ski/-ska), or is nil.
	feminine func(first, last string) string
	// locale is used in extra fields ("Language").
	locale string
}

// parseNames reads entries written as "Latin|native=nick1,nick2".
func parseNames(list ...string) []nameEntry {
	out := make([]nameEntry, 0, len(list))
	for _, s := range list {
		var e nameEntry
		if i := strings.IndexByte(s, '='); i >= 0 {
			e.nicks = strings.Split(s[i+1:], ",")
			s = s[:i]
		}
		if i := strings.IndexByte(s, '|'); i >= 0 {
			e.native = s[i+1:]
			s = s[:i]
		}
		e.s = s
		out = append(out, e)
	}
	return out
}

// polishFeminine gives the feminine form of a Polish surname when the given
// name is a woman's (Polish women's given names end in "a").
func polishFeminine(first, last string) string {
	if !strings.HasSuffix(first, "a") {
		return last
	}
	for _, suf := range [...]string{"ski", "cki", "dzki"} {
		if strings.HasSuffix(last, suf) {
			return strings.TrimSuffix(last, "i") + "a"
		}
	}
	return last
}

// cultures are the naming traditions; their given names and surnames are
// in names.json, by culture code.
var cultures = withNames([]*culture{
	{code: "en", weight: 26, countries: []string{"US", "GB", "CA", "AU"}, locale: "en-US", swapRate: 150, middleRate: 3000},
	{code: "es", weight: 9, countries: []string{"ES", "MX", "AR", "US"}, locale: "es-ES", swapRate: 150, twoSurnames: 4500},
	{code: "pt", weight: 10, countries: []string{"BR", "PT"}, locale: "pt-BR", swapRate: 150, twoSurnames: 4000},
	{code: "de", weight: 10, countries: []string{"DE", "AT", "CH"}, locale: "de-DE", swapRate: 150},
	{code: "fr", weight: 7, countries: []string{"FR", "CA"}, locale: "fr-FR", swapRate: 250},
	{code: "pl", weight: 6, countries: []string{"PL"}, locale: "pl-PL", swapRate: 200, feminine: polishFeminine},
	{code: "in", weight: 13, countries: []string{"IN", "US", "GB"}, locale: "en-IN", swapRate: 300},
	{code: "zh", weight: 8, countries: []string{"CN", "US"}, locale: "zh-CN", swapRate: 1200, nativeRate: 1500, aliasRate: 3500},
	{code: "ja", weight: 5, countries: []string{"JP"}, locale: "ja-JP", swapRate: 1200, nativeRate: 1500},
	{code: "ng", weight: 6, countries: []string{"NG", "GB"}, locale: "en-NG", swapRate: 250},
})

//go:embed names.json
var namesJSON []byte

// withNames fills in each culture's given names and surnames from
// names.json, which must name exactly these cultures.
func withNames(cs []*culture) []*culture {
	var lists map[string]struct {
		First []string `json:"first"`
		Last  []string `json:"last"`
	}
	if err := json.Unmarshal(namesJSON, &lists); err != nil {
		panic("simulate: names.json: " + err.Error())
	}
	for _, c := range cs {
		l, ok := lists[c.code]
		if !ok || len(l.First) == 0 || len(l.Last) == 0 {
			panic("simulate: names.json lacks the names of culture " + c.code)
		}
		c.first, c.last = parseNames(l.First...), parseNames(l.Last...)
		delete(lists, c.code)
	}
	for code := range lists {
		panic("simulate: names.json has names of an unknown culture " + code)
	}
	return cs
}

// englishAliases are English given names Chinese professionals often adopt.
var englishAliases = []string{
	"David", "Kevin", "Jason", "Eric", "Grace", "Cherry", "Vivian", "Jack", "Annie",
	"Lily", "Frank", "Helen", "Peter", "Sunny", "Coco", "Leo", "Stella", "Vincent",
}

var cultureWeights = func() []int {
	w := make([]int, len(cultures))
	for i, c := range cultures {
		w[i] = c.weight
	}
	return w
}()

// foldTable maps accented Latin letters to their plain forms. Each group
// starts with the plain letter, followed by its accented forms.
var foldTable = func() map[rune]string {
	groups := []string{
		"aáàâäãåąā", "cçćč", "eéèêëęē", "iíìîïī", "nñń", "oóòôöõōø", "uúùûüū", "yýÿ", "sśš", "zźżž", "lł", "dđ",
		"AÁÀÂÄÃÅĄĀ", "CÇĆČ", "EÉÈÊËĘĒ", "IÍÌÎÏĪ", "NÑŃ", "OÓÒÔÖÕŌØ", "UÚÙÛÜŪ", "YÝ", "SŚŠ", "ZŹŻŽ", "LŁ", "DĐ",
	}
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'Æ': "AE", 'œ': "oe", 'Œ': "OE"}
	for _, g := range groups {
		rs := []rune(g)
		for _, r := range rs[1:] {
			m[r] = string(rs[0])
		}
	}
	return m
}()

// germanTable spells umlauts the way German speakers do without them.
var germanTable = map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "Ae", 'Ö': "Oe", 'Ü': "Ue", 'ß': "ss"}

// japaneseLong spells long vowels in the three romanisations found in
// forms: plain ("Sato"), doubled ("Satou") and with h ("Satoh").
var japaneseLong = [3]map[rune]string{
	{'ō': "o", 'ū': "u", 'Ō': "O", 'Ū': "U"},
	{'ō': "ou", 'ū': "uu", 'Ō': "Ou", 'Ū': "Uu"},
	{'ō': "oh", 'ū': "u", 'Ō': "Oh", 'Ū': "U"},
}

// fold removes accents: "José" → "Jose", "Müller" → "Muller".
func fold(s string) string { return foldWith(s, nil) }

// foldWith is fold with a table of preferred spellings tried first.
func foldWith(s string, first map[rune]string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if v, ok := first[r]; ok {
			b.WriteString(v)
		} else if v, ok := foldTable[r]; ok {
			b.WriteString(v)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// localPart turns a name into the letters of an e-mail local part:
// transliterated, lower case, letters only ("O'Brien" → "obrien",
// "Müller" → "mueller" for German speakers).
func localPart(s string, c *culture) string {
	var t map[rune]string
	switch c.code {
	case "de":
		t = germanTable
	case "ja":
		t = japaneseLong[0]
	}
	s = foldWith(s, t)
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && unicode.IsLetter(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
