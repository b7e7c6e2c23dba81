// Package resolve is leadhub's online identity resolution: it puts every
// new lead into a customer the moment it arrives, and says why.
//
// Each unresolved lead (one with no customer yet) is compared, through
// indexed blocking keys (see Keys), with the customers that share a key
// with it: the lead is scored against the candidates' leads that share a
// key with it (a customer scores as its best lead) with the match engine's
// Fellegi–Sunter model, and the best candidate decides:
//
//   - probability ≥ Thresholds.Auto: the lead joins that customer;
//   - probability ≥ Thresholds.Review: the lead becomes a new customer,
//     and the pair goes to the review queue as a possible duplicate;
//   - otherwise (or with no candidate): the lead becomes a new customer.
//
// Every decision is committed in one transaction with the lead's customer,
// its keys, the decision with its explanation and an audit entry; a lead
// is only ever claimed while it is unresolved, so a crash resumes and a
// second run never doubles anything. Merges, splits and undos are the
// store's (lead.IdentityEditor).
package resolve

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/identity/match"
	"github.com/leadhub/leadhub/internal/lead"
)

// Default thresholds.
const (
	DefaultAuto   = 0.95
	DefaultReview = 0.60
)

// DefaultMaxBatch is the largest batch of leads decided and committed
// together (Options.MaxBatch).
const DefaultMaxBatch = 256

// Store is what the resolver needs of the database: the leads waiting and
// their candidates, the models it trains, and the leads it trains on.
type Store interface {
	lead.ResolutionStore
	lead.ModelStore
	lead.LeadReader
}

// Options tune a Resolver. Zero values take the defaults.
type Options struct {
	Thresholds lead.Thresholds // default DefaultAuto, DefaultReview
	// Batch is how many leads are decided and committed together at
	// first (default 32).
	Batch int
	// MaxBatch is how large batches grow while leads wait (default
	// DefaultMaxBatch): each full batch doubles the next, so a backlog is
	// worked off with few reads of the index and few commits, and a lone
	// lead is still decided at once.
	MaxBatch int
	// Interval is how long the resolver sleeps when nothing is waiting and
	// nobody nudges it (default 1s).
	Interval time.Duration
	// PerKey caps the leads one blocking key finds (default 20, the most
	// recent); MaxCandidates caps the candidate customers of a lead
	// (default 30, those that share the most keys with it).
	PerKey, MaxCandidates int
	// Train enables automatic training of the model on the leads (see
	// Train): when there are at least MinTrainLeads and twice as many as
	// the current model was trained on.
	Train bool
	// Lock, when set, is taken before resolving (one resolver per
	// database); nil means no lock.
	Lock lead.ResolverLocker
	// Logger (default: discard) and Registerer (default: none).
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Observe, when set, is told after each committed batch how many leads
	// it had and how long deciding (reads and scoring) and committing took.
	Observe func(leads int, decide, commit time.Duration)
}

// Resolver resolves unresolved leads.
type Resolver struct {
	st     Store
	opt    Options
	engine atomic.Pointer[Engine]
	wake   chan struct{}

	cache *match.Cache // normal forms of the candidates' values

	resolving sync.Mutex   // one batch at a time: the key cache is the batch's
	keys      *keyCache    // what the index said, kept between batches
	batch     atomic.Int64 // the size of the next batch

	mu     sync.Mutex
	poison map[string]int // lead id → failed attempts alone

	decisions *prometheus.CounterVec
	latency   prometheus.Histogram
	training  atomic.Bool
	trainedAt atomic.Int64 // leads the current model was trained on
}

// New returns a resolver over st with the built-in model; Run or Load
// picks up a trained one.
func New(st Store, opt Options) *Resolver {
	if opt.Thresholds == (lead.Thresholds{}) {
		opt.Thresholds = lead.Thresholds{Auto: DefaultAuto, Review: DefaultReview}
	}
	if opt.Batch <= 0 {
		opt.Batch = 32
	}
	if opt.MaxBatch < opt.Batch {
		opt.MaxBatch = max(opt.Batch, DefaultMaxBatch)
	}
	if opt.Interval <= 0 {
		opt.Interval = time.Second
	}
	if opt.PerKey <= 0 {
		opt.PerKey = 20
	}
	if opt.MaxCandidates <= 0 {
		opt.MaxCandidates = 30
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	r := &Resolver{st: st, opt: opt, wake: make(chan struct{}, 1), poison: map[string]int{}, cache: match.NewCache(50000)}
	r.keys = newKeyCache(opt.PerKey, keyCacheLeads)
	r.batch.Store(int64(opt.Batch))
	r.engine.Store(DefaultEngine())
	r.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "leadhub_resolver_decisions_total", Help: "Leads resolved into customers, by outcome (joined, review, new).",
	}, []string{"outcome"})
	r.latency = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "leadhub_resolver_lag_seconds", Help: "Time from a lead's receipt to its committed resolution.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300},
	})
	if opt.Registerer != nil {
		opt.Registerer.MustRegister(r.decisions, r.latency)
	}
	return r
}

