package match

import "slices"

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
	join := func(a, b int32) {
		if size[a] < size[b] {
			a, b = b, a
		}
		members[a] = append(list(a), list(b)...)
		members[b] = nil
		parent[b] = a
		size[a] += size[b]
	}
	// Records with the same normal form in every field are
	// indistinguishable: no comparison could put them apart, so they are
	// one entity from the start (when what they share says enough).
	for _, g := range d.identicalGroups() {
		for _, r := range g[1:] {
			join(find(g[0]), find(r))
		}
	}
	tfU := m.tfU()
	rejected := 0
	var c Comparison
	for _, p := range matches {
		a, b := find(int32(p.I)), find(int32(p.J))
		if a == b {
			continue
		}
		if d.compareInto(p.I, p.J, tfU, &c); d.denies(m, p.I, &c) {
			rejected++
			continue
		}
		if size[a] > 1 || size[b] > 1 {
			la, lb := list(a), list(b)
			if !coherent(d, m, tfU, la, lb, &c) {
				rejected++
				continue
			}
		}
		join(a, b)
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

// denies reports whether a comparison says that its two records are two
// people, so that neither they nor clusters holding them are joined,
// whatever the rest of the evidence (the "no chaining" rule: A~B and B~C
// do not put A and C together when A and C are two people). It takes
// Dataset.Denial with two limits that keep it to what it was made for,
// colleagues, and away from the corrupted records of person files:
//   - given names that disagree deny a match only between records that
//     share an organisation (a company name that agrees, a switchboard)
//     and no personal detail (a number only people of one surname give,
//     an address up to a typo); elsewhere a different given name is only
//     the model's evidence, since a corrupted name is often "dissimilar";
//   - two mailboxes at one domain deny a match only when the model weighs
//     that level as evidence against a match (where matching records
//     often give two addresses at one domain, such as typos at a
//     free-mail provider, the model learns it and the level says nothing).
//
// Work addresses at two companies beside two unrelated numbers always deny.
func (d *Dataset) denies(m *Model, i int, c *Comparison) bool {
	f := d.Denial(c)
	switch {
	case f < 0:
		return false
	case f == d.first:
		return d.shareOrganisation(i, c) && !d.personalAgrees(i, c)
	case c.Levels[d.email] == emailOtherMailbox:
		return m.Fields[d.email].Weight(emailOtherMailbox) < 0
	}
	return true
}

// shareOrganisation reports whether the two records of a comparison (the
// first of them record i) give one organisation: a company name that
// agrees (exactly, reordered or with a typo), or a phone number that
// people with two given names or two surnames give.
func (d *Dataset) shareOrganisation(i int, c *Comparison) bool {
	if d.phone >= 0 {
		if l := c.Levels[d.phone]; l == phoneShared || (l == phoneExact && d.v(d.phone, i).surnames) {
			return true
		}
	}
	if d.company >= 0 {
		if l := c.Levels[d.company]; l >= 0 && l <= companyTypo {
			return true
		}
	}
	return false
}

// personalAgrees reports whether the two records of a comparison (the
// first of them record i) give one number that only people of one surname
// give, or one address up to a typo.
func (d *Dataset) personalAgrees(i int, c *Comparison) bool {
	if d.phone >= 0 && c.Levels[d.phone] == phoneExact && !d.v(d.phone, i).surnames {
		return true
	}
	return d.email >= 0 && c.Levels[d.email] == emailTypo
}

// maxLinkPairs bounds the pairs compared to decide one join.
const maxLinkPairs = 400

// coherent reports whether the mean match weight between the records of a
// and those of b is positive and no pair of them denies the join (see
// Dataset.denies).
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
		if d.denies(m, int(i), c) {
			return false
		}
		sum += m.Weight(c)
		k++
	}
	return sum/float64(k) > 0
}

// identifying are the kinds whose value alone singles out an entity often
// enough for two records that agree on everything to be one.
var identifying = map[Kind]bool{Email: true, Phone: true, IDNumber: true, FullName: true,
	Company: true, Address: true, Text: true}

// minIdenticalFields is the fewest non-missing fields that make records
// that agree on all of them one entity when none is identifying.
const minIdenticalFields = 3

// identicalGroups returns the groups (of two or more records) whose normal
// forms are equal in every field, leaving out records with too little to
// go on: no identifying field and fewer than minIdenticalFields values.
func (d *Dataset) identicalGroups() [][]int32 {
	nf := len(d.cols)
	groups := map[string][]int32{}
	key := make([]byte, 0, 4*nf)
	for r := 0; r < d.Len(); r++ {
		key = key[:0]
		present, ident := 0, false
		for f := range d.cols {
			id := d.cols[f].ids[r]
			if id != 0 {
				present++
				ident = ident || identifying[d.cols[f].kind]
			}
			key = append(key, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
		}
		if !ident && present < minIdenticalFields {
			continue
		}
		groups[string(key)] = append(groups[string(key)], int32(r))
	}
	var out [][]int32
	for _, g := range groups {
		if len(g) > 1 {
			out = append(out, g)
		}
	}
	slices.SortFunc(out, func(a, b []int32) int { return int(a[0]) - int(b[0]) })
	return out
}
