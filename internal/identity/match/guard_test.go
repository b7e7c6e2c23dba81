package match_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/identity/match"
)

var leadSchema = match.Schema{
	{Name: "first_name", Kind: match.FirstName},
	{Name: "last_name", Kind: match.LastName},
	{Name: "email", Kind: match.Email},
	{Name: "phone", Kind: match.Phone},
	{Name: "company", Kind: match.Company},
	{Name: "country", Kind: match.Country},
	{Name: "title", Kind: match.Title},
}

// colleagues returns the leads of the people of many small companies:
// colleagues share the company's name (in several spellings), its email
// domain, country and switchboard; each person leaves two or three leads,
// with a work or a personal address and a mobile, the switchboard or no
// number. Most candidate pairs are two colleagues. The truth maps each
// lead to its person.
func colleagues(companies, people int, seed uint64) ([]match.Record, map[string]string) {
	rng := rand.New(rand.NewPCG(seed, 7))
	given := []string{"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William",
		"Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles",
		"Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Margaret", "Donald", "Sandra",
		"Steven", "Ashley", "Paul", "Kimberly", "Andrew", "Emily", "Joshua", "Donna", "Kenneth", "Michelle"}
	surnames := []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
		"Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
		"Hall", "Allen", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson"}
	first := []string{"Alpine", "Blue", "Crest", "Delta", "Echo", "Frontier", "Granite", "Harbor", "Iron", "Juniper",
		"Keystone", "Lumen", "Meridian", "Nova", "Orion", "Pioneer", "Quantum", "Ridge", "Summit", "Titan"}
	second := []string{"Systems", "Energy", "Foods", "Labs", "Capital", "Media", "Motors", "Health"}
	titles := []string{"IT Manager", "CTO", "Buyer", "Head of Sales", "Engineer"}
	var recs []match.Record
	truth := map[string]string{}
	for c := 0; c < companies; c++ {
		name := first[c%len(first)] + " " + second[(c/len(first))%len(second)]
		domain := strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".com"
		board := fmt.Sprintf("+44 20 %04d %04d", rng.IntN(10000), rng.IntN(10000))
		spell := []string{name + " Ltd", name + " Limited", strings.ToUpper(name), name}
		used := map[string]bool{}
		for p := 0; p < people; p++ {
			var f, l string
			for f == "" || used[f+l] {
				f, l = given[rng.IntN(len(given))], surnames[rng.IntN(len(surnames))]
			}
			used[f+l] = true
			person := fmt.Sprintf("c%02dp%02d", c, p)
			mobile := fmt.Sprintf("+44 7%03d %06d", rng.IntN(1000), rng.IntN(1000000))
			work := strings.ToLower(f + "." + l + "@" + domain)
			private := strings.ToLower(fmt.Sprintf("%s%s%d@gmail.com", f, l, 10+rng.IntN(90)))
			title := titles[rng.IntN(len(titles))]
			for k := 0; k < 2+rng.IntN(2); k++ {
				email := work
				if rng.Float64() < 0.15 {
					email = private
				}
				var phone string
				switch x := rng.Float64(); {
				case x < 0.5:
					phone = board
				case x < 0.9:
					phone = mobile
				}
				id := fmt.Sprintf("%s-%d", person, k)
				recs = append(recs, match.Record{ID: id, Values: []string{f, l, email, phone, spell[rng.IntN(len(spell))], "GB", title}})
				truth[id] = person
			}
		}
	}
	return recs, truth
}

// TestColleaguesDoNotBecomeTheMatchClass: on leads dominated by colleagues,
// EM learns "same company"; Dedupe rejects that model with a warning and
// clusters people with the built-in model of a person, deterministically.
func TestColleaguesDoNotBecomeTheMatchClass(t *testing.T) {
	recs, truth := colleagues(40, 10, 1)
	d, res, pred := dedupe(t, leadSchema, recs)
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "learnt the company") {
		t.Fatalf("warnings %q, want one that says the trained model learnt the company", res.Warnings)
	}
	if err := res.Model.CheckPerson(); err != nil {
		t.Fatalf("the model used does not describe a person: %v", err)
	}
	m := batch.Evaluate(pred, truth)
	t.Logf("%d leads: %s", d.Len(), m)
	if m.Precision < 0.95 || m.Recall < 0.95 {
		t.Errorf("pairwise %s, want precision and recall ≥ 0.95", m)
	}
	_, again, _ := dedupe(t, leadSchema, recs)
	if !slices.Equal(res.Cluster, again.Cluster) || res.Model.Prior != again.Model.Prior {
		t.Error("two runs on the same input gave different clusterings")
	}
}

// TestPeopleModelIsKept: on records of people with few colleagues (the
// FEBRL subset), the trained model is kept and no warning is given.
func TestPeopleModelIsKept(t *testing.T) {
	_, res, _ := dedupeFile(t, "../testdata/febrl3_subset.csv", "rec_id", nil)
	if len(res.Warnings) != 0 {
		t.Fatalf("warnings on a file of people: %q", res.Warnings)
	}
	if err := res.Model.CheckPerson(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckPerson: the built-in model passes; a model whose matching pairs
// mostly disagree on the given name, or that weighs the company above the
// email, describes colleagues and fails.
func TestCheckPerson(t *testing.T) {
	if err := match.BuiltinModel(leadSchema, 0.001).CheckPerson(); err != nil {
		t.Fatalf("the built-in model is rejected: %v", err)
	}
	m := match.BuiltinModel(leadSchema, 0.001)
	fn := &m.Fields[0]
	fn.M[0], fn.M[len(fn.M)-1] = 0.2, 0.6
	match.Normalise(fn.M)
	if err := m.CheckPerson(); err == nil || !strings.Contains(err.Error(), "given names") {
		t.Fatalf("a model of colleagues passed: %v", err)
	}
	m = match.BuiltinModel(leadSchema, 0.001)
	m.Fields[4].U[0] = m.Fields[2].U[0] / 10
	if err := m.CheckPerson(); err == nil || !strings.Contains(err.Error(), "company") {
		t.Fatalf("a model that weighs the company above the email passed: %v", err)
	}
}
