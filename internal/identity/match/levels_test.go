package match

import "testing"

// levelOf compares two raw values of kind k the way Compare does.
func levelOf(k Kind, a, b string) string {
	s := Schema{{Name: "f", Kind: k}}
	d, err := Prepare(s, []Record{{ID: "a", Values: []string{a}}, {ID: "b", Values: []string{b}}})
	if err != nil {
		panic(err)
	}
	c := d.Compare(0, 1, nil)
	if c.Levels[0] == Missing {
		return "missing"
	}
	return Levels(k)[c.Levels[0]]
}

func TestLevels(t *testing.T) {
	cases := []struct {
		kind       Kind
		a, b, want string
	}{
		{FirstName, "José", "jose", "exact"},
		{FirstName, "Bill", "William", "alias"},
		{FirstName, "Paco", "Francisco", "alias"},
		{FirstName, "Jonathon", "Jonathan", "alias"}, // the nickname list relates them
		{FirstName, "Jonathn", "Jonathan", "typo"},
		{FirstName, "Chris", "Christine", "alias"},
		{FirstName, "Christopher", "Christine", "different"}, // they only share a nickname
		{FirstName, "Mark", "Mary", "different"},             // two names one letter apart
		{FirstName, "Michael", "Michelle", "different"},
		{FirstName, "Catherine", "Kathryn", "alias"},
		{FirstName, "Smyth", "Smith", "typo"},
		{FirstName, "J", "John", "weak"},
		{FirstName, "Maria", "Maria Jose", "alias"},
		{FirstName, "Jose", "Maria Jose", "weak"},
		{FirstName, "Anna", "Mary", "different"},
		{FirstName, "Anna", "Zoe", "dissimilar"},     // zoe is not in the tables
		{FirstName, "Uschi", "Ursula", "dissimilar"}, // a nickname the tables do not know
		{FirstName, "直子", "Naoko", "dissimilar"},
		{FirstName, "", "Zoe", "missing"},
		{LastName, "Van der Berg", "vanderberg", "alias"},
		{LastName, "McCarthy", "mccarthey", "typo"},
		{LastName, "Schmidt", "Smith", "different"},
		{FullName, "Jane Smith", "Smith, Jane", "exact"},
		{FullName, "Jane Smith", "Smith Jane", "reordered"},
		{FullName, "Bill Gates", "William Gates", "reordered"},
		{FullName, "Jane Smith", "Jane Smyth", "typo"},
		{FullName, "Jane Q Smith", "Jane Smith", "typo"},
		{FullName, "Jane Smith", "John Smith", "partial"},
		{FullName, "Jane Marie Smith", "Jane Smith", "similar"},
		{FullName, "Jane Smith", "Bob Brown", "different"},
		{Email, "John.Smith@gmail.com", "johnsmith+x@googlemail.com", "exact"},
		{Email, "jsmith@contoso.com", "jsmitth@contoso.com", "typo"},
		{Email, "jsmith@contoso.com", "jsmith@fabrikam.com", "same_local_part"},
		{Email, "robert255@gmail.com", "roberta255@gmail.com", "typo"},
		{Email, "robert.smith@gmail.com", "roberts.smith@gmail.com", "typo"},
		{Email, "robert255@smith.net", "roberta25@smith.net", "other_mailbox"}, // numbered: never a typo
		{Email, "clee1@fabrikam.com", "clee2@fabrikam.com", "other_mailbox"},
		{Email, "clee@fabrikam.com", "clee1@fabrikam.com", "other_mailbox"},
		{Email, "a.b@contoso.com", "c.d@contoso.com", "other_mailbox"},
		{Email, "a.b@contoso.com", "info@contoso.com", "shared_mailbox"},
		{Email, "info@contoso.com", "INFO@contoso.com", "shared_mailbox"},
		{Email, "a.b@gmail.com", "c.d@gmail.com", "different"},
		{Email, "a.b@contoso.com", "c.d@fabrikam.com", "different"},
		{Phone, "+1 617 253 1000", "(617) 253-1000", "same_number"},
		{Phone, "+1 617 253 1000", "+1 617 253 1001", "typo"},
		{Phone, "+1 617 253 1000", "+44 20 7946 0958", "different"},
		{Company, "Contoso Ltd.", "CONTOSO LIMITED", "exact"},
		{Company, "Philips Electronics", "Electronics Philips", "reordered"},
		{Company, "Contoso", "Contosso", "typo"},
		{Company, "Contoso Pharma Europe", "Contoso Pharma", "similar"},
		{Company, "Contoso Pharma", "Fabrikam Pharma", "partial"},
		{Company, "Contoso", "Fabrikam", "different"},
		{Country, "USA", "United States", "exact"},
		{Country, "Brasil", "Deutschland", "different"},
		{Date, "1971-06-24", "24/06/1971", "exact"},
		{Date, "19710624", "19710642", "typo_or_swapped"},
		{Date, "1971-06-11", "1971-11-06", "typo_or_swapped"},
		{Date, "1971-06-24", "1971-09-13", "within_1y"},
		{Date, "1971-06-24", "1975-01-30", "within_10y"},
		{Date, "1971-06-24", "1999-01-30", "different"},
		{Address, "12 Main St.", "12 main street", "exact"},
		{Address, "wallaby place", "wallabyplace", "reordered"},
		{Address, "hoseason street", "hoseasn street", "typo"},
		{City, "Sao Paulo", "São Paulo", "exact"},
		{City, "Melbourne", "Melborne", "typo"},
		{City, "Melbourne", "Sydney", "different"},
		{Postcode, "2119", "2191", "typo"},
		{Postcode, "2119", "4000", "different"},
		{IDNumber, "1804974", "1804947", "typo"},
		{IDNumber, "1804974", "6089216", "different"},
		{Title, "CTO", "cto", "exact"},
		{Title, "Chief Technology Officer", "Chief Technical Officer", "similar"},
		{Exact, "NSW", "nsw", "exact"},
		{Exact, "NSW", "VIC", "different"},
		{Text, "red car", "car red", "typo"},
		{Text, "a big red car", "a red car", "similar"},
	}
	for _, c := range cases {
		if got := levelOf(c.kind, c.a, c.b); got != c.want {
			t.Errorf("%s: %q vs %q = %s, want %s", c.kind, c.a, c.b, got, c.want)
		}
	}
	// Every kind has levels that end in "different".
	for _, k := range Kinds {
		l := Levels(k)
		if len(l) < 2 || l[0] != "exact" || l[len(l)-1] != "different" || len(l) > 14 {
			t.Errorf("%s: levels %v", k, l)
		}
	}
}

