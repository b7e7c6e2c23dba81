package batch

import (
	"fmt"
	"regexp"
)

// Metrics compares a clustering with the truth.
type Metrics struct {
	Records int // records present in both
	// Pairwise: a pair of records is predicted when both are in one
	// predicted cluster, and true when both are in one true entity.
	TruePairs, PredictedPairs, CorrectPairs int64
	Precision, Recall, F1                   float64
	// B-cubed (Bagga and Baldwin, 1998): per record, the share of its
	// predicted cluster that is in its true entity (precision) and the
	// share of its true entity that is in its predicted cluster (recall),
	// averaged over records.
	BCubedPrecision, BCubedRecall, BCubedF1 float64
	PredictedClusters, TrueClusters         int
}

func (m Metrics) String() string {
	return fmt.Sprintf("pairwise P %.4f R %.4f F1 %.4f (predicted %d, true %d, correct %d); B³ P %.4f R %.4f F1 %.4f",
		m.Precision, m.Recall, m.F1, m.PredictedPairs, m.TruePairs, m.CorrectPairs,
		m.BCubedPrecision, m.BCubedRecall, m.BCubedF1)
}

// Evaluate compares predicted clusters (record id → cluster id) with the
// truth (record id → entity id) over the records present in both. Record
// ids must be unique; with several inputs sharing ids, key them by input
// first.
func Evaluate(pred, truth map[string]string) Metrics {
	// The contingency table: records by predicted cluster and true entity;
	// then its margins, the sizes of clusters and entities.
	type cell struct{ p, t string }
	cells := map[cell]int64{}
	for id, p := range pred {
		if t, ok := truth[id]; ok {
			cells[cell{p, t}]++
		}
	}
	var m Metrics
	psize, tsize := map[string]int64{}, map[string]int64{}
	for c, n := range cells {
		m.Records += int(n)
		psize[c.p] += n
		tsize[c.t] += n
	}
	m.CorrectPairs, m.PredictedPairs, m.TruePairs = pairs(cells), pairs(psize), pairs(tsize)
	m.PredictedClusters, m.TrueClusters = len(psize), len(tsize)
	m.Precision = ratio(m.CorrectPairs, m.PredictedPairs)
	m.Recall = ratio(m.CorrectPairs, m.TruePairs)
	m.F1 = f1(m.Precision, m.Recall)
	// B-cubed: Σ over cells n_pt * n_pt / |p| (precision), / |t| (recall).
	if m.Records > 0 {
		var bp, br float64
		for c, n := range cells {
			bp += float64(n*n) / float64(psize[c.p])
			br += float64(n*n) / float64(tsize[c.t])
		}
		m.BCubedPrecision = bp / float64(m.Records)
		m.BCubedRecall = br / float64(m.Records)
		m.BCubedF1 = f1(m.BCubedPrecision, m.BCubedRecall)
	}
	return m
}

// pairs is the number of pairs of records that share a group, given the
// groups' sizes.
func pairs[K comparable](sizes map[K]int64) int64 {
	var n int64
	for _, s := range sizes {
		n += s * (s - 1) / 2
	}
	return n
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// TruthFromIDs derives the entity of each id from a regular expression
// whose first group is the entity ("^rec-(\d+)-" for FEBRL's
// rec-12-org / rec-12-dup-0).
func TruthFromIDs(ids []string, pattern string) (map[string]string, error) {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return nil, err
	}
	if re.NumSubexp() < 1 {
		return nil, fmt.Errorf("%q has no group for the entity", pattern)
	}
	out := make(map[string]string, len(ids))
	for _, id := range ids {
		if sm := re.FindStringSubmatch(id); sm != nil {
			out[id] = sm[1]
		}
	}
	return out, nil
}

// TruthFromTable reads the entity of each id from two columns of a table.
func TruthFromTable(t *Table, idColumn, entityColumn string) (map[string]string, error) {
	ic, ec := column(t.Header, idColumn), column(t.Header, entityColumn)
	if ic < 0 || ec < 0 {
		return nil, fmt.Errorf("%s: needs columns %q and %q", t.Name, idColumn, entityColumn)
	}
	out := make(map[string]string, len(t.Rows))
	for _, row := range t.Rows {
		if id, e := cell(row, ic), cell(row, ec); id != "" && e != "" {
			out[id] = e
		}
	}
	return out, nil
}

// TruthWithSingletons is TruthFromTable, except that a record whose entity
// is empty is an entity of its own rather than left out (a lead of a
// person without a company has no account to share).
func TruthWithSingletons(t *Table, idColumn, entityColumn string) (map[string]string, error) {
	out, err := TruthFromTable(t, idColumn, entityColumn)
	if err != nil {
		return nil, err
	}
	ic, ec := column(t.Header, idColumn), column(t.Header, entityColumn)
	for _, row := range t.Rows {
		if id := cell(row, ic); id != "" && cell(row, ec) == "" {
			out[id] = "\x00" + id
		}
	}
	return out, nil
}
