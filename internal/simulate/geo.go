package simulate

import (
	"strings"
)

// countryForm is one way of writing a country. A form with a culture is
// only used by speakers of that language (Brazilians write "EUA").
type countryForm struct {
	text    string
	weight  int
	culture string
}

type country struct {
	code  string
	forms []countryForm
	phone phonePlan
}

// phonePlan describes a country's numbers: the calling code, the trunk
// prefix dialled before national numbers, how a national significant
// number is made, and the local ways of writing it.
type phonePlan struct {
	cc    string
	trunk string
	// make returns the national significant number split into the groups
	// it is written in.
	make func(r *rng) []string
	// local is the country's own punctuation of a national number, given
	// the trunk prefix and the groups.
	local func(trunk string, g []string) string
}

func spaced(trunk string, g []string) string { return trunk + strings.Join(g, " ") }

var countries = map[string]*country{}

// countryOrder fixes an order over countries for anything that iterates.
var countryOrder []string

func addCountry(c *country) {
	countries[c.code] = c
	countryOrder = append(countryOrder, c.code)
}

func init() {
	nanp := func(areas ...string) func(r *rng) []string {
		return func(r *rng) []string {
			// 555-0100 to 555-0199 are reserved for fiction.
			return []string{pick(r, areas), "555", "01" + r.digits(2)}
		}
	}
	addCountry(&country{code: "US", forms: []countryForm{
		{"United States", 30, ""}, {"USA", 25, ""}, {"US", 20, ""}, {"United States of America", 10, ""},
		{"U.S.", 3, ""}, {"U.S.A.", 2, ""}, {"usa", 3, ""},
		{"Estados Unidos", 40, "es"}, {"EE.UU.", 20, "es"}, {"Estados Unidos", 30, "pt"}, {"EUA", 30, "pt"},
		{"Vereinigte Staaten", 15, "de"}, {"États-Unis", 15, "fr"}, {"美国", 20, "zh"}, {"アメリカ", 10, "ja"},
		{"Stany Zjednoczone", 15, "pl"},
	}, phone: phonePlan{cc: "1", trunk: "1",
		make: nanp("425", "206", "212", "415", "617", "312", "512", "646", "303", "404", "213", "305", "469", "702", "919"),
		local: func(_ string, g []string) string {
			return "(" + g[0] + ") " + g[1] + "-" + g[2]
		}}})
	addCountry(&country{code: "CA", forms: []countryForm{
		{"Canada", 80, ""}, {"CA", 12, ""}, {"canada", 3, ""}, {"Kanada", 20, "de"}, {"Kanada", 20, "pl"},
	}, phone: phonePlan{cc: "1", trunk: "1",
		make: nanp("416", "604", "514", "613", "403", "780"),
		local: func(_ string, g []string) string {
			return "(" + g[0] + ") " + g[1] + "-" + g[2]
		}}})
	addCountry(&country{code: "BR", forms: []countryForm{
		{"Brasil", 45, ""}, {"Brazil", 35, ""}, {"BR", 15, ""}, {"brasil", 5, ""},
	}, phone: phonePlan{cc: "55", trunk: "0",
		make: func(r *rng) []string {
			return []string{pick(r, []string{"11", "21", "31", "41", "51", "61", "71", "81", "19"}), "9" + r.digits(4), r.digits(4)}
		},
		local: func(_ string, g []string) string { return "(" + g[0] + ") " + g[1] + "-" + g[2] }}})
	addCountry(&country{code: "PT", forms: []countryForm{
		{"Portugal", 85, ""}, {"PT", 15, ""},
	}, phone: phonePlan{cc: "351",
		make: func(r *rng) []string {
			return []string{"9" + pick(r, []string{"1", "2", "3", "6"}) + r.digits(1), r.digits(3), r.digits(3)}
		},
		local: spaced}})
	addCountry(&country{code: "DE", forms: []countryForm{
		{"Deutschland", 40, ""}, {"Germany", 35, ""}, {"DE", 15, ""}, {"germany", 3, ""},
		{"Allemagne", 20, "fr"}, {"Alemanha", 20, "pt"}, {"Alemania", 20, "es"}, {"Niemcy", 20, "pl"},
	}, phone: phonePlan{cc: "49", trunk: "0",
		make: func(r *rng) []string {
			if r.chance(4000) {
				return []string{pick(r, []string{"151", "160", "170", "176"}), r.digits(8)}
			}
			return []string{pick(r, []string{"30", "89", "40", "69", "221", "711"}), r.digits(7 + r.n(2))}
		},
		local: func(t string, g []string) string { return t + g[0] + "/" + g[1] }}})
	addCountry(&country{code: "AT", forms: []countryForm{
		{"Austria", 55, ""}, {"Österreich", 30, "de"}, {"AT", 10, ""}, {"Oesterreich", 3, "de"},
	}, phone: phonePlan{cc: "43", trunk: "0",
		make:  func(r *rng) []string { return []string{"1", r.digits(7)} },
		local: spaced}})
	addCountry(&country{code: "CH", forms: []countryForm{
		{"Switzerland", 50, ""}, {"Schweiz", 25, "de"}, {"Suisse", 15, "fr"}, {"CH", 15, ""}, {"Svizzera", 2, ""},
	}, phone: phonePlan{cc: "41", trunk: "0",
		make:  func(r *rng) []string { return []string{"44", r.digits(3), r.digits(2), r.digits(2)} },
		local: spaced}})
	addCountry(&country{code: "GB", forms: []countryForm{
		{"United Kingdom", 35, ""}, {"UK", 30, ""}, {"GB", 10, ""}, {"Great Britain", 7, ""}, {"England", 10, ""},
		{"U.K.", 3, ""}, {"Reino Unido", 20, "es"}, {"Reino Unido", 20, "pt"}, {"Royaume-Uni", 20, "fr"},
		{"Vereinigtes Königreich", 10, "de"}, {"Wielka Brytania", 20, "pl"},
	}, phone: phonePlan{cc: "44", trunk: "0",
		make: func(r *rng) []string {
			// Ofcom's ranges for drama: 020 7946 0xxx and 07700 900xxx.
			if r.chance(5000) {
				return []string{"20", "7946", "0" + r.digits(3)}
			}
			return []string{"7700", "900" + r.digits(3)}
		},
		local: spaced}})
	addCountry(&country{code: "FR", forms: []countryForm{
		{"France", 75, ""}, {"FR", 15, ""}, {"france", 5, ""},
		{"Frankreich", 20, "de"}, {"Francia", 20, "es"}, {"França", 20, "pt"}, {"Francja", 20, "pl"},
	}, phone: phonePlan{cc: "33", trunk: "0",
		make: func(r *rng) []string {
			return []string{pick(r, []string{"1", "4", "6", "7"}), r.digits(2), r.digits(2), r.digits(2), r.digits(2)}
		},
		local: func(t string, g []string) string { return t + strings.Join(g, ".") }}})
	addCountry(&country{code: "ES", forms: []countryForm{
		{"Spain", 40, ""}, {"España", 35, ""}, {"Espana", 10, ""}, {"ES", 10, ""}, {"Spanien", 20, "de"},
	}, phone: phonePlan{cc: "34",
		make:  func(r *rng) []string { return []string{"6" + r.digits(2), r.digits(2), r.digits(2), r.digits(2)} },
		local: spaced}})
	addCountry(&country{code: "MX", forms: []countryForm{
		{"Mexico", 45, ""}, {"México", 35, ""}, {"MX", 15, ""},
	}, phone: phonePlan{cc: "52",
		make:  func(r *rng) []string { return []string{pick(r, []string{"55", "33", "81"}), r.digits(4), r.digits(4)} },
		local: spaced}})
	addCountry(&country{code: "AR", forms: []countryForm{
		{"Argentina", 85, ""}, {"AR", 10, ""}, {"argentina", 5, ""},
	}, phone: phonePlan{cc: "54", trunk: "0",
		make:  func(r *rng) []string { return []string{"11", r.digits(4), r.digits(4)} },
		local: func(t string, g []string) string { return "(" + t + g[0] + ") " + g[1] + "-" + g[2] }}})
	addCountry(&country{code: "NL", forms: []countryForm{
		{"Netherlands", 45, ""}, {"The Netherlands", 15, ""}, {"Nederland", 20, ""}, {"NL", 10, ""}, {"Holland", 8, ""},
		{"Niederlande", 20, "de"},
	}, phone: phonePlan{cc: "31", trunk: "0",
		make: func(r *rng) []string {
			if r.chance(5000) {
				return []string{"6", r.digits(8)}
			}
			return []string{"20", r.digits(3), r.digits(4)}
		},
		local: spaced}})
	addCountry(&country{code: "PL", forms: []countryForm{
		{"Poland", 45, ""}, {"Polska", 40, ""}, {"PL", 15, ""},
	}, phone: phonePlan{cc: "48",
		make: func(r *rng) []string {
			return []string{pick(r, []string{"5", "6", "7", "8"}) + r.digits(2), r.digits(3), r.digits(3)}
		},
		local: func(_ string, g []string) string { return strings.Join(g, "-") }}})
	addCountry(&country{code: "IN", forms: []countryForm{
		{"India", 70, ""}, {"IN", 20, ""}, {"india", 5, ""}, {"Republic of India", 3, ""}, {"Bharat", 2, ""},
	}, phone: phonePlan{cc: "91", trunk: "0",
		make: func(r *rng) []string {
			return []string{pick(r, []string{"9", "8", "7", "6"}) + r.digits(4), r.digits(5)}
		},
		local: spaced}})
	addCountry(&country{code: "CN", forms: []countryForm{
		{"China", 60, ""}, {"中国", 35, "zh"}, {"CN", 10, ""}, {"PRC", 3, ""}, {"People's Republic of China", 3, ""},
		{"P.R. China", 2, ""},
	}, phone: phonePlan{cc: "86",
		make: func(r *rng) []string {
			return []string{"1" + pick(r, []string{"38", "39", "35", "58", "86", "88"}), r.digits(4), r.digits(4)}
		},
		local: spaced}})
	addCountry(&country{code: "JP", forms: []countryForm{
		{"Japan", 60, ""}, {"日本", 40, "ja"}, {"JP", 10, ""}, {"japan", 4, ""},
	}, phone: phonePlan{cc: "81", trunk: "0",
		make: func(r *rng) []string {
			if r.chance(6000) {
				return []string{pick(r, []string{"90", "80", "70"}), r.digits(4), r.digits(4)}
			}
			return []string{"3", r.digits(4), r.digits(4)}
		},
		local: func(t string, g []string) string { return t + strings.Join(g, "-") }}})
	addCountry(&country{code: "NG", forms: []countryForm{
		{"Nigeria", 80, ""}, {"NG", 15, ""}, {"nigeria", 3, ""}, {"Federal Republic of Nigeria", 2, ""},
	}, phone: phonePlan{cc: "234", trunk: "0",
		make: func(r *rng) []string {
			return []string{pick(r, []string{"803", "806", "813", "703", "805", "810"}), r.digits(3), r.digits(4)}
		},
		local: spaced}})
	addCountry(&country{code: "AU", forms: []countryForm{
		{"Australia", 80, ""}, {"AU", 15, ""}, {"Aus", 3, ""},
	}, phone: phonePlan{cc: "61", trunk: "0",
		make: func(r *rng) []string {
			// ACMA's ranges for fiction: 0491 570 xxx and 02 5550 xxxx.
			if r.chance(5000) {
				return []string{"491", "570", r.digits(3)}
			}
			return []string{"2", "5550", r.digits(4)}
		},
		local: func(t string, g []string) string {
			if len(g) == 3 && len(g[0]) == 1 {
				return "(" + t + g[0] + ") " + g[1] + " " + g[2]
			}
			return t + strings.Join(g, " ")
		}}})
}

