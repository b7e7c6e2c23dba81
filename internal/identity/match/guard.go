package match

// The guard against learning the wrong class. On records of people where
// colleagues dominate (many leads per company, sharing its name, domain,
// country and switchboard), most candidate pairs are two people of one
// company, and EM can converge on "same company" as the match class. A
// trained model of people is checked with Model.CheckPerson; when it
// fails, Dedupe warns and uses the built-in model of a person instead.

// fallbackModel returns the built-in model of a person for d, with the
// threshold of the run and a first prior: the expected share of matches
// among all pairs under the built-in m and u, by EM with m and u fixed
// over pats (the candidate pairs and the sample of oversized blocks). That
// share counts colleagues' pairs at their small posteriors and comes out
// too high; Dedupe refines it from the first clustering.
func fallbackModel(d *Dataset, pats []pattern, threshold float64, maxIter int, st *EMStats) *Model {
	m := BuiltinModel(d.Schema, 0)
	m.Threshold = threshold
	n := float64(d.Len())
	*st = runEM(m.Fields, pats, nil, true, maxIter)
	m.Prior = clampF(st.Matches/(n*(n-1)/2), minProb, st.Lambda)
	return m
}

// retf computes each pair's term-frequency adjustment under model m.
func retf(d *Dataset, pairs []uint64, m *Model) []float32 {
	tfU := m.tfU()
	tf := make([]float32, len(pairs))
	parallel(len(pairs), func(lo, hi int) {
		var c Comparison
		for p := lo; p < hi; p++ {
			d.compareInto(int(pairs[p]>>32), int(uint32(pairs[p])), tfU, &c)
			var t float32
			for f := range d.Schema {
				t += c.TF[f]
			}
			tf[p] = t
		}
	})
	return tf
}

// people reports whether d's records are people: the schema has a
// personal name.
func (d *Dataset) people() bool {
	for _, f := range d.Schema {
		if f.Kind == FirstName || f.Kind == LastName || f.Kind == FullName {
			return true
		}
	}
	return false
}

// clusteredPairs is the number of pairs of records that share a cluster.
func clusteredPairs(rep []int) int64 {
	size := map[int]int64{}
	for _, r := range rep {
		size[r]++
	}
	var n int64
	for _, s := range size {
		n += s * (s - 1) / 2
	}
	return n
}
