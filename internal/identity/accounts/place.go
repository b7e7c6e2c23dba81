package accounts

import (
	"fmt"
	"strconv"

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
	counts := NewCounts()
	id := func(a int) string { return fmt.Sprintf("%010d", a) }
	for i, g := range goldens {
		keys := Keys(g, false)
		acct[i] = -1
		if len(keys) == 0 {
			continue
		}
		switch ch := Choose("", false, keys, false, counts.Matches(keys, "")); {
		case ch.To != "":
			acct[i], _ = strconv.Atoi(ch.To)
		case ch.New:
			acct[i] = i
		default:
			continue
		}
		for _, k := range keys {
			counts.Add(k, id(acct[i]), 1)
		}
	}
	return acct
}
