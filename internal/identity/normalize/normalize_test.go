package normalize

import (
	"slices"
	"strings"
	"testing"
)

// checkAll fails t for each input of cases that f, named name, does not
// turn into its value.
func checkAll(t *testing.T, name string, f func(string) string, cases map[string]string) {
	t.Helper()
	for in, want := range cases {
		if got := f(in); got != want {
			t.Errorf("%s(%q) = %q, want %q", name, in, got, want)
		}
	}
}

func TestFold(t *testing.T) {
	checkAll(t, "Fold", Fold, map[string]string{
		"Ångström": "angstrom", "Straße": "strasse", "ＡＢＣ": "abc", "José": "jose", "Łódź": "lodz",
		"Øresund": "oresund", "Æsir": "aesir", "MÜLLER": "muller", "plain": "plain", "São Paulo": "sao paulo",
		"bad\xffutf8": "badutf8",
	})
}

func TestName(t *testing.T) {
	checkAll(t, "Name", Name, map[string]string{
		"  José-María ": "jose maria", "O'Neil": "oneil", "VAN  DER  Berg": "van der berg",
		"Jean-Pierre": "jean pierre", "": "", "  ": "", "Müller-Lüdenscheidt": "muller ludenscheidt",
		"d’Artagnan": "dartagnan",
	})
}

func TestFullName(t *testing.T) {
	checkAll(t, "FullName", FullName, map[string]string{
		"Dr. Jane Smith Jr.": "jane smith", "Smith, Jane": "jane smith", "Mr John": "john",
		"Prof. Dr. Hans Müller": "hans muller", "Mr": "mr",
	})
}

func TestGivenName(t *testing.T) {
	if n := Nicknames(); n < 150 {
		t.Errorf("only %d nicknames, want at least 150", n)
	}
	checkAll(t, "GivenName", GivenName, map[string]string{
		"bill": "william", "bob": "robert", "pepe": "jose", "paco": "francisco", "nacho": "ignacio",
		"ze": "jose", "hans": "johannes", "sepp": "josef", "fritz": "friedrich", "peggy": "margaret",
		"william": "william", "zorro": "zorro", "chema": "jose maria", "bill smith": "william",
		"mary ann": "mary", "jurgen": "jurgen",
	})
	// Every canonical name is a normal form, and never itself a nickname
	// of something else (no chains).
	for nick, canon := range nicknames {
		if Name(nick) != nick || Name(canon) != canon {
			t.Errorf("%q → %q is not normalised", nick, canon)
		}
		if c2, ok := nicknames[canon]; ok && c2 != canon {
			t.Errorf("chain %q → %q → %q", nick, canon, c2)
		}
	}
}

func TestEmail(t *testing.T) {
	cases := []struct {
		in, want string
		ok, free bool
	}{
		{"  John.Smith+Leads@GMail.com ", "johnsmith@gmail.com", true, true},
		{"j.o.h.n@googlemail.com", "john@gmail.com", true, true},
		{"Jane Doe <jane.doe+x@outlook.com>", "jane.doe@outlook.com", true, true},
		{"mailto:someone@hotmail.co.uk", "someone@hotmail.co.uk", true, true},
		{"a.b+tag@live.com", "a.b@live.com", true, true},
		{"base-keyword@yahoo.com", "base@yahoo.com", true, true},
		{"user+x@icloud.com", "user@icloud.com", true, true},
		{"user+x@proton.me", "user@proton.me", true, true},
		{"user+x@fastmail.com", "user@fastmail.com", true, true},
		// Company domains are never rewritten.
		{"J.Smith+crm@Contoso.com", "j.smith+crm@contoso.com", true, false},
		{"first-last@example.org", "first-last@example.org", true, false},
		{"info@bücher.de", "info@xn--bcher-kva.de", true, false},
		{"someone@contoso.com.", "someone@contoso.com", true, false},
		{"not an email", "not an email", false, false},
		{"@nolocal.com", "@nolocal.com", false, false},
		{"nodomain@", "nodomain@", false, false},
		{"ann@contoso.com;bob@contoso.com", "ann@contoso.com;bob@contoso.com", false, false},
		{"ann@contoso.com,bob@fabrikam.com", "ann@contoso.com,bob@fabrikam.com", false, false},
		{"", "", false, false},
		{"+tag@gmail.com", "+tag@gmail.com", true, true},
	}
	for _, c := range cases {
		got, ok := Email(c.in)
		if got.Address != c.want || ok != c.ok || got.FreeMail != c.free {
			t.Errorf("Email(%q) = %+v, %v; want %q, %v, free %v", c.in, got, ok, c.want, c.ok, c.free)
		}
	}
}