// formsFor returns the forms of a country open to a culture, with weights.
func (c *country) formsFor(cul *culture) (texts []string, w []int) {
	for _, f := range c.forms {
		if f.culture == "" || f.culture == cul.code {
			texts = append(texts, f.text)
			w = append(w, f.weight)
		}
	}
	return texts, w
}

// Phone styles: how a person writes their number.
const (
	phoneIntl       = iota // +1 425 555 0100
	phoneLocal             // (425) 555-0100, 030/1234567, (11) 91234-5678
	phoneNational          // 425 555 0100 / 030 1234567
	phoneCompact           // 4255550100 / 0301234567
	phoneE164              // +14255550100
	phoneCCDigits          // 14255550100 (as in Microsoft's sample 16175555555)
	phoneIntlDashed        // +1-425-555-0100
	phoneIntlTrunk         // +49 (0)30 1234567
	phone00                // 0049 30 1234567
	numPhoneStyles
)

// phoneStyleWeights is how common each style is.
var phoneStyleWeights = [numPhoneStyles]int{25, 22, 15, 12, 8, 6, 4, 4, 4}

// phoneNum is a person's number.
type phoneNum struct {
	plan   *phonePlan
	groups []string
}

func (p phoneNum) nsn() string { return strings.Join(p.groups, "") }

