package marketplace_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/marketplace"
)

func TestCleanEmail(t *testing.T) {
	for _, tc := range []struct {
		in          string
		addr        string
		placeholder bool
		problem     string // a part of Problem; "" when the value has an address
		keep        bool
		fixes       []string // parts of the fixes, in order
	}{
		// Addresses as they stand.
		{in: "ann@contoso.com", addr: "ann@contoso.com"},
		{in: "  Ann.Lee+crm@Contoso.COM ", addr: "Ann.Lee+crm@Contoso.COM"},
		{in: "o'brien@contoso.ie", addr: "o'brien@contoso.ie"},
		{in: "jürgen@bücher.de", addr: "jürgen@bücher.de"},
		{in: "MSFT_TEST_636573304831318844@contoso.com", addr: "MSFT_TEST_636573304831318844@contoso.com"},
		{in: "", addr: ""},
		// Placeholders.
		{in: "n/a", placeholder: true},
		{in: "N/A", placeholder: true},
		{in: "#N/A", placeholder: true},
		{in: "-", placeholder: true},
		{in: "--", placeholder: true},
		{in: "?", placeholder: true},
		{in: "none", placeholder: true},
		{in: "(none)", placeholder: true},
		{in: "Unknown", placeholder: true},
		{in: "not provided", placeholder: true},
		{in: "no email", placeholder: true},
		{in: "0", placeholder: true},
		{in: "noemail@noemail.com", placeholder: true},
		{in: "None@None.com", placeholder: true},
		{in: "- / -", placeholder: true},
		// Recovered.
		{in: "mailto:b@contoso.com", addr: "b@contoso.com", fixes: []string{"mailto"}},
		{in: "MAILTO:b@contoso.com?subject=Hello", addr: "b@contoso.com", fixes: []string{"mailto"}},
		{in: "<mailto:b@contoso.com>", addr: "b@contoso.com", fixes: []string{"brackets", "mailto"}},
		{in: "c@contoso.com.", addr: "c@contoso.com", fixes: []string{"trailing dot"}},
		{in: "<ann@contoso.com>", addr: "ann@contoso.com", fixes: []string{"brackets"}},
		{in: "ann@contoso.com\u200b", addr: "ann@contoso.com", fixes: []string{"invisible"}},
		{in: "\u00a0ann@contoso.com\u00a0", addr: "ann@contoso.com"},
		{in: "Ann Lee <ann@contoso.com>", addr: "ann@contoso.com", keep: true, fixes: []string{"brackets", "text beside"}},
		{in: "ann@contoso.com; bob@contoso.com", addr: "ann@contoso.com", keep: true, fixes: []string{"2 addresses"}},
		{in: "ann@contoso.com, bob@contoso.com, carol@contoso.com", addr: "ann@contoso.com", keep: true, fixes: []string{"3 addresses"}},
		{in: "ann@contoso.com / bob@fabrikam.com", addr: "ann@contoso.com", keep: true, fixes: []string{"2 addresses"}},
		{in: "ann@contoso.com|bob@contoso.com", addr: "ann@contoso.com", keep: true},
		{in: "wei..jackson@gmail.com; wei.jackson@gmail.com", addr: "wei.jackson@gmail.com", keep: true, fixes: []string{"2 addresses"}},
		{in: "n/a; ann@contoso.com", addr: "ann@contoso.com"},
		// Not addresses.
		{in: "wei..jackson@gmail.com", problem: "two dots", keep: true},
		{in: ".ann@contoso.com", problem: "dot at the start", keep: true},
		{in: "ann.@contoso.com", problem: "dot at the start or end", keep: true},
		{in: "ann@contoso", problem: "no dot in the domain", keep: true},
		{in: "ann@@contoso.com", problem: "more than one @", keep: true},
		{in: "ann@contoso..com", problem: "empty part", keep: true},
		{in: "ann(at)contoso.com", problem: "no @", keep: true},
		{in: "Ann Lee", problem: "no @", keep: true},
		{in: "ann@", problem: "nothing after", keep: true},
		{in: "@contoso.com", problem: "nothing before", keep: true},
		{in: "ann@contoso.123", problem: "top-level", keep: true},
		{in: "ann@-contoso.com", problem: "hyphen", keep: true},
		{in: "ann@contoso_ltd.com", problem: "character", keep: true},
		{in: `"ann lee"@contoso.com`, problem: "", keep: true},
		{in: strings.Repeat("a", 65) + "@contoso.com", problem: "64 bytes", keep: true},
	} {
		e := marketplace.CleanEmail(tc.in)
		if e.Address != tc.addr || e.Placeholder != tc.placeholder || e.Keep != tc.keep {
			t.Errorf("CleanEmail(%q) = %+v, want address %q placeholder %v keep %v", tc.in, e, tc.addr, tc.placeholder, tc.keep)
			continue
		}
		if (e.Problem != "") != (tc.addr == "" && !tc.placeholder && tc.in != "") || !strings.Contains(e.Problem, tc.problem) {
			t.Errorf("CleanEmail(%q).Problem = %q, want one with %q", tc.in, e.Problem, tc.problem)
		}
		fixes := strings.Join(e.Fixes, " | ")
		last := -1
		for _, f := range tc.fixes {
			i := strings.Index(fixes, f)
			if i <= last {
				t.Errorf("CleanEmail(%q).Fixes = %q, want %q in order", tc.in, e.Fixes, tc.fixes)
				break
			}
			last = i
		}
		if e.Address != "" && e.Address != strings.TrimSpace(tc.in) && len(e.Fixes) == 0 {
			t.Errorf("CleanEmail(%q) changed the value without saying how: %+v", tc.in, e)
		}
		if e.Address != "" {
			if _, ok := normalize.Email(e.Address); !ok {
				t.Errorf("CleanEmail(%q) = %q, which identity resolution does not take for an address", tc.in, e.Address)
			}
			if again := marketplace.CleanEmail(e.Address); again.Address != e.Address || len(again.Fixes) > 0 {
				t.Errorf("CleanEmail(%q) = %q, but that cleans to %+v", tc.in, e.Address, again)
			}
		}
	}
}

