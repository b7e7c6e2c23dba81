package simulate

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/lead"
)

// Assignment is where a system under test put the leads of a run, by
// Event.Seq.
type Assignment struct {
	Person map[int]string // the person cluster (customer) of each lead
	// Account is the account of each lead; nil when the system has none.
	// A lead without one ("") is an account of its own.
	Account map[int]string
}

// Report compares an Assignment with the ground truth of a run.
type Report struct {
	Leads   int // leads of the run
	Tests   int // Microsoft's test leads, left out of the scores
	Missing int // leads the assignment does not place
	// Person compares the person clusters with Event.PersonID.
	Person batch.Metrics
	// Account compares the accounts with Event.CompanyID (a lead without
	// a company is an account of its own); nil without accounts.
	Account *batch.Metrics
	// FalseMerges are the pairs of leads of different people put
	// together, by the evidence the two leads share; FalseSplits the pairs
	// of leads of one person kept apart, by what differs. Largest first.
	FalseMerges, FalseSplits []ErrorClass
	// WrongJoins are a server's automatic decisions that joined a lead to
	// a lead of another person, by the evidence the resolver weighed for
	// them (filled in by the caller, which can read the decisions).
	WrongJoins []ErrorClass `json:",omitempty"`
}

// ErrorClass is one kind of error with its size and examples.
type ErrorClass struct {
	Class    string
	Pairs    int64    // pairs of leads wrongly together (merges) or apart (splits)
	Groups   int      // people wrongly joined to another, or fragments split off
	Examples []string // the two leads, one a line each, then the truth
}

// Evaluate compares an assignment with the truth of events and classifies
// its errors, with up to examples examples per class. Microsoft's test
// leads are left out: they are no one's.
func Evaluate(events []Event, a Assignment, examples int) Report {
	rep := Report{Leads: len(events)}
	pred, truth := map[string]string{}, map[string]string{}
	var predA, truthA map[string]string
	if a.Account != nil {
		predA, truthA = map[string]string{}, map[string]string{}
	}
	byID := map[int]*Event{}
	for i := range events {
		ev := &events[i]
		if ev.IsTest {
			// not people: leadhub keeps them apart from real leads,
			// together in customers of their own
			rep.Tests++
			continue
		}
		byID[ev.Seq] = ev
		c, ok := a.Person[ev.Seq]
		if !ok {
			rep.Missing++
			continue
		}
		id := strconv.Itoa(ev.Seq)
		pred[id], truth[id] = c, ev.PersonID
		if a.Account != nil {
			predA[id], truthA[id] = orSelf(a.Account[ev.Seq], id), orSelf(ev.CompanyID, id)
		}
	}
	rep.Person = batch.Evaluate(pred, truth)
	if a.Account != nil {
		m := batch.Evaluate(predA, truthA)
		rep.Account = &m
	}
	placed := map[int]string{}
	for seq, c := range a.Person {
		if byID[seq] != nil {
			placed[seq] = c
		}
	}
	an := analyser{events: byID, feats: map[int]*features{}, examples: examples}
	rep.FalseMerges, rep.FalseSplits = an.run(placed)
	return rep
}

// orSelf is v, or a group of its own for id when v is empty.
func orSelf(v, id string) string {
	if v == "" {
		return "\x00" + id
	}
	return v
}

// features are a lead's contact in comparable form.
type features struct {
	c                      lead.Contact
	given, name, email     string
	domain, phone, company string
	role, free             bool
}

type analyser struct {
	events   map[int]*Event
	feats    map[int]*features
	examples int
}

func (an *analyser) feat(seq int) *features {
	if f, ok := an.feats[seq]; ok {
		return f
	}
	c := an.events[seq].Contact()
	f := &features{c: c, given: normalize.GivenName(normalize.Name(c.FirstName))}
	f.name = normalize.Name(c.FirstName) + " " + normalize.Name(c.LastName)
	if e, ok := normalize.Email(c.Email); ok {
		f.email, f.domain, f.free = e.Address, e.Domain, e.FreeMail
		f.role = normalize.IsRoleMailbox(e.Local)
	}
	f.phone, _ = normalize.Phone(c.Phone, normalize.Country(c.Country))
	f.company = normalize.Company(c.Company)
	an.feats[seq] = f
	return f
}

