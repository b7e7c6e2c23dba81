package accounts

import "strings"

// Match is an account found through one of a customer's keys: how many of
// its other active customers hold that key.
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
//  5. Otherwise a customer alone in its account keeps it; any other gets a
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
	for _, prefix := range []string{DomainPrefix, NamePrefix} {
		people := map[string]int{}
		because := map[string][]string{}
		for _, m := range matches {
			if strings.HasPrefix(m.Key, prefix) && m.People > 0 && m.Account != "" {
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
	if current != "" && alone {
		return Choice{To: current}
	}
	return Choice{New: true}
}
