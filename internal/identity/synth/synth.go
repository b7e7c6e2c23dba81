// Package synth generates synthetic marketplace leads with the variations
// real ones show — nicknames, typos, swapped names, missing fields, email
// sub-addresses and capitalisation, phone formats, company legal forms,
// country spellings — together with the true entity of each lead, to
// measure identity resolution at scale. All names are made up or common
// given names and surnames; no real person is described.
package synth

import (
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Lead is one generated lead.
type Lead struct {
	ID, Entity                                          string
	FirstName, LastName, Email, Phone, Company, Country string
	Title                                               string
}

// Header is the CSV header WriteCSV writes.
var Header = []string{"lead_id", "first_name", "last_name", "email", "phone", "company", "country", "title", "entity_id"}

var firstNames = strings.Fields(`james john robert michael william david richard joseph thomas charles
christopher daniel matthew anthony mark donald steven paul andrew joshua kenneth kevin brian george
timothy ronald edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
brandon benjamin samuel gregory alexander frank patrick raymond jack dennis jerry tyler aaron jose adam
nathan henry douglas zachary peter kyle noah ethan jeremy walter christian keith roger terry austin
sean gerald carl harold dylan arthur lawrence jordan jesse bryan billy bruce gabriel joe logan albert
willie alan eugene russell vincent philip bobby johnny bradley mary patricia jennifer linda elizabeth
barbara susan jessica sarah karen lisa nancy betty sandra margaret ashley kimberly emily donna michelle
carol amanda melissa deborah stephanie dorothy rebecca sharon laura cynthia amy kathleen angela shirley
brenda emma anna pamela nicole samantha katherine christine helen debra rachel carolyn janet maria
catherine heather diane olivia julie joyce victoria ruth virginia lauren kelly christina joan evelyn
judith andrea hannah megan cheryl jacqueline martha madison teresa gloria sara janice ann kathryn abigail
sophia frances jean alice judy isabella julia grace amber denise danielle marilyn beverly charlotte
natalie theresa diana brittany doris kayla alexis lori marie francisco javier carlos manuel antonio
miguel alejandro fernando pablo sergio jorge luis rafael ignacio enrique guillermo dolores pilar rosario
consuelo concepcion lucia carmen isabel paula elena raquel joao pedro tiago rodrigo bruno gustavo
leonardo felipe vinicius mateus beatriz fernanda mariana camila leticia juliana larissa gabriela
klaus jurgen wolfgang stefan andreas michael thomas frank uwe dieter hans johannes friedrich ludwig
heinrich ulrich sabine ursula monika petra claudia birgit katharina susanne stefanie jean pierre michel
philippe alain nicolas francois laurent sebastien emmanuel isabelle sylvie nathalie catherine francoise
sophie celine aurelie`)

var nicknamesOf = map[string][]string{
	"william": {"bill", "will", "billy"}, "robert": {"bob", "rob", "bobby"}, "richard": {"rick", "dick", "rich"},
	"james": {"jim", "jimmy"}, "michael": {"mike", "mick"}, "david": {"dave"}, "thomas": {"tom", "tommy"},
	"anthony": {"tony"}, "joseph": {"joe", "joey"}, "john": {"jack", "johnny"}, "christopher": {"chris"},
	"steven": {"steve"}, "daniel": {"dan", "danny"}, "matthew": {"matt"}, "nicholas": {"nick"},
	"edward": {"ed", "ted"}, "charles": {"charlie", "chuck"}, "elizabeth": {"liz", "beth", "betty"},
	"katherine": {"kate", "kathy"}, "margaret": {"peggy", "maggie"}, "jennifer": {"jen", "jenny"},
	"jose": {"pepe"}, "francisco": {"paco", "pancho"}, "ignacio": {"nacho"}, "enrique": {"quique"},
	"alexander": {"alex"}, "benjamin": {"ben"}, "samuel": {"sam"}, "patricia": {"patty", "trish"},
	"rebecca": {"becky"}, "susan": {"sue"}, "johannes": {"hans"}, "friedrich": {"fritz"}, "andrew": {"andy"},
}

var accented = map[string]string{
	"jose": "José", "jurgen": "Jürgen", "francois": "François", "francoise": "Françoise", "sebastien": "Sébastien",
	"joao": "João", "concepcion": "Concepción", "lucia": "Lucía", "celine": "Céline", "aurelie": "Aurélie",
	"leticia": "Letícia", "vinicius": "Vinícius", "muller": "Müller", "garcia": "García", "gonzalez": "González",
	"rodriguez": "Rodríguez", "martinez": "Martínez", "lopez": "López", "hernandez": "Hernández",
	"perez": "Pérez", "sanchez": "Sánchez", "gomez": "Gómez", "dubois": "Dubois", "lefevre": "Lefèvre",
	"schafer": "Schäfer", "konig": "König", "conceicao": "Conceição", "araujo": "Araújo",
}

var lastNames = strings.Fields(`smith johnson williams brown jones garcia miller davis rodriguez martinez
hernandez lopez gonzalez wilson anderson thomas taylor moore jackson martin lee perez thompson white
harris sanchez clark ramirez lewis robinson walker young allen king wright scott torres nguyen hill
flores green adams nelson baker hall rivera campbell mitchell carter roberts gomez phillips evans
turner diaz parker cruz edwards collins reyes stewart morris morales murphy cook rogers gutierrez ortiz
morgan cooper peterson bailey reed kelly howard ramos kim cox ward richardson watson brooks chavez wood
james bennett gray mendoza ruiz hughes price alvarez castillo sanders patel myers long ross foster
jimenez muller schmidt schneider fischer weber meyer wagner becker schulz hoffmann schafer koch bauer
richter klein wolf schroder neumann schwarz zimmermann braun kruger hofmann hartmann lange schmitt
werner krause konig martin bernard dubois thomas robert richard petit durand leroy moreau simon laurent
lefebvre michel garcia david bertrand roux vincent fournier morel girard andre lefevre mercier silva
santos oliveira souza rodrigues ferreira alves pereira lima gomes costa ribeiro martins carvalho almeida
lopes soares fernandes vieira barbosa rocha dias nascimento andrade moreira nunes marques machado
mendes freitas cardoso ramos goncalves santana teixeira araujo conceicao`)

var syllables = strings.Fields(`ka ro mi ta ne lo vi sa de ru po la ber hau sen man stein wick ford ley
ton ham son berg feld mont val ier ova enko ski ini etti ar os el an ur`)

var companyWords = strings.Fields(`acme global northwind contoso fabrikam tailspin wingtip litware proseware
adventure alpine blue coho datum fourth coffee graphic design humongous insurance lucerne margie travel
nod publishers southridge video trey research wide world importers woodgrove bank alpha beta gamma delta
omega apex summit pinnacle vertex nexus quantum stellar solar lunar ocean river mountain valley forest
green red silver golden iron steel cloud data digital cyber smart bright clear swift rapid prime first
united national international pacific atlantic northern southern eastern western central metro urban
civic royal crown eagle falcon lion tiger wolf bear fox hawk orbit pixel logic vector matrix signal`)

var companyKinds = strings.Fields(`systems solutions software technologies labs analytics consulting partners
group holdings industries logistics media networks services dynamics robotics health energy capital
ventures studios works foods motors pharma security`)

var legalForms = []string{"Inc", "Inc.", "LLC", "Ltd", "Limited", "GmbH", "AG", "S.A.", "SA", "S.L.", "Ltda",
	"B.V.", "N.V.", "Pty Ltd", "PLC", "Corp", "Corporation", "Co", "KK", "Oy", "AB", "AS", "SpA", "Srl", "SARL"}

type countryInfo struct {
	names    []string
	code     string // calling code
	national int    // digits of a national significant number
	prefix   string // a valid leading digit group
	trunk    string // national trunk prefix
}

var countriesList = []countryInfo{
	{[]string{"United States", "US", "USA", "United States of America", "EUA", "Estados Unidos"}, "1", 10, "617", ""},
	{[]string{"Brazil", "Brasil", "BR"}, "55", 11, "1198", "0"},
	{[]string{"Germany", "Deutschland", "DE", "Alemania"}, "49", 11, "1512", "0"},
	{[]string{"United Kingdom", "UK", "GB", "England", "Great Britain"}, "44", 10, "7700", "0"},
	{[]string{"France", "FR", "Frankreich"}, "33", 9, "6", "0"},
	{[]string{"Spain", "España", "ES", "Espana"}, "34", 9, "6", ""},
	{[]string{"Mexico", "México", "MX"}, "52", 10, "55", ""},
	{[]string{"Netherlands", "Holland", "NL", "The Netherlands", "Nederland"}, "31", 9, "6", "0"},
	{[]string{"Japan", "日本", "JP"}, "81", 10, "90", "0"},
	{[]string{"Portugal", "PT"}, "351", 9, "91", ""},
	{[]string{"Canada", "CA"}, "1", 10, "416", ""},
	{[]string{"Australia", "AU"}, "61", 9, "4", "0"},
	{[]string{"India", "IN", "Bharat"}, "91", 10, "98", "0"},
}

var titles = []string{"CTO", "Chief Technology Officer", "IT Manager", "Head of IT", "Software Engineer",
	"Developer", "CEO", "Founder", "Director of Engineering", "VP Engineering", "Procurement Manager",
	"Data Scientist", "Solutions Architect", "Cloud Architect", "Consultant", "Analyst", "Esquire", ""}

var freeDomains = []string{"gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me", "gmx.de", "web.de", "hotmail.fr", "yahoo.com.br"}

type person struct {
	first, last, company, domain, phoneNSN string
	local                                  string
	country                                int
	title                                  string
	freeMail                               string // "" when the person uses the company address
	entity                                 int
}

// Generator draws leads from a fixed population of companies.
type Generator struct {
	rng       *rand.Rand
	emails    map[string]bool
	companies []company
	zipf      *rand.Zipf
	surnames  []string
}

type company struct {
	name, legal, domain string
	country             int
}

// New returns a generator seeded with seed, with a population of
// companies sized for about n leads.
func New(seed uint64, n int) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), emails: map[string]bool{}}
	// Surnames: the common ones plus made-up ones, so that a million
	// leads are not a few hundred families.
	g.surnames = append(g.surnames, lastNames...)
	for i := 0; i < 30000; i++ {
		k := 2 + g.rng.IntN(2)
		var b strings.Builder
		for j := 0; j < k; j++ {
			b.WriteString(syllables[g.rng.IntN(len(syllables))])
		}
		g.surnames = append(g.surnames, b.String())
	}
	nc := max(50, n/8)
	seen := map[string]bool{}
	for len(g.companies) < nc {
		var name string
		switch g.rng.IntN(3) {
		case 0:
			name = title(pick(g.rng, companyWords)) + " " + title(pick(g.rng, companyKinds))
		case 1:
			name = title(pick(g.rng, companyWords)) + " " + title(pick(g.rng, companyWords)) + " " + title(pick(g.rng, companyKinds))
		default:
			name = title(g.surnames[g.rng.IntN(len(g.surnames))]) + " " + title(pick(g.rng, companyKinds))
		}
		if g.rng.IntN(4) == 0 {
			name += " " + strconv.Itoa(1+g.rng.IntN(999))
		}
		if seen[name] {
			continue
		}
		seen[name] = true
		dom := strings.ToLower(strings.ReplaceAll(name, " ", "")) + pick(g.rng, []string{".com", ".io", ".net", ".de", ".com.br", ".co.uk", ".fr"})
		g.companies = append(g.companies, company{name: name, legal: pick(g.rng, legalForms), domain: dom, country: g.rng.IntN(len(countriesList))})
	}
	// Company sizes follow a Zipf law: a few large customers, a long tail.
	g.zipf = rand.NewZipf(g.rng, 1.3, 8, uint64(len(g.companies)-1))
	return g
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Generate returns n leads. Each entity has 1 to 6 leads (about 1.6 on
// average).
func (g *Generator) Generate(n int) []Lead {
	out := make([]Lead, 0, n)
	entity := 0
	for len(out) < n {
		p := g.person(entity)
		k := 1
		for k < 6 && g.rng.Float64() < 0.38 {
			k++
		}
		for i := 0; i < k && len(out) < n; i++ {
			l := g.lead(p, i)
			l.ID = "L" + strconv.Itoa(len(out)+1)
			out = append(out, l)
		}
		entity++
	}
	// Shuffle so duplicates are not adjacent.
	g.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func (g *Generator) person(entity int) person {
	c := g.companies[g.zipf.Uint64()]
	p := person{
		first: pick(g.rng, firstNames), last: g.surnames[g.rng.IntN(len(g.surnames))],
		company: c.name + " " + c.legal, domain: c.domain, country: c.country,
		title: pick(g.rng, titles), entity: entity,
	}
	if g.rng.IntN(10) == 0 { // double-barrelled
		p.last += " " + lastNames[g.rng.IntN(len(lastNames))]
	}
	if g.rng.IntN(3) == 0 {
		p.freeMail = pick(g.rng, freeDomains)
	}
	// An address belongs to one person: a second John Smith at a domain
	// gets a number.
	base := strings.ToLower(strings.ReplaceAll(p.first+"."+p.last, " ", ""))
	dom := p.domain
	if p.freeMail != "" {
		base = strings.ReplaceAll(base, ".", "") + strconv.Itoa(g.rng.IntN(100))
		dom = p.freeMail
	}
	p.local = base
	for k := 2; g.emails[p.local+"@"+dom]; k++ {
		p.local = base + strconv.Itoa(k)
	}
	g.emails[p.local+"@"+dom] = true
	ci := countriesList[p.country]
	var b strings.Builder
	b.WriteString(ci.prefix)
	for b.Len() < ci.national {
		b.WriteByte(byte('0' + g.rng.IntN(10)))
	}
	p.phoneNSN = b.String()
	return p
}

// lead renders one lead of p; the first lead of an entity is the cleanest.
func (g *Generator) lead(p person, i int) Lead {
	r := g.rng
	noisy := func(prob float64) bool { return i > 0 && r.Float64() < prob }
	first, last := p.first, p.last
	if a, ok := accented[first]; ok && r.IntN(2) == 0 {
		first = a
	}
	if a, ok := accented[last]; ok && r.IntN(2) == 0 {
		last = a
	}
	if nn, ok := nicknamesOf[p.first]; ok && noisy(0.3) {
		first = pick(r, nn)
	}
	if noisy(0.15) {
		first = typo(r, first)
	}
	if noisy(0.15) {
		last = typo(r, last)
	}
	first, last = casing(r, first), casing(r, last)
	if noisy(0.05) {
		first, last = last, first
	}
	// Email.
	local, domain := p.local, p.domain
	if p.freeMail != "" {
		domain = p.freeMail
	}
	email := local + "@" + domain
	switch {
	case noisy(0.1) && strings.HasPrefix(domain, "gmail"):
		email = strings.ReplaceAll(local, ".", "") + "+marketplace@gmail.com"
	case noisy(0.1) && strings.HasPrefix(domain, "gmail"):
		email = local + "@googlemail.com"
	case noisy(0.1):
		email = strings.ToUpper(email[:1]) + email[1:]
	case noisy(0.08):
		email = typo(r, local) + "@" + domain
	case noisy(0.15) && p.freeMail == "":
		// The person's private address.
		email = strings.ReplaceAll(local, ".", "") + strconv.Itoa(p.entity) + "@" + pick(r, freeDomains)
	}
	if noisy(0.1) {
		email = ""
	}
	// Phone.
	ci := countriesList[p.country]
	var phone string
	switch r.IntN(4) {
	case 0:
		phone = "+" + ci.code + " " + p.phoneNSN
	case 1:
		phone = ci.trunk + p.phoneNSN
	case 2:
		phone = "00" + ci.code + p.phoneNSN
	default:
		phone = "+" + ci.code + " (" + p.phoneNSN[:3] + ") " + p.phoneNSN[3:6] + "-" + p.phoneNSN[6:]
	}
	if noisy(0.05) {
		phone = typo(r, phone)
	}
	if noisy(0.2) {
		phone = ""
	}
	// Company.
	comp := p.company
	switch {
	case noisy(0.2):
		comp = comp[:strings.LastIndexByte(comp, ' ')]
	case noisy(0.1):
		comp = strings.ToUpper(comp)
	case noisy(0.05):
		comp = "The " + comp
	case noisy(0.05):
		comp = typo(r, comp)
	}
	if noisy(0.1) {
		comp = ""
	}
	country := ci.names[0]
	if noisy(0.4) {
		country = pick(r, ci.names)
	}
	if noisy(0.1) {
		country = ""
	}
	t := p.title
	if noisy(0.3) {
		t = pick(r, titles)
	}
	return Lead{Entity: "E" + strconv.Itoa(p.entity), FirstName: first, LastName: last, Email: email,
		Phone: phone, Company: comp, Country: country, Title: t}
}

// typo applies one random edit: delete, insert, substitute or transpose.
func typo(r *rand.Rand, s string) string {
	b := []rune(s)
	if len(b) < 3 {
		return s
	}
	i := 1 + r.IntN(len(b)-2)
	switch r.IntN(4) {
	case 0:
		return string(append(b[:i:i], b[i+1:]...))
	case 1:
		c := rune('a' + r.IntN(26))
		return string(b[:i]) + string(c) + string(b[i:])
	case 2:
		b[i] = rune('a' + r.IntN(26))
	default:
		b[i], b[i-1] = b[i-1], b[i]
	}
	return string(b)
}

func casing(r *rand.Rand, s string) string {
	switch r.IntN(10) {
	case 0:
		return strings.ToUpper(s)
	case 1:
		return strings.ToLower(s)
	}
	parts := strings.Fields(s)
	for i, p := range parts {
		rs := []rune(p)
		rs[0] = []rune(strings.ToUpper(string(rs[0])))[0]
		parts[i] = string(rs)
	}
	return strings.Join(parts, " ")
}

// WriteCSV writes leads with Header.
func WriteCSV(w io.Writer, leads []Lead) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return err
	}
	for _, l := range leads {
		if err := cw.Write([]string{l.ID, l.FirstName, l.LastName, l.Email, l.Phone, l.Company, l.Country, l.Title, l.Entity}); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("writing leads: %w", err)
	}
	return nil
}
