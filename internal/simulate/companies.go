package simulate

import (
	"hash/fnv"
	"strconv"
	"strings"
)

// company is a customer organisation. Names and domains are invented in
// the style of Microsoft's fictional companies.
type company struct {
	the     bool   // the registered name starts with "The"
	base    string // the name without "The" and legal suffix
	comma   bool   // the suffix is written after a comma ("Fabrikam, Inc.")
	suffix  string // legal suffix as registered, may be empty
	country string // ISO code of the head office
	domain  string
	// convention is how the company builds e-mail addresses.
	convention int
	// variants are the ways people write the name; the first is the
	// registered name.
	variants []string
}

const (
	convFirstDotLast   = iota // jose.garcia
	convFirstLast             // josegarcia
	convFirstUnderLast        // jose_garcia
	convLastDotFirst          // garcia.jose
)

// companyList: "[The ]Base|suffix|country|domain"; a suffix starting with
// "," is written after a comma.
var companyList = []string{
	// United States
	"Fabrikam|, Inc.|US|fabrikam.com",
	"Northwind Traders|Inc.|US|northwindtraders.com",
	"Woodgrove Bank||US|woodgrovebank.com",
	"Tailspin Toys|LLC|US|tailspintoys.com",
	"Wingtip Toys|LLC|US|wingtiptoys.com",
	"Litware|, Inc.|US|litwareinc.com",
	"Proseware|, Inc.|US|proseware.com",
	"Adventure Works Cycles||US|adventure-works.com",
	"Alpine Ski House||US|alpineskihouse.com",
	"Coho Winery||US|cohowinery.com",
	"Wide World Importers||US|wideworldimporters.com",
	"Humongous Insurance||US|humongousinsurance.com",
	"The Phone Company||US|thephone-company.com",
	"Trey Research|Inc|US|treyresearch.net",
	"Fourth Coffee|LLC|US|fourthcoffee.com",
	"Blue Yonder Airlines||US|blueyonderairlines.com",
	"City Power & Light||US|cpandl.com",
	"Lamna Healthcare Company||US|lamnahealthcare.com",
	"The Graphic Design Institute||US|graphicdesigninstitute.com",
	"Margie's Travel||US|margiestravel.com",
	"A. Datum|Corporation|US|adatum.com",
	"Lucerne Publishing||US|lucernepublishing.com",
	"Southridge Video||US|southridgevideo.com",
	"Consolidated Messenger||US|consolidatedmessenger.com",
	"Cascade Biotech|, Inc.|US|cascadebiotech.com",
	"Great Lakes Manufacturing|LLC|US|greatlakesmfg.com",
	"Lone Star Health Partners|, LLC|US|lonestarhealthpartners.com",
	"The Hudson Group|Inc|US|thehudsongroup.com",
	"Pacific Crest Credit Union||US|pacificcrestcu.org",
	"Redwood Data Systems|Inc.|US|redwooddatasystems.com",
	"Summit Ridge Insurance||US|summitridgeins.com",
	"VanArsdel|, Ltd.|US|vanarsdelltd.com",
	// United Kingdom
	"Contoso|Ltd|GB|contoso.co.uk",
	"Thames Valley Analytics|Ltd|GB|thamesvalleyanalytics.co.uk",
	"Brightwater Logistics|PLC|GB|brightwaterlogistics.co.uk",
	"The Kensington Group|Ltd|GB|kensingtongroup.co.uk",
	"Northgate Software|Limited|GB|northgatesoftware.co.uk",
	// Germany, Austria, Switzerland
	"Müller & Söhne|GmbH|DE|mueller-soehne.de",
	"Nordlicht Systeme|GmbH|DE|nordlicht-systeme.de",
	"Rheinwerk Logistik|AG|DE|rheinwerk-logistik.de",
	"Bayerische Datentechnik|AG|DE|bayerische-datentechnik.de",
	"Schwarzwald Solar|GmbH|DE|schwarzwald-solar.de",
	"Hansa Versicherung|AG|DE|hansa-versicherung.de",
	"Alpenblick Software|GmbH|AT|alpenblick.at",
	"Zürichsee Instruments|AG|CH|zuerichsee-instruments.ch",
	// Brazil, Portugal
	"Tecnologia Paulista|Ltda|BR|tecpaulista.com.br",
	"Construtora Horizonte|S.A.|BR|construtorahorizonte.com.br",
	"Agropecuária Cerrado|Ltda|BR|agrocerrado.com.br",
	"Banco Atlântico Sul|S.A.|BR|bancoatlanticosul.com.br",
	"Café Mineiro|Ltda.|BR|cafemineiro.com.br",
	"Lusitana Digital|, Lda.|PT|lusitanadigital.pt",
	// Spain, Mexico, Argentina
	"Soluciones Ibéricas|S.L.|ES|solucionesibericas.es",
	"Grupo Mediterráneo|S.A.|ES|grupomediterraneo.es",
	"Transportes Castilla|S.A.|ES|transportescastilla.es",
	"Servicios Aztlán|S.A. de C.V.|MX|serviciosaztlan.com.mx",
	"Cervecería del Valle|S.A. de C.V.|MX|cerveceriadelvalle.mx",
	"Pampa Agrotech|S.A.|AR|pampaagrotech.com.ar",
	// France
	"Lumière Conseil|SAS|FR|lumiere-conseil.fr",
	"Groupe Beaumont|S.A.|FR|groupe-beaumont.fr",
	"Atelier Numérique|SARL|FR|ateliernumerique.fr",
	"Provence Énergie|SA|FR|provence-energie.fr",
	// Netherlands
	"Delta Waterwerken|BV|NL|deltawaterwerken.nl",
	"Tulip Data Services|B.V.|NL|tulipdata.nl",
	"Van der Berg Holding|N.V.|NL|vdberg-holding.nl",
	// Poland
	"Wisła Software|Sp. z o.o.|PL|wisla-software.pl",
	"Mazowsze Logistyka|S.A.|PL|mazowsze-logistyka.pl",
	"Bałtyk Energia|Sp. z o.o.|PL|baltyk-energia.pl",
	// India
	"Infosphere Technologies|Pvt Ltd|IN|infospheretech.in",
	"Ganga Textiles|Limited|IN|gangatextiles.co.in",
	"Deccan Analytics|Private Limited|IN|deccananalytics.in",
	"Sahyadri Pharma|Ltd|IN|sahyadripharma.co.in",
	"The Bombay Trading Company||IN|bombaytrading.co.in",
	// China
	"Shenzhen Huaxin Technology|Co., Ltd.|CN|huaxintech.cn",
	"Shanghai Pudong Logistics|Co., Ltd.|CN|pudonglogistics.com.cn",
	"Hangzhou Cloudpeak Software|Co., Ltd.|CN|cloudpeak.cn",
	// Japan
	"Sakura Logistics|K.K.|JP|sakura-logistics.co.jp",
	"Fujimoto Seiki|Co., Ltd.|JP|fujimoto-seiki.co.jp",
	"Nihon Cloud Works|Inc.|JP|nihoncloudworks.jp",
	// Nigeria
	"Lagos Fintech|Ltd|NG|lagosfintech.com.ng",
	"Niger Delta Energy Services|Limited|NG|ndes.com.ng",
	"Abuja Agro Allied|Ltd|NG|abujaagro.com.ng",
	// Australia, Canada
	"Southern Cross Mining|Pty Ltd|AU|southerncrossmining.com.au",
	"Koala Cloud Services|Pty Ltd|AU|koalacloud.com.au",
	"The Outback Supply Co|Pty Ltd|AU|outbacksupply.com.au",
	"Maple Leaf Robotics|Inc.|CA|mapleleafrobotics.ca",
	"Laurentian Health|Ltd.|CA|laurentianhealth.ca",
}

