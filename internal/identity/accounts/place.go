package accounts

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// Place puts the customers of a batch (leadhub dedupe's person clusters)
// in accounts, one after another in the order given, as the store does
// when customers arrive in that order with these golden records: each
// customer goes where Choose sends it, given the accounts that the keys of
// the customers before it found. A customer joins one account and accounts
// are never merged, so one customer's keys cannot chain two companies. It
// returns, per customer, the index of the customer that founded its account
// (its own index when it founded one), or -1 when it has no account (no
// keys: a free-mail address and no company).
func Place(goldens []lead.Contact) []int {
	acct := make([]int, len(goldens))
	byKey := map[string]map[int]int{} // key → account → customers holding it
	byName := map[string][]string{}   // "n:<company>" → the name keys seen with it, in any country
	id := func(a int) string { return fmt.Sprintf("%010d", a) }
	for i, g := range goldens {
		keys := Keys(g, false)
		acct[i] = -1
		if len(keys) == 0 {
			continue
		}
		var matches []Match
		seen := map[string]bool{}
		add := func(k string) {
			if seen[k] {
				return
			}
			seen[k] = true
			for a, n := range byKey[k] {
				matches = append(matches, Match{Account: id(a), Key: k, People: n})
			}
		}
		for _, k := range keys {
			add(k)
			if base, _, ok := strings.Cut(k, "|"); ok && strings.HasPrefix(k, NamePrefix) {
				for _, other := range byName[base] {
					add(other)
				}
			}
		}
		slices.SortFunc(matches, func(a, b Match) int {
			return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.Account, b.Account))
		})
		switch ch := Choose("", false, keys, false, matches); {
		case ch.To != "":
			acct[i], _ = strconv.Atoi(ch.To)
		case ch.New:
			acct[i] = i
		default:
			continue
		}
		for _, k := range keys {
			if byKey[k] == nil {
				byKey[k] = map[int]int{}
				if base, _, ok := strings.Cut(k, "|"); ok && strings.HasPrefix(k, NamePrefix) {
					byName[base] = append(byName[base], k)
				}
			}
			byKey[k][acct[i]]++
		}
	}
	return acct
}