func TestSwappedNames(t *testing.T) {
	s := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}}
	d, _ := Prepare(s, []Record{{ID: "a", Values: []string{"Mitchell", "Green"}}, {ID: "b", Values: []string{"green", "mitchel"}}})
	c := d.Compare(0, 1, nil)
	if !c.Swapped || c.Levels[0] != 2 || c.Levels[1] != 0 {
		t.Errorf("swapped names: %+v", c)
	}
	d, _ = Prepare(s, []Record{{ID: "a", Values: []string{"Mitchell", "Green"}}, {ID: "b", Values: []string{"Mitchell", "Brown"}}})
	if c := d.Compare(0, 1, nil); c.Swapped {
		t.Error("not swapped")
	}
}

func TestNamedEmail(t *testing.T) {
	s := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}, {Name: "email", Kind: Email}}
	d, _ := Prepare(s, []Record{
		{ID: "a", Values: []string{"Brian", "Kami", "brian.kami@contoso.com"}},
		{ID: "b", Values: []string{"Brian", "Kami", "brian.kami@fabrikam.com"}},
		{ID: "c", Values: []string{"Zed", "Doe", "xk42@contoso.com"}},
		{ID: "d", Values: []string{"Al", "Roe", "xk42@fabrikam.com"}},
	})
	// Two namesakes' addresses share a local part made of their names:
	// no evidence beyond the names.
	if c := d.Compare(0, 1, nil); Levels(Email)[c.Levels[2]] != "different" {
		t.Errorf("named local part: %s", Levels(Email)[c.Levels[2]])
	}
	if c := d.Compare(2, 3, nil); Levels(Email)[c.Levels[2]] != "same_local_part" {
		t.Errorf("other local part: %s", Levels(Email)[c.Levels[2]])
	}
}

