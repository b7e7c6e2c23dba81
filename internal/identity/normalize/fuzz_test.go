package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The seed corpora are in testdata/fuzz/<target>; run for longer with
// go test -run '^$' -fuzz FuzzEmail ./internal/identity/normalize.

func FuzzEmail(f *testing.F) {
	for _, s := range []string{"John.Smith+x@GMail.com", "Jane <jane@outlook.com>", "info@bücher.de", "@", "a@b", "mailto:x@y.z", "base-k@yahoo.co.uk",
		"ann@contoso.com;bob@contoso.com", "ann@contoso.com, bob@fabrikam.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := Email(s)
		if !ok {
			return
		}
		if e.Local == "" || e.Domain == "" || e.Address != e.Local+"@"+e.Domain {
			t.Fatalf("Email(%q) = %+v", s, e)
		}
		// Normalising twice changes nothing.
		e2, ok2 := Email(e.Address)
		if !ok2 || e2.Address != e.Address {
			t.Fatalf("Email not idempotent: %q → %q → %q", s, e.Address, e2.Address)
		}
	})
}

func FuzzPhone(f *testing.F) {
	for _, s := range []string{"+1 617 253 1000", "(11) 98765-4321", "0049 30 901820", "3865286", "+", "00", "++44",
		"4917663430383", "447911123456", "55 99123-4567"} {
		f.Add(s, "US")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		p, e164 := Phone(s, region)
		if e164 && (!strings.HasPrefix(p, "+") || len(p) < 4) {
			t.Fatalf("Phone(%q, %q) = %q, claimed E.164", s, region, p)
		}
		if !e164 && p != "" && Digits(p) != p {
			t.Fatalf("Phone(%q, %q) = %q is not digits only", s, region, p)
		}
	})
}

func FuzzCountry(f *testing.F) {
	for _, s := range []string{"USA", "Estados Unidos", "日本", "Germany (DE)", "Korea, Republic of", "x", "((((", "United States of America"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Country(s)
		if c != "" && (len(c) != 2 || strings.ToUpper(c) != c) {
			t.Fatalf("Country(%q) = %q", s, c)
		}
	})
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"José-María", "The Coca-Cola Company", "N.V. Philips", "12 Main St.", "24 Jun 1971", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, out := range []string{Name(s), FullName(s), Company(s), Address(s), Text(s), ID(s)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 from %q: %q", s, out)
			}
			if strings.Contains(out, "  ") || strings.TrimSpace(out) != out {
				t.Fatalf("uncollapsed spaces from %q: %q", s, out)
			}
		}
		_ = GivenName(Name(s))
		if d, ok := ParseDate(s); ok && d.Valid {
			_ = d.DayNumber()
		}
	})
}
