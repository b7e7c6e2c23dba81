package accounts

import (
	"reflect"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
)

func TestKeys(t *testing.T) {
	for _, c := range []struct {
		name string
		g    lead.Contact
		test bool
		want []string
	}{
		{"domain and name", lead.Contact{Email: "Jane@Contoso.com", Company: "Contoso Ltd.", Country: "USA"},
			false, []string{"d:contoso.com", "n:contoso|US"}},
		{"subdomain folded", lead.Contact{Email: "j@mail.contoso.com"}, false, []string{"d:contoso.com"}},
		{"co.uk suffix", lead.Contact{Email: "j@sales.contoso.co.uk"}, false, []string{"d:contoso.co.uk"}},
		{"free mail", lead.Contact{Email: "jane@gmail.com", Company: "Contoso"}, false, []string{"n:contoso|"}},
		{"ISP", lead.Contact{Email: "jane@comcast.net"}, false, nil},
		{"free mail country domain", lead.Contact{Email: "jane@yahoo.co.uk"}, false, nil},
		{"free mail and placeholder", lead.Contact{Email: "jane@outlook.com", Company: "N/A"}, false, nil},
		{"placeholders", lead.Contact{Company: "Self-employed"}, false, nil},
		{"dash", lead.Contact{Company: " - "}, false, nil},
		{"individual", lead.Contact{Company: "Individual"}, false, nil},
		{"accents and abbreviations", lead.Contact{Company: "Société Générale S.A.", Country: "France"},
			false, []string{"n:societe generale|FR"}},
		{"not an address", lead.Contact{Email: "contoso.com"}, false, nil},
		{"documentation domain", lead.Contact{Email: "jane@example.com", Company: "Contoso"}, false, []string{"n:contoso|"}},
		{"test top-level domain", lead.Contact{Email: "jane@qa.contoso.test"}, false, nil},
		{"test customer", lead.Contact{Email: "a@contoso.com", Company: "Contoso"}, true, nil},
	} {
		if got := Keys(c.g, c.test); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestChoose(t *testing.T) {
	d, n := "d:contoso.com", "n:contoso|US"
	keys := []string{d, n}
	for _, c := range []struct {
		name    string
		current string
		pinned  bool
		keys    []string
		alone   bool
		matches []Match
		want    Choice
	}{
		{"pinned stays", "A", true, keys, false, []Match{{"B", d, 5}}, Choice{To: "A"}},
		{"no keys: no account", "A", false, nil, true, nil, Choice{}},
		{"new", "", false, keys, false, nil, Choice{New: true}},
		{"alone keeps its account", "A", false, keys, true, nil, Choice{To: "A"}},
		{"not alone: a new one", "A", false, keys, false, nil, Choice{New: true}},
		{"domain wins over name", "", false, keys, false, []Match{{"B", n, 9}, {"C", d, 1}},
			Choice{To: "C", Because: []string{d}}},
		{"name when no domain", "", false, keys, false, []Match{{"B", n, 2}}, Choice{To: "B", Because: []string{n}}},
		{"current among them stays", "A", false, keys, false, []Match{{"B", d, 9}, {"A", d, 1}},
			Choice{To: "A", Because: []string{d}}},
		{"most people", "", false, keys, false, []Match{{"B", d, 2}, {"A", d, 1}}, Choice{To: "B", Because: []string{d}}},
		{"tie: smallest id", "", false, keys, false, []Match{{"B", d, 1}, {"A", d, 1}}, Choice{To: "A", Because: []string{d}}},
		{"empty matches ignored", "", false, keys, false, []Match{{"B", d, 0}}, Choice{New: true}},
		{"free mail: the name alone, when one account holds it", "", false, []string{"n:contoso|FR"}, false,
			[]Match{{"B", n, 3}}, Choice{To: "B", Because: []string{n}}},
		{"no country: the name alone", "", false, []string{d, "n:contoso|"}, false,
			[]Match{{"B", n, 3}}, Choice{To: "B", Because: []string{n}}},
		{"the name alone is ambiguous in two accounts", "", false, []string{"n:contoso|FR"}, false,
			[]Match{{"B", n, 3}, {"C", "n:contoso|GB", 1}}, Choice{New: true}},
		{"a domain and a country of its own: no name alone", "", false, []string{d, "n:contoso|FR"}, false,
			[]Match{{"B", n, 3}}, Choice{New: true}},
		{"another name is no match", "", false, []string{"n:contoso|FR"}, false,
			[]Match{{"B", "n:contoso group|US", 3}}, Choice{New: true}},
	} {
		if got := Choose(c.current, c.pinned, c.keys, c.alone, c.matches); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestMember(t *testing.T) {
	var sum lead.Summary
	sum.Add(&lead.Lead{ID: "1", Parsed: lead.Parsed{Contact: lead.Contact{Email: "a@x.contoso.com", Company: "none", Country: "Deutschland"}}})
	m := Member("c1", &sum)
	if m.Company != "" || m.Domain != "contoso.com" || m.Country != "DE" || m.LeadCount != 1 {
		t.Fatalf("%+v", m)
	}
}