// format writes the number in a style.
func (p phoneNum) format(style int) string {
	pl := p.plan
	nanp := pl.cc == "1"
	trunk := pl.trunk
	if nanp {
		trunk = ""
	}
	switch style {
	case phoneIntl:
		return "+" + pl.cc + " " + strings.Join(p.groups, " ")
	case phoneLocal:
		return pl.local(trunk, p.groups)
	case phoneNational:
		return trunk + strings.Join(p.groups, " ")
	case phoneCompact:
		return trunk + p.nsn()
	case phoneE164:
		return "+" + pl.cc + p.nsn()
	case phoneCCDigits:
		return pl.cc + p.nsn()
	case phoneIntlDashed:
		return "+" + pl.cc + "-" + strings.Join(p.groups, "-")
	case phoneIntlTrunk:
		if pl.trunk == "0" {
			return "+" + pl.cc + " (0)" + strings.Join(p.groups, " ")
		}
		return "+" + pl.cc + " " + strings.Join(p.groups, " ")
	case phone00:
		if nanp {
			return "1-" + strings.Join(p.groups, "-")
		}
		return "00" + pl.cc + " " + strings.Join(p.groups, " ")
	}
	return p.nsn()
}

// asNumber reports whether a written number is only digits with no
// leading zero, so that it can be sent as a JSON number.
func asNumber(s string) bool {
	if s == "" || s[0] == '0' || len(s) > 15 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