// CheckThresholds reports what is wrong with a pair of thresholds.
func CheckThresholds(t lead.Thresholds) error {
	if !(t.Review > 0 && t.Review <= t.Auto && t.Auto < 1) {
		return fmt.Errorf("match thresholds must satisfy 0 < review (%v) ≤ auto (%v) < 1", t.Review, t.Auto)
	}
	return nil
}

// Engine returns the engine in use.
func (r *Resolver) Engine() *Engine { return r.engine.Load() }

// SetEngine replaces the engine (tests, training).
func (r *Resolver) SetEngine(e *Engine) { r.engine.Store(e) }

// Nudge tells the resolver that leads arrived; it never blocks.
func (r *Resolver) Nudge() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// LoadModel switches to the most recently trained model, if there is one
// that fits; otherwise the engine stays as it is.
func (r *Resolver) LoadModel(ctx context.Context) error {
	e, _, err := LoadEngine(ctx, r.st)
	if err != nil || e == nil {
		return err
	}
	r.engine.Store(e)
	// Train again when the leads have doubled from now.
	if total, _, err := r.st.CountLeads(ctx); err == nil {
		r.trainedAt.Store(total)
	}
	return nil
}

// Run resolves leads until ctx ends: it takes the lock (standing by while
// another process holds it), then resolves what is waiting, batch after
// batch, and sleeps until nudged or Interval passes.
func (r *Resolver) Run(ctx context.Context) {
	log := r.opt.Logger
	backoff := time.Second
	for ctx.Err() == nil {
		var lock lead.Lock = noLock{}
		if r.opt.Lock != nil {
			l, err := r.opt.Lock.TryResolverLock(ctx)
			if err != nil || l == nil {
				if err != nil && ctx.Err() == nil {
					log.Warn("resolver: cannot take its lock", "error", err.Error())
				}
				sleep(ctx, 5*time.Second) // another replica resolves; stand by
				continue
			}
			lock = l
			// Another replica may have resolved while this one stood by.
			r.resolving.Lock()
			r.keys.reset()
			r.resolving.Unlock()
		}
		if err := r.LoadModel(ctx); err != nil && ctx.Err() == nil {
			log.Warn("resolver: cannot load the trained model; using the one in use", "error", err.Error())
		}
		log.Info("resolver: resolving leads into customers", "model", r.Engine().ID,
			"auto", r.opt.Thresholds.Auto, "review", r.opt.Thresholds.Review)
		lastTrainCheck := time.Time{}
		for ctx.Err() == nil {
			if err := lock.Alive(ctx); err != nil {
				log.Warn("resolver: lost its lock", "error", err.Error())
				break
			}
			if r.opt.Train && time.Since(lastTrainCheck) > 10*time.Minute {
				lastTrainCheck = time.Now()
				r.maybeTrain(ctx)
			}
			n, err := r.ResolvePending(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("resolver: resolving failed; retrying", "error", err.Error(), "retry_in", backoff.String())
				}
				sleep(ctx, backoff)
				backoff = min(2*backoff, 30*time.Second)
				continue
			}
			backoff = time.Second
			if n >= r.opt.Batch { // a full batch of the smallest size at least
				continue // more are waiting
			}
			select {
			case <-ctx.Done():
			case <-r.wake:
			case <-time.After(r.opt.Interval):
			}
		}
		lock.Release()
	}
}

// noLock stands for the lock when there is none to take.
type noLock struct{}

