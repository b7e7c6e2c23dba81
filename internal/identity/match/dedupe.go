package match

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// DefaultThreshold is the match probability from which two records are
// taken to be the same entity.
const DefaultThreshold = 0.5

// Options tune Dedupe. The zero value means the defaults.
type Options struct {
	// Threshold is the match probability of a match (0: DefaultThreshold).
	Threshold float64
	// Blocking overrides DefaultBlocking(schema).
	Blocking *Blocking
	// Train tunes the estimation of the model.
	Train TrainOptions
	// Model, when set, is used as is instead of being estimated.
	Model *Model
	// Progress, when set, is told when each stage starts.
	Progress func(stage string)
}

// Timings are the durations of Dedupe's stages.
type Timings struct {
	Block, Compare, Estimate, Score, Cluster time.Duration
}

// Result is the outcome of Dedupe.
type Result struct {
	Model *Model
	// Cluster gives, per record, the index of the record that represents
	// its entity (the first of the entity's records in input order).
	Cluster []int
	// Candidates is the number of candidate pairs compared.
	Candidates int
	// Matches is the number of candidate pairs at or above the threshold.
	Matches int
	// Rejected is the number of matching pairs whose clusters were not
	// joined because the joined cluster would not hold together.
	Rejected int
	Blocks   []BlockStats
	EM       EMStats
	Sessions []Session
	Patterns int
	Timings  Timings
	// Warnings say what went wrong but was worked around (a trained
	// model that was rejected).
	Warnings   []string
	matchPairs []ScoredPair
}

// ScoredPair is a candidate pair with its match weight.
type ScoredPair struct {
	I, J   int
	Weight float64
}

// MatchPairs returns the candidate pairs at or above the threshold,
// strongest first.
func (r *Result) MatchPairs() []ScoredPair { return r.matchPairs }

// uCorrectionMin is the relative change of u from which the model is
// estimated again with the corrected u.
const uCorrectionMin = 0.01

// unseenSamples is the number of pairs drawn from oversized blocks to
// estimate the prior.
const unseenSamples = 20_000

// withUnseen adds the sampled pairs of oversized blocks to the patterns,
// each counted for the pairs it stands for.
func withUnseen(d *Dataset, pats []pattern, unseen []unseenSample) []pattern {
	if len(unseen) == 0 {
		return pats
	}
	out := slices.Clone(pats)
	idx := make(map[patternKey]int, len(pats))
	for p, pat := range pats {
		idx[pat.key] = p
	}
	nf := len(d.Schema)
	var c Comparison
	for _, s := range unseen {
		d.compareInto(int(s.I), int(s.J), nil, &c)
		k := c.key(nf)
		p, ok := idx[k]
		if !ok {
			p = len(out)
			idx[k] = p
			out = append(out, pattern{key: k})
		}
		out[p].count += s.Weight
	}
	return out
}

