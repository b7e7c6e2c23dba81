package match

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
)

// FieldModel holds the parameters of one field.
type FieldModel struct {
	Name   string    `json:"name"`
	Kind   Kind      `json:"kind"`
	Levels []string  `json:"levels"`
	M      []float64 `json:"m"` // P(level | match), per level
	U      []float64 `json:"u"` // P(level | non-match), per level
	// TF is true when exact agreement is weighted by the frequency of the
	// agreed value instead of by U[0] alone.
	TF bool `json:"tf"`
	// TFBase is the u of exact agreement that value frequencies are
	// compared with (0: U[0]). Frequencies are counted over all records,
	// duplicates included, as U[0] was before it was corrected for the
	// matches among random pairs.
	TFBase float64 `json:"tf_base,omitempty"`
}

// Weight is the match weight of level l, log2(m/u), in bits.
func (f *FieldModel) Weight(l int8) float64 {
	if l < 0 {
		return 0
	}
	return log2(f.M[l] / f.U[l])
}

// Model is a trained Fellegi–Sunter model. It is plain data (JSON) so
// that it can be stored and reused to resolve new records.
type Model struct {
	Fields []FieldModel `json:"fields"`
	// Prior is the probability that two records drawn at random match.
	Prior float64 `json:"prior"`
	// Threshold is the match probability from which a pair is a match.
	Threshold float64 `json:"threshold"`
}

// tfU returns, per field, U of the exact level for fields with
// term-frequency adjustment and 0 for the others.
func (m *Model) tfU() []float64 {
	out := make([]float64, len(m.Fields))
	for f := range m.Fields {
		if m.Fields[f].TF {
			out[f] = m.Fields[f].U[0]
			if m.Fields[f].TFBase > 0 {
				out[f] = m.Fields[f].TFBase
			}
		}
	}
	return out
}

// PriorWeight is log2 of the prior odds.
func (m *Model) PriorWeight() float64 { return log2(m.Prior / (1 - m.Prior)) }

// Weight is the total match weight of a comparison, in bits.
func (m *Model) Weight(c *Comparison) float64 {
	w := m.PriorWeight()
	for f := range m.Fields {
		l := c.Levels[f]
		if l < 0 {
			continue
		}
		w += m.Fields[f].Weight(l) + float64(c.TF[f])
	}
	return w
}

// Probability turns a match weight into a match probability.
func Probability(weight float64) float64 { return 1 / (1 + math.Exp2(-weight)) }

// Score compares records i and j of d and returns their match
// probability.
func (m *Model) Score(d *Dataset, i, j int) float64 {
	c := d.Compare(i, j, m.tfU())
	return Probability(m.Weight(&c))
}

// FieldExplanation is the contribution of one field to a decision.
type FieldExplanation struct {
	Field string  `json:"field"`
	Kind  Kind    `json:"kind"`
	A     string  `json:"a"` // normalised value of the first record
	B     string  `json:"b"` // normalised value of the second record
	Level string  `json:"level"`
	M     float64 `json:"m,omitempty"`
	U     float64 `json:"u,omitempty"`
	// Weight is log2(m/u) plus TFWeight; 0 for a missing value.
	Weight   float64 `json:"weight"`
	TFWeight float64 `json:"tf_weight,omitempty"`
}

// Explanation says why two records are or are not the same entity.
type Explanation struct {
	A, B        string             `json:"-"`
	Fields      []FieldExplanation `json:"fields"`
	Swapped     bool               `json:"names_swapped,omitempty"`
	PriorWeight float64            `json:"prior_weight"`
	Weight      float64            `json:"weight"`
	Probability float64            `json:"probability"`
	Match       bool               `json:"match"`
}

// Explain compares records i and j of d and explains the result field by
// field.
func (m *Model) Explain(d *Dataset, i, j int) Explanation {
	c := d.Compare(i, j, m.tfU())
	e := Explanation{A: d.IDs[i], B: d.IDs[j], Swapped: c.Swapped, PriorWeight: m.PriorWeight()}
	for f := range m.Fields {
		fm := &m.Fields[f]
		fe := FieldExplanation{Field: fm.Name, Kind: fm.Kind, A: d.Value(i, f), B: d.Value(j, f), Level: "missing"}
		if l := c.Levels[f]; l >= 0 {
			fe.Level = fm.Levels[l]
			fe.M, fe.U = fm.M[l], fm.U[l]
			fe.TFWeight = float64(c.TF[f])
			fe.Weight = fm.Weight(l) + fe.TFWeight
		}
		e.Fields = append(e.Fields, fe)
	}
	e.Weight = m.Weight(&c)
	e.Probability = Probability(e.Weight)
	e.Match = e.Probability >= m.Threshold
	return e
}

