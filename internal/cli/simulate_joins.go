package cli

import (
	"context"
	"net/url"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
)

// wrongJoins reads, for every customer holding leads of several people,
// the resolver's decisions, and classifies each automatic join of a lead
// to a lead of another person by the evidence the resolver weighed for it:
// the fields that counted in favour, with their comparison levels
// (country and title left out). The examples quote the resolver's reason.
func wrongJoins(ctx context.Context, c *apiClient, events []simulate.Event, seqOf map[string]int, a simulate.Assignment, examples int) ([]simulate.ErrorClass, error) {
	byseq := map[int]*simulate.Event{}
	for i := range events {
		if !events[i].IsTest {
			byseq[events[i].Seq] = &events[i]
		}
	}
	people := map[string]map[string]bool{}
	for seq, cust := range a.Person {
		if ev := byseq[seq]; ev != nil {
			if people[cust] == nil {
				people[cust] = map[string]bool{}
			}
			people[cust][ev.PersonID] = true
		}
	}
	var custs []string
	for cust, ps := range people {
		if len(ps) > 1 {
			custs = append(custs, cust)
		}
	}
	slices.Sort(custs)
	classes := map[string]*simulate.ErrorClass{}
	for _, cust := range custs {
		var d lead.CustomerDetail
		if err := c.do(ctx, "GET", "/api/v1/customers/"+url.PathEscape(cust), nil, "", &d); err != nil {
			return nil, err
		}
		for _, l := range d.Leads {
			if l.Decision == nil || l.Decision.Outcome != lead.OutcomeJoined {
				continue
			}
			x, okx := seqOf[l.ID]
			y, oky := seqOf[l.Decision.Explanation.CandidateLead]
			ex, ey := byseq[x], byseq[y]
			if !okx || !oky || ex == nil || ey == nil || ex.PersonID == ey.PersonID {
				continue
			}
			var ev []string
			for _, f := range l.Decision.Explanation.Fields {
				// country and title agree among most colleagues and
				// decide nothing alone: they would only split classes
				if f.Weight > 0 && f.Field != "country" && f.Field != "title" {
					ev = append(ev, f.Field+":"+f.Level)
				}
			}
			rel := "different companies"
			if ex.CompanyID != "" && ex.CompanyID == ey.CompanyID {
				rel = "colleagues"
			}
			class := rel + ": " + strings.Join(ev, " + ")
			e := classes[class]
			if e == nil {
				e = &simulate.ErrorClass{Class: class}
				classes[class] = e
			}
			e.Pairs++
			e.Groups++
			if len(e.Examples) < 3*examples {
				e.Examples = append(e.Examples, simulate.Describe(*ex), simulate.Describe(*ey),
					ex.PersonID+"/"+ex.CompanyID+" vs "+ey.PersonID+"/"+ey.CompanyID+": "+l.Decision.Explanation.Reason)
			}
		}
	}
	out := make([]simulate.ErrorClass, 0, len(classes))
	for _, e := range classes {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b simulate.ErrorClass) int {
		if a.Pairs != b.Pairs {
			return int(b.Pairs - a.Pairs)
		}
		return strings.Compare(a.Class, b.Class)
	})
	return out, nil
}
