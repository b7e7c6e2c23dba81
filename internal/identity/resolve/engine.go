package resolve

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/identity/match"
	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/identity/strsim"
	"github.com/leadhub/leadhub/internal/lead"
)

// Schema is the fields leads are compared on, in the order of a record's
// values.
var Schema = match.Schema{
	{Name: "first_name", Kind: match.FirstName},
	{Name: "last_name", Kind: match.LastName},
	{Name: "email", Kind: match.Email},
	{Name: "phone", Kind: match.Phone},
	{Name: "company", Kind: match.Company},
	{Name: "country", Kind: match.Country},
	{Name: "title", Kind: match.Title},
}

func record(l *lead.Lead) match.Record {
	c := &l.Contact
	return match.Record{ID: l.ID, Values: []string{c.FirstName, c.LastName, c.Email, c.Phone, c.Company, c.Country, c.Title}}
}

// DefaultModelID names the built-in model.
const DefaultModelID = "default"

// DefaultPrior is the prior probability that a lead matches a candidate
// customer found through a shared blocking key, before any field is
// compared. Candidates share an email, a phone number, a phonetic name or
// a company and surname with the lead, so matches among them are far more
// common than among random pairs; 1 in 1000 is still conservative, and
// leaves the decision to the evidence of the fields.
const DefaultPrior = 0.001

// DefaultModel returns the built-in model (match.BuiltinModel: m and u
// of every comparison level of a lead's fields, set from how people retype
// their details and how often people who look alike share a value) with
// DefaultPrior.
func DefaultModel() *match.Model {
	m := match.BuiltinModel(Schema, DefaultPrior)
	for f := range m.Fields {
		m.Fields[f].TF = false
	}
	return m
}

// Engine scores a lead against candidate leads with one model.
type Engine struct {
	ID    string // the model's id
	model *match.Model
}

// NewEngine checks that m fits Schema and the engine's comparison levels,
// and turns term-frequency adjustment off: the frequency of a value among
// a lead and its few candidates says nothing about how common it is.
func NewEngine(m *match.Model, id string) (*Engine, error) {
	if m == nil {
		return nil, fmt.Errorf("resolve: no model")
	}
	if len(m.Fields) != len(Schema) {
		return nil, fmt.Errorf("resolve: model %s has %d fields, want %d", id, len(m.Fields), len(Schema))
	}
	cp := *m
	cp.Fields = slices.Clone(m.Fields)
	for i, f := range Schema {
		fm := &cp.Fields[i]
		levels := match.Levels(f.Kind)
		if fm.Name != f.Name || fm.Kind != f.Kind || !slices.Equal(fm.Levels, levels) ||
			len(fm.M) != len(levels) || len(fm.U) != len(levels) {
			return nil, fmt.Errorf("resolve: model %s: field %d (%s) does not fit the comparison levels of %s", id, i, fm.Name, f.Kind)
		}
		for l := range levels {
			if !(fm.M[l] > 0 && fm.M[l] < 1 && fm.U[l] > 0 && fm.U[l] < 1) {
				return nil, fmt.Errorf("resolve: model %s: field %s level %s: m and u must be in (0, 1)", id, fm.Name, levels[l])
			}
		}
		fm.TF = false
	}
	if !(cp.Prior > 0 && cp.Prior < 1) {
		return nil, fmt.Errorf("resolve: model %s: prior %v not in (0, 1)", id, cp.Prior)
	}
	return &Engine{ID: id, model: &cp}, nil
}

// DefaultEngine is the engine with the built-in model.
func DefaultEngine() *Engine {
	e, err := NewEngine(DefaultModel(), DefaultModelID)
	if err != nil {
		panic(err) // the built-in model always fits
	}
	return e
}

// ModelJSON returns the engine's model as JSON.
func (e *Engine) ModelJSON() (json.RawMessage, error) { return json.Marshal(e.model) }

