package normalize

import (
	"strings"
	"sync"

	"github.com/biter777/countries"
)

// countryAliases maps free-text country names (after Words) to ISO 3166-1
// alpha-2 codes, for the names people and forms actually use that the
// countries package does not know, in English, Spanish, Portuguese,
// German, French and the countries' own languages.
var countryAliases = map[string]string{
	"us": "US", "usa": "US", "u s": "US", "u s a": "US", "united states": "US",
	"united states of america": "US", "the united states": "US", "america": "US", "eua": "US",
	"e u a": "US", "estados unidos": "US", "estados unidos de america": "US", "eeuu": "US",
	"ee uu": "US", "etats unis": "US", "vereinigte staaten": "US", "amerika": "US", "stati uniti": "US",
	"uk": "GB", "u k": "GB", "united kingdom": "GB", "great britain": "GB", "britain": "GB",
	"england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB", "gb": "GB",
	"reino unido": "GB", "royaume uni": "GB", "vereinigtes konigreich": "GB", "grossbritannien": "GB",
	"gran bretana": "GB", "gra bretanha": "GB", "inglaterra": "GB",
	"brasil": "BR", "brazil": "BR", "bresil": "BR", "brasilien": "BR",
	"deutschland": "DE", "germany": "DE", "alemania": "DE", "alemanha": "DE", "allemagne": "DE",
	"brd": "DE", "federal republic of germany": "DE", "bundesrepublik deutschland": "DE",
	"holland": "NL", "netherlands": "NL", "the netherlands": "NL", "nederland": "NL",
	"niederlande": "NL", "pays bas": "NL", "paises bajos": "NL", "paises baixos": "NL", "holanda": "NL",
	"japan": "JP", "日本": "JP", "nippon": "JP", "nihon": "JP", "japon": "JP", "japao": "JP",
	"日本国":   "JP",
	"china": "CN", "中国": "CN", "prc": "CN", "peoples republic of china": "CN", "chine": "CN",
	"中华人民共和国":     "CN",
	"south korea": "KR", "korea": "KR", "republic of korea": "KR", "korea republic of": "KR",
	"corea del sur": "KR", "coreia do sul": "KR", "대한민국": "KR", "한국": "KR", "sudkorea": "KR",
	"north korea": "KP",
	"russia":      "RU", "russian federation": "RU", "россия": "RU", "rusia": "RU", "russland": "RU",
	"russie": "RU",
	"espana": "ES", "spain": "ES", "spanien": "ES", "espagne": "ES", "espanha": "ES",
	"mexico": "MX", "mejico": "MX", "mexiko": "MX", "mexique": "MX",
	"france": "FR", "frankreich": "FR", "francia": "FR", "franca": "FR",
	"italia": "IT", "italy": "IT", "italien": "IT", "italie": "IT",
	"schweiz": "CH", "suisse": "CH", "svizzera": "CH", "switzerland": "CH", "suiza": "CH", "suica": "CH",
	"osterreich": "AT", "oesterreich": "AT", "austria": "AT", "autriche": "AT",
	"belgie": "BE", "belgique": "BE", "belgien": "BE", "belgica": "BE",
	"danmark": "DK", "danemark": "DK", "dinamarca": "DK",
	"sverige": "SE", "schweden": "SE", "suecia": "SE", "suede": "SE",
	"norge": "NO", "norwegen": "NO", "noruega": "NO", "norvege": "NO",
	"suomi": "FI", "finnland": "FI", "finlandia": "FI", "finlande": "FI",
	"polska": "PL", "polen": "PL", "polonia": "PL", "pologne": "PL",
	"ceska republika": "CZ", "czech republic": "CZ", "czechia": "CZ", "tschechien": "CZ",
	"magyarorszag": "HU", "ungarn": "HU", "hungria": "HU",
	"ireland": "IE", "eire": "IE", "irland": "IE", "irlanda": "IE", "republic of ireland": "IE",
	"hellas": "GR", "ellada": "GR", "griechenland": "GR", "grecia": "GR", "grece": "GR",
	"turkiye": "TR", "turkey": "TR", "turkei": "TR", "turquia": "TR",
	"uae": "AE", "u a e": "AE", "emirates": "AE", "emiratos arabes unidos": "AE",
	"saudi arabia": "SA", "ksa": "SA", "arabia saudita": "SA",
	"india": "IN", "bharat": "IN", "indien": "IN", "inde": "IN",
	"argentinien": "AR", "argentine": "AR",
	"peru": "PE", "chile": "CL", "colombia": "CO", "kolumbien": "CO",
	"venezuela": "VE", "ecuador": "EC", "uruguay": "UY", "paraguay": "PY", "bolivia": "BO",
	"sudafrica": "ZA", "south africa": "ZA", "rsa": "ZA", "africa do sul": "ZA", "sudafrika": "ZA",
	"new zealand": "NZ", "aotearoa": "NZ", "nueva zelanda": "NZ",
	"australien": "AU", "oz": "AU",
	"canada": "CA", "kanada": "CA",
	"taiwan": "TW", "republic of china": "TW", "台灣": "TW", "台湾": "TW",
	"hong kong": "HK", "香港": "HK",
	"singapore": "SG", "singapur": "SG", "singapura": "SG",
	"vietnam": "VN", "viet nam": "VN",
	"ivory coast": "CI", "cote divoire": "CI", "cote d ivoire": "CI",
	"czech": "CZ", "slovakia": "SK", "slovensko": "SK",
	"portugal": "PT", "portugual": "PT",
	"israel": "IL", "egypt": "EG", "misr": "EG", "aegypten": "EG",
	"marokko": "MA", "maroc": "MA", "marruecos": "MA", "morocco": "MA",
	"philippines": "PH", "pilipinas": "PH", "filipinas": "PH",
	"indonesia": "ID", "indonesien": "ID",
	"malaysia": "MY", "thailand": "TH", "prathet thai": "TH",
	"iran": "IR", "persia": "IR", "syria": "SY", "laos": "LA", "moldova": "MD", "macedonia": "MK",
	"north macedonia": "MK", "kosovo": "XK", "vatican": "VA", "holy see": "VA", "palestine": "PS",
	"bosnia": "BA", "burma": "MM", "myanmar": "MM", "cape verde": "CV", "cabo verde": "CV",
	"swaziland": "SZ", "eswatini": "SZ", "east timor": "TL", "timor leste": "TL",
	"congo": "CG", "drc": "CD", "dr congo": "CD", "democratic republic of the congo": "CD",
}

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