func TestFreeMail(t *testing.T) {
	for _, d := range []string{"gmail.com", "hotmail.fr", "yahoo.co.uk", "outlook.com.br", "gmx.net", "web.de", "qq.com", "yahoo.com.br"} {
		if !IsFreeMailDomain(d) {
			t.Errorf("%s should be free mail", d)
		}
	}
	for _, d := range []string{"contoso.com", "microsoft.com", "live-events.com", "acme.co.uk", ""} {
		if IsFreeMailDomain(d) {
			t.Errorf("%s should not be free mail", d)
		}
	}
}

func TestPhone(t *testing.T) {
	cases := []struct {
		in, region, want string
		e164             bool
	}{
		{"(617) 253-1000", "US", "+16172531000", true},
		{"16172531000", "US", "+16172531000", true},
		{"+1 617 253 1000", "", "+16172531000", true},
		{"0049 30 901820", "", "+4930901820", true},
		{"030 901820", "DE", "+4930901820", true},
		{"+44 20 7946 0958", "DE", "+442079460958", true},
		{"(11) 98765-4321", "BR", "+5511987654321", true},
		{"3865286", "", "3865286", false},         // a local number without area code
		{"3865286", "US", "3865286", false},       // still not a complete number
		{"617-253-1000", "", "6172531000", false}, // no region to read it in
		{"ext. only", "US", "", false},
		{"", "US", "", false},
		{"12", "US", "12", false},
		// The country code without "+" or "00": international when only
		// that reading is a valid number.
		{"4917663430383", "DE", "+4917663430383", true},
		{"447911123456", "US", "+447911123456", true},
		{"6172531000", "US", "+16172531000", true},      // a national number that reads as international too stays national
		{"55 99123-4567", "BR", "+5555991234567", true}, // area code 55, not the country code
	}
	for _, c := range cases {
		got, e := Phone(c.in, c.region)
		if got != c.want || e != c.e164 {
			t.Errorf("Phone(%q, %q) = %q, %v; want %q, %v", c.in, c.region, got, e, c.want, c.e164)
		}
	}
}

func TestCompany(t *testing.T) {
	checkAll(t, "Company", Company, map[string]string{
		"The Coca-Cola Company":              "coca cola",
		"Koninklijke Philips N.V.":           "koninklijke philips",
		"N.V. PHILIPS' GLOEILAMPENFABRIEKEN": "philips gloeilampenfabrieken",
		"AT&T Inc.":                          "at and t",
		"Contoso, Ltd.":                      "contoso",
		"Contoso Limited":                    "contoso",
		"Fabrikam GmbH & Co. KG":             "fabrikam",
		"Banco Exemplo S.A.":                 "banco exemplo",
		"Empresa Ejemplo S. L.":              "empresa ejemplo",
		"Exemplo Ltda":                       "exemplo",
		"Voorbeeld B.V.":                     "voorbeeld",
		"Example Pty Ltd":                    "example",
		"Example PLC":                        "example",
		"Example Corp.":                      "example",
		"Example Corporation":                "example",
		"Example Co":                         "example",
		"Rei Kabushiki Kaisha":               "rei",
		"Esimerkki Oy":                       "esimerkki",
		"Exempel AB":                         "exempel",
		"Eksempel AS":                        "eksempel",
		"Esempio S.p.A.":                     "esempio",
		"Esempio Srl":                        "esempio",
		"Exemple SARL":                       "exemple",
		"Example LLC":                        "example",
		"Example Incorporated":               "example",
		"Example AG":                         "example",
		"Ejemplo S.A. de C.V.":               "ejemplo",
		"Inc.":                               "inc",
		"I.B.M.":                             "ibm",
		"Procter & Gamble":                   "procter and gamble",
		"Procter and Gamble Co.":             "procter and gamble",
		"":                                   "",
		// Register-style names: token-sorted, abbreviated, with what is
		// left of a legal form.
		"* KONINKLIJKE PHILIPS ELECTRONICS N.V.": "koninklijke philips electronics",
		"ELECTRONICS KONINK PHILIPS":             "electronics koninklijke philips",
		"ELECTRONIC KONINKL PHILIPS V":           "electronics koninklijke philips",
		"AKZO NOBEL V":                           "akzo nobel",
		"V AKZO NOBEL":                           "akzo nobel",
		"INTERNAT MIJ RES SHELL":                 "international maatschappij research shell",
		"Contoso Intl Labs Inc.":                 "contoso international laboratories",
	})
}

