package accounts

import (
	"slices"
	"strings"
)

// Match is an account found through one of a customer's keys: how many of
// its other active customers hold Key. For the name key, the store also
// reports the accounts that hold the same name with another country (or
// none), which rule 5 uses.
type Match struct {
	Account string
	Key     string
	People  int
}

// Choice is where a customer goes: To ("" for no account), or a new
// account of its own when New; Because names the keys it shares with To.
type Choice struct {
	To      string
	New     bool
	Because []string
}

// Choose places a customer, given its current account ("" for none),
// whether a person pinned it there, its keys, whether it is alone in its
// current account, and the accounts its keys find among the other
// customers (merged accounts excluded). The rule:
//
//  1. A pinned customer stays.
//  2. A customer without keys has no account.
//  3. The domain key is the strong one: if other customers hold it, the
//     customer goes to their account (its current one if that is among
//     them, otherwise the one with most of them, then the smallest id).
//  4. Otherwise the name key (company and country) does the same.
//  5. Otherwise, for a customer without a corporate domain or without a
//     country, the company name alone: when exactly one account holds the
//     name (with any country), the customer joins it. A free-mail
//     address says nothing about where the company is, and the country a
//     person gives is often their own; but a name that two accounts hold
//     in different countries is ambiguous, and a customer with a
//     corporate domain of its own that nobody else has, a country and a
//     company name that only other countries know is a company of its own
//     (a subsidiary stays apart until a person merges it).
//  6. Otherwise a customer alone in its account keeps it; any other gets a
//     new account.
//
// A customer joins one account; two accounts are never merged
// automatically, so one customer's keys cannot chain two companies
// together (a person who left Contoso for Fabrikam does not merge them).
// Only a person merges accounts.
func Choose(current string, pinned bool, keys []string, alone bool, matches []Match) Choice {
	if pinned && current != "" {
		return Choice{To: current}
	}
	if len(keys) == 0 {
		return Choice{}
	}
	name, domain := "", false
	for _, k := range keys {
		if strings.HasPrefix(k, NamePrefix) {
			name = k
		}
		domain = domain || strings.HasPrefix(k, DomainPrefix)
	}
	for _, want := range []func(string) bool{
		func(k string) bool { return strings.HasPrefix(k, DomainPrefix) && slices.Contains(keys, k) },
		func(k string) bool { return k == name },
	} {
		people := map[string]int{}
		because := map[string][]string{}
		for _, m := range matches {
			if want(m.Key) && m.People > 0 && m.Account != "" {
				people[m.Account] += m.People
				because[m.Account] = append(because[m.Account], m.Key)
			}
		}
		if len(people) == 0 {
			continue
		}
		best := ""
		if _, ok := people[current]; ok && current != "" {
			best = current
		} else {
			for a, n := range people {
				if best == "" || n > people[best] || (n == people[best] && a < best) {
					best = a
				}
			}
		}
		return Choice{To: best, Because: because[best]}
	}
	if base, country, ok := strings.Cut(name, "|"); ok && (!domain || country == "") {
		var only string
		for _, m := range matches {
			if m.People == 0 || m.Account == "" || !strings.HasPrefix(m.Key, base+"|") {
				continue
			}
			if only != "" && only != m.Account {
				only = "-"
				break
			}
			only = m.Account
		}
		if only != "" && only != "-" {
			var because []string
			for _, m := range matches {
				if m.Account == only && strings.HasPrefix(m.Key, base+"|") && !slices.Contains(because, m.Key) {
					because = append(because, m.Key)
				}
			}
			return Choice{To: only, Because: because}
		}
	}
	if current != "" && alone {
		return Choice{To: current}
	}
	return Choice{New: true}
}