func (noLock) Alive(context.Context) error { return nil }
func (noLock) Release()                    {}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// ResolvePending resolves one batch of unresolved leads and returns how
// many it looked at. A batch that fails is retried lead by lead, so that
// one lead that cannot be resolved does not hold up the others; such a
// lead is left unresolved (and logged) until the process restarts.
func (r *Resolver) ResolvePending(ctx context.Context) (int, error) {
	r.mu.Lock()
	skip := make([]string, 0, len(r.poison))
	for id, n := range r.poison {
		if n >= 3 {
			skip = append(skip, id)
		}
	}
	r.mu.Unlock()
	size := int(r.batch.Load())
	leads, err := r.st.PendingLeads(ctx, size, skip)
	if err != nil {
		return 0, err
	}
	if len(leads) == size {
		r.batch.Store(int64(min(2*size, r.opt.MaxBatch)))
	} else {
		r.batch.Store(int64(r.opt.Batch))
	}
	if len(leads) == 0 {
		return 0, nil
	}
	err = r.resolve(ctx, leads)
	if err == nil || len(leads) == 1 || ctx.Err() != nil {
		if err != nil && len(leads) == 1 && lead.KindOf(err) != lead.KindUnavailable {
			r.mu.Lock()
			r.poison[leads[0].ID]++
			r.mu.Unlock()
		}
		return len(leads), err
	}
	for _, l := range leads {
		if err := r.resolve(ctx, []lead.Lead{l}); err != nil {
			if lead.KindOf(err) == lead.KindUnavailable || ctx.Err() != nil {
				return len(leads), err
			}
			r.mu.Lock()
			r.poison[l.ID]++
			r.mu.Unlock()
			r.opt.Logger.Error("resolver: cannot resolve lead", "lead", l.ID, "error", err.Error())
		}
	}
	return len(leads), nil
}

// ResolveAll resolves until no lead is waiting.
func (r *Resolver) ResolveAll(ctx context.Context) (int, error) {
	total := 0
	for {
		n, err := r.ResolvePending(ctx)
		total += n
		if err != nil || n == 0 {
			return total, err
		}
	}
}

// overlay is what a batch decided so far and has not committed: later
// leads of the batch must see it.
type overlay struct {
	keys   map[string][]overlayLead // key → the batch's leads that have it
	isTest map[string]bool          // customers the batch put leads in
}

type overlayLead struct {
	customer string
	lead     lead.Lead
}

func newOverlay() *overlay {
	return &overlay{keys: map[string][]overlayLead{}, isTest: map[string]bool{}}
}

// resolve decides about leads and commits the decisions together.
func (r *Resolver) resolve(ctx context.Context, leads []lead.Lead) error {
	r.resolving.Lock()
	defer r.resolving.Unlock()
	start := time.Now()
	ids := make([]string, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
	}
	undone, err := r.st.UndoneDecisions(ctx, ids)
	if err != nil {
		return err
	}
	// Every key of the batch at once: one read of the index for the
	// whole batch, so the pages its leads share are read once.
	keys := make([][]string, len(leads))
	var all []string
	for i := range leads {
		keys[i] = Keys(&leads[i])
		all = append(all, keys[i]...)
	}
	gen, err := r.st.IdentityGeneration(ctx)
	if err != nil {
		return err
	}
	r.keys.sync(gen)
	rows, err := r.keys.keyLeads(ctx, r.st, all)
	if err != nil {
		return err
	}
	byKey := make(map[string][]lead.KeyLead, len(all))
	for _, kl := range rows {
		byKey[kl.Key] = append(byKey[kl.Key], kl)
	}
	eng := r.Engine()
	ov := newOverlay()
	rs := make([]lead.Resolution, 0, len(leads))
	for i := range leads {
		res, err := r.decide(eng, &leads[i], keys[i], byKey, ov, undone[leads[i].ID])
		if err != nil {
			return fmt.Errorf("lead %s: %w", leads[i].ID, err)
		}
		rs = append(rs, res)
		// A lead only joins a customer of its own kind, so the customer's
		// is_test is the lead's.
		ov.isTest[res.CustomerID] = leads[i].IsTest
		for _, k := range res.Keys {
			ov.keys[k] = append(ov.keys[k], overlayLead{res.CustomerID, leads[i]})
		}
	}
	decided := time.Now()
	// In short transactions, in order (a decision may join a customer an
	// earlier one created): the database has one writer, and ingest must
	// not wait behind a long commit to acknowledge a lead.
	var results []lead.ResolutionResult
	for chunk := range slices.Chunk(rs, commitChunk) {
		res, err := r.st.CommitResolutions(ctx, chunk)
		if err != nil {
			r.keys.reset()
			return err
		}
		r.keys.committed(chunk, res)
		results = append(results, res...)
	}
	if r.opt.Observe != nil {
		r.opt.Observe(len(rs), decided.Sub(start), time.Since(decided))
	}
	now := r.opt.Now()
	for i, res := range results {
		if res == lead.ResolutionCommitted {
			r.decisions.WithLabelValues(string(rs[i].Outcome)).Inc()
			r.latency.Observe(now.Sub(rs[i].Lead.ReceivedAt).Seconds())
		}
	}
	return nil
}

