package match

import "testing"

// TestNoChainingThroughColleagues: A~B and B~C do not put A and C together
// when A and C are colleagues with two given names (one switchboard, one
// company), however the pairs scored; without an organisation in common
// the same names are only evidence, and the records are joined.
func TestNoChainingThroughColleagues(t *testing.T) {
	run := func(s Schema, recs []Record) []int {
		t.Helper()
		d, err := Prepare(s, recs)
		if err != nil {
			t.Fatal(err)
		}
		m := BuiltinModel(s, 0.001)
		for f := range m.Fields {
			m.Fields[f].TF = false // three records say nothing about how common a name is
		}
		rep, _ := cluster(d, m, []ScoredPair{{I: 0, J: 1, Weight: 10}, {I: 1, J: 2, Weight: 9}})
		return rep
	}
	work := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}, {Name: "phone", Kind: Phone},
		{Name: "company", Kind: Company}, {Name: "country", Kind: Country}}
	rep := run(work, []Record{
		{ID: "a", Values: []string{"Mark", "Lee", "+44 20 7946 1234", "Contoso Ltd", "GB"}},
		{ID: "b", Values: []string{"M", "Lee", "+44 20 7946 1234", "Contoso Ltd", "GB"}},
		{ID: "c", Values: []string{"Mary", "Lee", "+44 20 7946 1234", "Contoso", "GB"}},
	})
	if rep[0] != rep[1] || rep[2] == rep[0] {
		t.Errorf("clusters %v, want a and b together and c apart", rep)
	}
	person := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}, {Name: "dob", Kind: Date},
		{Name: "address", Kind: Address}}
	rep = run(person, []Record{
		{ID: "a", Values: []string{"Mark", "Lee", "1970-01-02", "12 High Street"}},
		{ID: "b", Values: []string{"M", "Lee", "1970-01-02", "12 High Street"}},
		{ID: "c", Values: []string{"Mary", "Lee", "1970-01-02", "12 High St"}},
	})
	if rep[0] != rep[1] || rep[2] != rep[0] {
		t.Errorf("clusters %v, want one (a corrupted given name with nothing else apart)", rep)
	}
}

// TestMailboxDenialFollowsTheModel: two mailboxes at one domain deny a
// match only when the model counts that level against a match.
func TestMailboxDenialFollowsTheModel(t *testing.T) {
	s := Schema{{Name: "first", Kind: FirstName}, {Name: "last", Kind: LastName}, {Name: "email", Kind: Email}}
	d, err := Prepare(s, []Record{
		{ID: "a", Values: []string{"Robert", "Allen", "robert255@smith.net"}},
		{ID: "b", Values: []string{"Robert", "Allen", "roberta25@smith.net"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := d.Compare(0, 1, nil)
	if c.Levels[2] != emailOtherMailbox {
		t.Fatalf("email level %s, want other_mailbox", levelNames[Email][c.Levels[2]])
	}
	m := BuiltinModel(s, 0.001)
	if !d.denies(m, 0, &c) {
		t.Error("the built-in model (other_mailbox is evidence against) does not deny")
	}
	m.Fields[2].M[emailOtherMailbox] = 0.6
	Normalise(m.Fields[2].M)
	if d.denies(m, 0, &c) {
		t.Error("a model that learnt other_mailbox among matches denies")
	}
}