// String renders an explanation for people.
func (e Explanation) String() string {
	s := fmt.Sprintf("%s ~ %s: probability %.4f (weight %+.2f bits, prior %+.2f)", e.A, e.B, e.Probability, e.Weight, e.PriorWeight)
	if e.Swapped {
		s += ", first and last names swapped"
	}
	for _, f := range e.Fields {
		s += fmt.Sprintf("\n  %-16s %-20s %+7.2f  %q | %q", f.Field, f.Level, f.Weight, f.A, f.B)
	}
	return s
}

func log2(x float64) float64 { return math.Log2(x) }

func clampF(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }

// TrainOptions tune estimation. The zero value means the defaults.
type TrainOptions struct {
	// RandomPairs is the number of random pairs u is measured on (0: an
	// amount that grows with the data, from 200,000 to 2,000,000).
	RandomPairs int
	// MaxIterations bounds EM (0: 100).
	MaxIterations int
	// Seed makes sampling reproducible.
	Seed uint64
}

// Probability bounds: no level is ever certain or impossible, so no single
// field can decide a pair on its own with infinite weight.
const (
	minProb = 1e-6
	maxProb = 1 - 1e-6
	// priorStrength is the number of pseudo-pairs of the prior on m.
	priorStrength = 4.0
)

// mPrior is the prior shape of m over a kind's levels: most matching
// pairs agree exactly, some are a level or two away, few disagree.
func mPrior(n int) []float64 {
	p := make([]float64, n)
	if n == 2 {
		return []float64{0.9, 0.1}
	}
	p[0] = 0.7
	p[n-1] = 0.05
	for l := 1; l < n-1; l++ {
		p[l] = 0.25 / float64(n-2)
	}
	return p
}

// estimateU measures u on random pairs. The exact level is computed from
// value frequencies (the probability that two random records share a
// value), the others from a sample.
func estimateU(d *Dataset, opt TrainOptions) ([][]float64, []pattern) {
	n := d.Len()
	us := make([][]float64, len(d.Schema))
	samples := opt.RandomPairs
	if samples == 0 {
		samples = min(max(200_000, 2*n), 2_000_000)
	}
	total := int64(n) * int64(n-1) / 2
	if int64(samples) > total {
		samples = int(total)
	}
	workers := runtime.GOMAXPROCS(0)
	counts := make([][][]float64, workers)
	patCounts := make([]map[patternKey]float64, workers)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cnt := make([][]float64, len(d.Schema))
			for f, fd := range d.Schema {
				cnt[f] = make([]float64, len(levelNames[fd.Kind]))
			}
			rng := rand.New(rand.NewPCG(opt.Seed+uint64(w), 0x9e3779b97f4a7c15))
			var c Comparison
			pc := map[patternKey]float64{}
			for s := w; s < samples; s += workers {
				i := rng.IntN(n)
				j := rng.IntN(n - 1)
				if j >= i {
					j++
				}
				d.compareInto(i, j, nil, &c)
				for f := range d.Schema {
					if l := c.Levels[f]; l >= 0 {
						cnt[f][l]++
					}
				}
				pc[c.key(len(d.Schema))]++
			}
			counts[w] = cnt
			patCounts[w] = pc
		}()
	}
	wg.Wait()
	for f, fd := range d.Schema {
		nl := len(levelNames[fd.Kind])
		sum := make([]float64, nl)
		for w := range counts {
			for l := range sum {
				sum[l] += counts[w][f][l]
			}
		}
		col := &d.cols[f]
		// Exact: Σ c(c-1) / (n(n-1)) over non-missing values.
		var exact float64
		nm := float64(col.nonMissing)
		if nm > 1 {
			for v := 1; v < len(col.count); v++ {
				c := float64(col.count[v])
				exact += c * (c - 1)
			}
			exact /= nm * (nm - 1)
		}
		// Blend with a prior worth uPriorPairs random pairs, so that a
		// small file does not yield extreme or meaningless estimates.
		prior := uPrior(fd.Kind, nl)
		pairsN := nm * (nm - 1)
		exact = (exact*pairsN + uPriorPairs*prior[0]) / (pairsN + uPriorPairs)
		var rest float64
		for l := 1; l < nl; l++ {
			rest += sum[l]
		}
		u := make([]float64, nl)
		u[0] = clampF(exact, minProb, maxProb)
		var priorRest float64
		for l := 1; l < nl; l++ {
			priorRest += prior[l]
		}
		for l := 1; l < nl; l++ {
			share := (sum[l] + uPriorPairs*prior[l]/priorRest) / (rest + uPriorPairs)
			u[l] = math.Max((1-u[0])*share, minProb)
		}
		Normalise(u)
		us[f] = u
	}
	merged := map[patternKey]float64{}
	for _, pc := range patCounts {
		for k, c := range pc {
			merged[k] += c
		}
	}
	pats := make([]pattern, 0, len(merged))
	for k, c := range merged {
		pats = append(pats, pattern{key: k, count: c})
	}
	slices.SortFunc(pats, func(a, b pattern) int {
		if a.key[0] != b.key[0] {
			return cmpU64(a.key[0], b.key[0])
		}
		return cmpU64(a.key[1], b.key[1])
	})
	return us, pats
}