// suffixForms lists the ways each legal suffix is written; the first is
// the canonical spelling.
var suffixForms = [][]string{
	{"Inc.", "Inc", "Incorporated", "INC"},
	{"LLC", "L.L.C.", "llc", "Llc"},
	{"Ltd", "Ltd.", "Limited", "LTD"},
	{"Ltd.", "Ltd", "Limited", "LTD."},
	{"Limited", "Ltd", "Ltd.", "LIMITED"},
	{"Corporation", "Corp.", "Corp"},
	{"PLC", "plc", "Plc", "Public Limited Company"},
	{"GmbH", "Gmbh", "GMBH", "G.m.b.H."},
	{"AG", "Ag", "A.G."},
	{"S.A.", "SA", "S/A", "S. A."},
	{"SA", "S.A.", "S.a."},
	{"Ltda", "Ltda.", "LTDA", "Limitada"},
	{"Ltda.", "Ltda", "LTDA", "Limitada"},
	{"Lda.", "Lda", "LDA"},
	{"S.L.", "SL", "S.L.U."},
	{"S.A. de C.V.", "SA de CV", "S.A. de CV", "S.A.deC.V."},
	{"SAS", "S.A.S.", "sas"},
	{"SARL", "S.A.R.L.", "Sarl"},
	{"BV", "B.V.", "bv"},
	{"B.V.", "BV", "B.V"},
	{"N.V.", "NV"},
	{"Sp. z o.o.", "sp. z o.o.", "Sp. z.o.o.", "Spółka z o.o.", "SP. Z O.O."},
	{"Pvt Ltd", "Pvt. Ltd.", "Private Limited", "PVT LTD"},
	{"Private Limited", "Pvt Ltd", "Pvt. Ltd.", "Pvt. Ltd"},
	{"Co., Ltd.", "Co. Ltd", "Co.,Ltd.", "Company Limited"},
	{"K.K.", "KK", "Kabushiki Kaisha"},
	{"Pty Ltd", "Pty. Ltd.", "PTY LTD", "Pty Limited"},
}

