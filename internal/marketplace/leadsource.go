package marketplace

import (
	"strings"
	"unicode"
)

// Lead sources as documented for the first part of LeadSource. SourceSPZA is
// the older spelling of SourceAppSource; both are kept distinct.
const (
	SourceAzureMarketplace = "AzureMarketplace"
	SourceAzurePortal      = "AzurePortal"
	SourceAppSource        = "AppSource (SPZA)"
	SourceSPZA             = "SPZA"
	SourceTestDrive        = "TestDrive"
)

// Action codes as documented for ActionCode and the second part of
// LeadSource.
const (
	ActionINS            = "INS"            // Get It Now: the customer acquired the offer
	ActionPLT            = "PLT"            // Partner Led Trial: the customer asked to be contacted
	ActionDNC            = "DNC"            // Do Not Contact: heads-up about a cross-listed customer
	ActionCreate         = "Create"         // Create/purchase in the Azure portal
	ActionStartTestDrive = "StartTestDrive" // the customer started a test drive
)

var (
	knownSources = [...]string{SourceAzureMarketplace, SourceAzurePortal, SourceAppSource, SourceSPZA, SourceTestDrive}
	knownActions = [...]string{ActionINS, ActionPLT, ActionDNC, ActionCreate, ActionStartTestDrive}
)

// LeadSource is a LeadSource value taken apart.
type LeadSource struct {
	Raw         string // the value exactly as received
	Source      string // e.g. "AzureMarketplace"; canonical spelling when known, else verbatim (trimmed)
	Action      string // e.g. "INS"; canonical spelling when known, else verbatim (trimmed); may be empty
	PublisherID string // from Offer when it has the form publisherid.offerid
	OfferID     string // from Offer when it has the form publisherid.offerid
	Offer       string // the text after "|" in the combined form, trimmed
	Combined    bool   // the value had the combined "Source-Action|Offer" form
}

// ParseLeadSource takes apart a LeadSource value. It accepts
//
//   - the combined form "Source-Action|Offer", e.g.
//     "AppSource (SPZA)-PLT|contoso.crm-connector", with optional spaces
//     around the separator and with "|" possibly HTML-escaped as "&#124;";
//   - "Source-Action" without an offer;
//   - a bare source such as "AzureMarketplace", "SPZA" or free text like
//     "Test run through MS Flow".
//
// The offer starts after the first "|" (sources and actions never contain
// one; offer titles might). Source and action are split at the last "-"
// when the text after it is a known action (any case), or when it is a
// single token of letters, digits and underscores (or empty) and either the
// value had the combined form, which is documented to be "Source-Action", or
// the text before it is a known source or an MSFT_TEST marker. Otherwise the
// whole text is the source, so free text such as "Re-run of the Contoso
// test" or "Contoso-Fabrikam" stays intact.
//
// Known sources and actions are returned in their documented spelling
// (matching ignores case, spaces, "_" and "-"); anything else is kept
// verbatim, trimmed. ParseLeadSource never fails.
func ParseLeadSource(s string) LeadSource {
	ls := LeadSource{Raw: s}
	head := strings.TrimSpace(s)
	if i, n := offerSeparator(head); i >= 0 {
		ls.Combined = true
		ls.Offer = strings.TrimSpace(head[i+n:])
		ls.PublisherID, ls.OfferID = SplitOffer(ls.Offer)
		head = strings.TrimSpace(head[:i])
	}
	source, action := splitSourceAction(head, ls.Combined)
	ls.Source = canonicalSource(source)
	ls.Action = canonicalAction(action)
	return ls
}

// offerSeparator returns the index and length of the first "|" or its HTML
// escape ("&#124;" or "&#x7C;"), or -1.
func offerSeparator(s string) (int, int) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '|':
			return i, 1
		case '&':
			for _, esc := range [...]string{"&#124;", "&#x7c;"} {
				if len(s)-i >= len(esc) && strings.EqualFold(s[i:i+len(esc)], esc) {
					return i, len(esc)
				}
			}
		}
	}
	return -1, 0
}

// splitSourceAction splits "Source-Action" as described in ParseLeadSource.
func splitSourceAction(s string, combined bool) (source, action string) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s, ""
	}
	source = strings.TrimSpace(s[:i])
	action = strings.TrimSpace(s[i+1:])
	if isKnownAction(action) {
		return source, action
	}
	if (action == "" || isToken(action)) && (combined || isKnownSource(source) || hasTestPrefix(source)) {
		return source, action
	}
	return s, ""
}

// isToken reports whether s is a non-empty run of ASCII letters, digits and
// underscores.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func isKnownSource(s string) bool { return known(s, knownSources[:]) }
func isKnownAction(s string) bool { return known(s, knownActions[:]) }

func known(s string, list []string) bool {
	for _, v := range list {
		if sameName(s, v) {
			return true
		}
	}
	return false
}

// canonicalSource returns the documented spelling of a known source, or s
// trimmed.
func canonicalSource(s string) string { return canonical(strings.TrimSpace(s), knownSources[:]) }

// canonicalAction returns the documented spelling of a known action code, or
// s trimmed.
func canonicalAction(s string) string { return canonical(strings.TrimSpace(s), knownActions[:]) }

func canonical(s string, list []string) string {
	for _, v := range list {
		if sameName(s, v) {
			return v
		}
	}
	return s
}

// sameName reports whether a and b are equal ignoring ASCII case, spaces,
// tabs, underscores and hyphens. It is how field names and known codes are
// matched.
func sameName(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && isNameSep(a[i]) {
			i++
		}
		for j < len(b) && isNameSep(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if lowerASCII(a[i]) != lowerASCII(b[j]) {
			return false
		}
		i++
		j++
	}
}

func isNameSep(c byte) bool { return c == ' ' || c == '\t' || c == '_' || c == '-' }

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// hasTestPrefix reports whether s starts with MSFT_TEST, in any case: the
// marker of Microsoft's validation lead.
func hasTestPrefix(s string) bool {
	const marker = "MSFT_TEST"
	return len(s) >= len(marker) && strings.EqualFold(s[:len(marker)], marker)
}

// SplitOffer splits an offer reference of the form "publisherid.offerid"
// (e.g. "bitnami.openedxcypress") at its first dot. It returns two empty
// strings when s is not of that form: when a side is empty or when s
// contains white space or control characters, as in "Contoso Test" or
// "<Offer Name>"; such a string is an offer title, not a reference.
func SplitOffer(s string) (publisherID, offerID string) {
	s = strings.TrimSpace(s)
	i := strings.IndexByte(s, '.')
	if i <= 0 || i == len(s)-1 {
		return "", ""
	}
	if strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "", ""
	}
	return s[:i], s[i+1:]
}

// KnownSource reports whether s is one of the documented sources
// (AzureMarketplace, AzurePortal, AppSource (SPZA), SPZA, TestDrive).
func KnownSource(s string) bool { return isKnownSource(s) }

// KnownAction reports whether s is one of the documented action codes
// (INS, PLT, DNC, Create, StartTestDrive).
func KnownAction(s string) bool { return isKnownAction(s) }

// looksLikeOfferRef reports whether a display title is really an offer
// reference: publisher and offer ids are lower-case ASCII letters, digits,
// '-', '_' and '.', while titles such as "Contoso.AI" or "Contoso Test" have
// capitals or spaces.
func looksLikeOfferRef(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return s != ""
}
