package simulate

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// person is one human: what they are (the ground truth) and their habits
// when they fill in a form.
type person struct {
	id      string
	order   int // arrival order
	culture *culture
	first   nameEntry
	last    nameEntry
	last2   string // second surname, or ""
	middle  string // middle initial such as "A.", or ""
	alias   string // English given name, or ""
	native  bool   // sometimes types the name in its native script
	nickUse int    // chance per form of using a short form of the given name
	accent  int    // chance per form of dropping accents
	romaji  int    // romanisation of Japanese long vowels when dropping them

	company      *company
	companyHabit string

	work     *emailAddr // nil for people who only use a personal address
	personal *emailAddr

	country      *country
	countryHabit string
	phone        phoneNum
	phoneStyle   int
	title        *titleGroup
	titleHabit   string

	b2b *b2bPerson // nil outside B2B mode

	rng   *rng
	steps []step
	next  int      // index of the next step to emit
	seen  []uint64 // hashes of the bodies already emitted
}

// emailAddr is an address built from name parts, kept apart so that
// variations (Gmail dots) can rebuild it.
type emailAddr struct {
	parts  []string // letters of the name parts, in order
	sep    string   // separator between parts
	digits string   // trailing digits, or ""
	domain string
}

func (e *emailAddr) String() string {
	return strings.Join(e.parts, e.sep) + e.digits + "@" + e.domain
}

var personalDomains = []struct {
	domain  string
	weight  int
	culture string
}{
	{"gmail.com", 45, ""}, {"outlook.com", 15, ""}, {"hotmail.com", 12, ""}, {"yahoo.com", 10, ""},
	{"icloud.com", 7, ""}, {"proton.me", 3, ""}, {"live.com", 3, ""},
	{"qq.com", 40, "zh"}, {"163.com", 25, "zh"}, {"yahoo.co.jp", 20, "ja"}, {"web.de", 15, "de"}, {"gmx.de", 15, "de"},
	{"wp.pl", 15, "pl"}, {"o2.pl", 10, "pl"}, {"uol.com.br", 8, "pt"}, {"bol.com.br", 5, "pt"}, {"orange.fr", 12, "fr"},
	{"free.fr", 8, "fr"}, {"rediffmail.com", 8, "in"}, {"yahoo.co.uk", 5, "en"},
}

// cultureState is the generator's per-culture state: a shuffled order of
// (given name, surname) pairs and how many people of that culture exist so
// far. Taking pairs in that order makes full names unique until the pairs
// run out; e-mail addresses stay unique beyond that through their digits.
type cultureState struct {
	pairs []int32
	count int
}

// newPerson makes the k-th person of a culture.
func newPerson(r *rng, id string, c *culture, cs *cultureState) *person {
	p := &person{id: id, culture: c, rng: r}
	k := cs.count
	cs.count++
	pair := int(cs.pairs[k%len(cs.pairs)])
	unique := k < len(cs.pairs)
	if k > 0 && r.chance(200) {
		// a namesake: the same full name as someone earlier
		pair = int(cs.pairs[r.n(min(k, len(cs.pairs)))])
		unique = false
	}
	p.first = c.first[pair%len(c.first)]
	p.last = c.last[pair/len(c.first)]
	if c.feminine != nil {
		if f := c.feminine(p.first.s, p.last.s); f != p.last.s {
			p.last = nameEntry{s: f}
		}
	}
	p.nameHabits(r)

	// company: most people work for a company of their own countries
	if local := companiesInAny(c.countries); len(local) > 0 && r.chance(5500) {
		p.company = companies[pick(r, local)]
	} else {
		p.company = pick(r, companies)
	}
	if r.chance(6500) {
		p.companyHabit = p.company.variants[0]
	} else {
		p.companyHabit = pick(r, p.company.variants)
	}

	// country: where the company is, or home
	code := p.company.country
	if r.chance(2000) {
		code = c.countries[0]
	}
	p.placeHabits(r, code)

	// e-mail: a work address on the company's domain for most people, and
	// a personal address for everyone
	first, last := localPart(p.first.s, c), localPart(p.last.s, c)
	disc := ""
	if !unique {
		disc = strconv.Itoa(k + 1)
	}
	if r.chance(8000) {
		e := &emailAddr{domain: p.company.domain, digits: disc}
		switch p.company.convention {
		case convFirstDotLast:
			e.parts, e.sep = []string{first, last}, "."
		case convFirstLast:
			e.parts, e.sep = []string{first, last}, ""
		case convFirstUnderLast:
			e.parts, e.sep = []string{first, last}, "_"
		default:
			e.parts, e.sep = []string{last, first}, "."
		}
		p.work = e
	}
	p.personal = personalAddress(r, c, first, last, k, unique)
	return p
}