var companies = func() []*company {
	out := make([]*company, 0, len(companyList))
	for _, line := range companyList {
		f := strings.Split(line, "|")
		c := &company{base: f[0], suffix: f[1], country: f[2], domain: f[3]}
		if rest, ok := strings.CutPrefix(c.base, "The "); ok {
			c.the, c.base = true, rest
		}
		if rest, ok := strings.CutPrefix(c.suffix, ", "); ok {
			c.comma, c.suffix = true, rest
		}
		h := fnv.New32a()
		h.Write([]byte(c.domain))
		switch v := h.Sum32() % 20; {
		case v < 13:
			c.convention = convFirstDotLast
		case v < 16:
			c.convention = convFirstLast
		case v < 18:
			c.convention = convFirstUnderLast
		default:
			c.convention = convLastDotFirst
		}
		c.variants = companyVariants(c)
		out = append(out, c)
	}
	return out
}()

// companiesIn maps a country to the indexes of the companies based there.
var companiesIn = func() map[string][]int {
	m := make(map[string][]int)
	for i, c := range companies {
		m[c.country] = append(m[c.country], i)
	}
	return m
}()

// defaultSuffix is the legal form people assume for a company that has
// none in its name.
var defaultSuffix = map[string]string{
	"US": "Inc.", "CA": "Inc.", "GB": "Ltd", "AU": "Pty Ltd", "IN": "Pvt Ltd", "NG": "Ltd", "DE": "GmbH", "AT": "GmbH",
	"CH": "AG", "BR": "Ltda", "PT": "Lda", "ES": "S.L.", "MX": "S.A. de C.V.", "AR": "S.A.", "FR": "SAS", "NL": "B.V.",
	"PL": "Sp. z o.o.", "CN": "Co., Ltd.", "JP": "K.K.",
}

// companyVariants lists the ways people write a company's name: the
// registered name first, then without the suffix, with other spellings of
// the suffix, with or without "The" and the comma, "&" as "and", accents
// dropped. The list has no duplicates and its order is fixed.
func companyVariants(c *company) []string {
	var out []string
	add := func(s string) {
		for _, v := range out {
			if v == s {
				return
			}
		}
		out = append(out, s)
	}
	join := func(the bool, base string, comma bool, suffix string) string {
		s := base
		if the {
			s = "The " + s
		}
		if suffix != "" {
			if comma {
				s += ","
			}
			s += " " + suffix
		}
		return s
	}
	add(join(c.the, c.base, c.comma, c.suffix))
	add(join(false, c.base, false, ""))
	if c.the {
		add(join(false, c.base, c.comma, c.suffix))
	}
	for _, forms := range suffixForms {
		if forms[0] != c.suffix {
			continue
		}
		for _, f := range forms[1:] {
			add(join(c.the, c.base, c.comma, f))
		}
	}
	if c.suffix != "" {
		add(join(c.the, c.base, !c.comma, c.suffix))
	}
	if c.suffix == "" {
		// people add the legal form they expect, or shorten "Company"
		if base, ok := strings.CutSuffix(c.base, " Company"); ok {
			add(join(c.the, base+" Co.", false, ""))
		}
		add(join(c.the, c.base, false, defaultSuffix[c.country]))
	}
	if strings.Contains(c.base, " & ") {
		add(join(c.the, strings.ReplaceAll(c.base, " & ", " and "), c.comma, c.suffix))
	}
	if !isASCII(c.base) {
		add(join(c.the, fold(c.base), c.comma, c.suffix))
		add(join(false, fold(c.base), false, ""))
	}
	return out
}

