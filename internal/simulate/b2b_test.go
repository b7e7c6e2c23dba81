package simulate

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/identity/normalize"
)

var b2bStart = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

func b2bRun(t *testing.T, seed uint64, count, companies int, large bool) []Event {
	t.Helper()
	evs, err := Generate(Config{Seed: seed, Start: b2bStart, Count: count, B2B: &B2BConfig{Companies: companies, Large: large}})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func TestB2BDeterministic(t *testing.T) {
	a, b := b2bRun(t, 11, 1500, 120, true), b2bRun(t, 11, 1500, 120, true)
	for i := range a {
		if !bytes.Equal(a[i].Body, b[i].Body) || a[i].PersonID != b[i].PersonID || a[i].CompanyID != b[i].CompanyID || !a[i].At.Equal(b[i].At) {
			t.Fatalf("event %d differs between two runs of one seed", i)
		}
	}
	c := b2bRun(t, 12, 1500, 120, true)
	same := 0
	for i := range a {
		if bytes.Equal(a[i].Body, c[i].Body) {
			same++
		}
	}
	if same > len(a)/10 {
		t.Errorf("%d of %d bodies equal under another seed", same, len(a))
	}
}

func TestB2BConfigValidate(t *testing.T) {
	for _, b := range []*B2BConfig{{Companies: -1}, {Companies: MaxCompanies + 1}} {
		if _, err := Events(Config{Start: b2bStart, Count: 10, B2B: b}); err == nil {
			t.Errorf("%+v: no error", *b)
		}
	}
}

// TestZipfSizes checks that sizes add up, fall with rank as C/(rank+1)
// for one C wherever no bound applies, and respect the bounds.
func TestZipfSizes(t *testing.T) {
	for _, tc := range []struct {
		n, people int
		large     bool
	}{{500, 7000, false}, {1500, 7000, false}, {1500, 7000, true}, {40, 30, false}, {3, 1000, false}, {200, 200, true}} {
		s := zipfSizes(tc.n, tc.people, tc.large)
		sum, lo, hi, capacity := 0, 0, int(^uint(0)>>1), 0
		for k, x := range s {
			sum += x
			if k > 0 && x > s[k-1] {
				t.Errorf("%+v: rank %d has %d, more than rank %d (%d)", tc, k, x, k-1, s[k-1])
			}
			bound := MaxCompanySize
			if tc.large && k < len(largeCaps) {
				bound = largeCaps[k]
			}
			capacity += bound
			if x > bound {
				t.Errorf("%+v: rank %d has %d > %d", tc, k, x, bound)
			}
			if tc.people >= tc.n && x < 1 {
				t.Errorf("%+v: rank %d is empty", tc, k)
			}
			if x > 1 && x < bound {
				lo, hi = max(lo, x*(k+1)), min(hi, (x+2)*(k+1))
			}
		}
		if want := min(tc.people, capacity); sum != want {
			t.Errorf("%+v: sizes add up to %d", tc, sum)
		}
		if lo >= hi {
			t.Errorf("%+v: no single C/(rank+1) explains the unbounded sizes (%d ≥ %d)", tc, lo, hi)
		}
		if tc.large && tc.people >= 4*tc.n && s[0] < 30 {
			t.Errorf("%+v: largest company has %d people", tc, s[0])
		}
	}
}

// TestB2BTruth checks the ground truth against what the leads say.
func TestB2BTruth(t *testing.T) {
	evs := b2bRun(t, 5, 4000, 300, false)
	w := newWorld(5, B2BConfig{Companies: 300}, len(distinct(evs, func(e Event) string { return e.PersonID }, false)))
	domainOf := map[string]string{}
	for _, c := range w.companies {
		domainOf[c.id] = c.domain
	}
	companiesOf := map[string][]string{}
	for _, ev := range evs {
		if ev.IsTest {
			if ev.CompanyID != "" {
				t.Fatalf("test lead %d has company %q", ev.Seq, ev.CompanyID)
			}
			continue
		}
		cs := companiesOf[ev.PersonID]
		if len(cs) == 0 || cs[len(cs)-1] != ev.CompanyID {
			companiesOf[ev.PersonID] = append(cs, ev.CompanyID)
		}
		moved := slices.Contains(ev.Variations, "changed-company")
		if moved != (len(companiesOf[ev.PersonID]) == 2) {
			t.Fatalf("lead %d of %s: changed-company %v, companies %v", ev.Seq, ev.PersonID, moved, companiesOf[ev.PersonID])
		}
		c := ev.Contact()
		e, ok := normalize.Email(c.Email)
		if ev.CompanyID == "" {
			if ok && !e.FreeMail {
				t.Errorf("lead %d of an individual has a company address %s", ev.Seq, c.Email)
			}
			if c.Company != "" && !slices.Contains(individualCompanies, c.Company) {
				t.Errorf("lead %d of an individual names company %q", ev.Seq, c.Company)
			}
			continue
		}
		if ok && !e.FreeMail && !slices.Contains(ev.Variations, "email-typo") && e.Domain != domainOf[ev.CompanyID] {
			t.Errorf("lead %d at %s (%s) has address %s", ev.Seq, ev.CompanyID, domainOf[ev.CompanyID], c.Email)
		}
	}
	for p, cs := range companiesOf {
		if len(cs) > 2 {
			t.Errorf("%s moved back: %v", p, cs)
		}
	}
}

func distinct(evs []Event, key func(Event) string, tests bool) map[string]bool {
	out := map[string]bool{}
	for _, ev := range evs {
		if !ev.IsTest || tests {
			out[key(ev)] = true
		}
	}
	return out
}

// TestB2BPhenomena checks that what makes B2B leads hard actually occurs:
// switchboards and role mailboxes used by several colleagues, numbered
// namesake mailboxes, colleagues with one surname or one short name,
// people who change company, free-mail at work, individuals.
func TestB2BPhenomena(t *testing.T) {
	evs := b2bRun(t, 9, 6000, 400, true)
	phones, boxes := map[string]map[string]bool{}, map[string]map[string]bool{}
	people := map[string]map[string]bool{}  // company → people
	names := map[string]map[string]string{} // company + full name → person → email
	counts := map[string]int{}
	for _, ev := range evs {
		if ev.IsTest {
			continue
		}
		c := ev.Contact()
		if ev.CompanyID == "" {
			counts["individual"]++
		} else {
			add(people, ev.CompanyID, ev.PersonID)
		}
		for _, v := range []string{"switchboard", "role-mailbox", "changed-company", "other-email", "nickname"} {
			if slices.Contains(ev.Variations, v) {
				counts[v]++
			}
		}
		if slices.Contains(ev.Variations, "switchboard") {
			ph, _ := normalize.Phone(c.Phone, normalize.Country(c.Country))
			add(phones, ev.CompanyID+" "+ph, ev.PersonID)
		}
		e, _ := normalize.Email(c.Email)
		if slices.Contains(ev.Variations, "role-mailbox") {
			add(boxes, e.Address, ev.PersonID)
		}
		if ev.CompanyID != "" && !e.FreeMail && !slices.Contains(ev.Variations, "role-mailbox") &&
			!slices.Contains(ev.Variations, "native-script") && !slices.Contains(ev.Variations, "swapped-name") {
			k := ev.CompanyID + " " + normalize.Fold(c.LastName)
			if names[k] == nil {
				names[k] = map[string]string{}
			}
			names[k][ev.PersonID] = e.Local
		}
	}
	shared := func(m map[string]map[string]bool) int {
		n := 0
		for _, ps := range m {
			if len(ps) >= 2 {
				n++
			}
		}
		return n
	}
	numbered, sameSurname := 0, 0
	for _, ps := range names {
		if len(ps) >= 2 {
			sameSurname++
		}
		for _, local := range ps {
			if strings.HasSuffix(local, "1") {
				for _, other := range ps {
					if other == strings.TrimSuffix(local, "1")+"2" {
						numbered++
					}
				}
			}
		}
	}
	largest := 0
	for _, ps := range people {
		largest = max(largest, len(ps))
	}
	t.Logf("%d companies with leads, largest %d people; shared switchboards %d, shared role mailboxes %d, numbered namesakes %d, surnames shared %d; %v",
		len(people), largest, shared(phones), shared(boxes), numbered, sameSurname, counts)
	for what, n := range map[string]int{
		"switchboards shared by colleagues": shared(phones), "role mailboxes shared by colleagues": shared(boxes),
		"numbered namesake mailboxes": numbered, "colleagues sharing a surname": sameSurname,
		"leads of individuals": counts["individual"], "leads after a change of company": counts["changed-company"],
		"leads with a personal address": counts["other-email"], "leads with a nickname": counts["nickname"],
	} {
		if n == 0 {
			t.Errorf("no %s", what)
		}
	}
	if largest < 30 {
		t.Errorf("largest company has %d people with Large", largest)
	}
	sharedNick := 0
	w := newWorld(9, B2BConfig{Companies: 400, Large: true}, 2400)
	for _, m := range w.members {
		if m.sharedNick {
			sharedNick++
		}
	}
	if sharedNick == 0 {
		t.Error("no colleagues sharing a short name")
	}
}

func add(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

func TestB2BWithoutLargeStaysSmall(t *testing.T) {
	evs := b2bRun(t, 3, 3000, 100, false)
	people := map[string]map[string]bool{}
	for _, ev := range evs {
		if ev.CompanyID != "" && !slices.Contains(ev.Variations, "changed-company") {
			add(people, ev.CompanyID, ev.PersonID)
		}
	}
	for c, ps := range people {
		if len(ps) > MaxCompanySize {
			t.Errorf("%s has %d people", c, len(ps))
		}
	}
	if len(people) < 90 {
		t.Errorf("only %d of 100 companies have leads", len(people))
	}
}

// TestEvaluate scores the truth itself and a clustering by company.
func TestEvaluate(t *testing.T) {
	evs := b2bRun(t, 4, 2000, 150, false)
	perfect := Assignment{Person: map[int]string{}, Account: map[int]string{}}
	byCompany := Assignment{Person: map[int]string{}}
	for _, ev := range evs {
		perfect.Person[ev.Seq] = ev.PersonID
		perfect.Account[ev.Seq] = ev.CompanyID
		byCompany.Person[ev.Seq] = ev.CompanyID + "/" + map[bool]string{true: ev.PersonID}[ev.CompanyID == ""]
	}
	r := Evaluate(evs, perfect, 2)
	if r.Person.F1 != 1 || r.Account == nil || r.Account.F1 != 1 || len(r.FalseMerges)+len(r.FalseSplits) != 0 || r.Missing != 0 ||
		r.Tests != TestLeads(len(evs)) || r.Person.Records != len(evs)-r.Tests {
		t.Fatalf("truth against itself: %+v", r)
	}
	delete(byCompany.Person, evs[5].Seq)
	for _, ev := range evs {
		if ev.IsTest {
			byCompany.Person[ev.Seq] = "tests"
		}
	}
	r = Evaluate(evs, byCompany, 2)
	if r.Missing != 1 || r.Account != nil || r.Person.Precision >= 0.5 || r.Person.Recall < 0.9 {
		t.Fatalf("clustered by company: %+v", r.Person)
	}
	if len(r.FalseMerges) == 0 || !strings.HasPrefix(r.FalseMerges[0].Class, "colleagues") || len(r.FalseMerges[0].Examples) != 6 {
		t.Fatalf("false merges: %+v", r.FalseMerges)
	}
	if s := r.Format(3); !strings.Contains(s, "false merges") || !strings.Contains(s, "colleagues") {
		t.Errorf("report:\n%s", s)
	}
}

// TestEvaluateClassesAddUp checks that the error classes account for
// every wrong and every missed pair.
func TestEvaluateClassesAddUp(t *testing.T) {
	evs := b2bRun(t, 6, 1500, 60, false)
	a := Assignment{Person: map[int]string{}}
	for _, ev := range evs {
		// people of a company with the same surname initial together; a
		// person's personal-address leads apart
		c := ev.Contact()
		a.Person[ev.Seq] = ev.CompanyID + "/" + strings.ToUpper(normalize.Fold(c.LastName + " ")[:1])
		if slices.Contains(ev.Variations, "other-email") {
			a.Person[ev.Seq] = ev.PersonID + "/other"
		}
	}
	r := Evaluate(evs, a, 1)
	var merged, split int64
	for _, c := range r.FalseMerges {
		merged += c.Pairs
	}
	for _, c := range r.FalseSplits {
		split += c.Pairs
	}
	if merged != r.Person.PredictedPairs-r.Person.CorrectPairs || split != r.Person.TruePairs-r.Person.CorrectPairs || merged == 0 || split == 0 {
		t.Errorf("classes: %d wrong and %d missed pairs; metrics: %+v", merged, split, r.Person)
	}
}

// TestB2BNumbersUnique checks that numbers are shared only on purpose: no
// two people have one mobile, and no mobile is a switchboard.
func TestB2BNumbersUnique(t *testing.T) {
	w := newWorld(8, B2BConfig{Companies: 600, Large: true}, 8000)
	seen := map[string]string{}
	check := func(who string, p phoneNum) {
		k := p.plan.cc + p.nsn()
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s both have +%s", who, other, k)
		}
		seen[k] = who
	}
	for _, c := range w.companies {
		check(c.id, c.switchboard)
	}
	for i, m := range w.members {
		check("person "+strconv.Itoa(i), m.mobile)
	}
}