// nameHabits draws the second surname, middle initial, English name and
// the habits of writing the name.
func (p *person) nameHabits(r *rng) {
	c := p.culture
	if c.twoSurnames > 0 && r.chance(c.twoSurnames) {
		for {
			if s := pick(r, c.last).s; s != p.last.s {
				p.last2 = s
				break
			}
		}
	}
	if c.middleRate > 0 && r.chance(c.middleRate) {
		p.middle = string(rune('A'+r.n(26))) + "."
	}
	if c.aliasRate > 0 && r.chance(c.aliasRate) {
		p.alias = pick(r, englishAliases)
	}
	p.native = c.nativeRate > 0 && r.chance(c.nativeRate)
	if len(p.first.nicks) > 0 {
		switch r.weighted([]int{50, 35, 15}) {
		case 1:
			p.nickUse = 5000
		case 2:
			p.nickUse = 9000
		}
	}
	p.accent = []int{500, 2500, 6000}[r.weighted([]int{60, 30, 10})]
	p.romaji = r.n(3)
}

// placeHabits draws the country the person gives and how they write it,
// their number and its style, and their job title.
func (p *person) placeHabits(r *rng, code string) {
	c := p.culture
	p.country = countries[code]
	texts, w := p.country.formsFor(c)
	p.countryHabit = texts[r.weighted(w)]
	p.phone = phoneNum{plan: &p.country.phone, groups: p.country.phone.make(r)}
	p.phoneStyle = r.weighted(phoneStyleWeights[:])

	idx, tw := titlesFor(c)
	p.title = &titles[idx[r.weighted(tw)]]
	if r.chance(7000) {
		p.titleHabit = p.title.forms[0]
	} else {
		p.titleHabit = pick(r, p.title.forms)
	}
}

func companiesInAny(codes []string) []int {
	var out []int
	for _, c := range codes {
		out = append(out, companiesIn[c]...)
	}
	return out
}

// personalAddress builds a free-mail address. Addresses made only of the
// name are kept for people whose full name is unique; the others carry
// digits made from k, which is unique within the culture (surnames never
// repeat across cultures), so no two people share an address.
func personalAddress(r *rng, c *culture, first, last string, k int, unique bool) *emailAddr {
	ds := make([]int, 0, len(personalDomains))
	for _, d := range personalDomains {
		if d.culture == "" || d.culture == c.code {
			ds = append(ds, d.weight)
		} else {
			ds = append(ds, 0)
		}
	}
	e := &emailAddr{domain: personalDomains[r.weighted(ds)].domain}
	if e.domain == "qq.com" {
		// QQ addresses are account numbers
		e.parts = []string{strconv.FormatInt(100000000+int64(k)*7919+1, 10)}
		return e
	}
	year := strconv.Itoa(60 + r.n(40))
	num := year + strconv.Itoa(k)
	switch r.weighted([]int{40, 25, 20, 15}) {
	case 0:
		e.parts, e.sep = []string{first, last}, "."
		if !unique || r.chance(6000) {
			e.digits = num
		}
	case 1:
		e.parts, e.sep = []string{first, last}, ""
		if !unique || r.chance(6000) {
			e.digits = num
		}
	case 2:
		e.parts, e.sep, e.digits = []string{first[:1] + last}, "", num
	default:
		e.parts, e.sep, e.digits = []string{last, first}, "", num
	}
	return e
}

// primary is the address the person usually types.
func (p *person) primary() *emailAddr {
	if p.work != nil {
		return p.work
	}
	return p.personal
}