// titleGroup is one job and the ways people write it. culture restricts a
// localised group to speakers of that language.
type titleGroup struct {
	culture string
	weight  int
	forms   []string
}

// titleList: "weight|culture|form|form…": how common a job is, the
// culture whose speakers alone write it that way ("" for every culture),
// and the ways people write it.
var titleList = []string{
	"5||CTO|Chief Technology Officer|C.T.O.",
	"4||CIO|Chief Information Officer",
	"3||CEO|Chief Executive Officer|Founder & CEO|Founder and CEO",
	"2||CFO|Chief Financial Officer",
	"2||CISO|Chief Information Security Officer",
	"8||IT Manager|IT manager|Manager, IT|IT Mgr",
	"5||IT Director|Director of IT|Director, Information Technology",
	"6||Senior Software Engineer|Sr. Software Engineer|Sr Software Engineer",
	"6||Software Engineer|Software Developer|SWE",
	"5||Developer|Dev|developer",
	"5||Cloud Architect|Azure Architect|Cloud Solutions Architect",
	"5||Solutions Architect|Solution Architect|Solutions architect",
	"4||DevOps Engineer|Devops Engineer|DevOps",
	"3||Data Engineer|Data engineer",
	"2||Data Scientist|Data scientist",
	"2||Database Administrator|DBA",
	"4||System Administrator|Sysadmin|Systems Administrator|Sys Admin",
	"2||Network Engineer|Network engineer",
	"2||Security Engineer|Information Security Engineer|InfoSec Engineer",
	"2||VP Engineering|VP of Engineering|Vice President, Engineering",
	"3||Head of IT|IT Lead|Head of Information Technology",
	"4||Project Manager|PM|Project Mgr",
	"3||Product Manager|Product Owner|PM",
	"3||Procurement Manager|Purchasing Manager|Buyer",
	"2||Operations Manager|Ops Manager|Operations",
	"4||Consultant|IT Consultant|Technology Consultant",
	"3||Business Analyst|BA|Business analyst",
	"3||Owner|Business Owner|Proprietor",
	"2||Managing Director|MD|Managing director",
	"2||Team Lead|Tech Lead|Technical Lead",
	"1||Marketing Manager|Marketing",
	"1||Sales Manager|Sales",
	"1||Finance Manager|Finance",
	"1||Student",
	"6|pt|Gerente de TI|Gerente de Tecnologia|Gerente TI",
	"3|pt|Desenvolvedor|Programador|Desenvolvedor de Software",
	"6|es|Director de Sistemas|Jefe de Sistemas|Director de TI",
	"3|es|Ingeniero de Software|Desarrollador|Ing. de Software",
	"5|de|Geschäftsführer|Geschaeftsfuehrer|GF|Geschäftsführung",
	"5|de|IT-Leiter|Leiter IT|IT Leiter",
	"5|fr|Directeur informatique|DSI|Directeur des systèmes d'information",
	"3|fr|Chef de projet|Chef de projet IT",
	"4|pl|Kierownik IT|Kierownik działu IT|Kierownik Dzialu IT",
}

var titles = func() []titleGroup {
	out := make([]titleGroup, len(titleList))
	for i, line := range titleList {
		f := strings.Split(line, "|")
		w, err := strconv.Atoi(f[0])
		if err != nil {
			panic("simulate: title " + line + ": " + err.Error())
		}
		out[i] = titleGroup{culture: f[1], weight: w, forms: f[2:]}
	}
	return out
}()

// titlesFor returns the indexes and weights of the titles open to a culture.
func titlesFor(c *culture) (idx, w []int) {
	for i, t := range titles {
		if t.culture == "" || t.culture == c.code {
			idx = append(idx, i)
			w = append(w, t.weight)
		}
	}
	return idx, w
}
