package match

// cluster joins matching pairs into entities. Pairs are taken strongest
// first; two singletons that match are always joined. When a join would
// involve a larger cluster, the records of the two sides are compared
// (all pairs, or a sample of them for large clusters), and the join is
// made only when their mean match weight is positive: this is
// average-linkage agglomeration restricted to the edges the blocking found,
// and stops a chain of pairwise matches (A~B, B~C, …) from gluing together
// records that do not resemble each other. It returns, per record, the
// index of its cluster's first record, and the number of rejected joins.
func cluster(d *Dataset, m *Model, matches []ScoredPair) ([]int, int) {
	n := d.Len()
	parent := make([]int32, n)
	size := make([]int32, n)
	members := make([][]int32, n) // only for roots of clusters of 2+
	for i := range parent {
		parent[i] = int32(i)
		size[i] = 1
	}
	var find func(int32) int32
	find = func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	list := func(r int32) []int32 {
		if members[r] == nil {
			return []int32{r}
		}
		return members[r]
	}
	tfU := m.tfU()
	rejected := 0
	var c Comparison
	for _, p := range matches {
		a, b := find(int32(p.I)), find(int32(p.J))
		if a == b {
			continue
		}
		if size[a] > 1 || size[b] > 1 {
			la, lb := list(a), list(b)
			if !coherent(d, m, tfU, la, lb, &c) {
				rejected++
				continue
			}
		}
		if size[a] < size[b] {
			a, b = b, a
		}
		members[a] = append(list(a), list(b)...)
		members[b] = nil
		parent[b] = a
		size[a] += size[b]
	}
	// The representative of each cluster is its smallest index.
	rep := make([]int, n)
	first := make([]int, n)
	for i := range first {
		first[i] = -1
	}
	for i := 0; i < n; i++ {
		r := find(int32(i))
		if first[r] < 0 {
			first[r] = i
		}
		rep[i] = first[r]
	}
	return rep, rejected
}

// maxLinkPairs bounds the pairs compared to decide one join.
const maxLinkPairs = 400

// coherent reports whether the mean match weight between the records of a
// and those of b is positive.
func coherent(d *Dataset, m *Model, tfU []float64, a, b []int32, c *Comparison) bool {
	total := len(a) * len(b)
	step := 1
	if total > maxLinkPairs {
		step = (total + maxLinkPairs - 1) / maxLinkPairs
	}
	var sum float64
	k := 0
	for x := 0; x < total; x += step {
		i, j := a[x/len(b)], b[x%len(b)]
		d.compareInto(int(i), int(j), tfU, c)
		sum += m.Weight(c)
		k++
	}
	return sum/float64(k) > 0
}
