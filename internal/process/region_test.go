package process

import (
	"strings"
	"testing"

	"github.com/biter777/countries"
)

func TestRegion(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"DE", "EMEA"}, {"de", "EMEA"}, {" gb ", "EMEA"}, {"US", "AMER"}, {"BR", "AMER"}, {"MX", "AMER"},
		{"GL", "AMER"}, {"MQ", "AMER"}, {"JP", "APAC"}, {"AU", "APAC"}, {"IN", "APAC"}, {"NC", "APAC"},
		{"ZA", "EMEA"}, {"AE", "EMEA"}, {"RU", "EMEA"}, {"KZ", "EMEA"}, {"RE", "EMEA"}, {"XK", "EMEA"},
		{"Deutschland", "EMEA"}, {"United States of America", "AMER"}, {"JPN", "APAC"}, {"UK", "EMEA"},
		{"", ""}, {"ZZ", ""}, {"AQ", ""}, {"Atlantis", ""},
	} {
		if got := Region(tc.in); got != tc.want {
			t.Errorf("Region(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestRegionTable checks that every ISO 3166-1 country has exactly one
// region (Antarctica none).
func TestRegionTable(t *testing.T) {
	total := 0
	for _, codes := range regionCountries {
		total += len(strings.Fields(codes))
	}
	if total != len(regionOf) {
		t.Errorf("%d codes in the table, %d distinct: a country is in two regions", total, len(regionOf))
	}
	n := 0
	for _, c := range countries.All() {
		a2 := c.Alpha2()
		if len(a2) != 2 {
			continue
		}
		n++
		if r := Region(a2); r == "" && a2 != "AQ" {
			t.Errorf("%s (%s) has no region", a2, c)
		}
	}
	if n < 249 {
		t.Errorf("only %d countries checked", n)
	}
	for c := range regionOf {
		if countries.ByName(c) == countries.Unknown {
			t.Errorf("%s in the table is not an ISO code", c)
		}
	}
}
