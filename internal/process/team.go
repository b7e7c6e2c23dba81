package process

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultTeamID is the id of the team every install starts with.
const DefaultTeamID = "default"

// DefaultTeam is the team every install starts with: every enabled user a
// member (in the order given, without a capacity limit), Monday to Friday
// 09:00–17:00 in tz, the default first-touch policy and cadence.
func DefaultTeam(tz string, users []lead.User, now time.Time) lead.Team {
	t := lead.Team{
		ID: DefaultTeamID, Name: "Everyone",
		Calendar: lead.DefaultCalendar(tz), Policy: lead.DefaultSLAPolicy(),
		Members: []lead.TeamMember{}, Managers: []string{},
		Cadence: slices.Clone(lead.DefaultCadence),
		Default: true, CreatedAt: now, UpdatedAt: now,
	}
	for _, u := range users {
		if !u.Disabled && u.ID != "" {
			t.Members = append(t.Members, lead.TeamMember{UserID: u.ID})
		}
	}
	return t
}

// ValidateTeam returns a KindInvalid error naming every problem of a
// team: a missing id or name, an invalid calendar or first-touch policy, a
// member without a user or listed twice, a negative capacity, an empty
// manager, or a cadence that is not increasing working days from 1.
func ValidateTeam(t lead.Team) error {
	var problems []string
	if strings.TrimSpace(t.ID) == "" {
		problems = append(problems, "an id is required")
	}
	if strings.TrimSpace(t.Name) == "" {
		problems = append(problems, "a name is required")
	}
	if err := t.Calendar.Validate(); err != nil {
		problems = append(problems, lead.MessageOf(err))
	}
	if err := t.Policy.Validate(); err != nil {
		problems = append(problems, lead.MessageOf(err))
	}
	seen := map[string]bool{}
	for i, m := range t.Members {
		switch {
		case strings.TrimSpace(m.UserID) == "":
			problems = append(problems, fmt.Sprintf("member %d has no user", i+1))
		case seen[m.UserID]:
			problems = append(problems, fmt.Sprintf("user %s is a member twice", m.UserID))
		}
		seen[m.UserID] = true
		if m.Capacity < 0 {
			problems = append(problems, fmt.Sprintf("member %s: capacity %d must be 0 (no limit) or more", m.UserID, m.Capacity))
		}
	}
	for i, m := range t.Managers {
		if strings.TrimSpace(m) == "" {
			problems = append(problems, fmt.Sprintf("manager %d is empty", i+1))
		}
	}
	prev := 0
	for _, d := range t.Cadence {
		if d <= prev {
			problems = append(problems, fmt.Sprintf("cadence %v must be increasing working days from 1", t.Cadence))
			break
		}
		prev = d
	}
	if len(problems) > 0 {
		return lead.Errorf(lead.KindInvalid, "process: team %q: %s", t.Name, strings.Join(problems, "; "))
	}
	return nil
}

// NextMember is the team's round-robin: the first available member after
// last (the member the team gave the previous customer; from the first
// member when last is "" or no longer a member), going round the members
// in their order. A member is not available when it is exclude, not a
// known user, disabled, out of office, at or over its capacity (load holds
// the open customers each user owns; Capacity 0 is no limit), or when now
// is outside the team calendar's working hours. userID is "" when nobody
// is available; skipped says, in the order tried, who was passed over and
// why ("bob skipped: out of office").
//
// With the same members available, every member gets one customer in turn,
// so over any run of assignments no member gets more than one more than
// another (Dynamics 365's round robin gives the seller waiting longest;
// Odoo's sends the member who just got one to the back:
// https://github.com/odoo/odoo/blob/master/addons/crm/models/crm_team.py).
func NextMember(team lead.Team, users map[string]lead.User, load map[string]int, last, exclude string, now time.Time) (userID string, skipped []string) {
	n := len(team.Members)
	if n == 0 {
		return "", nil
	}
	start := 0
	if i := slices.IndexFunc(team.Members, func(m lead.TeamMember) bool { return m.UserID == last }); i >= 0 && last != "" {
		start = i + 1
	}
	working := team.Calendar.Working(now)
	for k := range n {
		m := team.Members[(start+k)%n]
		if why := unavailable(m, team.Calendar, working, users, load, exclude, now); why != "" {
			skipped = append(skipped, m.UserID+" skipped: "+why)
			continue
		}
		return m.UserID, skipped
	}
	return "", skipped
}

// unavailable says why a member cannot take a customer now, "" when it can.
func unavailable(m lead.TeamMember, cal lead.Calendar, working bool, users map[string]lead.User, load map[string]int, exclude string, now time.Time) string {
	u, known := users[m.UserID]
	switch {
	case m.UserID == exclude && exclude != "":
		return "excluded"
	case !known:
		return "not a user"
	case u.Disabled:
		return "disabled"
	case m.OutOfOffice:
		return "out of office"
	case !working:
		return "outside working hours (" + localClock(cal, now) + ")"
	case m.Capacity > 0 && load[m.UserID] >= m.Capacity:
		return fmt.Sprintf("%d/%d open customers", load[m.UserID], m.Capacity)
	}
	return ""
}

// localClock is now on the calendar's wall clock: "Sat 03:00 Asia/Tokyo".
func localClock(c lead.Calendar, now time.Time) string {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil || c.TimeZone == "" {
		loc = time.UTC
	}
	return now.In(loc).Format("Mon 15:04") + " " + loc.String()
}