// agree lists what two leads share, most telling first.
func (an *analyser) agree(x, y int) []string {
	a, b := an.feat(x), an.feat(y)
	ea, eb := an.events[x], an.events[y]
	var out []string
	if a.email != "" && a.email == b.email {
		switch {
		case a.role:
			out = append(out, "email(role mailbox)")
		default:
			out = append(out, "email")
		}
	} else if a.domain != "" && a.domain == b.domain && !a.free {
		out = append(out, "email domain")
	}
	if a.phone != "" && a.phone == b.phone {
		if slices.Contains(ea.Variations, "switchboard") && slices.Contains(eb.Variations, "switchboard") {
			out = append(out, "phone(switchboard)")
		} else {
			out = append(out, "phone")
		}
	}
	switch {
	case a.name == b.name && a.name != " ":
		out = append(out, "full name")
	case normalize.Name(a.c.LastName) == normalize.Name(b.c.LastName) && a.c.LastName != "":
		if normalize.SameGivenName(a.given, b.given) {
			out = append(out, "full name(nickname)")
		} else {
			out = append(out, "surname")
		}
	}
	if a.company != "" && a.company == b.company {
		out = append(out, "company")
	}
	return out
}

// differ lists what two leads of one person do not share.
func (an *analyser) differ(x, y int) []string {
	a, b := an.feat(x), an.feat(y)
	var out []string
	if a.name != b.name {
		out = append(out, "name")
	}
	if a.email != b.email {
		out = append(out, "email")
	}
	if a.phone != b.phone {
		out = append(out, "phone")
	}
	if a.company != b.company {
		out = append(out, "company")
	}
	return out
}

// notable are the variations that explain a split, most telling first.
var notable = []string{
	"changed-company", "role-mailbox", "other-email", "switchboard", "native-script", "english-name",
	"swapped-name", "nickname", "name-typo", "email-typo", "missing-last-name", "one-surname", "middle-initial",
	"accents-dropped", "missing-phone", "phone-format", "gmail-dots", "gmail-plus", "company-variant",
}

func (an *analyser) describe(seq int) string {
	return describe(an.events[seq], an.feat(seq).c)
}

// Describe is one line about a lead for reports: its sequence number,
// contact as parsed, and variations.
func Describe(ev Event) string { return describe(&ev, ev.Contact()) }

func describe(ev *Event, c lead.Contact) string {
	return fmt.Sprintf("#%d %s %s | %s | %s | %s | %s [%s]", ev.Seq, c.FirstName, c.LastName, c.Email, c.Phone,
		c.Company, c.Country, strings.Join(ev.Variations, ","))
}

func (an *analyser) truth(x, y int) string {
	ex, ey := an.events[x], an.events[y]
	rel := "strangers"
	switch {
	case ex.PersonID == ey.PersonID:
		rel = "same person"
	case ex.CompanyID != "" && ex.CompanyID == ey.CompanyID:
		rel = "colleagues"
	}
	return fmt.Sprintf("truth: %s/%s vs %s/%s (%s)", ex.PersonID, ex.CompanyID, ey.PersonID, ey.CompanyID, rel)
}

type classAcc struct {
	byClass map[string]*ErrorClass
	n       int
}

func (c *classAcc) add(class string, pairs int64, example func() []string) {
	if c.byClass == nil {
		c.byClass = map[string]*ErrorClass{}
	}
	e := c.byClass[class]
	if e == nil {
		e = &ErrorClass{Class: class}
		c.byClass[class] = e
	}
	e.Pairs += pairs
	e.Groups++
	if len(e.Examples) < 3*c.n {
		e.Examples = append(e.Examples, example()...)
	}
}

func (c *classAcc) list() []ErrorClass {
	var out []ErrorClass
	for _, e := range c.byClass {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b ErrorClass) int {
		return cmp.Or(cmp.Compare(b.Pairs, a.Pairs), cmp.Compare(a.Class, b.Class))
	})
	return out
}