// Keys returns a lead's blocking keys: the leads of a customer that share
// one of them with a new lead make the customer a candidate. They are
// made from normalised values, so that retyped details still meet:
//
//	email=ADDRESS          the normalised address (Gmail dots and +tags, case)
//	local=LOCAL            its local part, when distinctive (john.smith at work and at gmail.com)
//	phone=DIGITS           the last 8 digits of the normalised number
//	names=P1|P2            the phonetic codes (NYSIIS) of the canonical given name and the surname, in either order
//	company+last=C|P       the company without legal form and the surname's phonetic code
//
// Microsoft's test leads get keys of their own ("test|…"), so that they
// only ever meet other test leads.
func Keys(l *lead.Lead) []string {
	c := &l.Contact
	var keys []string
	if e, ok := normalize.Email(c.Email); ok {
		keys = append(keys, "email="+e.Address)
		if len(e.Local) >= 4 && !normalize.IsRoleMailbox(e.Local) {
			keys = append(keys, "local="+e.Local)
		}
	}
	if p, _ := normalize.Phone(c.Phone, normalize.Country(c.Country)); p != "" {
		if d := normalize.Digits(p); len(d) >= 7 {
			keys = append(keys, "phone="+d[max(0, len(d)-8):])
		}
	}
	if last := phonetic(c.LastName); last != "" {
		// One key per name the given name may stand for, so that Chris
		// meets both Christopher and Christine.
		for _, first := range givenNameCodes(c.FirstName) {
			a, b := first, last
			if a > b {
				a, b = b, a
			}
			keys = append(keys, "names="+a+"|"+b)
		}
	}
	if p := phonetic(c.LastName); p != "" {
		if co := strings.ReplaceAll(normalize.Company(c.Company), " ", ""); co != "" {
			keys = append(keys, "company+last="+co+"|"+p)
		}
	}
	if l.IsTest {
		for i := range keys {
			keys[i] = "test|" + keys[i]
		}
	}
	return keys
}

// maxGivenNameKeys bounds the names= keys of one lead: a nickname such as
// "al" may stand for a dozen names.
const maxGivenNameKeys = 8

// givenNameCodes are the distinct NYSIIS codes of the names a given name may
// stand for (normalize.GivenNames), the name's own first.
func givenNameCodes(s string) []string {
	n := normalize.Name(s)
	if n == "" {
		return nil
	}
	codes := []string{strsim.NYSIIS(strings.ReplaceAll(normalize.GivenName(n), " ", ""))}
	for _, g := range normalize.GivenNames(n) {
		if len(codes) == maxGivenNameKeys {
			break
		}
		if c := strsim.NYSIIS(strings.ReplaceAll(g, " ", "")); c != "" && !slices.Contains(codes, c) {
			codes = append(codes, c)
		}
	}
	return codes
}

// phonetic is the NYSIIS code of a name's canonical form (nicknames mapped
// to the names they stand for).
func phonetic(s string) string {
	n := normalize.Name(s)
	if n == "" {
		return ""
	}
	return strsim.NYSIIS(strings.ReplaceAll(normalize.GivenName(n), " ", ""))
}

// comparison is a lead scored against candidate leads.
type comparison struct {
	d       *match.Dataset
	probs   []float64 // per candidate
	denials []int     // per candidate: the field that says it is someone else, or -1
}

// compare scores l against each of cands. The candidates are prepared
// together with the lead, so that a phone number or address they show
// being used by different people counts as the organisation's.
func (e *Engine) compare(l *lead.Lead, cands []lead.Lead, cache *match.Cache) (*comparison, error) {
	recs := make([]match.Record, 0, len(cands)+1)
	recs = append(recs, record(l))
	for i := range cands {
		recs = append(recs, record(&cands[i]))
	}
	d, err := match.PrepareCached(Schema, recs, cache)
	if err != nil {
		return nil, err
	}
	c := &comparison{d: d, probs: make([]float64, len(cands)), denials: make([]int, len(cands))}
	for j := range cands {
		cmp := d.Compare(0, j+1, nil)
		c.probs[j] = match.Probability(e.model.Weight(&cmp))
		c.denials[j] = d.Denial(&cmp)
	}
	return c, nil
}

// contradiction describes candidate j's denial, if it has one.
func (c *comparison) contradiction(j int, leadID string) (lead.Contradiction, bool) {
	f := c.denials[j]
	if f < 0 {
		return lead.Contradiction{}, false
	}
	cmp := c.d.Compare(0, j+1, nil)
	return lead.Contradiction{LeadID: leadID, Field: Schema[f].Name, A: c.d.Value(0, f), B: c.d.Value(j+1, f),
		Level: match.Levels(Schema[f].Kind)[cmp.Levels[f]]}, true
}

// explain explains the comparison of l with candidate j.
func (e *Engine) explain(c *comparison, j int, x *lead.Explanation) {
	me := e.model.Explain(c.d, 0, j+1)
	x.Fields = make([]lead.FieldComparison, len(me.Fields))
	for i, f := range me.Fields {
		x.Fields[i] = lead.FieldComparison{Field: f.Field, A: f.A, B: f.B, Level: f.Level,
			M: round(f.M, 6), U: round(f.U, 8), Weight: round(f.Weight, 3)}
	}
	x.NamesSwapped = me.Swapped
	x.PriorWeight, x.Weight, x.Probability = round(me.PriorWeight, 3), round(me.Weight, 3), me.Probability
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}