// TestDecodeEmail: the decoder reads the email through CleanEmail, notes
// what it did, keeps what is not the email in Extra, and never makes a
// value that is not an address the lead's email.
func TestDecodeEmail(t *testing.T) {
	for _, tc := range []struct {
		body  string
		email string
		note  string // a part of the one note; "" for none
		extra string // the Extra key the value is kept under; "" for none
	}{
		{body: `{"UserDetails":{"FirstName":"Wei","Email":"wei..jackson@gmail.com"}}`,
			note: `email "wei..jackson@gmail.com" is not an email address (two dots in a row): the lead has no email`, extra: "UserDetails.Email"},
		{body: `{"UserDetails":{"FirstName":"Ann","Email":"n/a"}}`, note: `email "n/a" is a placeholder`},
		{body: `{"UserDetails":{"LastName":"Lee","Email":"ann@contoso.com; bob@contoso.com"}}`, email: "ann@contoso.com",
			note: `2 addresses: the first usable one is the email); the value is kept in extra as "UserDetails.Email"`, extra: "UserDetails.Email"},
		{body: `{"FirstName":"Bo","Email":"mailto:b@contoso.com"}`, email: "b@contoso.com", note: `read as "b@contoso.com" (a mailto: prefix)`},
		{body: `{"UserDetails":{"Company":"Contoso","EmailAddress":"c@contoso.com."}}`, email: "c@contoso.com", note: "a trailing dot"},
		{body: `{"UserDetails":{"FirstName":"Ann","Email":"ann@contoso.com"}}`, email: "ann@contoso.com"},
	} {
		p, err := marketplace.Decode([]byte(tc.body))
		if err != nil {
			t.Fatalf("Decode(%s): %v", tc.body, err)
		}
		if p.Contact.Email != tc.email {
			t.Errorf("Decode(%s): email %q, want %q", tc.body, p.Contact.Email, tc.email)
		}
		notes := strings.Join(p.Notes, "\n")
		if (tc.note == "") != (len(p.Notes) == 0) || !strings.Contains(notes, tc.note) {
			t.Errorf("Decode(%s): notes %q, want one with %q", tc.body, p.Notes, tc.note)
		}
		if tc.extra != "" && len(p.Extra[tc.extra]) == 0 {
			t.Errorf("Decode(%s): the value is not kept in extra as %q: %s", tc.body, tc.extra, p.Extra)
		}
		if tc.extra == "" && len(p.Extra) > 0 {
			t.Errorf("Decode(%s): extra %s, want none", tc.body, p.Extra)
		}
	}

	// An email that is not an address is no contact detail.
	_, err := marketplace.Decode([]byte(`{"UserDetails":{"Email":"wei..jackson@gmail.com"}}`))
	if !errors.Is(err, marketplace.ErrNoContact) || !strings.Contains(err.Error(), "two dots in a row") {
		t.Errorf("a body whose only contact detail is a bad email: %v, want ErrNoContact saying why", err)
	}
	// A test lead is one whatever its email's shape.
	p, err := marketplace.Decode([]byte(`{"UserDetails":{"FirstName":"A","Email":"MSFT_TEST..x@contoso.com"}}`))
	if err != nil || !p.IsTest {
		t.Errorf("test lead with a bad email: %+v, %v", p, err)
	}
}
