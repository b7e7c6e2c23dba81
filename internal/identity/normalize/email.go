package normalize

import (
	"encoding/json"
	"fmt"
	"strings"

	"golang.org/x/net/idna"
)

// EmailAddress is a normalised email address.
type EmailAddress struct {
	// Address is the canonical address, Local + "@" + Domain.
	Address string
	// Local is the canonical local part: lower-case, and for consumer
	// providers whose rules say so without dots or sub-address tags.
	Local string
	// Domain is the canonical domain in ASCII (IDNA A-labels), with
	// googlemail.com folded into gmail.com.
	Domain string
	// FreeMail is true when Domain belongs to a free (consumer) mail
	// provider rather than to an organisation.
	FreeMail bool
}

// maxEmail is the longest address (RFC 5321's limit on a path, less the
// angle brackets).
const maxEmail = 254

// idnaProfile converts domains the way mail software does on lookup, but
// without rejecting the underscores and other characters some mail
// systems tolerate.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false))

// Email normalises an email address: it trims spaces, a "mailto:" prefix
// and angle brackets ("Jane <jane@x.com>" → "jane@x.com"), lower-cases,
// converts an internationalised domain to its ASCII form (IDNA,
// https://www.rfc-editor.org/rfc/rfc5891), and applies the address rules
// of the big consumer providers, which deliver several spellings to one
// mailbox:
//
//   - Gmail (gmail.com, googlemail.com → gmail.com): dots in the local part
//     are ignored and "+tag" is a sub-address
//     (https://support.google.com/mail/answer/7436150,
//     https://support.google.com/mail/answer/10313).
//   - Outlook.com (outlook.*, hotmail.*, live.*, msn.com), iCloud
//     (icloud.com, me.com, mac.com), Proton (proton.me, protonmail.com,
//     protonmail.ch, pm.me) and Fastmail (fastmail.com, fastmail.fm):
//     "+tag" is a sub-address.
//   - Yahoo (yahoo.*, ymail.com, rocketmail.com): "-keyword" marks a
//     disposable address.
//
// Company domains are never rewritten: at an organisation's own domain
// "j.smith" and "jsmith" may be two people. ok is false when s is not
// shaped like an address (no "@", or an empty side); Address then holds
// the trimmed, lower-cased input so that it can still be compared
// exactly. An address longer than 254 bytes is not an address.
func Email(s string) (e EmailAddress, ok bool) {
	s = strings.TrimSpace(strings.ToValidUTF8(clip(s), ""))
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	s = strings.Trim(s, " \t\r\n<>\"'")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || strings.ContainsAny(s, " \t\r\n") {
		e.Address = strings.ToLower(s)
		return e, false
	}
	local, domain := strings.ToLower(s[:at]), s[at+1:]
	domain = strings.TrimRight(strings.ToLower(domain), ".")
	if a, err := idnaProfile.ToASCII(domain); err == nil && a != "" {
		domain = a
	}
	local = strings.Trim(local, "\"")
	// Several addresses in one value ("ann@contoso.com;bob@contoso.com")
	// or other text before the address leave characters in the local part
	// that no unquoted address has.
	if local == "" || domain == "" || strings.ContainsAny(local, "@,;:<>()[]\\\" ") ||
		strings.ContainsAny(domain, "\"'<>@,;:()[]\\ ") || strings.Trim(domain, ".-") == "" {
		e.Address = strings.ToLower(s)
		return e, false
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	switch provider(domain) {
	case "gmail":
		local = cutAt(local, '+')
		local = strings.ReplaceAll(local, ".", "")
	case "outlook", "icloud", "proton", "fastmail":
		local = cutAt(local, '+')
	case "yahoo":
		local = cutAt(local, '-')
	}
	if local == "" || len(local)+1+len(domain) > maxEmail {
		e.Address = strings.ToLower(s)
		return e, false
	}
	return EmailAddress{
		Address:  local + "@" + domain,
		Local:    local,
		Domain:   domain,
		FreeMail: IsFreeMailDomain(domain),
	}, true
}

// cutAt returns s up to the first sep, unless sep is its first character.
func cutAt(s string, sep byte) string {
	if i := strings.IndexByte(s, sep); i > 0 {
		return s[:i]
	}
	return s
}

// provider names the consumer provider whose local-part rules apply to
// domain, or "" for any other domain.
func provider(domain string) string {
	switch domain {
	case "gmail.com":
		return "gmail"
	case "msn.com", "passport.com":
		return "outlook"
	case "icloud.com", "me.com", "mac.com":
		return "icloud"
	case "proton.me", "protonmail.com", "protonmail.ch", "pm.me":
		return "proton"
	case "fastmail.com", "fastmail.fm":
		return "fastmail"
	case "ymail.com", "rocketmail.com":
		return "yahoo"
	}
	switch label := secondLevel(domain); label {
	case "outlook", "hotmail", "live", "windowslive":
		return "outlook"
	case "yahoo":
		return "yahoo"
	}
	return ""
}

// secondLevel returns the registrable label of a consumer domain:
// "hotmail" for hotmail.com, hotmail.co.uk and hotmail.com.br.
func secondLevel(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return ""
	}
	// Strip a country-code second level such as co.uk, com.br, co.jp.
	n := len(labels)
	if n >= 3 && len(labels[n-1]) == 2 {
		switch labels[n-2] {
		case "co", "com", "net", "org", "ne", "or":
			return labels[n-3]
		}
	}
	return labels[n-2]
}

// freeMail lists free, ISP and disposable mail domains (exact domains):
// the vendored list of the npm package free-email-domains
// (data/vendor/free-email-domains/domains.json) and the few that leadhub
// adds (data/freemail.txt); freeMailLabels lists providers that run the
// same service under many country domains.
var freeMail = loadFreeMail()

func loadFreeMail() map[string]bool {
	m := wordSet("freemail.txt")
	var vendored []string
	if err := json.Unmarshal([]byte(vendorFile("free-email-domains/domains.json")), &vendored); err != nil || len(vendored) < 1000 {
		panic(fmt.Sprintf("normalize: data/vendor/free-email-domains/domains.json: %d domains, %v", len(vendored), err))
	}
	for _, d := range vendored {
		m[strings.ToLower(strings.TrimSpace(d))] = true
	}
	return m
}

var freeMailLabels = map[string]bool{
	"hotmail": true, "outlook": true, "live": true, "windowslive": true, "yahoo": true, "gmx": true,
	"aol": true,
}

// roleLocals are mailbox names shared by many people of one organisation
// (a department, a switchboard): info@, sales@, it@.
var roleLocals = map[string]bool{
	"info": true, "admin": true, "sales": true, "contact": true, "office": true, "support": true, "hello": true,
	"mail": true, "team": true, "test": true, "noreply": true, "no-reply": true, "billing": true, "marketing": true,
	"webmaster": true, "enquiries": true, "inquiries": true, "service": true, "help": true, "it": true,
	"hr": true, "finance": true, "accounts": true, "purchasing": true, "procurement": true, "reception": true,
	"postmaster": true, "hostmaster": true, "contactus": true, "general": true,
}

// IsRoleMailbox reports whether a normalised local part names a shared
// mailbox (info, sales, it, …) rather than a person.
func IsRoleMailbox(local string) bool { return roleLocals[local] }

// IsFreeMailDomain reports whether domain (normalised, as in
// EmailAddress.Domain) belongs to a free consumer mail provider, so an
// address there says nothing about the person's employer.
func IsFreeMailDomain(domain string) bool {
	if freeMail[domain] {
		return true
	}
	return freeMailLabels[secondLevel(domain)]
}