// commitChunk is how many decisions one transaction commits.
const commitChunk = 32

// decide makes the decision about one lead, whose keys are keys, with the
// leads that the index holds for each key in byKey.
func (r *Resolver) decide(eng *Engine, l *lead.Lead, keys []string, byKey map[string][]lead.KeyLead, ov *overlay, excluded []string) (lead.Resolution, error) {
	now := r.opt.Now().UTC()
	res := lead.Resolution{Lead: *l, Keys: keys, DecisionID: ulid.Make().String(), AuditID: ulid.Make().String(), At: now}
	x := &res.Explanation
	x.Model, x.Thresholds, x.Keys, x.Excluded = eng.ID, r.opt.Thresholds, len(res.Keys), excluded
	x.Candidates = []lead.CandidateScore{}

	// Candidates: from the index, and from this batch; each with the
	// leads that share a key with this one.
	found := candidates(keys, byKey)
	byID := map[string]*lead.Candidate{}
	var cands []*lead.Candidate
	add := func(c lead.Candidate) {
		if p, ok := byID[c.CustomerID]; ok {
			p.Hits += c.Hits
			for _, x := range c.Leads {
				if !slices.ContainsFunc(p.Leads, func(y lead.Lead) bool { return y.ID == x.ID }) {
					p.Leads = append(p.Leads, x)
				}
			}
			return
		}
		cp := c
		byID[c.CustomerID] = &cp
		cands = append(cands, &cp)
	}
	for _, c := range found {
		if t, ok := ov.isTest[c.CustomerID]; ok {
			c.IsTest = t
		}
		add(c)
	}
	for _, k := range res.Keys {
		for _, it := range ov.keys[k] {
			add(lead.Candidate{CustomerID: it.customer, IsTest: ov.isTest[it.customer], Hits: 1, Leads: []lead.Lead{it.lead}})
		}
	}
	// Test leads only meet test customers, real leads real ones; a
	// customer an undone decision had chosen is not a candidate again.
	cands = slices.DeleteFunc(cands, func(c *lead.Candidate) bool {
		return c.IsTest != l.IsTest || slices.Contains(excluded, c.CustomerID)
	})
	slices.SortFunc(cands, func(a, b *lead.Candidate) int {
		if c := cmp.Compare(b.Hits, a.Hits); c != 0 {
			return c
		}
		return strings.Compare(b.CustomerID, a.CustomerID) // the most recent first
	})
	if len(cands) > r.opt.MaxCandidates {
		cands = cands[:r.opt.MaxCandidates]
	}

	var best struct {
		customer, lead string
		prob           float64
		j              int
	}
	best.j = -1
	var cmpd *comparison
	contradicted := map[string][]lead.Contradiction{}
	if len(cands) > 0 {
		// Each candidate's leads that share a key with this one, and its
		// golden record: a lead fits a customer only if nothing of it
		// says it is someone else.
		var pool []lead.Lead
		var owner []string
		var golden []bool
		for _, c := range cands {
			for _, cl := range c.Leads {
				pool = append(pool, cl)
				owner = append(owner, c.CustomerID)
				golden = append(golden, false)
			}
			if c.Golden != (lead.Contact{}) {
				pool = append(pool, lead.Lead{ID: goldenLeadID, Parsed: lead.Parsed{Contact: c.Golden}})
				owner = append(owner, c.CustomerID)
				golden = append(golden, true)
			}
		}
		var err error
		cmpd, err = eng.compare(l, pool, r.cache)
		if err != nil {
			return res, err
		}
		for j := range pool {
			if x, ok := cmpd.contradiction(j, pool[j].ID); ok {
				contradicted[owner[j]] = append(contradicted[owner[j]], x)
			}
		}
		perCustomer := map[string]lead.CandidateScore{}
		for j := range pool {
			if golden[j] {
				continue
			}
			cust, p := owner[j], cmpd.probs[j]
			if cur, ok := perCustomer[cust]; !ok || p > cur.Probability {
				perCustomer[cust] = lead.CandidateScore{CustomerID: cust, LeadID: pool[j].ID, Probability: p}
			}
			if best.j < 0 || p > best.prob || (p == best.prob && cust > best.customer) {
				best.customer, best.lead, best.prob, best.j = cust, pool[j].ID, p, j
			}
		}
		for _, s := range perCustomer {
			x.Candidates = append(x.Candidates, s)
		}
		slices.SortFunc(x.Candidates, func(a, b lead.CandidateScore) int {
			if c := cmp.Compare(b.Probability, a.Probability); c != 0 {
				return c
			}
			return strings.Compare(b.CustomerID, a.CustomerID)
		})
		if len(x.Candidates) > 10 {
			x.Candidates = x.Candidates[:10]
		}
	}

	th := r.opt.Thresholds
	if best.j >= 0 {
		eng.explain(cmpd, best.j, x)
		x.Candidate, x.CandidateLead = best.customer, best.lead
		x.Contradictions = contradicted[best.customer]
		res.CandidateID, res.Probability = best.customer, best.prob
	}
	switch {
	case best.j >= 0 && best.prob >= th.Auto && len(x.Contradictions) > 0:
		// The best lead of the candidate fits, but another lead of it (or
		// its golden record) says this is someone else: joining would
		// chain two people. A person decides.
		res.Outcome, res.CustomerID = lead.OutcomeReview, ulid.Make().String()
		c := x.Contradictions[0]
		x.Reason = fmt.Sprintf("new customer, in review as a possible duplicate of %s: probability %.4f against lead %s (%s), but %s %s %q vs %q of %s says it is someone else",
			best.customer, best.prob, best.lead, evidence(x.Fields), c.Field, c.Level, c.A, c.B, c.LeadID)
	case best.j >= 0 && best.prob >= th.Auto:
		res.Outcome, res.CustomerID = lead.OutcomeJoined, best.customer
		x.Reason = fmt.Sprintf("joined customer %s: probability %.4f ≥ %.2f against lead %s (%s)",
			best.customer, best.prob, th.Auto, best.lead, evidence(x.Fields))
	case best.j >= 0 && best.prob >= th.Review:
		res.Outcome, res.CustomerID = lead.OutcomeReview, ulid.Make().String()
		x.Reason = fmt.Sprintf("new customer, in review as a possible duplicate of %s: probability %.4f, between %.2f and %.2f, against lead %s (%s)",
			best.customer, best.prob, th.Review, th.Auto, best.lead, evidence(x.Fields))
	case best.j >= 0:
		res.Outcome, res.CustomerID = lead.OutcomeNew, ulid.Make().String()
		x.Reason = fmt.Sprintf("new customer: the best candidate, %s, has probability %.4f < %.2f (%s)",
			best.customer, best.prob, th.Review, evidence(x.Fields))
	default:
		res.Outcome, res.CustomerID = lead.OutcomeNew, ulid.Make().String()
		x.Reason = "new customer: no other customer shares a blocking key with this lead"
		if len(res.Keys) == 0 {
			x.Reason = "new customer: the lead has no name, email, phone or company to match on"
		}
	}
	return res, nil
}

