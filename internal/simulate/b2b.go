package simulate

import (
	"fmt"
	"slices"
	"strings"
)

// B2B mode: the leads of colleagues. People belong to companies whose
// sizes follow Zipf's law, and share what colleagues share: the company's
// name (written many ways), domain, country, switchboard number and role
// mailboxes (info@, sales@, it@). Some colleagues share a surname, a few
// have the same full name and get numbered mailboxes (clee1@, clee2@),
// some go by the same short name (Chris for Christopher and Christine).
// Some people use only a free-mail address at work, some act as
// individuals with no company at all, and some change company in the
// middle of their journey (new company and address, same name and mobile).
//
// The world (companies and the identity of every person) is drawn when the
// run starts, from streams of its own, so memory grows with the number of
// people rather than staying flat.

// B2BConfig describes the companies of a B2B run.
type B2BConfig struct {
	// Companies is the number of companies; 0 means one per five people.
	Companies int
	// Large gives the largest few companies 30 people or more (up to
	// 160); otherwise no company has more than MaxCompanySize.
	Large bool
}

// MaxCompanySize is the most people of one company in a B2B run without
// Large.
const MaxCompanySize = 29

// largeCaps are the sizes the largest companies may reach with Large.
var largeCaps = []int{160, 110, 80, 55, 40, 34, 31}

// MaxCompanies is the number of distinct company names B2B mode can make.
var MaxCompanies = len(b2bWords1) * len(b2bWords2) * (len(b2bWords3) + 1)

// Streams of the B2B world.
const (
	streamB2B        = 6 << 40
	streamB2BCompany = 7 << 40
)

var (
	b2bWords1 = []string{
		"Blue", "North", "Silver", "Apex", "Cedar", "Granite", "Harbor", "Iron", "Maple", "Summit",
		"River", "Oak", "Pine", "Bright", "Clear", "Eagle", "Falcon", "Golden", "Green", "Lake",
		"Stone", "Swift", "True", "Vertex", "Nova", "Prime", "Atlas", "Beacon", "Crest", "Delta",
		"Echo", "Frontier", "Horizon", "Keystone", "Liberty", "Meridian", "Orion", "Pioneer", "Quantum", "Red",
		"Sterling", "Titan", "Union", "Vista", "West", "East", "Southern", "Pacific", "Atlantic", "Alpine",
	}
	b2bWords2 = []string{
		"Data", "Systems", "Logistics", "Foods", "Health", "Energy", "Software", "Analytics", "Consulting", "Partners",
		"Labs", "Networks", "Solutions", "Manufacturing", "Capital", "Retail", "Media", "Engineering", "Pharma", "Robotics",
		"Security", "Cloud", "Telecom", "Motors", "Textiles", "Insurance", "Bank", "Biotech", "Digital", "Freight",
	}
	b2bWords3 = []string{"Group", "Holdings", "International", "Services", "Technologies"}
)

// b2bSuffixes are the legal forms registered in each country; each has its
// spellings in suffixForms.
var b2bSuffixes = map[string][]string{
	"US": {"Inc.", "LLC", "Corporation", ""}, "CA": {"Inc.", "Ltd.", ""}, "GB": {"Ltd", "Limited", "PLC"},
	"AU": {"Pty Ltd"}, "IN": {"Pvt Ltd", "Private Limited"}, "NG": {"Ltd", "Limited"}, "DE": {"GmbH", "AG"},
	"AT": {"GmbH"}, "CH": {"AG", "GmbH"}, "BR": {"Ltda", "S.A."}, "PT": {"Lda."}, "ES": {"S.L.", "S.A."},
	"MX": {"S.A. de C.V."}, "AR": {"S.A."}, "FR": {"SAS", "SARL"}, "NL": {"B.V."}, "PL": {"Sp. z o.o."},
	"CN": {"Co., Ltd."}, "JP": {"K.K.", "Co., Ltd."},
}

