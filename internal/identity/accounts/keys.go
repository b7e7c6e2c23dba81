// Package accounts decides which company account a customer belongs to.
// It is pure: the store calls it inside the identity transaction that
// changes a customer, with the customer's golden record and the accounts
// that the customer's keys find.
//
// A customer has up to two account keys, from its golden record (the most
// recent value of each contact field, so that a person who changed
// employer follows the new one):
//
//   - "d:<domain>": the registrable domain of its email address
//     (mail.contoso.com → contoso.com, sales.contoso.co.uk →
//     contoso.co.uk, by the public suffix list), unless the domain is a
//     free-mail, ISP or disposable one (the vendored list of
//     internal/identity/normalize).
//   - "n:<company>|<country>": its normalised company name (legal forms,
//     case, accents, punctuation and common abbreviations folded by
//     normalize.Company) with its ISO country code, or nothing after the
//     bar when the country is unknown. A placeholder such as "n/a",
//     "self", "none", "individual" or "-" is no company.
//
// A test customer, and one with neither key (a free-mail address and no
// company), has no account. Choose says where a customer goes.
package accounts

import (
	"strings"

	"golang.org/x/net/publicsuffix"

	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/lead"
)

// Key prefixes.
const (
	DomainPrefix = "d:"
	NamePrefix   = "n:"
)

// noCompany are normalised company values that say the person has none.
var noCompany = map[string]bool{
	"": true, "na": true, "n a": true, "none": true, "no": true, "nil": true, "null": true, "self": true,
	"self employed": true, "selfemployed": true, "individual": true, "private": true, "personal": true,
	"private person": true, "private individual": true, "home": true, "student": true, "freelance": true,
	"freelancer": true, "independent": true, "unemployed": true, "retired": true, "not applicable": true,
	"no company": true, "unknown": true, "test": true, "x": true, "xx": true, "xxx": true, "me": true,
	"myself": true, "nothing": true, "other": true, "not available": true, "company": true,
}

// Keys returns a customer's account keys from its golden record: the
// domain key first, then the name key; none for a test customer.
func Keys(golden lead.Contact, isTest bool) []string {
	if isTest {
		return nil
	}
	var out []string
	if d := Domain(golden.Email); d != "" {
		out = append(out, DomainPrefix+d)
	}
	if n := Company(golden.Company); n != "" {
		out = append(out, NamePrefix+n+"|"+normalize.Country(golden.Country))
	}
	return out
}

// Domain returns the registrable corporate domain of an email address, or
// "" when it is not an address or its domain is a free-mail, ISP or
// disposable one.
func Domain(email string) string {
	e, ok := normalize.Email(email)
	if !ok || e.FreeMail || normalize.IsFreeMailDomain(e.Domain) || !strings.Contains(e.Domain, ".") {
		return ""
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(e.Domain)
	if err != nil {
		return "" // a bare public suffix, or an IP literal: nobody's company
	}
	if normalize.IsFreeMailDomain(d) || reserved(d) {
		return ""
	}
	return d
}

// reserved reports whether d is a domain reserved for documentation and
// testing (RFC 2606, RFC 6761): addresses there belong to no company, and
// test and placeholder leads use them for everyone.
func reserved(d string) bool {
	switch d {
	case "example.com", "example.net", "example.org":
		return true
	}
	tld := d[strings.LastIndexByte(d, '.')+1:]
	return tld == "example" || tld == "test" || tld == "invalid" || tld == "localhost"
}

// Company returns the normalised company name, or "" when s says there is
// none.
func Company(s string) string {
	n := normalize.Company(s)
	if noCompany[n] || strings.Trim(n, " ") == "" {
		return ""
	}
	return n
}

// KeyDomain returns the domain of a domain key, "" for any other key.
func KeyDomain(key string) string {
	d, _ := strings.CutPrefix(key, DomainPrefix)
	if d == key {
		return ""
	}
	return d
}

// Member is what an account's summary takes from a customer.
func Member(id string, sum *lead.Summary) lead.AccountMember {
	m := lead.AccountMember{Customer: id, Stage: sum.Stage, LeadCount: sum.LeadCount, Offers: sum.Offers,
		FirstSeen: sum.FirstSeen, LastSeen: sum.LastSeen}
	m.Company, m.Country, m.Domain = Brings(sum.Record().Contact)
	return m
}

// Brings returns what a customer whose golden record holds c brings to its
// account: its company as typed ("" when the name is only a legal form or
// punctuation), its country (ISO alpha-2, "" when unknown) and its
// corporate domain ("" for none).
func Brings(c lead.Contact) (company, country, domain string) {
	if Company(c.Company) != "" {
		company = strings.TrimSpace(c.Company)
	}
	return company, normalize.Country(c.Country), Domain(c.Email)
}
