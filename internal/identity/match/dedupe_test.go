package match_test

import (
	"math"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/identity/match"
	"github.com/leadhub/leadhub/internal/identity/synth"
)

// dedupeFile runs the engine on a committed fixture with its columns
// recognised by header and returns the clustering and the dataset.
func dedupeFile(t testing.TB, path, idColumn string, maps []batch.Mapping) (*match.Dataset, *match.Result, map[string]string) {
	t.Helper()
	tb, err := batch.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := batch.Schema([]*batch.Table{tb}, idColumn, maps)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := batch.Records([]*batch.Table{tb}, idColumn, s)
	if err != nil {
		t.Fatal(err)
	}
	return dedupe(t, s, recs)
}

// dedupe runs the engine with the default options on recs and returns the
// dataset, the result and the clustering (record id → id of its cluster).
func dedupe(t testing.TB, s match.Schema, recs []match.Record) (*match.Dataset, *match.Result, map[string]string) {
	t.Helper()
	d, err := match.Prepare(s, recs)
	if err != nil {
		t.Fatal(err)
	}
	res, err := match.Dedupe(d, match.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pred := map[string]string{}
	for i, id := range d.IDs {
		pred[id] = d.IDs[res.Cluster[i]]
	}
	return d, res, pred
}

func TestDedupeFEBRLSubset(t *testing.T) {
	d, res, pred := dedupeFile(t, "../testdata/febrl3_subset.csv", "rec_id", nil)
	truth, err := batch.TruthFromIDs(d.IDs, `^rec-(\d+)-`)
	if err != nil {
		t.Fatal(err)
	}
	m := batch.Evaluate(pred, truth)
	t.Logf("FEBRL3 subset: %s; %d candidate pairs", m, res.Candidates)
	if m.F1 < 0.95 {
		t.Errorf("pairwise F1 %.4f, want ≥ 0.95", m.F1)
	}
	if m.Records != 202 {
		t.Errorf("%d records", m.Records)
	}
}

func TestDedupeSplinkSubset(t *testing.T) {
	tb, err := batch.ReadFile("../testdata/splink_fake_subset.csv")
	if err != nil {
		t.Fatal(err)
	}
	truth, err := batch.TruthFromTable(tb, "unique_id", "cluster")
	if err != nil {
		t.Fatal(err)
	}
	d, res, pred := dedupeFile(t, "../testdata/splink_fake_subset.csv", "unique_id", nil)
	for _, f := range d.Schema {
		if f.Name == "cluster" {
			t.Fatal("the truth column is compared")
		}
	}
	m := batch.Evaluate(pred, truth)
	t.Logf("Splink subset: %s; %d candidate pairs", m, res.Candidates)
	if m.F1 < 0.8 {
		t.Errorf("pairwise F1 %.4f, want ≥ 0.8", m.F1)
	}
}

// synthLeads prepares n synthetic leads with the lead schema.
func synthLeads(tb testing.TB, n int) (*match.Dataset, map[string]string) {
	tb.Helper()
	leads := synth.New(7, n).Generate(n)
	s := match.Schema{{Name: "first_name", Kind: match.FirstName}, {Name: "last_name", Kind: match.LastName},
		{Name: "email", Kind: match.Email}, {Name: "phone", Kind: match.Phone}, {Name: "company", Kind: match.Company},
		{Name: "country", Kind: match.Country}, {Name: "title", Kind: match.Title}}
	recs := make([]match.Record, len(leads))
	truth := map[string]string{}
	for i, l := range leads {
		recs[i] = match.Record{ID: l.ID, Values: []string{l.FirstName, l.LastName, l.Email, l.Phone, l.Company, l.Country, l.Title}}
		truth[l.ID] = l.Entity
	}
	d, err := match.Prepare(s, recs)
	if err != nil {
		tb.Fatal(err)
	}
	return d, truth
}

func TestEMConvergesOnSyntheticLeads(t *testing.T) {
	d, truth := synthLeads(t, 3000)
	res, err := match.Dedupe(d, match.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Sessions) == 0 {
		t.Fatal("no training session")
	}
	for _, s := range res.Sessions {
		if !s.Converged {
			t.Errorf("session %s did not converge in %d iterations", s.Rule, s.Iterations)
		}
	}
	for _, f := range res.Model.Fields {
		var sm, su float64
		for l := range f.Levels {
			sm += f.M[l]
			su += f.U[l]
			if f.M[l] <= 0 || f.U[l] <= 0 || math.IsInf(f.Weight(int8(l)), 0) {
				t.Errorf("%s/%s: m %g u %g", f.Name, f.Levels[l], f.M[l], f.U[l])
			}
		}
		if math.Abs(sm-1) > 1e-9 || math.Abs(su-1) > 1e-9 {
			t.Errorf("%s: m sums to %g, u to %g", f.Name, sm, su)
		}
		// Exact agreement is evidence for a match, disagreement against.
		if f.Weight(0) <= 0 || f.Weight(int8(len(f.Levels)-1)) >= 0 {
			t.Errorf("%s: exact weight %.2f, different weight %.2f", f.Name, f.Weight(0), f.Weight(int8(len(f.Levels)-1)))
		}
	}
	pred := map[string]string{}
	for i, id := range d.IDs {
		pred[id] = d.IDs[res.Cluster[i]]
	}
	m := batch.Evaluate(pred, truth)
	t.Logf("synthetic leads: %s", m)
	if m.F1 < 0.95 {
		t.Errorf("pairwise F1 %.4f, want ≥ 0.95", m.F1)
	}
}

func TestExplainAndKeys(t *testing.T) {
	s := match.Schema{{Name: "first", Kind: match.FirstName}, {Name: "last", Kind: match.LastName},
		{Name: "email", Kind: match.Email}, {Name: "phone", Kind: match.Phone}, {Name: "country", Kind: match.Country}}
	d, err := match.Prepare(s, []match.Record{
		{ID: "1", Values: []string{"Bill", "Gates", "bill.gates+x@gmail.com", "(425) 882-8080", "USA"}},
		{ID: "2", Values: []string{"William", "Gates", "billgates@googlemail.com", "+1 425 882 8080", "United States"}},
		{ID: "3", Values: []string{"Ana", "Souza", "", "", "Brasil"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Value(0, 3) != "+14258828080" || d.Value(0, 4) != "US" || d.Value(2, 4) != "BR" {
		t.Errorf("normalised: %q %q %q", d.Value(0, 3), d.Value(0, 4), d.Value(2, 4))
	}
	m := &match.Model{Prior: 1e-4, Threshold: 0.5}
	for _, f := range s {
		n := len(match.Levels(f.Kind))
		fm := match.FieldModel{Name: f.Name, Kind: f.Kind, Levels: match.Levels(f.Kind), M: make([]float64, n), U: make([]float64, n)}
		// Exact and the next level are strong evidence, the rest against.
		fm.M[0], fm.U[0] = 0.8, 0.001
		fm.M[1], fm.U[1] = 0.1, 0.001
		for l := 2; l < n; l++ {
			fm.M[l], fm.U[l] = 0.1/float64(n-2), 0.998/float64(n-2)
		}
		if n == 2 {
			fm.M[0], fm.M[1], fm.U[0], fm.U[1] = 0.9, 0.1, 0.1, 0.9
		}
		m.Fields = append(m.Fields, fm)
	}
	e := m.Explain(d, 0, 1)
	if !e.Match || e.Fields[0].Level != "alias" || e.Fields[2].Level != "exact" || e.Fields[3].Level != "exact" {
		t.Errorf("explanation:\n%s", e)
	}
	var sum float64
	for _, f := range e.Fields {
		sum += f.Weight
	}
	if math.Abs(sum+e.PriorWeight-e.Weight) > 1e-9 || math.Abs(match.Probability(e.Weight)-e.Probability) > 1e-12 {
		t.Errorf("weights do not add up: %v + %v != %v", sum, e.PriorWeight, e.Weight)
	}
	if e := m.Explain(d, 0, 2); e.Match || e.Fields[2].Level != "missing" || e.Fields[2].Weight != 0 {
		t.Errorf("explanation:\n%s", e)
	}
	b := match.DefaultBlocking(s)
	k0, k1 := b.Keys(d, 0), b.Keys(d, 1)
	shared := 0
	for _, x := range k0 {
		for _, y := range k1 {
			if x == y {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Errorf("no shared blocking key: %v / %v", k0, k1)
	}
	pairs, _, _ := b.Candidates(d)
	if len(pairs) == 0 || pairs[0] != 1 { // records 0 and 1
		t.Errorf("candidates %v", pairs)
	}
}

func TestLinkTwoSources(t *testing.T) {
	s := match.Schema{{Name: "name", Kind: match.FullName}, {Name: "dob", Kind: match.Date}}
	_, res, _ := dedupe(t, s, []match.Record{
		{ID: "a1", Source: 0, Values: []string{"Jane Smith", "1971-06-24"}},
		{ID: "a2", Source: 0, Values: []string{"John Brown", "1980-01-02"}},
		{ID: "b1", Source: 1, Values: []string{"Smith, Jane", "24/06/1971"}},
		{ID: "b2", Source: 1, Values: []string{"Ann Lee", "1990-03-04"}},
	})
	if res.Cluster[0] != res.Cluster[2] || res.Cluster[1] == res.Cluster[3] {
		t.Errorf("clusters %v", res.Cluster)
	}
}

func BenchmarkDedupeLeads(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		d, _ := synthLeads(b, n)
		b.Run(itoa(n), func(b *testing.B) {
			for b.Loop() {
				if _, err := match.Dedupe(d, match.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}

func BenchmarkPrepareLeads(b *testing.B) {
	leads := synth.New(7, 10_000).Generate(10_000)
	s := match.Schema{{Name: "first_name", Kind: match.FirstName}, {Name: "last_name", Kind: match.LastName},
		{Name: "email", Kind: match.Email}, {Name: "phone", Kind: match.Phone}, {Name: "company", Kind: match.Company},
		{Name: "country", Kind: match.Country}, {Name: "title", Kind: match.Title}}
	recs := make([]match.Record, len(leads))
	for i, l := range leads {
		recs[i] = match.Record{ID: l.ID, Values: []string{l.FirstName, l.LastName, l.Email, l.Phone, l.Company, l.Country, l.Title}}
	}
	for b.Loop() {
		if _, err := match.Prepare(s, recs); err != nil {
			b.Fatal(err)
		}
	}
}

func itoa(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmtInt(n/1_000_000) + "M"
	case n >= 1000 && n%1000 == 0:
		return fmtInt(n/1000) + "k"
	}
	return fmtInt(n)
}

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// TestDedupeOneFieldLargeEntities: a single company-name column where a
// few entities hold most records (hundreds each, a handful of spellings).
// Most of their pairs fall in blocks too large to enumerate, so the prior
// must be extrapolated from a sample of those blocks, u corrected for the
// matches among random pairs, and identical names joined outright.
func TestDedupeOneFieldLargeEntities(t *testing.T) {
	type spelling struct {
		name  string
		count int
	}
	entities := [][]spelling{
		{{"ACME ROBOTICS", 200}, {"ACME ROBOTICS B.V.", 40}, {"ROBOTICS ACME", 30}, {"ACME ROBOTIC", 20}},
		{{"GLOBEX CHEMICAL", 150}, {"Globex Chemicals N.V.", 25}, {"GLOBEX CHEM", 15}},
		{{"INITECH SOFTWARE", 90}, {"INITECH SOFTWARE LTD", 10}, {"INITECH SOFTWRE", 5}},
	}
	others := []string{"Alpha Foods", "Bravo Logistics", "Cobalt Textiles", "Delta Optics", "Ember Marine",
		"Falcon Energy", "Granite", "Harbor Freight", "Iris Media", "Juniper Networks", "Kestrel Aviation", "Lumen Labs"}
	var recs []match.Record
	truth := map[string]string{}
	add := func(name, entity string) {
		id := itoa(len(recs))
		recs = append(recs, match.Record{ID: id, Values: []string{name}})
		truth[id] = entity
	}
	for e, sp := range entities {
		for _, s := range sp {
			for range s.count {
				add(s.name, "e"+itoa(e))
			}
		}
	}
	for i, o := range others {
		add(o, "s"+itoa(i))
	}
	_, res, pred := dedupe(t, match.Schema{{Name: "name", Kind: match.Company}}, recs)
	m := batch.Evaluate(pred, truth)
	n := float64(len(recs))
	truePrior := float64(m.TruePairs) / (n * (n - 1) / 2)
	t.Logf("%s; prior %.4f (true %.4f); %d candidate pairs", m, res.Model.Prior, truePrior, res.Candidates)
	if m.F1 < 0.85 || m.Precision < 0.99 {
		t.Errorf("pairwise %s, want F1 ≥ 0.85 and precision ≥ 0.99", m)
	}
	if res.Model.Prior < truePrior/3 || res.Model.Prior > truePrior*3 {
		t.Errorf("prior %.4f, true %.4f", res.Model.Prior, truePrior)
	}
}
