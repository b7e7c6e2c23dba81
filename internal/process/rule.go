package process

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultRuleID is the id of the rule every install starts with.
const DefaultRuleID = "default"

// DefaultRule is the rule every install starts with: every customer goes
// round-robin to the default team. Its position is the largest a rule can
// have, so that every rule a person adds comes first.
func DefaultRule() lead.AssignRule {
	return lead.AssignRule{
		ID: DefaultRuleID, Name: "Everyone", Position: math.MaxInt32,
		Target: lead.TargetTeam, TeamID: DefaultTeamID, Default: true,
	}
}

// sortRules returns the rules in the order they are evaluated: by
// Position, then by ID.
func sortRules(rules []lead.AssignRule) []lead.AssignRule {
	out := slices.Clone(rules)
	slices.SortStableFunc(out, func(a, b lead.AssignRule) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// RuleMatches reports whether the rule's conditions hold for the customer
// and explains it: what matched ("action StartTestDrive, region EMEA", or
// "every customer" for a rule without conditions), or the first condition
// that did not. Every non-empty list must contain the customer's value,
// compared without regard to case:
//
//   - Offers: an offer of any of its leads, as "publisher.offer" or the
//     offer id alone (or of the customer's offers, when no leads are given);
//   - Actions and Sources: the action or source of any of its leads;
//   - Countries: its golden record's country read as ISO alpha-2, else its
//     account's; Regions: that country's Region;
//   - AccountIDs: its account; Qualifications: its qualification.
func RuleMatches(r lead.AssignRule, in AssignInput) (bool, string) {
	w := r.When
	var matched []string
	check := func(name string, want, have []string) bool {
		if len(want) == 0 {
			return true
		}
		for _, x := range want {
			for _, h := range have {
				if h != "" && strings.EqualFold(strings.TrimSpace(x), h) {
					matched = append(matched, name+" "+h)
					return true
				}
			}
		}
		matched = []string{fmt.Sprintf("%s %s is not one of %s", name, orNone(have), strings.Join(want, ", "))}
		return false
	}
	var offers, actions, sources []string
	for _, l := range in.Leads {
		if ref := offerRef(l.Offer); ref != "" {
			offers = append(offers, ref)
		}
		if l.Offer.OfferID != "" && l.Offer.PublisherID != "" {
			offers = append(offers, l.Offer.OfferID)
		}
		actions = append(actions, l.Action)
		sources = append(sources, l.Source)
	}
	if len(in.Leads) == 0 {
		offers = in.Customer.Offers
	}
	country := customerCountry(in.Customer, in.Account)
	accountID := in.Customer.AccountID
	if accountID == "" && in.Account != nil {
		accountID = in.Account.ID
	}
	countries := make([]string, len(w.Countries))
	for i, c := range w.Countries {
		if countries[i] = isoCountry(c); countries[i] == "" {
			countries[i] = c
		}
	}
	quals := make([]string, len(w.Qualifications))
	for i, q := range w.Qualifications {
		quals[i] = string(q)
	}
	ok := check("offer", w.Offers, distinct(offers)) &&
		check("action", w.Actions, distinct(actions)) &&
		check("source", w.Sources, distinct(sources)) &&
		check("country", countries, []string{country}) &&
		check("region", w.Regions, []string{Region(country)}) &&
		check("account", w.AccountIDs, []string{accountID}) &&
		check("qualification", quals, []string{string(in.Qualification)})
	if ok && len(matched) == 0 {
		return true, "every customer"
	}
	return ok, strings.Join(matched, ", ")
}

// distinct returns the non-empty values of xs, each once, in their order.
func distinct(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, x) }) {
			out = append(out, x)
		}
	}
	return out
}

func orNone(have []string) string {
	if h := distinct(have); len(h) > 0 {
		return strings.Join(h, "/")
	}
	return "(none)"
}

// ValidateRule returns a KindInvalid error naming every problem of a rule:
// a missing id or name; an unknown target; a user target without a known
// user; a team target without a known team; a user named by a rule that
// does not target one; a team that does not exist; a condition value that
// is empty, a country that is not ISO alpha-2, a region other than AMER,
// EMEA and APAC, a qualification that is not sales_ready, nurture or
// disqualified; an invalid first-touch policy.
func ValidateRule(r lead.AssignRule, teams map[string]lead.Team, users map[string]lead.User) error {
	var problems []string
	addf := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(r.ID) == "" {
		addf("an id is required")
	}
	if strings.TrimSpace(r.Name) == "" {
		addf("a name is required")
	}
	switch r.Target {
	case lead.TargetUser:
		if r.UserID == "" {
			addf("a user target needs a user")
		} else if _, ok := users[r.UserID]; !ok {
			addf("user %s does not exist", r.UserID)
		}
	case lead.TargetTeam:
		if r.TeamID == "" {
			addf("a team target needs a team")
		}
	case lead.TargetAccountOwner:
	default:
		addf("unknown target %q (one of user, team, account_owner)", r.Target)
	}
	if r.Target != lead.TargetUser && r.UserID != "" {
		addf("only a user target names a user (%s)", r.UserID)
	}
	if r.TeamID != "" {
		if _, ok := teams[r.TeamID]; !ok {
			addf("team %s does not exist", r.TeamID)
		}
	}
	w := r.When
	for _, l := range []struct {
		name string
		vals []string
	}{{"offers", w.Offers}, {"actions", w.Actions}, {"sources", w.Sources}, {"account_ids", w.AccountIDs}} {
		for i, v := range l.vals {
			if strings.TrimSpace(v) == "" {
				addf("%s: entry %d is empty", l.name, i+1)
			}
		}
	}
	for _, c := range w.Countries {
		if len(c) != 2 || (regionOf[strings.ToUpper(c)] == "" && !strings.EqualFold(c, "AQ")) {
			addf("country %q is not an ISO 3166-1 alpha-2 code", c)
		}
	}
	for _, g := range w.Regions {
		if !slices.Contains(Regions, strings.ToUpper(g)) {
			addf("region %q is not one of %s", g, strings.Join(Regions, ", "))
		}
	}
	for _, q := range w.Qualifications {
		switch q {
		case lead.QualSalesReady, lead.QualNurture, lead.QualDisqualified:
		default:
			addf("qualification %q is not one of sales_ready, nurture, disqualified", q)
		}
	}
	if r.Policy != nil {
		if err := r.Policy.Validate(); err != nil {
			addf("%s", lead.MessageOf(err))
		}
	}
	if len(problems) > 0 {
		return lead.Errorf(lead.KindInvalid, "process: rule %q: %s", r.Name, strings.Join(problems, "; "))
	}
	return nil
}