func cmpU64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// minRandomMatchShare is the expected share of matches among random
// pairs from which u is corrected for them: below it, the matches do not
// bias u noticeably.
const minRandomMatchShare = 0.01

// correctU removes the matches from u. u is measured on random pairs as
// if none of them matched; when the data holds large entities (a company
// with hundreds of records) a fair share of random pairs do, and u of the
// agreeing levels comes out too high. Each level's u is scaled by how much
// less often than average its random pairs match, with the posterior of
// each random pattern under the current model. It returns the largest
// relative change (0 when matches are too rare among random pairs to
// matter).
func correctU(model *Model, random []pattern) float64 {
	if len(random) == 0 {
		return 0
	}
	prior := model.PriorWeight()
	nonMatch := make([]float64, len(random))
	var all, allNon float64
	for p, pat := range random {
		w := prior
		for f := range model.Fields {
			w += model.Fields[f].Weight(pat.key.level(f))
		}
		nonMatch[p] = 1 - Probability(w)
		all += pat.count
		allNon += pat.count * nonMatch[p]
	}
	if allNon <= 0 || 1-allNon/all < minRandomMatchShare {
		return 0
	}
	var change float64
	for f := range model.Fields {
		fm := &model.Fields[f]
		nl := len(fm.U)
		tot := make([]float64, nl)
		non := make([]float64, nl)
		var fTot, fNon float64
		for p, pat := range random {
			if l := pat.key.level(f); l >= 0 {
				tot[l] += pat.count
				non[l] += pat.count * nonMatch[p]
				fTot += pat.count
				fNon += pat.count * nonMatch[p]
			}
		}
		if fNon <= 0 {
			continue
		}
		if fm.TF && fm.TFBase == 0 {
			fm.TFBase = fm.U[0]
		}
		u := slices.Clone(fm.U)
		for l := range u {
			if tot[l] > 0 {
				u[l] *= (non[l] / tot[l]) / (fNon / fTot)
			}
			u[l] = math.Max(u[l], minProb)
		}
		Normalise(u)
		for l := range u {
			change = math.Max(change, math.Abs(u[l]-fm.U[l])/fm.U[l])
		}
		fm.U = u
	}
	return change
}

// uPriorPairs is the weight, in random pairs, of the prior on u.
const uPriorPairs = 1000.0

// uPrior is the prior of u for a kind: how often two different entities
// agree exactly (rare for identifiers, common for countries), and a small
// chance for each intermediate level.
func uPrior(k Kind, n int) []float64 {
	exact := map[Kind]float64{Email: 1e-5, Phone: 1e-5, IDNumber: 1e-5, Date: 1e-4, FirstName: 5e-3,
		LastName: 1e-3, FullName: 1e-4, Company: 1e-3, Address: 1e-4, City: 1e-2, Postcode: 1e-2,
		Country: 0.2, Exact: 0.2, Title: 0.05, Text: 1e-3}[k]
	p := make([]float64, n)
	p[0] = exact
	for l := 1; l < n-1; l++ {
		p[l] = 0.005
	}
	p[n-1] = 1 - exact - 0.005*float64(n-2)
	return p
}

