package accounts

import (
	"cmp"
	"slices"
	"strings"
)

// Counts are how many customers of each account hold each key, with the
// name keys of every company name in any country: what Choose is given,
// kept in memory while customers are placed one after another (by the
// store for a commit of the resolver, by Place for a batch).
type Counts struct {
	people map[string]map[string]int // key → account → customers
	names  map[string][]string       // "n:contoso|" → its keys seen
}

// NewCounts returns empty counts.
func NewCounts() *Counts {
	return &Counts{people: map[string]map[string]int{}, names: map[string][]string{}}
}

// Add adds d to the count of key in account ("" counts nothing).
func (c *Counts) Add(key, account string, d int) {
	if account == "" {
		return
	}
	m := c.people[key]
	if m == nil {
		m = map[string]int{}
		c.people[key] = m
		if base, ok := NameBase(key); ok {
			c.names[base] = append(c.names[base], key)
		}
	}
	m[account] += d
}

// Matches lists the accounts that hold keys among the other customers (a
// name key finds its company name in every country): a customer counted
// in account with keys is left out of the counts. Sorted by key, then
// account.
func (c *Counts) Matches(keys []string, account string) []Match {
	var out []Match
	seen := map[string]bool{}
	found := func(k string) {
		if seen[k] {
			return
		}
		seen[k] = true
		for a, n := range c.people[k] {
			if a == account && slices.Contains(keys, k) {
				n-- // the customer itself
			}
			if n > 0 {
				out = append(out, Match{Account: a, Key: k, People: n})
			}
		}
	}
	for _, k := range keys {
		found(k)
		if base, ok := NameBase(k); ok {
			for _, nk := range c.names[base] {
				found(nk)
			}
		}
	}
	slices.SortFunc(out, func(x, y Match) int {
		return cmp.Or(strings.Compare(x.Key, y.Key), strings.Compare(x.Account, y.Account))
	})
	return out
}

// NameBase returns the part of a name key that every country shares
// ("n:contoso|" for "n:contoso|GB"); ok is false for other keys.
func NameBase(key string) (string, bool) {
	if !strings.HasPrefix(key, NamePrefix) {
		return "", false
	}
	base, _, ok := strings.Cut(key, "|")
	return base + "|", ok
}