// candidates groups the leads the index holds for keys by customer: how
// many of the keys found each customer, and which of its leads.
func candidates(keys []string, byKey map[string][]lead.KeyLead) []lead.Candidate {
	idx := map[string]int{}
	seenLead := map[string]bool{}
	var out []lead.Candidate
	for _, k := range keys {
		counted := map[string]bool{}
		for _, kl := range byKey[k] {
			i, ok := idx[kl.CustomerID]
			if !ok {
				i = len(out)
				idx[kl.CustomerID] = i
				out = append(out, lead.Candidate{CustomerID: kl.CustomerID, IsTest: kl.IsTest, Golden: kl.Golden})
			}
			if !counted[kl.CustomerID] {
				counted[kl.CustomerID] = true
				out[i].Hits++
			}
			if !seenLead[kl.Lead.ID] {
				seenLead[kl.Lead.ID] = true
				out[i].Leads = append(out[i].Leads, kl.Lead)
			}
		}
	}
	return out
}

// goldenLeadID stands for a candidate's golden record in the pool of
// leads a new lead is compared with.
const goldenLeadID = "golden"

// evidence names the fields that weighed most, for the reason sentence.
func evidence(fields []lead.FieldComparison) string {
	fs := slices.Clone(fields)
	slices.SortStableFunc(fs, func(a, b lead.FieldComparison) int {
		return cmp.Compare(abs(b.Weight), abs(a.Weight))
	})
	var parts []string
	for _, f := range fs {
		if f.Level == "missing" || len(parts) == 4 {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s %+.1f", f.Field, f.Level, f.Weight))
	}
	if len(parts) == 0 {
		return "no field to compare"
	}
	return strings.Join(parts, ", ")
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