// Normalise scales p in place so that it sums to 1 (a distribution over
// comparison levels).
func Normalise(p []float64) {
	var s float64
	for _, x := range p {
		s += x
	}
	for i := range p {
		p[i] /= s
	}
}

// pattern is a distinct comparison vector and how many pairs have it.
type pattern struct {
	key   patternKey
	count float64
}

// comparePairs compares every pair in parallel, and returns the distinct
// comparison vectors with their counts, each pair's pattern index, and
// each pair's term-frequency adjustment in bits.
func comparePairs(d *Dataset, pairs []uint64, tfU []float64) ([]pattern, []uint32, []float32) {
	pid := make([]uint32, len(pairs))
	tf := make([]float32, len(pairs))
	nf := len(d.Schema)
	type local struct {
		idx  map[patternKey]uint32
		keys []patternKey
		cnt  []float64
	}
	var mu sync.Mutex
	var locals []*local
	var chunks [][2]int
	parallel(len(pairs), func(lo, hi int) {
		l := &local{idx: map[patternKey]uint32{}}
		var c Comparison
		for p := lo; p < hi; p++ {
			i, j := int(pairs[p]>>32), int(uint32(pairs[p]))
			d.compareInto(i, j, tfU, &c)
			k := c.key(nf)
			x, ok := l.idx[k]
			if !ok {
				x = uint32(len(l.keys))
				l.idx[k] = x
				l.keys = append(l.keys, k)
				l.cnt = append(l.cnt, 0)
			}
			l.cnt[x]++
			pid[p] = x
			var t float32
			for f := 0; f < nf; f++ {
				t += c.TF[f]
			}
			tf[p] = t
		}
		mu.Lock()
		locals = append(locals, l)
		chunks = append(chunks, [2]int{lo, hi})
		mu.Unlock()
	})
	global := map[patternKey]uint32{}
	var pats []pattern
	for li, l := range locals {
		remap := make([]uint32, len(l.keys))
		for x, k := range l.keys {
			g, ok := global[k]
			if !ok {
				g = uint32(len(pats))
				global[k] = g
				pats = append(pats, pattern{key: k})
			}
			pats[g].count += l.cnt[x]
			remap[x] = g
		}
		lo, hi := chunks[li][0], chunks[li][1]
		for p := lo; p < hi; p++ {
			pid[p] = remap[pid[p]]
		}
	}
	return pats, pid, tf
}

// EMStats reports how estimation went.
type EMStats struct {
	Iterations int
	Converged  bool
	// Lambda is the estimated share of matches among the pairs.
	Lambda float64
	// Matches is the expected number of matching pairs.
	Matches float64
}

// runEM estimates m (and the share of matches among the pairs) with u
// fixed, by expectation maximisation over comparison patterns (Winkler,
// "Using the EM Algorithm for Weight Computation in the Fellegi-Sunter
// Model of Record Linkage", 1988,
// https://www.census.gov/library/working-papers/2000/adrm/rr2000-05.html).
// Fields marked in fixed take no part: they are the fields the pairs were
// blocked on, whose agreement says nothing about the pairs beyond the
// blocking itself. A Dirichlet prior keeps rarely seen levels away from 0
// and 1. With lambdaOnly, m is kept and only the share is estimated.
func runEM(fields []FieldModel, pats []pattern, fixed []bool, lambdaOnly bool, maxIter int) EMStats {
	nf := len(fields)
	lambda := 0.1
	priors := make([][]float64, nf)
	for f := range fields {
		priors[f] = mPrior(len(fields[f].Levels))
	}
	// Pattern weights depend only on m: cache the per-pattern level lists.
	w := make([]float64, len(pats))
	st := EMStats{}
	for it := 1; it <= maxIter; it++ {
		st.Iterations = it
		// E step.
		lo := log2(lambda / (1 - lambda))
		var sumW, sumN float64
		for p, pat := range pats {
			s := lo
			for f := 0; f < nf; f++ {
				if fixed != nil && fixed[f] {
					continue
				}
				if l := pat.key.level(f); l >= 0 {
					s += log2(fields[f].M[l] / fields[f].U[l])
				}
			}
			w[p] = Probability(s)
			sumW += w[p] * pat.count
			sumN += pat.count
		}
		// M step.
		delta := 0.0
		for f := 0; f < nf && !lambdaOnly; f++ {
			if fixed != nil && fixed[f] {
				continue
			}
			nl := len(fields[f].Levels)
			num := make([]float64, nl)
			var den float64
			for p, pat := range pats {
				if l := pat.key.level(f); l >= 0 {
					num[l] += w[p] * pat.count
					den += w[p] * pat.count
				}
			}
			for l := 0; l < nl; l++ {
				m := (num[l] + priorStrength*priors[f][l]) / (den + priorStrength)
				m = clampF(m, minProb, maxProb)
				delta = math.Max(delta, math.Abs(m-fields[f].M[l]))
				fields[f].M[l] = m
			}
			Normalise(fields[f].M)
		}
		newLambda := clampF((sumW+1)/(sumN+2), minProb, maxProb)
		delta = math.Max(delta, math.Abs(newLambda-lambda))
		lambda = newLambda
		st.Matches = sumW
		if delta < 1e-6 {
			st.Converged = true
			break
		}
	}
	st.Lambda = lambda
	return st
}