func TestCountry(t *testing.T) {
	checkAll(t, "Country", Country, map[string]string{
		"US": "US", "USA": "US", "United States": "US", "United States of America": "US", "EUA": "US",
		"Estados Unidos": "US", "u.s.a.": "US", "Brasil": "BR", "Brazil": "BR", "Deutschland": "DE",
		"Germany (DE)": "DE", "UK": "GB", "England": "GB", "Great Britain": "GB", "Holland": "NL",
		"Netherlands": "NL", "The Netherlands": "NL", "日本": "JP", "Japan": "JP", "JPN": "JP",
		"France": "FR", "fr": "FR", "España": "ES", "México": "MX", "Korea, Republic of": "KR",
		"Côte d'Ivoire": "CI", "Türkiye": "TR", "Österreich": "AT", "Schweiz": "CH",
		"Atlantis": "", "": "", "xx": "", "Narnia Republic": "",
	})
}

func TestParseDate(t *testing.T) {
	cases := []struct {
		in     string
		digits string
		valid  bool
		ok     bool
	}{
		{"19560409", "19560409", true, true},
		{"1971-06-24", "19710624", true, true},
		{"1971-06-24T10:00:00Z", "19710624", true, true},
		{"24/06/1971", "19710624", true, true},
		{"06/24/1971", "19710624", true, true},
		{"24.06.1971", "19710624", true, true},
		{"24 Jun 1971", "19710624", true, true},
		{"June 24th, 1971", "19710624", true, true},
		{"19560931", "19560931", false, true}, // 31 September: kept, not valid
		{"1/2/03", "20030201", true, true},
		{"not a date", "", false, false},
		{"", "", false, false},
		{"12345", "", false, false},
	}
	for _, c := range cases {
		d, ok := ParseDate(c.in)
		if ok != c.ok || d.Digits() != c.digits || d.Valid != c.valid {
			t.Errorf("ParseDate(%q) = %+v (%q), %v; want %q valid %v, %v", c.in, d, d.Digits(), ok, c.digits, c.valid, c.ok)
		}
	}
}

func TestAddressAndID(t *testing.T) {
	if got := Address("12 Main St."); got != "12 main street" {
		t.Errorf("Address = %q", got)
	}
	if got := Address("Flat 3, 7 Wallaby Pl"); got != "flat 3 7 wallaby place" {
		t.Errorf("Address = %q", got)
	}
	if got := ID(" AB-12 345 "); got != "ab12345" {
		t.Errorf("ID = %q", got)
	}
	if got := Digits("+1 (617) 253-1000"); got != "16172531000" {
		t.Errorf("Digits = %q", got)
	}
}

func TestLongInputIsBounded(t *testing.T) {
	long := strings.Repeat("é", 10*maxInput)
	if got := Fold(long); len([]rune(got)) > maxInput {
		t.Errorf("Fold kept %d runes", len([]rune(got)))
	}
	if Country(long) != "" {
		t.Error("a long string is not a country")
	}
}

// TestGivenNames: nicknames relate to every name they may stand for, many
// to many, but two names that only share a nickname stay apart.
func TestGivenNames(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"chris", "christine", true}, {"chris", "christopher", true}, {"christine", "christopher", false},
		{"bob", "robert", true}, {"bob", "rob", true}, {"bill", "william", true}, {"liz", "elizabeth", true},
		{"kate", "katherine", true}, {"mike", "michael", true}, {"pepe", "jose", true}, {"sepp", "josef", true},
		{"maria jose", "maria", true}, {"ann", "ann", true},
		{"mark", "mary", false}, {"john", "joan", false}, {"michael", "michelle", false}, {"daniel", "danielle", false},
		{"chris", "", false}, {"wei", "wen", false},
	} {
		if got := SameGivenName(tc.a, tc.b); got != tc.same {
			t.Errorf("SameGivenName(%q, %q) = %v, want %v (keys %v / %v)", tc.a, tc.b, got, tc.same, GivenNames(tc.a), GivenNames(tc.b))
		}
		if SameGivenName(tc.a, tc.b) != SameGivenName(tc.b, tc.a) {
			t.Errorf("SameGivenName(%q, %q) is not symmetric", tc.a, tc.b)
		}
	}
	if n := len(givenNameParents); n < 1000 {
		t.Errorf("only %d names with parents; the vendored list has more", n)
	}
	for nick, ps := range givenNameParents {
		if Name(nick) != nick || !slices.IsSorted(ps) {
			t.Errorf("%q → %v: not normalised or not sorted", nick, ps)
		}
	}
}

func TestFreeMailList(t *testing.T) {
	for _, d := range []string{"gmail.com", "t-online.de", "comcast.net", "mailinator.com", "qq.com", "hey.com", "yahoo.co.in"} {
		if !IsFreeMailDomain(d) {
			t.Errorf("%s is not known as free mail", d)
		}
	}
	for _, d := range []string{"contoso.com", "microsoft.com", "fabrikam.co.uk", "example.org"} {
		if IsFreeMailDomain(d) {
			t.Errorf("%s is taken for free mail", d)
		}
	}
	if len(freeMail) < 10000 {
		t.Errorf("only %d free mail domains", len(freeMail))
	}
}
