package match

import (
	"fmt"
	"slices"
)

// builtinLevels are the built-in m and u of each comparison level, by kind
// and level name: m is the share of the level among pairs of records of
// one person, u among pairs of two people that share a blocking key (a
// name, an address, a number or a company). They are set from the
// variations people produce when they retype their details (a nickname, a
// personal instead of a work address, a missing phone) and from how often
// unrelated people who look alike share a value (a common given name, a
// switchboard, a country).
var builtinLevels = map[Kind]map[string][2]float64{
	FirstName: {"exact": {0.78, 0.012}, "alias": {0.08, 0.002}, "typo": {0.05, 0.004}, "similar": {0.03, 0.01}, "weak": {0.03, 0.05},
		"dissimilar": {0.04, 0.15}, "different": {0.01, 0.772}},
	LastName: {"exact": {0.82, 0.003}, "alias": {0.03, 0.0005}, "typo": {0.05, 0.002}, "similar": {0.03, 0.005}, "weak": {0.02, 0.02}, "different": {0.05, 0.9695}},
	Email: {"exact": {0.62, 0.00001}, "typo": {0.03, 0.00001}, "same_local_part": {0.05, 0.0001}, "similar": {0.03, 0.001},
		"shared_mailbox": {0.02, 0.01}, "other_mailbox": {0.005, 0.25}, "different": {0.245, 0.74}},
	Phone: {"exact": {0.75, 0.00001}, "same_number": {0.10, 0.00001}, "typo": {0.03, 0.0001}, "shared_number": {0.02, 0.02},
		"different": {0.10, 0.99997}},
	Company: {"exact": {0.70, 0.004}, "reordered": {0.05, 0.0005}, "typo": {0.06, 0.001}, "similar": {0.06, 0.003}, "partial": {0.05, 0.01}, "different": {0.08, 0.98}},
	Country: {"exact": {0.93, 0.2}, "different": {0.07, 0.8}},
	Title:   {"exact": {0.55, 0.03}, "similar": {0.2, 0.05}, "different": {0.25, 0.92}},
}

// BuiltinModel returns a model of one person for schema s that needs no
// training: the built-in m and u of the levels of the kinds it knows (the
// contact fields of a lead), a generic shape between agreement and
// disagreement for any other level, term-frequency adjustment for the
// kinds that have it, and the given prior.
func BuiltinModel(s Schema, prior float64) *Model {
	m := &Model{Prior: prior, Threshold: DefaultThreshold}
	for _, f := range s {
		levels := levelNames[f.Kind]
		fm := FieldModel{Name: f.Name, Kind: f.Kind, Levels: slices.Clone(levels),
			M: make([]float64, len(levels)), U: make([]float64, len(levels)), TF: tfKinds[f.Kind]}
		for i, name := range levels {
			if p, ok := builtinLevels[f.Kind][name]; ok {
				fm.M[i], fm.U[i] = p[0], p[1]
				continue
			}
			x := float64(i) / float64(max(1, len(levels)-1))
			fm.M[i] = 0.7*(1-x) + 0.05*x
			fm.U[i] = 0.01*(1-x) + 0.9*x
		}
		Normalise(fm.M)
		Normalise(fm.U)
		m.Fields = append(m.Fields, fm)
	}
	return m
}

// maxNameDisagreement is the largest share of matching pairs whose given
// names disagree (dissimilar or different) that a model of people may
// keep. One person gives another given name rarely; colleagues almost
// always do. On records dominated by colleagues EM can converge on "same
// company" as the match class, which this share exposes.
const maxNameDisagreement = 0.15

// CheckPerson reports whether m describes one person, and if not why:
// agreeing exactly on a name, an email or a phone number must be evidence
// for a match and disagreeing evidence against (EM on data with too few
// duplicates can converge elsewhere), matching pairs must rarely disagree
// on the given name, and agreeing on the company must weigh less than
// agreeing on the email address (otherwise the match class is the
// company's people). Fields the schema lacks are not checked.
func (m *Model) CheckPerson() error {
	var company, email *FieldModel
	for i := range m.Fields {
		f := &m.Fields[i]
		switch f.Kind {
		case Company:
			company = f
			continue
		case Email:
			email = f
		case FirstName:
			dis := 0.0
			for l, name := range f.Levels {
				if name == "dissimilar" || name == "different" {
					dis += f.M[l]
				}
			}
			if dis > maxNameDisagreement {
				return fmt.Errorf("field %s: %.0f%% of the matching pairs have different given names (at most %.0f%%): the model learnt the company, not the person",
					f.Name, 100*dis, 100*maxNameDisagreement)
			}
		case LastName, Phone:
		default:
			continue
		}
		if len(f.M) < 2 || f.Weight(0) <= 1 || f.Weight(int8(len(f.M)-1)) >= 0 {
			return fmt.Errorf("field %s: exact agreement weighs %.2f bits and disagreement %.2f", f.Name, f.Weight(0), f.Weight(int8(len(f.M)-1)))
		}
	}
	if company != nil && email != nil && company.Weight(0) >= email.Weight(0) {
		return fmt.Errorf("agreeing on the company weighs %.2f bits, on the email %.2f: the model learnt the company, not the person",
			company.Weight(0), email.Weight(0))
	}
	return nil
}
