package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// The assignment rules pages: the rules in the order they are tried, each
// with what it matches and whom it assigns to; a manager edits one (or
// makes a new one) in a form.

type rulesData struct {
	User   *lead.User
	Rules  []lead.AssignRule
	Names  map[string]string
	Notice string
}

func (s *server) rulesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	rs, err := s.Store.ListAssignRules(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, _, err := s.names(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := rulesData{User: &u, Rules: rs, Names: names}
	switch r.URL.Query().Get("done") {
	case "saved":
		d.Notice = "The rule is saved. It routes the customers assigned from now on."
	case "deleted":
		d.Notice = "The rule was deleted."
	}
	s.render(w, http.StatusOK, "rules", d)
}

// ruleForm is a rule as its form shows it.
type ruleForm struct {
	ID, Name, Position                                    string
	Offers, Actions, Sources, Countries, Regions, Account string
	Quals                                                 map[lead.QualResult]bool
	Target                                                lead.RuleTargetKind
	UserID, TeamID                                        string
	Reassign                                              bool
	TargetMinutes, CapHours, AtRiskPercent                string
	Default                                               bool
}

type ruleData struct {
	User    *lead.User
	New     bool
	Form    ruleForm
	Users   []lead.User
	Teams   []lead.Team
	Results []lead.QualResult
	Targets []lead.RuleTargetKind
	Error   string
}

func formOfRule(r lead.AssignRule) ruleForm {
	f := ruleForm{ID: r.ID, Name: r.Name, Position: strconv.Itoa(r.Position), Target: r.Target, UserID: r.UserID, TeamID: r.TeamID,
		Reassign: r.ReassignOnBreach, Default: r.Default, Quals: map[lead.QualResult]bool{},
		Offers: strings.Join(r.When.Offers, ", "), Actions: strings.Join(r.When.Actions, ", "), Sources: strings.Join(r.When.Sources, ", "),
		Countries: strings.Join(r.When.Countries, ", "), Regions: strings.Join(r.When.Regions, ", "), Account: strings.Join(r.When.AccountIDs, ", ")}
	for _, q := range r.When.Qualifications {
		f.Quals[q] = true
	}
	if p := r.Policy; p != nil {
		f.TargetMinutes = strconv.Itoa(int(p.Target / time.Minute))
		f.CapHours = strconv.FormatFloat(p.CalendarCap.Hours(), 'f', -1, 64)
		f.AtRiskPercent = strconv.FormatFloat(p.AtRiskShare*100, 'f', -1, 64)
	}
	return f
}

func (s *server) ruleData(ctx context.Context, u *lead.User, f ruleForm, isNew bool) (ruleData, error) {
	_, users, err := s.names(ctx)
	if err != nil {
		return ruleData{}, err
	}
	ts, err := s.Store.ListTeams(ctx)
	if err != nil {
		return ruleData{}, err
	}
	return ruleData{User: u, New: isNew, Form: f, Users: users, Teams: ts,
		Results: []lead.QualResult{lead.QualSalesReady, lead.QualNurture, lead.QualDisqualified},
		Targets: []lead.RuleTargetKind{lead.TargetTeam, lead.TargetUser, lead.TargetAccountOwner}}, nil
}

func (s *server) rulePage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	id := r.PathValue("rule")
	rule := lead.AssignRule{Target: lead.TargetTeam}
	if id != "" {
		rs, err := s.Store.ListAssignRules(ctx)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		found := false
		for _, x := range rs {
			if x.ID == id {
				rule, found = x, true
			}
		}
		if !found {
			s.message(w, http.StatusNotFound, "Not found", "There is no rule "+id+".", "/rules", "Assignment rules")
			return
		}
	}
	f := formOfRule(rule)
	if id == "" {
		f.Position = ""
	}
	d, err := s.ruleData(ctx, &u, f, id == "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "rule", d)
}

// list reads a comma-separated field.
func list(v string) []string {
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func ruleFromForm(v url.Values, id string) (lead.AssignRule, ruleForm, []string) {
	f := ruleForm{ID: id, Name: strings.TrimSpace(v.Get("name")), Position: strings.TrimSpace(v.Get("position")),
		Offers: v.Get("offers"), Actions: v.Get("actions"), Sources: v.Get("sources"), Countries: v.Get("countries"),
		Regions: v.Get("regions"), Account: v.Get("accounts"), Quals: map[lead.QualResult]bool{},
		Target: lead.RuleTargetKind(v.Get("target")), UserID: v.Get("user"), TeamID: v.Get("team"), Reassign: v.Get("reassign") == "on",
		TargetMinutes: strings.TrimSpace(v.Get("target_minutes")), CapHours: strings.TrimSpace(v.Get("cap_hours")),
		AtRiskPercent: strings.TrimSpace(v.Get("at_risk_percent"))}
	r := lead.AssignRule{ID: id, Name: f.Name, Target: f.Target, TeamID: f.TeamID, ReassignOnBreach: f.Reassign,
		When: lead.RuleCondition{Offers: list(f.Offers), Actions: list(f.Actions), Sources: list(f.Sources),
			Countries: list(strings.ToUpper(f.Countries)), Regions: list(strings.ToUpper(f.Regions)), AccountIDs: list(f.Account)}}
	if r.Target == lead.TargetUser {
		r.UserID = f.UserID
	}
	var problems []string
	if f.Position != "" {
		n, err := strconv.Atoi(f.Position)
		if err != nil {
			problems = append(problems, "the position must be a whole number (lower is tried first)")
		}
		r.Position = n
	}
	for _, q := range v["qualification"] {
		r.When.Qualifications = append(r.When.Qualifications, lead.QualResult(q))
		f.Quals[lead.QualResult(q)] = true
	}
	if f.TargetMinutes != "" || f.CapHours != "" || f.AtRiskPercent != "" {
		p := lead.DefaultSLAPolicy()
		if f.TargetMinutes != "" {
			n, err := strconv.Atoi(f.TargetMinutes)
			if err != nil || n < 1 {
				problems = append(problems, "the first-touch target must be a whole number of minutes, 1 or more")
			}
			p.Target = time.Duration(n) * time.Minute
		}
		if f.CapHours != "" {
			h, err := strconv.ParseFloat(f.CapHours, 64)
			if err != nil || h < 0 || h > 24*366 {
				problems = append(problems, "the calendar cap must be a number of hours, 0 (working time only) or more")
			}
			p.CalendarCap = time.Duration(h * float64(time.Hour))
		}
		if f.AtRiskPercent != "" {
			pc, err := strconv.ParseFloat(f.AtRiskPercent, 64)
			if err != nil || pc <= 0 || pc > 100 {
				problems = append(problems, "at risk after must be a percentage above 0 and at most 100")
			}
			p.AtRiskShare = pc / 100
		}
		r.Policy = &p
	}
	return r, f, problems
}

func (s *server) saveRule(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	if !s.configForm(w, r, "/rules") {
		return
	}
	id := r.PathValue("rule")
	rule, f, problems := ruleFromForm(r.PostForm, id)
	var err error
	if len(problems) == 0 {
		_, err = s.Config.SaveRule(ctx, rule)
	}
	if len(problems) > 0 || err != nil {
		if err != nil && lead.KindOf(err) != lead.KindInvalid {
			s.failBack(w, r, err, "/rules")
			return
		}
		d, derr := s.ruleData(ctx, &u, f, id == "")
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		if err != nil {
			problems = append(problems, lead.MessageOf(err))
		}
		d.Error = strings.Join(problems, "; ")
		s.render(w, http.StatusBadRequest, "rule", d)
		return
	}
	http.Redirect(w, r, "/rules?done=saved", http.StatusSeeOther)
}

func (s *server) deleteRule(w http.ResponseWriter, r *http.Request) {
	if !s.configForm(w, r, "/rules") {
		return
	}
	if err := s.Config.DeleteRule(r.Context(), r.PathValue("rule")); err != nil {
		s.failBack(w, r, err, "/rules")
		return
	}
	http.Redirect(w, r, "/rules?done=deleted", http.StatusSeeOther)
}