// run classifies the errors of a person clustering.
func (an *analyser) run(pred map[int]string) (merges, splits []ErrorClass) {
	clusters := map[string][]int{}
	for _, seq := range sortedKeys(pred) {
		clusters[pred[seq]] = append(clusters[pred[seq]], seq)
	}
	mer, spl := classAcc{n: an.examples}, classAcc{n: an.examples}
	// false merges: in each cluster, every person but the largest is
	// joined to the people before them (largest first) by the
	// best-agreeing pair of their leads; the pairs they make with those
	// people are counted, so the classes add up to the wrong pairs
	for _, id := range sortedKeys(clusters) {
		groups := groupBy(clusters[id], func(s int) string { return an.events[s].PersonID })
		if len(groups) < 2 {
			continue
		}
		before := groups[0]
		for _, g := range groups[1:] {
			x, y, best := an.closest(g, before, func(x, y int) int { return len(an.agree(x, y)) })
			class := strings.Join(best, " + ")
			if class == "" {
				class = "nothing"
			}
			class = an.relation(x, y) + ": " + class
			mer.add(class, int64(len(g))*int64(len(before)), func() []string {
				return []string{an.describe(x), an.describe(y), an.truth(x, y)}
			})
			before = append(before, g...)
		}
	}
	// false splits: each fragment of a person's leads but the largest,
	// compared with the closest lead of the fragments before it; the
	// classes add up to the missed pairs
	byPerson := map[string][]int{}
	for _, seq := range sortedKeys(pred) {
		p := an.events[seq].PersonID
		byPerson[p] = append(byPerson[p], seq)
	}
	for _, p := range sortedKeys(byPerson) {
		frags := groupBy(byPerson[p], func(s int) string { return pred[s] })
		if len(frags) < 2 {
			continue
		}
		before := frags[0]
		for _, f := range frags[1:] {
			x, y, _ := an.closest(f, before, func(x, y int) int { return -len(an.differ(x, y)) })
			class := "differ: " + strings.Join(an.differ(x, y), ", ")
			for _, v := range notable {
				if slices.Contains(an.events[x].Variations, v) || slices.Contains(an.events[y].Variations, v) {
					class += "; " + v
					break
				}
			}
			spl.add(class, int64(len(f))*int64(len(before)), func() []string {
				return []string{an.describe(x), an.describe(y), an.truth(x, y)}
			})
			before = append(before, f...)
		}
	}
	return mer.list(), spl.list()
}

func (an *analyser) relation(x, y int) string {
	ex, ey := an.events[x], an.events[y]
	if ex.CompanyID != "" && ex.CompanyID == ey.CompanyID {
		return "colleagues"
	}
	return "different companies"
}

// closest returns the pair of a lead of a and a lead of b with the highest
// score, and what the two agree on.
func (an *analyser) closest(a, b []int, score func(x, y int) int) (int, int, []string) {
	bx, by, bs := a[0], b[0], score(a[0], b[0])
	for _, x := range a[:min(len(a), 50)] {
		for _, y := range b[:min(len(b), 200)] {
			if s := score(x, y); s > bs {
				bx, by, bs = x, y, s
			}
		}
	}
	return bx, by, an.agree(bx, by)
}

// groupBy splits seqs by key, largest group first (ties by first seq).
func groupBy(seqs []int, key func(int) string) [][]int {
	m := map[string][]int{}
	var order []string
	for _, s := range seqs {
		k := key(s)
		if _, ok := m[k]; !ok {
			order = append(order, k)
		}
		m[k] = append(m[k], s)
	}
	out := make([][]int, 0, len(order))
	for _, k := range order {
		out = append(out, m[k])
	}
	slices.SortStableFunc(out, func(a, b []int) int { return cmp.Compare(len(b), len(a)) })
	return out
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Format writes the report as text, with up to classes error classes of
// each kind.
func (r Report) Format(classes int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d leads (%d Microsoft test leads left out, %d not placed)\n", r.Leads, r.Tests, r.Missing)
	fmt.Fprintf(&b, "person:  %s; %d clusters for %d people\n", r.Person, r.Person.PredictedClusters, r.Person.TrueClusters)
	if r.Account != nil {
		fmt.Fprintf(&b, "account: %s; %d accounts for %d (companies and individuals)\n", *r.Account, r.Account.PredictedClusters, r.Account.TrueClusters)
	} else {
		fmt.Fprintln(&b, "account: no account ids to evaluate")
	}
	for _, part := range []struct {
		what string
		cs   []ErrorClass
	}{{"false merges (pairs of leads of different people together), by what the closest two leads share", r.FalseMerges},
		{"false splits (pairs of leads of one person apart), by what differs between the closest two leads", r.FalseSplits},
		{"wrong automatic joins (a lead joined to a lead of another person), by the fields the resolver counted in favour (country and title aside)", r.WrongJoins}} {
		if part.cs == nil && strings.HasPrefix(part.what, "wrong") {
			continue
		}
		fmt.Fprintf(&b, "\n%s:\n", part.what)
		for i, c := range part.cs {
			if i == classes {
				fmt.Fprintf(&b, "  … %d more classes\n", len(part.cs)-classes)
				break
			}
			unit := "pairs"
			if strings.HasPrefix(part.what, "wrong") {
				unit = "joins"
			}
			fmt.Fprintf(&b, "  %6d %s, %4d groups  %s\n", c.Pairs, unit, c.Groups, c.Class)
			for j, ex := range c.Examples {
				if j%3 == 0 {
					fmt.Fprintf(&b, "      - %s\n", ex)
				} else {
					fmt.Fprintf(&b, "        %s\n", ex)
				}
			}
		}
	}
	return b.String()
}