// The contact fields in the order Microsoft documents them.
const (
	fFirst = iota
	fLast
	fEmail
	fPhone
	fCountry
	fCompany
	fTitle
	numContactFields
)

// typed is what a person entered in one form.
type typed struct {
	v       [numContactFields]string
	missing [numContactFields]bool
	// phoneDigits says the phone is only digits, so it may travel as a
	// JSON number.
	phoneDigits bool
}

// Variation rates, in basis points per form. Most details are filled in
// from the customer's Microsoft account, so the same person usually sends
// the same values; hand-typed free-text fields (phone, country, company
// suffix, title) drift more than names, and outright errors are rare.
const (
	rateAliasUse         = 5000
	rateNativeUse        = 4000
	rateMiddleInitial    = 2500
	rateOneSurname       = 3500
	rateGermanTranslit   = 5000
	rateNameCase         = 400
	rateNameTypo         = 150
	rateWhitespace       = 300
	rateOtherEmail       = 1200
	rateOtherEmailPortal = 3000
	rateGmailDots        = 2500
	rateGmailPlus        = 800
	rateGooglemail       = 400
	rateEmailCase        = 500
	rateEmailTypo        = 80
	ratePhoneMissing     = 700
	ratePhoneStyle       = 3000
	rateCountryMissing   = 300
	rateCountryForm      = 1200
	rateCompanyMissing   = 400
	rateCompanyForm      = 2000
	rateCompanyCase      = 300
	rateCompanyTypo      = 150
	rateTitleMissing     = 800
	rateTitleForm        = 1200
	rateLastMissing      = 50
)

// fill draws what the person types on one form and names the variations
// applied, relative to their usual way of writing things.
func (p *person) fill(r *rng, source string, vars *[]string) typed {
	var t typed
	c := p.culture
	note := func(s string) { *vars = append(*vars, s) }

	// names
	first, last := p.first.s, p.last.s
	if p.last2 != "" {
		last += " " + p.last2
	}
	switch {
	case p.native && p.first.native != "" && r.chance(rateNativeUse):
		first, last = p.first.native, p.last.native
		note("native-script")
	default:
		switch {
		case p.alias != "" && r.chance(rateAliasUse):
			first = p.alias
			note("english-name")
		case p.nickUse > 0 && r.chance(p.nickUse):
			first = pick(r, p.first.nicks)
			note("nickname")
		}
		if p.middle != "" && r.chance(rateMiddleInitial) {
			first += " " + p.middle
			note("middle-initial")
		}
		if p.last2 != "" && r.chance(rateOneSurname) {
			last = p.last.s
			note("one-surname")
		}
		if !isASCII(first+last) && r.chance(p.accent) {
			switch {
			case c.code == "de" && r.chance(rateGermanTranslit):
				first, last = foldWith(first, germanTable), foldWith(last, germanTable)
			case c.code == "ja":
				first, last = foldWith(first, japaneseLong[p.romaji]), foldWith(last, japaneseLong[p.romaji])
			default:
				first, last = fold(first), fold(last)
			}
			note("accents-dropped")
		}
		if r.chance(rateNameCase) {
			switch r.n(4) {
			case 0:
				first, last = strings.ToLower(first), strings.ToLower(last)
			case 1:
				last = strings.ToUpper(last)
			case 2:
				first, last = strings.ToUpper(first), strings.ToUpper(last)
			default:
				first = strings.ToLower(first)
			}
			note("name-case")
		}
		if r.chance(rateNameTypo) {
			if r.n(2) == 0 {
				first = typo(r, first)
			} else {
				last = typo(r, last)
			}
			note("name-typo")
		}
	}
	if r.chance(c.swapRate) {
		first, last = last, first
		note("swapped-name")
	}
	t.v[fFirst], t.v[fLast] = first, last
	if r.chance(rateLastMissing) {
		t.missing[fLast] = true
		note("missing-last-name")
	}

	// e-mail
	addr := p.primary()
	other := rateOtherEmail
	if source == "AzurePortal" {
		other = rateOtherEmailPortal
	}
	if p.work != nil && r.chance(other) {
		addr = p.personal
		note("other-email")
	} else if b := p.b2b; b != nil && b.m.role != nil && !b.moved && r.chance(b.m.roleUse) {
		addr = b.m.role
		note("role-mailbox")
	}
	if p.b2b != nil && p.b2b.moved {
		note("changed-company")
	}
	t.v[fEmail] = p.emailVariant(r, addr, note)

	// phone
	if r.chance(ratePhoneMissing) {
		t.missing[fPhone] = true
		note("missing-phone")
	} else {
		style := p.phoneStyle
		if r.chance(ratePhoneStyle) {
			if s := r.weighted(phoneStyleWeights[:]); s != style {
				style = s
				note("phone-format")
			}
		}
		t.v[fPhone] = p.phone.format(style)
		if b := p.b2b; b != nil && b.company != nil && r.chance(b.m.phoneUse) {
			t.v[fPhone] = b.company.switchboard.format(style)
			note("switchboard")
		}
		t.phoneDigits = asNumber(t.v[fPhone])
	}

	// country, company, title
	t.usual(r, note, fCountry, rateCountryMissing, rateCountryForm, p.countryHabit, func() string {
		texts, w := p.country.formsFor(c)
		return texts[r.weighted(w)]
	})
	if p.b2b != nil && p.b2b.company == nil {
		// an individual
		t.v[fCompany], t.missing[fCompany] = p.b2b.junk, p.b2b.junk == ""
	} else if t.usual(r, note, fCompany, rateCompanyMissing, rateCompanyForm, p.companyHabit, func() string {
		return pick(r, p.company.variants)
	}) {
		s := t.v[fCompany]
		if r.chance(rateCompanyCase) {
			if r.n(2) == 0 {
				s = strings.ToUpper(s)
			} else {
				s = strings.ToLower(s)
			}
			note("company-case")
		}
		if r.chance(rateCompanyTypo) {
			s = typo(r, s)
			note("company-typo")
		}
		t.v[fCompany] = s
	}

	t.usual(r, note, fTitle, rateTitleMissing, rateTitleForm, p.titleHabit, func() string {
		return pick(r, p.title.forms)
	})

	// stray white space in one field
	if r.chance(rateWhitespace) {
		f := []int{fFirst, fLast, fCompany, fTitle, fCountry}[r.n(5)]
		if !t.missing[f] && t.v[f] != "" {
			t.v[f] = addSpace(r, t.v[f])
			note("whitespace")
		}
	}
	return t
}