// Session is one EM run over the pairs of one blocking rule.
type Session struct {
	Rule       string
	Pairs      int
	Iterations int
	Converged  bool
	Lambda     float64
}

// minSessionPairs is the fewest pairs a rule must have to be trained on.
const minSessionPairs = 30

// train estimates m with one EM session per strict blocking rule, in the
// manner of Splink: within the pairs of a rule the rule's own fields are
// fixed, and every other field is estimated. A field's m is the average of
// its estimates, weighted by the number of matches each session found.
// Fields no session could estimate keep the prior.
func train(model *Model, b *Blocking, pats []pattern, pid []uint32, found []uint64, maxIter int) []Session {
	nf := len(model.Fields)
	sum := make([][]float64, nf)
	weight := make([]float64, nf)
	for f := range sum {
		sum[f] = make([]float64, len(model.Fields[f].Levels))
	}
	var sessions []Session
	for k, rule := range b.Rules {
		if rule.Loose {
			continue
		}
		counts := make([]float64, len(pats))
		n := 0
		bit := uint64(1) << k
		for p, m := range found {
			if m&bit != 0 {
				counts[pid[p]]++
				n++
			}
		}
		if n < minSessionPairs {
			continue
		}
		var sp []pattern
		for p, c := range counts {
			if c > 0 {
				sp = append(sp, pattern{key: pats[p].key, count: c})
			}
		}
		fixed := make([]bool, nf)
		for _, f := range rule.Fields {
			fixed[f] = true
		}
		fields := make([]FieldModel, nf)
		for f := range fields {
			fields[f] = model.Fields[f]
			fields[f].M = slices.Clone(model.Fields[f].M)
		}
		st := runEM(fields, sp, fixed, false, maxIter)
		sessions = append(sessions, Session{Rule: rule.Name, Pairs: n, Iterations: st.Iterations, Converged: st.Converged, Lambda: st.Lambda})
		for f := range fields {
			if fixed[f] || st.Matches < 1 {
				continue
			}
			for l := range fields[f].M {
				sum[f][l] += st.Matches * fields[f].M[l]
			}
			weight[f] += st.Matches
		}
	}
	// A field that every rule blocks on (the only field, say) is
	// estimated on all the candidate pairs instead, with the others
	// taking part at their estimates.
	var missed bool
	for f := range model.Fields {
		missed = missed || weight[f] == 0
	}
	if missed && len(pid) >= minSessionPairs {
		fields := make([]FieldModel, nf)
		for f := range fields {
			fields[f] = model.Fields[f]
			fields[f].M = slices.Clone(model.Fields[f].M)
			if weight[f] > 0 {
				for l := range sum[f] {
					fields[f].M[l] = clampF(sum[f][l]/weight[f], minProb, maxProb)
				}
				Normalise(fields[f].M)
			}
		}
		st := runEM(fields, pats, nil, false, maxIter)
		sessions = append(sessions, Session{Rule: "all candidates", Pairs: len(pid), Iterations: st.Iterations, Converged: st.Converged, Lambda: st.Lambda})
		for f := range fields {
			if weight[f] == 0 && st.Matches >= 1 {
				sum[f] = fields[f].M
				weight[f] = 1
			}
		}
	}
	for f := range model.Fields {
		if weight[f] == 0 {
			continue
		}
		for l := range sum[f] {
			model.Fields[f].M[l] = clampF(sum[f][l]/weight[f], minProb, maxProb)
		}
		Normalise(model.Fields[f].M)
	}
	return sessions
}