var b2bTLD = map[string]string{
	"US": "com", "CA": "ca", "GB": "co.uk", "AU": "com.au", "IN": "co.in", "NG": "com.ng", "DE": "de", "AT": "at",
	"CH": "ch", "BR": "com.br", "PT": "pt", "ES": "es", "MX": "com.mx", "AR": "com.ar", "FR": "fr", "NL": "nl",
	"PL": "pl", "CN": "com.cn", "JP": "co.jp",
}

// Further e-mail conventions of B2B companies.
const (
	convInitialLast = convLastDotFirst + 1 + iota // clee
	convFirstOnly                                 // chris (small companies)
)

// roleBoxes are the shared mailboxes colleagues type instead of their own.
var roleBoxes = []string{"info", "sales", "it"}

// nickGroups are given names that share a short form: colleagues called
// Christopher and Christine may both sign as Chris.
var nickGroups = [][]string{
	{"Christopher", "Christine", "Christian", "Christina", "=Chris"},
	{"Alexander", "Alexandra", "Alexis", "=Alex"},
	{"Samuel", "Samantha", "=Sam"},
	{"Daniel", "Danielle", "=Dan,Dani"},
	{"Patrick", "Patricia", "=Pat"},
	{"Frederick", "Frederica", "=Fred,Freddie"},
	{"Joseph", "Josephine", "=Jo,Joe"},
	{"Nicholas", "Nicole", "=Nick,Nicky"},
	{"Andrew", "Andrea", "=Andy"},
}

// individualCompanies are what people without a company type in the
// company field, when they type anything.
var individualCompanies = []string{"Self-employed", "Freelancer", "N/A", "Personal", "-", "Independent Consultant", "None", "Student"}

// bCompany is a company of a B2B run.
type bCompany struct {
	*company
	id          string
	rank        int // 0 is the largest
	culture     int // the culture of most of its people
	switchboard phoneNum
	roles       []*emailAddr // role mailboxes, possibly none
	members     []*member
	locals      map[string]int // e-mail local part (without digits) → people using it
}

// member is who a person of a B2B run is: drawn when the run starts so
// that colleagues can be made alike.
type member struct {
	company  int // index in world.companies, or -1 for an individual
	culture  int
	country  string   // the country the person gives
	mobile   phoneNum // the person's own number
	first    nameEntry
	last     nameEntry
	unique   bool       // no one else in the run has this full name
	work     *emailAddr // nil: uses a free-mail address at work
	role     *emailAddr // a role mailbox the person types, or nil
	roleUse  int        // chance per form of typing role, in basis points
	phoneUse int        // chance per form of giving the switchboard
	moveTo   int        // company joined in the middle of the journey, or -1
	moveWork *emailAddr // the address there
	// namesake and sameSurname record what the person shares with an
	// earlier colleague (for tests and reports).
	namesake, sameSurname, sharedNick bool
}

// world is the companies and people of a B2B run.
type world struct {
	companies []*bCompany
	members   []*member       // by person index
	phones    map[string]bool // numbers given out
}

func (c B2BConfig) validate() error {
	if c.Companies < 0 {
		return fmt.Errorf("simulate: B2B.Companies must not be negative")
	}
	if c.Companies > MaxCompanies {
		return fmt.Errorf("simulate: B2B.Companies is at most %d", MaxCompanies)
	}
	return nil
}

