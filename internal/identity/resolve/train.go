package resolve

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/identity/match"
	"github.com/leadhub/leadhub/internal/lead"
)

// Training defaults.
const (
	// MinTrainLeads is the fewest leads a model is trained on: below it the
	// built-in model is better than an estimate.
	MinTrainLeads = 1000
	// DefaultTrainLeads is how many of the most recent leads training reads.
	DefaultTrainLeads = 20000
)

// TrainOptions tune Train. Zero values take the defaults.
type TrainOptions struct {
	MaxLeads int    // default DefaultTrainLeads
	MinLeads int    // default MinTrainLeads
	Seed     uint64 // sampling seed
}

// TrainStats say what training saw.
type TrainStats struct {
	Leads      int           `json:"leads"`
	Candidates int           `json:"candidates"`
	Matches    int           `json:"matches"`
	Sessions   int           `json:"sessions"`
	Duration   time.Duration `json:"duration_ns"`
}

// Train estimates the model's m and u on the most recent real leads with
// the match engine (u from random pairs, m by expectation maximisation
// over the blocked pairs, without labels), checks that the result makes
// sense, and stores it. The prior stays DefaultPrior: the resolver
// compares a lead only with candidates that share a key with it. It
// returns KindConflict when there are too few leads.
func Train(ctx context.Context, st Store, opt TrainOptions) (lead.StoredModel, *Engine, error) {
	if opt.MaxLeads <= 0 {
		opt.MaxLeads = DefaultTrainLeads
	}
	if opt.MinLeads <= 0 {
		opt.MinLeads = MinTrainLeads
	}
	start := time.Now()
	real := false
	f := lead.LeadFilter{IsTest: &real, Limit: lead.MaxPageSize}
	var recs []match.Record
	for len(recs) < opt.MaxLeads {
		page, err := st.ListLeads(ctx, f)
		if err != nil {
			return lead.StoredModel{}, nil, err
		}
		for i := range page.Leads {
			if len(recs) < opt.MaxLeads {
				recs = append(recs, record(&page.Leads[i]))
			}
		}
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	if len(recs) < opt.MinLeads {
		return lead.StoredModel{}, nil, lead.Errorf(lead.KindConflict,
			"resolve: %d leads are too few to train on (at least %d); the built-in model stays", len(recs), opt.MinLeads)
	}
	d, err := match.Prepare(Schema, recs)
	if err != nil {
		return lead.StoredModel{}, nil, err
	}
	res, err := match.Dedupe(d, match.Options{Train: match.TrainOptions{Seed: opt.Seed}})
	if err != nil {
		return lead.StoredModel{}, nil, err
	}
	m := res.Model
	m.Prior = DefaultPrior
	floorM(m)
	if err := sane(m); err != nil {
		return lead.StoredModel{}, nil, lead.Errorf(lead.KindConflict, "resolve: the trained model was rejected: %v", err)
	}
	id := "trained-" + ulid.Make().String()
	eng, err := NewEngine(m, id)
	if err != nil {
		return lead.StoredModel{}, nil, err
	}
	model, err := json.Marshal(m)
	if err != nil {
		return lead.StoredModel{}, nil, err
	}
	stats, err := json.Marshal(TrainStats{Leads: len(recs), Candidates: res.Candidates, Matches: res.Matches,
		Sessions: len(res.Sessions), Duration: time.Since(start)})
	if err != nil {
		return lead.StoredModel{}, nil, err
	}
	sm := lead.StoredModel{ID: id, CreatedAt: time.Now().UTC(), Leads: len(recs), Model: model, Stats: stats}
	if err := st.SaveModel(ctx, sm); err != nil {
		return lead.StoredModel{}, nil, err
	}
	return sm, eng, nil
}

// minM is the least share of matching pairs a comparison level keeps
// after training. EM on leads where, say, the company rarely differs
// between one person's leads learns m ≈ 0 for "different", and a single
// changed employer would then veto any match (-15 bits); with the floor a
// disagreeing field weighs at most about -6.6 bits, and the other fields
// can still outweigh it.
const minM = 0.01

func floorM(m *match.Model) {
	for f := range m.Fields {
		fm := &m.Fields[f]
		for l := range fm.M {
			fm.M[l] = max(fm.M[l], minM)
		}
		match.Normalise(fm.M)
	}
}

// sane rejects a model that does not describe one person
// (match.Model.CheckPerson): on leads dominated by colleagues EM can
// converge on "same company" as the match class.
func sane(m *match.Model) error { return m.CheckPerson() }

// LoadEngine returns an engine with the most recently trained model and the
// number of leads it was trained on; nil when none was trained.
func LoadEngine(ctx context.Context, st Store) (*Engine, int, error) {
	sm, err := st.LatestModel(ctx)
	if lead.KindOf(err) == lead.KindNotFound {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	var m match.Model
	if err := json.Unmarshal(sm.Model, &m); err != nil {
		return nil, 0, fmt.Errorf("resolve: model %s: %w", sm.ID, err)
	}
	e, err := NewEngine(&m, sm.ID)
	if err != nil {
		return nil, 0, err
	}
	return e, sm.Leads, nil
}

// maybeTrain trains a model in the background when there are enough leads
// and twice as many as the model in use was trained on.
func (r *Resolver) maybeTrain(ctx context.Context) {
	total, _, err := r.st.CountLeads(ctx)
	if err != nil || total < MinTrainLeads || total < 2*r.trainedAt.Load() {
		return
	}
	if !r.training.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer r.training.Store(false)
		sm, eng, err := Train(ctx, r.st, TrainOptions{})
		if err != nil {
			if ctx.Err() == nil {
				r.opt.Logger.Warn("resolver: training failed; the model in use stays", "error", err.Error())
			}
			r.trainedAt.Store(total) // try again when the leads have doubled
			return
		}
		r.engine.Store(eng)
		r.trainedAt.Store(total)
		r.opt.Logger.Info("resolver: trained a new model", "model", sm.ID, "leads", sm.Leads)
	}()
}