// usualNotes name the variations of the fields typed.usual fills.
var usualNotes = [numContactFields]struct{ missing, variant string }{
	fCountry: {"missing-country", "country-variant"},
	fCompany: {"missing-company", "company-variant"},
	fTitle:   {"missing-title", "title-variant"},
}

// usual fills field f the way the person usually writes it: left out now
// and then (chance missing), or written in another of its forms, drawn by
// other (chance form). It reports whether the field is filled.
func (t *typed) usual(r *rng, note func(string), f int, missing, form int, habit string, other func() string) bool {
	if r.chance(missing) {
		t.missing[f] = true
		note(usualNotes[f].missing)
		return false
	}
	t.v[f] = habit
	if r.chance(form) {
		if s := other(); s != habit {
			t.v[f] = s
			note(usualNotes[f].variant)
		}
	}
	return true
}

// emailVariant writes an address the way the person types it this time.
func (p *person) emailVariant(r *rng, e *emailAddr, note func(string)) string {
	parts, sep, domain := e.parts, e.sep, e.domain
	local := ""
	gmail := domain == "gmail.com" || domain == "googlemail.com"
	if gmail && r.chance(rateGmailDots) {
		// Gmail ignores dots: people type them or not, now and then
		// somewhere odd
		joined := strings.Join(parts, "")
		switch {
		case sep == "." || len(parts) < 2:
			local = joined
			if len(parts) < 2 && len(joined) > 3 {
				i := 1 + r.n(len(joined)-2)
				local = joined[:i] + "." + joined[i:]
			}
		case r.chance(8000):
			local = strings.Join(parts, ".")
		default:
			i := 1 + r.n(len(joined)-1)
			local = joined[:i] + "." + joined[i:]
		}
		note("gmail-dots")
	} else {
		local = strings.Join(parts, sep)
	}
	local += e.digits
	if gmail && r.chance(rateGmailPlus) {
		local += "+" + pick(r, []string{"azure", "marketplace", "appsource", "trials", "work", "leads", "ms"})
		note("gmail-plus")
	}
	if domain == "gmail.com" && r.chance(rateGooglemail) {
		domain = "googlemail.com"
		note("googlemail")
	}
	if r.chance(rateEmailCase) {
		switch r.n(3) {
		case 0:
			local = titleCaseParts(local)
		case 1:
			domain = capitalize(domain)
			local = titleCaseParts(local)
		default:
			local, domain = strings.ToUpper(local), strings.ToUpper(domain)
		}
		note("email-case")
	}
	if r.chance(rateEmailTypo) {
		local = typoLetters(r, local)
		note("email-typo")
	}
	return local + "@" + domain
}