// Dedupe finds the entities of d: it blocks, compares the candidate
// pairs, estimates the model (unless given one), scores the pairs and
// clusters the matches.
func Dedupe(d *Dataset, opt Options) (*Result, error) {
	if d.Len() == 0 {
		return &Result{}, nil
	}
	if len(d.Schema) != len(d.cols) {
		return nil, fmt.Errorf("dataset not prepared")
	}
	progress := func(s string) {
		if opt.Progress != nil {
			opt.Progress(s)
		}
	}
	threshold := opt.Threshold
	if threshold == 0 {
		threshold = DefaultThreshold
	}
	if opt.Train.MaxIterations == 0 {
		opt.Train.MaxIterations = 100
	}
	b := opt.Blocking
	if b == nil {
		db := DefaultBlocking(d.Schema)
		b = &db
	}
	res := &Result{}
	t := time.Now()

	progress("block")
	samples := 0
	if opt.Model == nil {
		samples = unseenSamples
	}
	pairs, found, stats, unseen := b.candidates(d, samples)
	res.Blocks, res.Candidates = stats, len(pairs)
	res.Timings.Block = time.Since(t)

	t = time.Now()
	model := opt.Model
	var random []pattern
	if model == nil {
		progress("estimate u")
		model = &Model{Threshold: threshold}
		us, rnd := estimateU(d, opt.Train)
		random = rnd
		for f, fd := range d.Schema {
			model.Fields = append(model.Fields, FieldModel{
				Name: fd.Name, Kind: fd.Kind, Levels: levelNames[fd.Kind],
				M: mPrior(len(levelNames[fd.Kind])), U: us[f], TF: tfKinds[fd.Kind],
			})
		}
	}
	res.Timings.Estimate = time.Since(t)

	t = time.Now()
	progress(fmt.Sprintf("compare %d candidate pairs", len(pairs)))
	pats, pid, tf := comparePairs(d, pairs, model.tfU())
	res.Patterns = len(pats)
	res.Timings.Compare = time.Since(t)

	t = time.Now()
	fellBack := false
	if opt.Model == nil {
		progress("estimate m")
		res.Sessions = train(model, b, pats, pid, found, opt.Train.MaxIterations)
		// The share of matches among all candidates, with m and u fixed,
		// gives the prior. Pairs of oversized blocks that were not
		// compared count too, through a weighted sample of them:
		// otherwise a large entity, most of whose pairs are never
		// enumerated, drags the prior far below its true value.
		withU := withUnseen(d, pats, unseen)
		n := float64(d.Len())
		all := n * (n - 1) / 2
		estimatePrior := func() {
			res.EM = runEM(model.Fields, withU, nil, true, opt.Train.MaxIterations)
			model.Prior = clampF(res.EM.Matches/all, minProb, res.EM.Lambda)
		}
		estimatePrior()
		// When the prior says that random pairs match often enough to
		// bias u, correct u and estimate the prior again (not on a file
		// so small that u is mostly its prior anyway).
		if all >= 10*uPriorPairs && correctU(model, random) > uCorrectionMin {
			estimatePrior()
		}
		if d.people() {
			if err := model.CheckPerson(); err != nil {
				res.Warnings = append(res.Warnings, fmt.Sprintf("the estimated model was rejected (%v); the built-in model of a person is used instead", err))
				model = fallbackModel(d, withU, threshold, opt.Train.MaxIterations, &res.EM)
				tf = retf(d, pairs, model)
				fellBack = true
			}
		}
	}
	res.Model = model
	res.Timings.Estimate += time.Since(t)

	t = time.Now()
	progress("score")
	matches := scorePairs(model, pats, pid, pairs, tf, threshold)
	res.Timings.Score = time.Since(t)

	t = time.Now()
	progress("cluster")
	res.Cluster, res.Rejected = cluster(d, model, matches)
	if fellBack {
		// The built-in model's prior, from the share of pairs the first
		// clustering joined, and one more round with it.
		n := float64(d.Len())
		model.Prior = clampF(float64(clusteredPairs(res.Cluster))/(n*(n-1)/2), minProb, maxProb)
		matches = scorePairs(model, pats, pid, pairs, tf, threshold)
		res.Cluster, res.Rejected = cluster(d, model, matches)
	}
	res.Matches = len(matches)
	res.matchPairs = matches
	res.Timings.Cluster = time.Since(t)
	return res, nil
}

// scorePairs returns the candidate pairs whose match weight under model
// reaches the threshold, strongest first.
func scorePairs(model *Model, pats []pattern, pid []uint32, pairs []uint64, tf []float32, threshold float64) []ScoredPair {
	pw := make([]float64, len(pats))
	prior := model.PriorWeight()
	for p, pat := range pats {
		w := prior
		for f := range model.Fields {
			w += model.Fields[f].Weight(pat.key.level(f))
		}
		pw[p] = w
	}
	minWeight := log2(threshold / (1 - threshold))
	var matches []ScoredPair
	for p, pr := range pairs {
		w := pw[pid[p]] + float64(tf[p])
		if w >= minWeight {
			matches = append(matches, ScoredPair{I: int(pr >> 32), J: int(uint32(pr)), Weight: w})
		}
	}
	slices.SortFunc(matches, func(a, b ScoredPair) int {
		if c := cmp.Compare(b.Weight, a.Weight); c != 0 {
			return c
		}
		if c := cmp.Compare(a.I, b.I); c != 0 {
			return c
		}
		return cmp.Compare(a.J, b.J)
	})
	return matches
}
