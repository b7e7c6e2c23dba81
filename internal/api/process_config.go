package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// How the process is configured over the API: teams (calendar, first-touch
// policy, members, managers, cadence) and assignment rules, created,
// replaced and deleted whole. The engine checks each change against the
// users and teams and names every problem at once. A body has the shape
// GET answers (durations in nanoseconds, as Go encodes time.Duration); id,
// default, created_at and updated_at are the server's and are ignored,
// except that an id in a PUT body must be the path's. Each answers what
// the store then holds, as GET shows it.

const (
	teamExample = `{"name": "EMEA", "calendar": {"time_zone": "Europe/Berlin", "week": [[], [{"start": 540, "end": 1020}], …]}, ` +
		`"policy": {"target": 7200000000000, "at_risk_share": 0.75}, "members": [{"user_id": "USER-ID"}]}`
	ruleExample = `{"name": "Germany to EMEA", "when": {"countries": ["DE"]}, "target": "team", "team_id": "TEAM-ID"}`
)

func (s *server) handleCreateTeam(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	var t lead.Team
	if !readJSONBody(w, r, &t, teamExample) {
		return
	}
	if t.ID != "" {
		httpx.InvalidField(w, r, "body.id", "is given by the server; change an existing team with PUT /api/v1/teams/{id}")
		return
	}
	t.Default, t.CreatedAt, t.UpdatedAt = false, time.Time{}, time.Time{}
	saved, err := s.process.SaveTeam(r.Context(), t)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	stored, err := s.processes.GetTeam(r.Context(), saved.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/teams/"+url.PathEscape(saved.ID))
	httpx.WriteJSON(w, http.StatusCreated, stored)
}

func (s *server) handleReplaceTeam(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	id := r.PathValue("id")
	var t lead.Team
	if !readJSONBody(w, r, &t, teamExample) {
		return
	}
	if t.ID != "" && t.ID != id {
		httpx.InvalidField(w, r, "body.id", "must be the team of the path ("+id+") or left out")
		return
	}
	if _, err := s.processes.GetTeam(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	t.ID = id
	if _, err := s.process.SaveTeam(r.Context(), t); err != nil {
		s.writeError(w, r, err)
		return
	}
	stored, err := s.processes.GetTeam(r.Context(), id)
	s.answer(w, r, stored, err)
}

func (s *server) handleDeleteTeam(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	id := r.PathValue("id")
	t, err := s.processes.GetTeam(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if t.Default {
		s.writeError(w, r, lead.Errorf(lead.KindConflict, "team %s is the default team, which cannot be deleted", id))
		return
	}
	if err := s.process.DeleteTeam(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ruleOf returns the rule id (KindNotFound for none).
func (s *server) ruleOf(r *http.Request, id string) (lead.AssignRule, error) {
	rules, err := s.processes.ListAssignRules(r.Context())
	if err != nil {
		return lead.AssignRule{}, err
	}
	for _, rule := range rules {
		if rule.ID == id {
			return rule, nil
		}
	}
	return lead.AssignRule{}, lead.Errorf(lead.KindNotFound, "no rule %q", id)
}

func (s *server) handleCreateRule(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	var rule lead.AssignRule
	if !readJSONBody(w, r, &rule, ruleExample) {
		return
	}
	if rule.ID != "" {
		httpx.InvalidField(w, r, "body.id", "is given by the server; change an existing rule with PUT /api/v1/rules/{id}")
		return
	}
	rule.Default, rule.CreatedAt = false, time.Time{}
	saved, err := s.process.SaveRule(r.Context(), rule)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	stored, err := s.ruleOf(r, saved.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/rules/"+url.PathEscape(saved.ID))
	httpx.WriteJSON(w, http.StatusCreated, stored)
}

func (s *server) handleReplaceRule(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	id := r.PathValue("id")
	var rule lead.AssignRule
	if !readJSONBody(w, r, &rule, ruleExample) {
		return
	}
	if rule.ID != "" && rule.ID != id {
		httpx.InvalidField(w, r, "body.id", "must be the rule of the path ("+id+") or left out")
		return
	}
	if _, err := s.ruleOf(r, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	rule.ID = id
	if _, err := s.process.SaveRule(r.Context(), rule); err != nil {
		s.writeError(w, r, err)
		return
	}
	stored, err := s.ruleOf(r, id)
	s.answer(w, r, stored, err)
}

func (s *server) handleDeleteRule(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	id := r.PathValue("id")
	rule, err := s.ruleOf(r, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rule.Default {
		s.writeError(w, r, lead.Errorf(lead.KindConflict, "rule %s is a default rule, which cannot be deleted", id))
		return
	}
	if err := s.process.DeleteRule(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
