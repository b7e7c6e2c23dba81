package store

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/leadhub/leadhub/internal/lead"
)

// Search (the q of leads and customers) is a word-prefix search over the
// name, email and company of a lead:
//
//   - text is cut into words of letters and digits; everything else
//     (spaces, punctuation, "@", ".", "-", quotes, "*") separates words;
//     case and accents are ignored ("José" is "jose");
//   - every word of q (q split at spaces) must start a word of the lead,
//     in any field: "ann" finds "Anna", "smi ann" finds "Anna Smith";
//   - a word of q with punctuation inside (an email address, a domain)
//     must match its parts in that order, the last part as a prefix:
//     "anna@contoso.com", "contoso.com" and "contoso" all find
//     anna@contoso.com; "anna@fabrikam" does not;
//   - a q without any letter or digit finds nothing.
//
// The leads' search column holds the words of first name, last name,
// email and company, as searchText makes them. SQLite indexes it with FTS5
// (leads_fts, kept by triggers), PostgreSQL with a GIN index over
// to_tsvector('simple', search); q becomes an FTS5 or tsquery expression
// built from its words alone, so no character of q reaches either query
// language.

// maxSearchWords and maxSearchWordLen bound a q.
const (
	maxSearchWords   = 8
	maxSearchWordLen = 64
)

// fold lower-cases s and strips its accents.
func fold(s string) string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// searchWords returns the words of s (folded), in order.
func searchWords(s string) []string {
	return strings.FieldsFunc(fold(clean(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsNumber(r) && !unicode.Is(unicode.Co, r)
	})
}

// searchText is what the Query filter looks in: the words of the contact's
// first name, last name, email and company, separated by spaces.
func searchText(c *lead.Contact) string {
	var ws []string
	for _, f := range []string{c.FirstName, c.LastName, c.Email, c.Company} {
		ws = append(ws, searchWords(f)...)
	}
	return strings.Join(ws, " ")
}

// searchQuery turns q into groups of words: one group per word of q (split
// at white space), each the words searchWords finds in it. Empty when q
// has no letter or digit.
func searchQuery(q string) [][]string {
	var groups [][]string
	for _, w := range strings.Fields(q) {
		ws := searchWords(w)
		if len(ws) == 0 {
			continue
		}
		for i, x := range ws {
			if r := []rune(x); len(r) > maxSearchWordLen {
				ws[i] = string(r[:maxSearchWordLen])
			}
		}
		groups = append(groups, ws)
		if len(groups) == maxSearchWords {
			break
		}
	}
	return groups
}

// ftsMatch is the FTS5 expression for groups: each group a phrase whose
// last word is a prefix, the groups AND-ed. Words are only letters and
// digits, quoted all the same.
func ftsMatch(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = `"` + strings.Join(g, " ") + `"*`
	}
	return strings.Join(parts, " AND ")
}

// tsQuery is the PostgreSQL tsquery for groups: each group a phrase
// (<->) whose last word is a prefix (:*), the groups AND-ed.
func tsQuery(groups [][]string) string {
	parts := make([]string, len(groups))
	for i, g := range groups {
		parts[i] = "(" + strings.Join(g, " <-> ") + ":*)"
	}
	return strings.Join(parts, " & ")
}

// addSearch adds the search for q to w: leads (customers false) or the
// customers with such a lead.
func (s *Store) addSearch(w *where, q string, customers bool) {
	groups := searchQuery(q)
	if len(groups) == 0 {
		w.add(`1 = 0`, nil)
		return
	}
	cond := s.d.searchFilter
	if customers {
		cond = `id IN (SELECT customer_id FROM leads WHERE ` + cond + `)`
	}
	w.add(cond, s.d.searchExpr(groups))
}
