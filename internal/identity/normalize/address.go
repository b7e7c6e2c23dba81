package normalize

import "strings"

// streetWords maps common abbreviations in street addresses to one
// spelling (after Words), following the USPS street suffix list
// (https://pe.usps.com/text/pub28/28apc_002.htm) and Australia Post's
// street types.
var streetWords = map[string]string{
	"st": "street", "str": "street", "rd": "road", "ave": "avenue", "av": "avenue", "avn": "avenue",
	"dr": "drive", "drv": "drive", "ln": "lane", "ct": "court", "crt": "court", "pl": "place",
	"cres": "crescent", "cr": "crescent", "cresc": "crescent", "hwy": "highway", "blvd": "boulevard",
	"bvd": "boulevard", "pde": "parade", "sq": "square", "tce": "terrace", "ter": "terrace",
	"cct": "circuit", "cl": "close", "mt": "mount", "pkwy": "parkway", "pky": "parkway",
	"esp": "esplanade", "gr": "grove", "gdns": "gardens", "hts": "heights", "cir": "circle",
	"apt": "apartment", "ste": "suite", "fl": "floor", "bldg": "building", "po": "po",
	"n": "north", "s": "south", "e": "east", "w": "west", "ne": "northeast", "nw": "northwest",
	"se": "southeast", "sw": "southwest", "avda": "avenida",
}

// Address normalises a street address line: Words, with street types and
// directions spelled one way ("12 Main St." → "12 main street").
func Address(s string) string {
	t := Tokens(Words(s))
	for i, w := range t {
		if r, ok := streetWords[w]; ok {
			t[i] = r
		}
	}
	return strings.Join(t, " ")
}