// titleCaseParts capitalises each dot- or underscore-separated part:
// "jose.garcia" → "Jose.Garcia".
func titleCaseParts(s string) string {
	b := []byte(s)
	up := true
	for i, c := range b {
		if up && 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		up = c == '.' || c == '_'
	}
	return string(b)
}

// keyboard lists the neighbours of each letter on a QWERTY keyboard.
var keyboard = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "ryg", 'y': "tuh", 'u': "yij", 'i': "uok", 'o': "ipl", 'p': "ol",
	'a': "qsz", 's': "adwx", 'd': "sfe", 'f': "dgr", 'g': "fht", 'h': "gjy", 'j': "hku", 'k': "jli", 'l': "ko",
	'z': "xa", 'x': "zcs", 'c': "xvd", 'v': "cbf", 'b': "vng", 'n': "bmh", 'm': "nj",
}

// typo makes one slip in s: two letters swapped, one dropped, one doubled,
// or one replaced by a neighbouring key. The result always differs from s.
func typo(r *rng, s string) string {
	rs := []rune(s)
	var letters []int
	for i, c := range rs {
		if unicode.IsLetter(c) {
			letters = append(letters, i)
		}
	}
	if len(letters) < 2 {
		return s + s[len(s)-1:]
	}
	for range 8 {
		i := letters[r.n(len(letters))]
		out := append([]rune(nil), rs...)
		switch r.n(4) {
		case 0:
			if i+1 < len(out) && unicode.IsLetter(out[i+1]) && out[i] != out[i+1] {
				out[i], out[i+1] = out[i+1], out[i]
			} else {
				continue
			}
		case 1:
			if len(letters) < 4 {
				continue
			}
			out = append(out[:i], out[i+1:]...)
		case 2:
			out = append(out[:i+1], out[i:]...)
		default:
			lower := unicode.ToLower(out[i])
			nb, ok := keyboard[lower]
			if !ok {
				continue
			}
			n := rune(nb[r.n(len(nb))])
			if unicode.IsUpper(out[i]) {
				n = unicode.ToUpper(n)
			}
			out[i] = n
		}
		if v := string(out); v != s {
			return v
		}
	}
	return string(append(rs, rs[letters[len(letters)-1]]))
}

// typoLetters is typo restricted to the letters of an e-mail local part,
// so the digits that keep addresses unique stay intact.
func typoLetters(r *rng, local string) string {
	end := len(local)
	for end > 0 && (local[end-1] >= '0' && local[end-1] <= '9' || local[end-1] == '+') {
		end--
	}
	if plus := strings.IndexByte(local, '+'); plus >= 0 && plus < end {
		end = plus
	}
	head := local[:end]
	if utf8.RuneCountInString(head) < 3 {
		return local
	}
	return typo(r, head) + local[end:]
}

// addSpace adds stray white space: doubled between words, or at an end.
func addSpace(r *rng, s string) string {
	if i := strings.IndexByte(s, ' '); i > 0 && r.n(2) == 0 {
		return s[:i] + " " + s[i:]
	}
	if r.n(2) == 0 {
		return s + " "
	}
	return " " + s
}
