package simulate

import (
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

var cultures = []*culture{
	{
		code: "en", weight: 26, countries: []string{"US", "GB", "CA", "AU"}, locale: "en-US",
		swapRate: 150, middleRate: 3000,
		first: parseNames(
			"James=Jim,Jimmy", "William=Bill,Will", "Robert=Bob,Rob", "Michael=Mike", "Christopher=Chris",
			"Jonathan=Jon", "Thomas=Tom", "Daniel=Dan,Danny", "Matthew=Matt", "Anthony=Tony",
			"Joseph=Joe", "Benjamin=Ben", "Nicholas=Nick", "Edward=Ed,Ted", "Stephen=Steve",
			"Andrew=Andy,Drew", "Richard=Rick,Rich", "Timothy=Tim", "Katherine=Kate,Katie", "Margaret=Peggy,Maggie",
			"Elizabeth=Liz,Beth", "Jennifer=Jen,Jenny", "Patricia=Pat,Patty", "Rebecca=Becky", "Samantha=Sam",
			"Victoria=Vicky,Tori", "Jessica=Jess", "Susan=Sue", "Deborah=Debbie,Deb", "Zoë",
			"Emily", "Olivia", "Megan", "Ryan", "Tyler",
		),
		last: parseNames(
			"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
			"Moore", "Jackson", "White", "Harris", "Clark", "Lewis", "Walker", "Hall", "Young", "Wright",
			"O'Brien", "Thompson", "Robinson", "Bennett", "Hughes", "Murphy", "Collins", "Fitzgerald", "McAllister", "Campbell",
		),
	},
	{
		code: "es", weight: 9, countries: []string{"ES", "MX", "AR", "US"}, locale: "es-ES",
		swapRate: 150, twoSurnames: 4500,
		first: parseNames(
			"José=Pepe", "Francisco=Paco,Pancho", "Alejandro=Álex", "Javier=Javi", "Carlos",
			"Manuel=Manolo", "Miguel", "Antonio=Toño", "Ignacio=Nacho", "Enrique=Quique",
			"Fernando=Nando", "Sofía", "Lucía", "María José", "Dolores=Lola",
			"Guadalupe=Lupe", "Concepción=Concha", "Carmen", "Isabel=Isa", "Pilar",
			"Raúl", "Andrés", "Ángela", "Jesús=Chucho",
		),
		last: parseNames(
			"García", "Rodríguez", "Martínez", "López", "González", "Hernández", "Pérez", "Sánchez", "Ramírez", "Torres",
			"Flores", "Gómez", "Díaz", "Morales", "Jiménez", "Ruiz", "Álvarez", "Romero", "Navarro", "Castillo",
			"Ortega", "Delgado", "Vázquez", "Muñoz", "Ibáñez", "Peña",
		),
	},
	{
		code: "pt", weight: 10, countries: []string{"BR", "PT"}, locale: "pt-BR",
		swapRate: 150, twoSurnames: 4000,
		first: parseNames(
			"João", "Antônio=Tonho", "Luís", "Rafael=Rafa", "Gabriel=Gabi",
			"Roberto=Beto", "Eduardo=Edu,Dudu", "Thiago", "Rodrigo", "Felipe=Lipe",
			"Gustavo=Guga", "Leonardo=Léo", "Ana Paula", "Fernanda=Nanda", "Juliana=Ju",
			"Beatriz=Bia", "Mariana=Mari", "Letícia", "Larissa", "Camila=Mila",
			"Gonçalo", "Conceição", "Vitória",
		),
		last: parseNames(
			"Silva", "Santos", "Oliveira", "Souza", "Pereira", "Costa", "Ferreira", "Almeida", "Carvalho", "Ribeiro",
			"Gomes", "Araújo", "Barbosa", "Rocha", "Cardoso", "Nascimento", "Lima", "Moreira", "Magalhães", "Gonçalves",
			"Fonseca", "Azevedo",
		),
	},
	{
		code: "de", weight: 10, countries: []string{"DE", "AT", "CH"}, locale: "de-DE",
		swapRate: 150,
		first: parseNames(
			"Johannes=Hannes", "Wolfgang=Wolf", "Friedrich=Fritz", "Matthias=Matze", "Stefan",
			"Jürgen", "Klaus", "Dieter", "Lukas", "Maximilian=Max",
			"Katharina=Kathi", "Stefanie=Steffi", "Sabine", "Ursula=Uschi", "Jörg",
			"Björn", "Anja", "Heike", "Lena", "Sören",
			"Uwe", "Günther", "Christian=Chris", "Alexander=Alex",
		),
		last: parseNames(
			"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
			"Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
			"Braun", "Krüger", "Hofmann", "Weiß", "Lange", "Köhler",
		),
	},
	{
		code: "fr", weight: 7, countries: []string{"FR", "CA"}, locale: "fr-FR",
		swapRate: 250,
		first: parseNames(
			"Frédéric=Fred", "Nicolas=Nico", "Philippe=Phil", "Alexandre=Alex", "Christophe=Chris",
			"Julien", "Mathieu", "Sébastien=Seb", "Étienne", "François",
			"Hélène", "Céline", "Amélie", "Chloé", "Margaux=Margot",
			"Élodie", "Camille", "Aurélie", "Benoît=Ben", "Jérôme",
			"Gaëlle", "Thierry", "Laurence",
		),
		last: parseNames(
			"Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Leroy", "Moreau", "Laurent", "Simon", "Michel",
			"Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Vincent", "Mercier", "Garnier",
			"Chevalier", "Faure", "Lefèvre", "Lemaître",
		),
	},
	{
		code: "pl", weight: 6, countries: []string{"PL"}, locale: "pl-PL",
		swapRate: 200, feminine: polishFeminine,
		first: parseNames(
			"Aleksander=Olek", "Katarzyna=Kasia", "Małgorzata=Gosia", "Wojciech=Wojtek", "Krzysztof=Krzysiek",
			"Tomasz=Tomek", "Agnieszka=Aga", "Piotr=Piotrek", "Paweł", "Łukasz",
			"Michał", "Jakub=Kuba", "Magdalena=Magda", "Joanna=Asia", "Zofia=Zosia",
			"Monika", "Grzegorz=Grzesiek", "Marek", "Ewa", "Dorota",
			"Bartosz=Bartek", "Zbigniew=Zbyszek",
		),
		last: parseNames(
			"Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak",
			"Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk", "Piotrowski", "Grabowski", "Pawłowski", "Michalski",
			"Król", "Wieczorek", "Jabłoński", "Nowicki",
		),
	},
	{
		code: "in", weight: 13, countries: []string{"IN", "US", "GB"}, locale: "en-IN",
		swapRate: 300,
		first: parseNames(
			"Rajesh=Raj", "Venkatesh=Venky", "Srinivasan=Srini", "Abhishek=Abhi", "Priyanka=Priya",
			"Ananya", "Aditya=Adi", "Arjun", "Deepika", "Kavya",
			"Lakshmi", "Sanjay", "Suresh", "Ramesh", "Pooja",
			"Neha", "Vikram=Vicky", "Rahul", "Sneha", "Arun",
			"Divya", "Karthik", "Meera", "Harish",
		),
		last: parseNames(
			"Sharma", "Patel", "Gupta", "Iyer", "Reddy", "Nair", "Kumar", "Singh", "Mehta", "Joshi",
			"Rao", "Menon", "Chatterjee", "Banerjee", "Das", "Krishnan", "Pillai", "Agarwal", "Desai", "Kulkarni",
			"Bhat", "Naidu", "Verma", "Mishra",
		),
	},
	{
		code: "zh", weight: 8, countries: []string{"CN", "US"}, locale: "zh-CN",
		swapRate: 1200, nativeRate: 1500, aliasRate: 3500,
		first: parseNames(
			"Wei|伟", "Fang|芳", "Min|敏", "Jing|静", "Li|丽",
			"Qiang|强", "Lei|磊", "Jun|军", "Yong|勇", "Yan|艳",
			"Jie|杰", "Juan|娟", "Tao|涛", "Ming|明", "Chao|超",
			"Xiuying|秀英", "Xiaoming|晓明", "Haoran|浩然", "Yuxuan|宇轩", "Zihan|子涵",
		),
		last: parseNames(
			"Wang|王", "Li|李", "Zhang|张", "Liu|刘", "Chen|陈", "Yang|杨", "Huang|黄", "Zhao|赵", "Wu|吴", "Zhou|周",
			"Xu|徐", "Sun|孙", "Ma|马", "Zhu|朱", "Hu|胡", "Guo|郭", "He|何", "Lin|林", "Gao|高", "Luo|罗",
		),
	},
	{
		code: "ja", weight: 5, countries: []string{"JP"}, locale: "ja-JP",
		swapRate: 1200, nativeRate: 1500,
		first: parseNames(
			"Hiroshi|博", "Takeshi|健", "Kenji|健二", "Shōta|翔太", "Daisuke|大輔",
			"Yūto|悠斗", "Ren|蓮", "Sōta|蒼太", "Yui|結衣", "Aoi|葵",
			"Sakura|さくら", "Haruka|遥", "Yōko|洋子", "Keiko|恵子", "Naoko|直子",
			"Ayumi|あゆみ", "Misaki|美咲", "Kaito|海斗", "Ryō|涼", "Kōji|浩二",
		),
		last: parseNames(
			"Satō|佐藤", "Suzuki|鈴木", "Takahashi|高橋", "Tanaka|田中", "Watanabe|渡辺", "Itō|伊藤", "Yamamoto|山本",
			"Nakamura|中村", "Kobayashi|小林", "Katō|加藤", "Yoshida|吉田", "Yamada|山田", "Sasaki|佐々木", "Yamaguchi|山口",
			"Matsumoto|松本", "Inoue|井上", "Kimura|木村", "Hayashi|林", "Shimizu|清水", "Ōta|太田", "Kōno|河野",
		),
	},
	{
		code: "ng", weight: 6, countries: []string{"NG", "GB"}, locale: "en-NG",
		swapRate: 250,
		first: parseNames(
			"Oluwaseun=Seun", "Oluwatobi=Tobi", "Chukwuemeka=Emeka", "Olufunmilayo=Funmi", "Babatunde=Tunde",
			"Adebayo=Bayo", "Chiamaka=Amaka", "Tolulope=Tolu", "Damilola=Dami", "Ikechukwu=Ike",
			"Ngozi", "Chinedu", "Folake", "Yetunde", "Ifeanyi",
			"Obinna", "Kelechi", "Nkechi", "Uchenna", "Adaeze=Ada",
			"Aisha", "Musa", "Zainab", "Abubakar",
		),
		last: parseNames(
			"Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Nwosu", "Ogunleye", "Obi", "Chukwu", "Ibekwe",
			"Afolabi", "Olawale", "Bello", "Yusuf", "Danjuma", "Akinola", "Adeleke", "Oladipo", "Nwachukwu", "Okoro",
			"Ogundipe", "Onyeka", "Lawal", "Suleiman",
		),
	},
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
