package process

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// AssignInput is what assignment looks at: the customer with its leads,
// account and qualification, the rules, teams and users, and the state of
// the teams (who owns how many open customers, whom each round-robin gave
// the last customer).
type AssignInput struct {
	Customer      lead.Customer
	Leads         []lead.Lead
	Account       *lead.Account // nil: none
	Qualification lead.QualResult
	// Rules may come in any order; they are evaluated by Position, then ID.
	Rules []lead.AssignRule
	Teams map[string]lead.Team // by id
	Users map[string]lead.User // by id: disabled and unknown users are never picked
	// Load is the open customers each user owns now, by user id.
	Load map[string]int
	// AccountOwner is the user owning other people of the customer's
	// account ("" none).
	AccountOwner string
	// LastAssigned is, by team id, the user the team's round-robin gave
	// the last customer.
	LastAssigned map[string]string
	// Exclude is a user not to pick (a reassignment on breach).
	Exclude string
	Now     time.Time
}

// AssignResult is an assignment: the owner ("" when the rule's team had
// nobody available: the customer then waits in the team), the team, the
// rule that fired, the first-touch policy that applies and the
// explanation to store with the customer's process.
type AssignResult struct {
	OwnerID    string
	TeamID     string
	Rule       lead.AssignRule
	Policy     lead.SLAPolicy
	Assignment lead.Assignment
}

// Assign evaluates the rules in order (Position, then ID); the first whose
// conditions hold (RuleMatches) and whose target can take the customer
// fires, the way Salesforce's and Dynamics 365's assignment rules do (the
// first matching entry wins:
// https://learn.microsoft.com/en-us/dynamics365/sales/wa-create-and-activate-assignment-rule).
//
//   - A user target takes it when the user exists, is enabled and is not
//     Exclude; else the next matching rule is tried.
//   - A team target gives it to the team's next available member
//     (NextMember); when nobody is available it goes to the team without an
//     owner, and the explanation says who was skipped and why.
//   - An account-owner target gives it to AccountOwner when there is one,
//     enabled and not Exclude; else the next matching rule is tried.
//
// The team of a user or account-owner assignment is the rule's team, else
// the first team (by id) the user is a member of, else the default team.
// The policy is the rule's, else the team's (else lead.DefaultSLAPolicy).
// When no rule fires, Assign returns a KindNotFound error: the caller then
// uses the default team.
func Assign(in AssignInput) (AssignResult, error) {
	var passed []string
	for _, r := range sortRules(in.Rules) {
		ok, why := RuleMatches(r, in)
		if !ok {
			continue
		}
		head := fmt.Sprintf("rule %q: %s", r.Name, why)
		switch r.Target {
		case lead.TargetTeam:
			team, ok := in.Teams[r.TeamID]
			if !ok {
				passed = append(passed, fmt.Sprintf("passed over rule %q (team %s does not exist)", r.Name, r.TeamID))
				continue
			}
			owner, skipped := NextMember(team, in.Users, in.Load, in.LastAssigned[team.ID], in.Exclude, in.Now)
			pick := "picked " + owner
			if owner == "" {
				pick = "nobody available, left with the team"
			}
			if len(skipped) > 0 {
				pick += " (" + strings.Join(skipped, "; ") + ")"
			}
			return in.result(r, team, owner, passed, fmt.Sprintf("%s; round-robin in team %q: %s", head, team.Name, pick)), nil
		case lead.TargetUser:
			if why := in.cannotTake(r.UserID); why != "" {
				passed = append(passed, fmt.Sprintf("passed over rule %q (user %s %s)", r.Name, r.UserID, why))
				continue
			}
			return in.result(r, in.teamOf(r, r.UserID), r.UserID, passed, fmt.Sprintf("%s; assigned to %s", head, r.UserID)), nil
		case lead.TargetAccountOwner:
			if in.AccountOwner == "" {
				passed = append(passed, fmt.Sprintf("passed over rule %q (nobody owns other people of the account)", r.Name))
				continue
			}
			if why := in.cannotTake(in.AccountOwner); why != "" {
				passed = append(passed, fmt.Sprintf("passed over rule %q (account owner %s %s)", r.Name, in.AccountOwner, why))
				continue
			}
			return in.result(r, in.teamOf(r, in.AccountOwner), in.AccountOwner, passed,
				fmt.Sprintf("%s; assigned to %s, who owns other people of the account", head, in.AccountOwner)), nil
		default:
			passed = append(passed, fmt.Sprintf("passed over rule %q (unknown target %q)", r.Name, r.Target))
		}
	}
	msg := fmt.Sprintf("no assignment rule matches customer %s", in.Customer.ID)
	if len(passed) > 0 {
		msg += "; " + strings.Join(passed, "; ")
	}
	return AssignResult{}, lead.Errorf(lead.KindNotFound, "process: %s", msg)
}

// cannotTake says why a user named by a rule cannot take the customer,
// "" when it can.
func (in AssignInput) cannotTake(id string) string {
	u, ok := in.Users[id]
	switch {
	case !ok:
		return "does not exist"
	case u.Disabled:
		return "is disabled"
	case id == in.Exclude:
		return "is excluded"
	}
	return ""
}

// teamOf is the team of a user or account-owner assignment: the rule's
// team, else the first team by id that has the user as a member, else the
// default team (the one marked Default with the lowest id, else the team
// with id "default", else an empty team of that id).
func (in AssignInput) teamOf(r lead.AssignRule, userID string) lead.Team {
	if t, ok := in.Teams[r.TeamID]; ok && r.TeamID != "" {
		return t
	}
	ids := make([]string, 0, len(in.Teams))
	for id := range in.Teams {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		t := in.Teams[id]
		if slices.ContainsFunc(t.Members, func(m lead.TeamMember) bool { return m.UserID == userID }) {
			return t
		}
	}
	for _, id := range ids {
		if in.Teams[id].Default {
			return in.Teams[id]
		}
	}
	if t, ok := in.Teams[DefaultTeamID]; ok {
		return t
	}
	return lead.Team{ID: DefaultTeamID}
}

// result builds the assignment of rule r to owner in team.
func (in AssignInput) result(r lead.AssignRule, team lead.Team, owner string, passed []string, reason string) AssignResult {
	policy := lead.DefaultSLAPolicy()
	switch {
	case r.Policy != nil:
		policy = *r.Policy
	case team.Policy.Target > 0:
		policy = team.Policy
	}
	if len(passed) > 0 {
		reason = strings.Join(passed, "; ") + "; " + reason
	}
	return AssignResult{
		OwnerID: owner, TeamID: team.ID, Rule: r, Policy: policy,
		Assignment: lead.Assignment{RuleID: r.ID, Rule: r.Name, Reason: reason, By: lead.ActorSystem, At: in.Now},
	}
}