// newWorld draws the companies and the identities of people people.
func newWorld(seed uint64, cfg B2BConfig, people int) *world {
	r := newRNG(seed, streamB2B)
	n := cfg.Companies
	if n == 0 {
		n = max(1, people/5)
	}
	w := &world{phones: map[string]bool{}}
	w.makeCompanies(r, n)
	individuals := people * 12 / 100
	sizes := zipfSizes(n, people-individuals, cfg.Large)
	// people the companies cannot hold act as individuals
	individuals = people
	for _, s := range sizes {
		individuals -= s
	}
	seen := map[string]int{}
	for k, c := range w.companies {
		cr := newRNG(seed, streamB2BCompany+uint64(k))
		for range sizes[k] {
			c.members = append(c.members, w.newMember(cr, k, seen))
		}
	}
	slots := make([]*member, 0, people)
	for _, c := range w.companies {
		slots = append(slots, c.members...)
	}
	for range individuals {
		ci := r.weighted(cultureWeights)
		m := &member{company: -1, culture: ci, moveTo: -1}
		m.first, m.last = pick(r, cultures[ci].first), pick(r, cultures[ci].last)
		m.feminine()
		seen[m.first.s+" "+m.last.s]++
		m.country = cultures[ci].countries[0]
		m.mobile = w.phone(r, m.country)
		slots = append(slots, m)
	}
	shuffle(r, slots)
	for _, m := range slots {
		m.unique = seen[m.first.s+" "+m.last.s] == 1
	}
	// some people change company: a new address on the new domain
	for _, m := range slots {
		if m.company >= 0 && len(w.companies) > 1 && r.chance(400) {
			to := r.n(len(w.companies) - 1)
			if to >= m.company {
				to++
			}
			m.moveTo = to
			nc := w.companies[to]
			m.moveWork = nc.address(m, false)
		}
	}
	w.members = slots
	return w
}

func (m *member) feminine() {
	c := cultures[m.culture]
	if c.feminine != nil {
		if f := c.feminine(m.first.s, m.last.s); f != m.last.s {
			m.last = nameEntry{s: f}
		}
	}
}

// makeCompanies invents n companies with distinct names and domains.
func (w *world) makeCompanies(r *rng, n int) {
	combos := make([]int32, len(b2bWords1)*len(b2bWords2))
	for i := range combos {
		combos[i] = int32(i)
	}
	shuffle(r, combos)
	domains := map[string]bool{}
	for k := range n {
		i := int(combos[k%len(combos)])
		base := b2bWords1[i%len(b2bWords1)] + " " + b2bWords2[i/len(b2bWords1)]
		if round := k / len(combos); round > 0 {
			base += " " + b2bWords3[(round-1+i)%len(b2bWords3)]
		}
		ci := r.weighted(cultureWeights)
		cul := cultures[ci]
		code := cul.countries[0]
		if r.chance(3000) {
			code = pick(r, cul.countries)
		}
		c := &company{base: base, country: code}
		c.suffix = pick(r, b2bSuffixes[code])
		c.the = r.chance(700)
		c.comma = c.suffix != "" && r.chance(2500) && !strings.Contains(c.suffix, ",")
		slug := strings.ToLower(base)
		switch r.weighted([]int{55, 30, 15}) {
		case 0:
			slug = strings.ReplaceAll(slug, " ", "")
		case 1:
			slug = strings.ReplaceAll(slug, " ", "-")
		default:
			f := strings.Fields(slug)
			slug = ""
			for _, x := range f[:len(f)-1] {
				slug += x[:1]
			}
			slug += f[len(f)-1]
		}
		tld := b2bTLD[code]
		if r.chance(3000) {
			tld = "com"
		}
		c.domain = slug + "." + tld
		for d := 2; domains[c.domain]; d++ {
			c.domain = fmt.Sprintf("%s%d.%s", slug, d, tld)
		}
		domains[c.domain] = true
		c.convention = r.weighted([]int{50, 12, 6, 6, 22, 4})
		c.variants = b2bVariants(c)
		bc := &bCompany{company: c, id: fmt.Sprintf("c%05d", k+1), rank: k, culture: ci, locals: map[string]int{}}
		bc.switchboard = w.phone(r, code)
		for _, role := range roleBoxes {
			if r.chance(5000) {
				bc.roles = append(bc.roles, &emailAddr{parts: []string{role}, domain: c.domain})
			}
		}
		w.companies = append(w.companies, bc)
	}
}

