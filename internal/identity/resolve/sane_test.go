package resolve

import (
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/identity/match"
)

// TestSaneRejectsTheCompanyClass: a model whose matching pairs mostly
// disagree on the given name, or that weighs the company above the email,
// describes colleagues, not one person, and is rejected.
func TestSaneRejectsTheCompanyClass(t *testing.T) {
	if err := sane(DefaultModel()); err != nil {
		t.Fatalf("the built-in model is rejected: %v", err)
	}
	field := func(m *match.Model, k match.Kind) *match.FieldModel {
		for i := range m.Fields {
			if m.Fields[i].Kind == k {
				return &m.Fields[i]
			}
		}
		t.Fatalf("no %s field", k)
		return nil
	}
	colleagues := DefaultModel()
	fn := field(colleagues, match.FirstName)
	for l, name := range fn.Levels {
		switch name {
		case "exact":
			fn.M[l] = 0.2
		case "different":
			fn.M[l] = 0.6
		}
	}
	match.Normalise(fn.M)
	if err := sane(colleagues); err == nil || !strings.Contains(err.Error(), "given names") {
		t.Fatalf("a model of colleagues passed: %v", err)
	}
	company := DefaultModel()
	co, em := field(company, match.Company), field(company, match.Email)
	co.U[0] = em.U[0] / 10
	if err := sane(company); err == nil || !strings.Contains(err.Error(), "company") {
		t.Fatalf("a model that weighs the company above the email passed: %v", err)
	}
}