// TestSharedValues: a phone number or address that records with clearly
// different given names use is the organisation's (a switchboard, a team
// mailbox): agreeing on it is shared_number / shared_mailbox, not exact.
func TestSharedValues(t *testing.T) {
	s := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}, {Name: "phone", Kind: Phone}, {Name: "email", Kind: Email}}
	for _, tc := range []struct {
		name         string
		records      [][]string
		phone, email string // levels of records 0 and 1
	}{
		{"one person's number", [][]string{
			{"Ann", "Lee", "+1 425 555 0100", "ann.lee@contoso.com"},
			{"Ann", "Lee", "+1 425 555 0100", "ann.lee@contoso.com"},
			{"Annie", "Lee", "+1 425 555 0100", "ann.lee@contoso.com"}}, "exact", "exact"},
		{"a switchboard and a team mailbox", [][]string{
			{"Ann", "Lee", "+1 425 555 0100", "office@contoso.com"},
			{"Ann", "Lee", "+1 425 555 0100", "office@contoso.com"},
			{"Bob", "Ray", "+1 425 555 0100", "office@contoso.com"}}, "shared_number", "shared_mailbox"},
		{"an address used by two people", [][]string{
			{"Ann", "Lee", "", "lee.family@gmail.com"},
			{"Ann", "Lee", "", "lee.family@gmail.com"},
			{"Marcus", "Lee", "", "lee.family@gmail.com"}}, "missing", "shared_mailbox"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var recs []Record
			for i, v := range tc.records {
				recs = append(recs, Record{ID: string(rune('a' + i)), Values: v})
			}
			d, err := Prepare(s, recs)
			if err != nil {
				t.Fatal(err)
			}
			c := d.Compare(0, 1, nil)
			got := func(f int) string {
				if c.Levels[f] < 0 {
					return "missing"
				}
				return Levels(s[f].Kind)[c.Levels[f]]
			}
			if got(2) != tc.phone || got(3) != tc.email {
				t.Fatalf("phone %s, email %s; want %s, %s", got(2), got(3), tc.phone, tc.email)
			}
		})
	}
}

// TestDenial: what says two records are two people, whatever else they
// share, and what does not.
func TestDenial(t *testing.T) {
	s := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}, {Name: "phone", Kind: Phone}, {Name: "email", Kind: Email}}
	for _, tc := range []struct {
		name string
		a, b []string
		want string // the denying field, or ""
	}{
		{"colleagues on one switchboard", []string{"Gaelle", "Faure", "+33 1 40 00 00 00", ""},
			[]string{"Philippe", "Fontaine", "+33 1 40 00 00 00", ""}, "first"},
		{"known different given names, one number", []string{"Mark", "Lee", "+1 425 555 0100", ""},
			[]string{"Mary", "Lee", "+1 425 555 0100", ""}, "first"},
		{"a nickname", []string{"Chris", "Lee", "+1 425 555 0100", ""},
			[]string{"Christine", "Lee", "+1 425 555 0100", ""}, ""},
		{"a married name", []string{"Anna", "Schmidt", "+49 30 1234567", ""},
			[]string{"Anna", "Weber", "+49 30 1234567", ""}, ""},
		// Two known names on one address: the address is shared, not the
		// person's, and the names decide.
		{"one mailbox, two names", []string{"Mark", "Lee", "", "mlee@contoso.com"},
			[]string{"Mary", "Lee", "", "mlee@contoso.com"}, "first"},
		{"initials of two colleagues", []string{"Anja", "Hoffmann", "", "ahoffmann@westsecurity.de"},
			[]string{"Anja", "Hoffmann", "", "shoffmann@westsecurity.de"}, "email"},
		{"namesakes at two companies", []string{"Jon", "Murphy", "+1 321 555 0109", "jonathan.murphy@titanlabs.com"},
			[]string{"Jon", "Murphy", "+44 7700 900166", "jonathan.murphy@quantumsolutions.com"}, "email"},
		{"a new job, the same mobile", []string{"Jess", "Miller", "+1 321 555 0109", "jess.miller@frontiertelecom.com"},
			[]string{"Jess", "Miller", "+1 321 555 0109", "jmiller@sterlingmfg.com"}, ""},
		{"a work and a personal address", []string{"Jess", "Miller", "+1 321 555 0109", "jess.miller@frontiertelecom.com"},
			[]string{"Jess", "Miller", "+1 212 555 0199", "jessmiller@gmail.com"}, ""},
		{"a typo in a surname mailbox", []string{"Anja", "Hoffmann", "", "ahoffmann@westsecurity.de"},
			[]string{"Anja", "Hoffmann", "", "ahofmann@westsecurity.de"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Prepare(s, []Record{{ID: "a", Values: tc.a}, {ID: "b", Values: tc.b}})
			if err != nil {
				t.Fatal(err)
			}
			c := d.Compare(0, 1, nil)
			got := ""
			if f := d.Denial(&c); f >= 0 {
				got = s[f].Name
			}
			if got != tc.want {
				t.Errorf("denial by %q, want %q (levels %v)", got, tc.want, c.Levels[:4])
			}
		})
	}
}
