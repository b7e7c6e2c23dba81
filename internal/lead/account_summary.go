package lead

import (
	"slices"
	"time"
)

// AccountMember is what an account's summary takes from one of its
// customers: its company as typed, its country (ISO alpha-2, "" when
// unknown) and corporate domain from its golden record, and its own
// summary's figures.
type AccountMember struct {
	Customer  string
	Company   string
	Country   string
	Domain    string
	Stage     Stage
	LeadCount int
	Offers    []string
	FirstSeen time.Time
	LastSeen  time.Time
}

// AccountSummary is everything about an account that its customers
// determine: a fold over them that does not depend on their order, so
// that it can be recomputed after any change and give the same result.
type AccountSummary struct {
	Name        string
	Country     string
	Domains     []string // sorted, distinct
	PeopleCount int
	LeadCount   int
	Offers      []string // sorted, distinct
	Stage       Stage
	FirstSeen   time.Time
	LastSeen    time.Time

	names     map[string]*tally
	countries map[string]*tally
}

// tally counts a value's uses and remembers its latest use.
type tally struct {
	n    int
	last time.Time
}

// Add folds one customer into the summary.
func (s *AccountSummary) Add(m AccountMember) {
	stage := canonicalStage(m.Stage)
	if s.PeopleCount == 0 {
		s.Stage, s.FirstSeen, s.LastSeen = stage, m.FirstSeen, m.LastSeen
	} else {
		if StageRank(stage) > StageRank(s.Stage) {
			s.Stage = stage
		}
		if m.FirstSeen.Before(s.FirstSeen) {
			s.FirstSeen = m.FirstSeen
		}
		if m.LastSeen.After(s.LastSeen) {
			s.LastSeen = m.LastSeen
		}
	}
	s.PeopleCount++
	s.LeadCount += m.LeadCount
	for _, o := range m.Offers {
		s.Offers = insertSorted(s.Offers, o)
	}
	if m.Domain != "" {
		s.Domains = insertSorted(s.Domains, m.Domain)
	}
	s.Name = vote(&s.names, m.Company, m.LastSeen)
	s.Country = vote(&s.countries, m.Country, m.LastSeen)
}

// insertSorted adds v to the sorted, distinct list xs.
func insertSorted(xs []string, v string) []string {
	if i, found := slices.BinarySearch(xs, v); !found {
		xs = slices.Insert(xs, i, v)
	}
	return xs
}

// vote counts v (when not empty) and returns the winner: the value used
// most, then the one used last, then the smallest.
func vote(m *map[string]*tally, v string, at time.Time) string {
	if *m == nil {
		*m = map[string]*tally{}
	}
	if v != "" {
		t := (*m)[v]
		if t == nil {
			t = &tally{}
			(*m)[v] = t
		}
		t.n++
		if at.After(t.last) {
			t.last = at
		}
	}
	best := ""
	var bt *tally
	for k, t := range *m {
		if bt == nil || t.n > bt.n || (t.n == bt.n && (t.last.After(bt.last) || (t.last.Equal(bt.last) && k < best))) {
			best, bt = k, t
		}
	}
	return best
}
