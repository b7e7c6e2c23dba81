package normalize

import "strings"

// legalForms are company legal-form designators (as words after Words and
// the joining of single letters: "S.A." → "sa", "N. V." → "nv"). They are
// removed from the end of a company name, and from its start when they
// stand there ("N.V. Philips"). Sources: ISO 20275 entity legal forms,
// https://www.gleif.org/en/about-lei/code-lists/iso-20275-entity-legal-forms-code-list
var legalForms = map[string]bool{
	"inc": true, "incorporated": true, "llc": true, "llp": true, "lp": true, "ltd": true, "limited": true,
	"gmbh": true, "mbh": true, "ag": true, "kg": true, "kgaa": true, "ohg": true, "ug": true, "ev": true,
	"sa": true, "sl": true, "slu": true, "sas": true, "sasu": true, "sarl": true, "eurl": true, "sca": true,
	"snc": true, "sprl": true, "srl": true, "spa": true, "sapa": true, "ltda": true, "eireli": true,
	"bv": true, "bvba": true, "nv": true, "cv": true, "vof": true, "pty": true, "plc": true,
	"corp": true, "corporation": true, "co": true, "company": true, "cie": true, "kk": true, "oy": true,
	"oyj": true, "ab": true, "publ": true, "as": true, "asa": true, "aps": true, "se": true, "kft": true,
	"zrt": true, "nyrt": true, "sro": true, "doo": true, "dd": true, "ad": true, "ood": true, "eood": true,
	"spzoo": true, "sc": true, "sal": true, "pvt": true, "pte": true, "bhd": true,
	"sdn": true, "tbk": true, "pt": true, "jsc": true, "ojsc": true, "pjsc": true, "ooo": true, "zao": true,
	"oao": true, "pao": true, "lda": true, "epe": true, "ae": true, "ek": true, "mb": true, "scs": true,
	"gk": true, "yk": true, "pllc": true, "pc": true, "lllp": true, "rl": true,
	// A lone "V" is what is left of N.V. or B.V. when the other letter
	// was lost or stripped as an initial.
	"v": true,
}

// companyAbbrev spells out abbreviations common in company names
// (registers and patent offices shorten them), so that the short and the
// long form agree: "Internat" and "Intl" are "international", "Konink" and
// "Koninkl" are "koninklijke" (Dutch "royal"), "Mij" is "maatschappij"
// (Dutch "company"). The table is data/company-abbreviations.txt.
var companyAbbrev = aliasTable("company-abbreviations.txt")

// legalPhrases are multi-word legal forms, matched as whole trailing
// words before the single-word forms.
var legalPhrases = [][]string{
	{"gesellschaft", "mit", "beschrankter", "haftung"},
	{"aktiengesellschaft"},
	{"kabushiki", "kaisha"}, {"kabushikigaisha"}, {"yugen", "kaisha"}, {"godo", "kaisha"},
	{"naamloze", "vennootschap"}, {"besloten", "vennootschap"},
	{"societe", "anonyme"}, {"sociedad", "anonima"}, {"sociedade", "anonima"},
	{"societa", "per", "azioni"}, {"sociedad", "limitada"}, {"sociedade", "limitada"},
	{"public", "limited", "company"}, {"limited", "liability", "company"},
	{"sa", "de", "cv"}, {"s", "de", "rl"}, {"de", "cv"}, {"de", "rl"}, {"and", "co", "kg"}, {"and", "co"},
	{"sp", "zoo"}, {"private", "limited"}, {"pty", "ltd"}, {"co", "ltd"}, {"sdn", "bhd"},
}

// Company normalises a company name for comparison: Words, "&" and "+"
// read as "and", runs of single letters joined ("S. A." → "sa",
// "I B M" → "ibm"), a leading "the" and legal-form designators (Inc, LLC,
// Ltd, GmbH, AG, S.A., S.L., Ltda, B.V., N.V., Pty Ltd, PLC, Corp, Co, KK,
// Oy, AB, AS, SpA, Srl, SARL, …) removed:
// "The Coca-Cola Company" → "coca cola", "Koninklijke Philips N.V." →
// "koninklijke philips", "AT&T Inc." → "at and t". A name that is nothing
// but a legal form keeps it.
func Company(s string) string {
	s = clip(s)
	s = strings.NewReplacer("&", " and ", "+", " and ", "@", " at ").Replace(s)
	// Dots join letters of abbreviations (S.A., J.P.); elsewhere they
	// separate (acme.com).
	t := Tokens(Words(strings.ReplaceAll(s, ".", ". ")))
	t = joinSingles(t)
	for i, w := range t {
		if x, ok := companyAbbrev[w]; ok {
			t[i] = x
		}
	}
	if len(t) > 1 && t[0] == "the" {
		t = t[1:]
	}
	orig := t
	for changed := true; changed && len(t) > 1; {
		changed = false
		for _, p := range legalPhrases {
			if len(t) > len(p) && hasSuffix(t, p) {
				t = t[:len(t)-len(p)]
				changed = true
			}
		}
		if len(t) > 1 && legalForms[t[len(t)-1]] {
			t = t[:len(t)-1]
			changed = true
		}
		if len(t) > 1 && t[len(t)-1] == "and" {
			t = t[:len(t)-1]
			changed = true
		}
	}
	for len(t) > 1 && legalForms[t[0]] {
		t = t[1:]
	}
	if len(t) == 0 {
		t = orig
	}
	return strings.Join(t, " ")
}

func hasSuffix(t, p []string) bool {
	off := len(t) - len(p)
	for i, w := range p {
		if t[off+i] != w {
			return false
		}
	}
	return true
}

// joinSingles joins runs of two or more one-letter words: "s a" → "sa".
func joinSingles(t []string) []string {
	out := t[:0:0]
	for i := 0; i < len(t); {
		if len([]rune(t[i])) != 1 {
			out = append(out, t[i])
			i++
			continue
		}
		j := i
		var b strings.Builder
		for j < len(t) && len([]rune(t[j])) == 1 {
			b.WriteString(t[j])
			j++
		}
		out = append(out, b.String())
		i = j
	}
	return out
}
