package process

import (
	"context"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// How people configure the process: teams (calendar, first-touch policy,
// members, managers, cadence) and assignment rules. Each change is checked
// whole (every problem named at once) and applies to what happens after
// it: a clock already running keeps the due time it was given.

// SaveTeam checks t and stores it: a new team (no id) gets one. Members
// and managers must be users; the default team keeps being the default.
func (e *Engine) SaveTeam(ctx context.Context, t lead.Team) (lead.Team, error) {
	now := e.d.Now()
	if t.ID == "" {
		t.ID = "team-" + strings.ToLower(ulid.Make().String())
		t.CreatedAt = now
	} else if old, err := e.d.Store.GetTeam(ctx, t.ID); err == nil {
		t.Default, t.CreatedAt = old.Default, old.CreatedAt
	} else if lead.KindOf(err) != lead.KindNotFound {
		return lead.Team{}, err
	}
	t.UpdatedAt = now
	if t.Members == nil {
		t.Members = []lead.TeamMember{}
	}
	if t.Managers == nil {
		t.Managers = []string{}
	}
	if err := ValidateTeam(t); err != nil {
		return lead.Team{}, err
	}
	users, err := e.users(ctx)
	if err != nil {
		return lead.Team{}, err
	}
	var unknown []string
	for _, m := range t.Members {
		if _, ok := users[m.UserID]; !ok {
			unknown = append(unknown, m.UserID)
		}
	}
	for _, m := range t.Managers {
		if _, ok := users[m]; !ok {
			unknown = append(unknown, m)
		}
	}
	if len(unknown) > 0 {
		return lead.Team{}, lead.Errorf(lead.KindInvalid, "process: team %q: no user %s", t.Name, strings.Join(unknown, ", "))
	}
	if err := e.d.Store.PutTeam(ctx, t); err != nil {
		return lead.Team{}, err
	}
	e.d.Log.Info("process: team saved", "team", t.ID, "members", len(t.Members))
	return t, nil
}

// DeleteTeam removes a team that is not the default one, no rule targets
// and no customer belongs to.
func (e *Engine) DeleteTeam(ctx context.Context, id string) error {
	rules, err := e.d.Store.ListAssignRules(ctx)
	if err != nil {
		return err
	}
	for _, r := range rules {
		if r.TeamID == id {
			return lead.Errorf(lead.KindConflict, "process: rule %q routes to team %s; change or delete it first", r.Name, id)
		}
	}
	return e.d.Store.DeleteTeam(ctx, id)
}

// SaveRule checks r against the teams and users and stores it: a new rule
// (no id) gets one, and is tried after the others unless it says where.
func (e *Engine) SaveRule(ctx context.Context, r lead.AssignRule) (lead.AssignRule, error) {
	rules, err := e.d.Store.ListAssignRules(ctx)
	if err != nil {
		return lead.AssignRule{}, err
	}
	isNew := r.ID == ""
	if isNew {
		r.ID = "rule-" + strings.ToLower(ulid.Make().String())
		r.CreatedAt = e.d.Now()
		if r.Position == 0 {
			for _, o := range rules {
				if !o.Default && o.Position >= r.Position {
					r.Position = o.Position + 10
				}
			}
		}
	}
	for _, o := range rules {
		if o.ID == r.ID {
			r.Default, r.CreatedAt = o.Default, o.CreatedAt
		}
	}
	teams := map[string]lead.Team{}
	ts, err := e.d.Store.ListTeams(ctx)
	if err != nil {
		return lead.AssignRule{}, err
	}
	for _, t := range ts {
		teams[t.ID] = t
	}
	users, err := e.users(ctx)
	if err != nil {
		return lead.AssignRule{}, err
	}
	if err := ValidateRule(r, teams, users); err != nil {
		return lead.AssignRule{}, err
	}
	if err := e.d.Store.PutAssignRule(ctx, r); err != nil {
		return lead.AssignRule{}, err
	}
	e.d.Log.Info("process: rule saved", "rule", r.ID, "new", isNew)
	return r, nil
}

// DeleteRule removes a rule other than the default one.
func (e *Engine) DeleteRule(ctx context.Context, id string) error {
	return e.d.Store.DeleteAssignRule(ctx, id)
}

func (e *Engine) users(ctx context.Context) (map[string]lead.User, error) {
	us, err := e.d.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]lead.User, len(us))
	for _, u := range us {
		out[u.ID] = u
	}
	return out, nil
}