// b2bVariants adds to companyVariants the spellings people give a company
// on forms: the name without punctuation, in capitals or lower case, with
// a "The" it does not have.
func b2bVariants(c *company) []string {
	out := companyVariants(c)
	add := func(s string) {
		for _, v := range out {
			if v == s {
				return
			}
		}
		out = append(out, s)
	}
	reg := out[0]
	add(strings.NewReplacer(".", "", ",", "").Replace(reg))
	add(strings.ToUpper(c.base))
	add(strings.ToLower(reg))
	if !c.the {
		add("The " + c.base)
	}
	return out
}

// zipfSizes splits people over n companies: the company of rank k gets
// about C/(k+1) people (Zipf's law), at least one each while there are
// people enough, and at most MaxCompanySize (more for the largest few with
// large). Integer arithmetic only.
func zipfSizes(n, people int, large bool) []int {
	capOf := func(k int) int {
		if large && k < len(largeCaps) {
			return largeCaps[k]
		}
		return MaxCompanySize
	}
	minSize := 0
	if people >= n {
		minSize = 1
	}
	size := func(c int64, k int) int {
		s := int(c / (1024 * int64(k+1)))
		return min(max(s, minSize), capOf(k))
	}
	total := func(c int64) int {
		t := 0
		for k := range n {
			t += size(c, k)
		}
		return t
	}
	maxTotal := total(1 << 62)
	people = min(people, maxTotal)
	lo, hi := int64(0), int64(1024)*int64(people+1)*int64(n)
	for lo < hi {
		mid := lo + (hi-lo)/2
		if total(mid) >= people {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	// lo is the smallest C that places everyone: take back the people
	// that C placed beyond C-1, from the smallest companies, until the
	// sum is exact.
	out := make([]int, n)
	sum := 0
	for k := range n {
		out[k] = size(lo, k)
		sum += out[k]
	}
	for k := n - 1; sum > people && k >= 0; k-- {
		if lo > 0 && out[k] > size(lo-1, k) {
			out[k]--
			sum--
		}
	}
	return out
}

// newMember draws a colleague of company k.
func (w *world) newMember(r *rng, k int, seen map[string]int) *member {
	c := w.companies[k]
	m := &member{company: k, moveTo: -1}
	m.culture = c.culture
	if r.chance(2500) {
		m.culture = r.weighted(cultureWeights)
	}
	cul := cultures[m.culture]
	m.first, m.last = pick(r, cul.first), pick(r, cul.last)
	var earlier *member
	if len(c.members) > 0 {
		earlier = c.members[r.n(len(c.members))]
	}
	switch {
	case earlier != nil && r.chance(250):
		// a namesake colleague
		m.culture, m.first, m.last, m.namesake = earlier.culture, earlier.first, earlier.last, true
		earlier.namesake = true
	case earlier != nil && r.chance(1000):
		if m.culture != earlier.culture {
			m.culture = earlier.culture
			m.first = pick(r, cultures[m.culture].first)
		}
		m.last, m.sameSurname = earlier.last, true
		cul = cultures[m.culture]
		for range 4 {
			if m.first.s != earlier.first.s {
				break
			}
			m.first = pick(r, cul.first)
		}
	}
	if cultures[m.culture].code == "en" && !m.namesake && r.chance(800) {
		g := pick(r, nickGroups)
		for _, e := range c.members {
			if e.sharedNick && r.n(2) == 0 {
				for _, h := range nickGroups {
					if slices.Contains(h[:len(h)-1], e.first.s) {
						g = h
					}
				}
			}
		}
		names := g[:len(g)-1]
		m.first = nameEntry{s: pick(r, names), nicks: strings.Split(strings.TrimPrefix(g[len(g)-1], "="), ",")}
		m.sharedNick = true
	}
	if !m.namesake {
		m.feminine()
	}
	seen[m.first.s+" "+m.last.s]++
	// how they reach the company: free-mail only, the switchboard, a role box
	if !r.chance(1500) {
		m.work = c.address(m, m.namesake)
		if m.namesake && earlier.work != nil && earlier.work.digits == "" &&
			strings.Join(earlier.work.parts, earlier.work.sep) == strings.Join(m.work.parts, m.work.sep) {
			earlier.work.digits = "1"
		}
	}
	m.phoneUse = []int{0, 10000, 5000}[r.weighted([]int{50, 25, 25})]
	m.country = c.country
	if r.chance(1000) {
		m.country = cultures[m.culture].countries[0]
	}
	m.mobile = w.phone(r, m.country)
	if len(c.roles) > 0 && r.chance(1800) {
		m.role = pick(r, c.roles)
		m.roleUse = 2500
		if r.chance(4000) {
			m.roleUse = 10000
		}
	}
	return m
}

// address gives a person a work address on the company's domain by its
// convention, numbering it when the plain one is taken: namesakes both get
// numbers (clee1, clee2), a later colleague whose address would clash gets
// the next number.
func (c *bCompany) address(m *member, numbered bool) *emailAddr {
	cul := cultures[m.culture]
	first, last := localPart(m.first.s, cul), localPart(m.last.s, cul)
	e := &emailAddr{domain: c.domain}
	switch c.convention {
	case convFirstDotLast:
		e.parts, e.sep = []string{first, last}, "."
	case convFirstLast:
		e.parts = []string{first, last}
	case convFirstUnderLast:
		e.parts, e.sep = []string{first, last}, "_"
	case convLastDotFirst:
		e.parts, e.sep = []string{last, first}, "."
	case convInitialLast:
		e.parts = []string{firstLetter(first) + last}
	default:
		e.parts = []string{first}
	}
	key := strings.Join(e.parts, e.sep)
	n := c.locals[key]
	c.locals[key] = n + 1
	switch {
	case n == 0 && numbered:
		e.digits = "1"
		c.locals[key] = 1
	case n > 0:
		e.digits = fmt.Sprint(n + 1)
	}
	return e
}

func firstLetter(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

// b2bPerson is what a person of a B2B run has beyond a person.
type b2bPerson struct {
	m       *member
	company *bCompany // where the person works now; nil for an individual
	junk    string    // what an individual types as company, or ""
	moveAt  int       // the step from which the person works at m.moveTo; 0: never
	moved   bool
}

// newPerson makes person j of the world.
func (w *world) newPerson(r *rng, id string, j int) *person {
	m := w.members[j]
	c := cultures[m.culture]
	p := &person{id: id, culture: c, rng: r, first: m.first, last: m.last}
	p.nameHabits(r)
	b := &b2bPerson{m: m}
	p.b2b = b
	if m.company >= 0 {
		b.company = w.companies[m.company]
		p.company = b.company.company
		p.companyHabit = p.company.variants[0]
		if !r.chance(6500) {
			p.companyHabit = pick(r, p.company.variants)
		}
		p.placeHabits(r, m.country)
	} else {
		p.placeHabits(r, m.country)
		if r.chance(3000) {
			b.junk = pick(r, individualCompanies)
		}
	}
	p.phone = m.mobile
	p.work = m.work
	p.personal = personalAddress(r, c, localPart(m.first.s, c), localPart(m.last.s, c), j, m.unique)
	return p
}

// planMove decides when a person who changes company does so: between two
// of their leads.
func (b *b2bPerson) planMove(r *rng, steps int) {
	if b.m.moveTo >= 0 && steps >= 2 {
		b.moveAt = 1 + r.n(steps-1)
	}
}

// step brings the person to the state of their next lead.
func (b *b2bPerson) step(p *person, w *world) {
	if b.moveAt > 0 && p.next == b.moveAt && !b.moved {
		b.moved = true
		b.company = w.companies[b.m.moveTo]
		p.company = b.company.company
		p.companyHabit = p.company.variants[0]
		p.work = b.m.moveWork
	}
}

// companyID is the ground truth of the company the person acts for now.
func (p *person) companyID() string {
	if p.b2b != nil {
		if p.b2b.company == nil {
			return ""
		}
		return p.b2b.company.id
	}
	return p.company.domain
}
