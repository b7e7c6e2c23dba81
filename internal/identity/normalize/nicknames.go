package normalize

import (
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
)

// nicknames maps a nickname, diminutive or short form (normalised by Name)
// to the given name it most usually stands for (data/nicknames.txt); see
// GivenName. Where a nickname serves several names, givenNameKeys knows
// them all.
var nicknames = aliasTable("nicknames.txt")

// givenNameParents maps a given name (normalised by Name) to every name it
// may be a nickname, diminutive or short form of, many to many: "chris" to
// christopher, christine, christian…; "bob" to robert. It joins the
// vendored list of github.com/carltonnorthern/nicknames
// (data/vendor/nicknames/names.csv) with leadhub's own table
// (data/nicknames.txt, for the languages the list does not cover).
var givenNameParents = loadGivenNameParents()

func loadGivenNameParents() map[string][]string {
	parents := map[string][]string{}
	add := func(name, nick string) {
		name, nick = Name(name), Name(nick)
		if name == "" || nick == "" || name == nick || strings.ContainsAny(name+nick, " ") {
			return
		}
		if !slices.Contains(parents[nick], name) {
			parents[nick] = append(parents[nick], name)
		}
	}
	r := csv.NewReader(strings.NewReader(vendorFile("nicknames/names.csv")))
	rows, err := r.ReadAll()
	if err != nil || len(rows) < 2 || !slices.Equal(rows[0], []string{"name1", "relationship", "name2"}) {
		panic(fmt.Sprintf("normalize: data/vendor/nicknames/names.csv: %v", err))
	}
	for _, row := range rows[1:] {
		if row[1] == "has_nickname" {
			add(row[0], row[2])
		}
	}
	for nick, name := range nicknames {
		add(name, nick)
	}
	for _, ps := range parents {
		slices.Sort(ps)
	}
	return parents
}

// GivenNames returns the keys of a given name normalised by Name: the name
// itself and every name it may be a nickname of, sorted. Two given names
// may be one person's when their keys meet: a name and its nickname
// (christine, chris), two nicknames of one name (bob, rob: robert). Two
// full names that merely share a nickname (christopher, christine: chris)
// do not meet. For a compound name ("maria jose") the keys of its first
// word are added.
func GivenNames(n string) []string {
	if n == "" {
		return nil
	}
	keys := append([]string{n}, givenNameParents[n]...)
	if first, _, ok := strings.Cut(n, " "); ok {
		keys = append(keys, first)
		keys = append(keys, givenNameParents[first]...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// SameGivenName reports whether two normalised given names may name one
// person: equal, or their GivenNames keys meet.
func SameGivenName(a, b string) bool {
	if a == b {
		return true
	}
	if a == "" || b == "" {
		return false
	}
	return meet(GivenNames(a), GivenNames(b))
}

// meet reports whether two sorted lists share an element.
func meet(a, b []string) bool {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch strings.Compare(a[i], b[j]) {
		case 0:
			return true
		case -1:
			i++
		default:
			j++
		}
	}
	return false
}

// knownGivenNames are the given names the nickname tables know, as names or
// as nicknames.
var knownGivenNames = func() map[string]bool {
	m := map[string]bool{}
	for nick, ps := range givenNameParents {
		m[nick] = true
		for _, p := range ps {
			m[p] = true
		}
	}
	return m
}()

// IsKnownGivenName reports whether a normalised given name is one the
// nickname tables know: two such names that are not SameGivenName are two
// names, not a typo of one.
func IsKnownGivenName(n string) bool { return knownGivenNames[n] }
