package process

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
)

// What people do with a customer's process: log an activity (a call,
// email or meeting is a touch: the first one stops the clock and plans
// the follow-up tasks), change the stage, reassign, override the
// qualification. Each is one transaction with its audit entry.

// ActivityInput is an activity to log.
type ActivityInput struct {
	CustomerID string
	Kind       lead.ActivityKind
	Outcome    string
	Body       string
	At         time.Time // zero: now
	By         string    // the user
}

// Bounds of what people type.
const (
	maxBody    = 20_000
	maxOutcome = 100
	maxReason  = 2_000
)

// LogActivity stores an activity. A touch (call, email, meeting) on a
// customer whose clock runs stops it (met, or breached when late, with the
// working and calendar time to the touch), records the first-touch
// milestone, moves the stage from new to contacted and plans the
// follow-up tasks of the team's cadence. A meeting also records the
// first-meeting milestone.
func (e *Engine) LogActivity(ctx context.Context, in ActivityInput) (lead.Activity, error) {
	if in.By == "" {
		return lead.Activity{}, lead.Errorf(lead.KindInvalid, "process: who logged the activity? a user is required")
	}
	if len(in.Body) > maxBody || len(in.Outcome) > maxOutcome {
		return lead.Activity{}, lead.Errorf(lead.KindInvalid, "process: an activity's body is at most %d bytes and its outcome %d", maxBody, maxOutcome)
	}
	if _, err := lead.ParseActivityKind(string(in.Kind)); err != nil {
		return lead.Activity{}, err
	}
	now := e.d.Now()
	if in.At.IsZero() {
		in.At = now
	}
	if in.At.After(now.Add(5 * time.Minute)) {
		return lead.Activity{}, lead.Errorf(lead.KindInvalid, "process: an activity cannot be in the future (%s)", in.At.Format(time.RFC3339))
	}
	a := lead.Activity{ID: ulid.Make().String(), CustomerID: in.CustomerID, Kind: in.Kind, Outcome: strings.TrimSpace(in.Outcome),
		Body: in.Body, At: in.At.UTC(), By: in.By, CreatedAt: now}
	w, err := e.load(ctx)
	if err != nil {
		return a, err
	}
	err = e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := e.d.TxOf(ctx, tx)
		if err := t.AddActivity(a); err != nil {
			return err
		}
		p, err := t.Process(in.CustomerID)
		if err != nil || p == nil {
			return err
		}
		changed := false
		if in.Kind == lead.ActivityMeeting && !hasMilestone(p, lead.MilestoneFirstMeeting) {
			p.Milestones = append(p.Milestones, lead.Milestone{Kind: lead.MilestoneFirstMeeting, At: a.At, By: a.By})
			changed = true
		}
		if in.Kind.Touches() && p.SLA.FirstTouchAt == nil && p.SLA.Clock > 0 {
			e.touch(p, w, a)
			changed = true
			if err := e.planTasks(ctx, tx, t, w, p, a.At); err != nil {
				return err
			}
			if err := t.Audit(p.CustomerID, a.By, fmt.Sprintf("first touch (%s)", a.Kind), map[string]any{
				"what": "first_touch", "activity": a.ID, "sla": p.SLA.State, "due_at": p.SLA.DueAt,
				"working_to_touch": p.SLA.WorkingToTouch.String(), "calendar_to_touch": p.SLA.CalendarToTouch.String()}); err != nil {
				return err
			}
		}
		if !changed {
			return nil
		}
		p.UpdatedAt = now
		return t.PutProcess(*p)
	})
	return a, err
}

// touch stops p's clock at a's time.
func (e *Engine) touch(p *lead.Process, w *world, a lead.Activity) {
	at := a.At
	cal := w.teams[p.TeamID].Calendar
	if cal.TimeZone == "" {
		cal = lead.DefaultCalendar(e.d.TimeZone)
	}
	st := p.SLA.Policy.State(cal, p.SLA.StartedAt, &at, maxTime(at, e.d.Now()))
	p.SLA.FirstTouchAt = &at
	p.SLA.State, p.SLA.WorkingToTouch, p.SLA.CalendarToTouch = st.Status, st.WorkingToTouch, st.CalendarToTouch
	p.Milestones = append(p.Milestones, lead.Milestone{Kind: lead.MilestoneFirstTouch, At: at, By: a.By})
	if p.Stage == lead.ProcessNew {
		p.Stage = lead.ProcessContacted
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func hasMilestone(p *lead.Process, k lead.MilestoneKind) bool {
	for _, m := range p.Milestones {
		if m.Kind == k {
			return true
		}
	}
	return false
}

// planTasks creates the follow-up tasks of the team's cadence after a
// first touch at at, each due at the end of its working day, and
// schedules the overdue check of each.
func (e *Engine) planTasks(ctx context.Context, tx *sql.Tx, t Tx, w *world, p *lead.Process, at time.Time) error {
	team := w.teams[p.TeamID]
	cadence := team.Cadence
	if len(cadence) == 0 {
		cadence = lead.DefaultCadence
	}
	cal := team.Calendar
	if cal.TimeZone == "" {
		cal = lead.DefaultCalendar(e.d.TimeZone)
	}
	now := e.d.Now()
	for _, day := range cadence {
		due := WorkingDayEnd(cal, at, day)
		if due.IsZero() {
			continue
		}
		k := lead.Task{ID: ulid.Make().String(), CustomerID: p.CustomerID, OwnerID: p.OwnerID,
			Title: fmt.Sprintf("Follow up (working day %d after the first touch)", day), Day: day, DueAt: due,
			State: lead.TaskOpen, CreatedAt: now}
		if err := t.AddTask(k); err != nil {
			return err
		}
		if e.d.Jobs != nil {
			opts := TaskArgs{}.InsertOpts()
			opts.ScheduledAt = jobs.ScheduleFor(due)
			if _, err := e.d.Jobs.InsertTx(ctx, tx, TaskArgs{TaskID: k.ID, At: due.UTC()}, &opts); err != nil {
				return err
			}
		}
	}
	return nil
}

// WorkingDayEnd returns the end of the working time of the n-th working
// day after at's local day in c (n ≥ 1), or the zero time when c has no
// working day within a year.
func WorkingDayEnd(c lead.Calendar, at time.Time, n int) time.Time {
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	local := at.In(loc)
	y, m, d := local.Date()
	count := 0
	for i := 1; i <= 366+n*7; i++ {
		day := time.Date(y, m, d+i, 12, 0, 0, 0, loc)
		spans := c.Week[day.Weekday()]
		if len(spans) == 0 || isHoliday(c, day) {
			continue
		}
		count++
		if count == n {
			end := spans[len(spans)-1].End
			dy, dm, dd := day.Date()
			return time.Date(dy, dm, dd, 0, end, 0, 0, loc)
		}
	}
	return time.Time{}
}

func isHoliday(c lead.Calendar, day time.Time) bool {
	y, m, d := day.Date()
	for _, h := range c.Holidays {
		if h.Year == y && h.Month == m && h.Day == d {
			return true
		}
	}
	return false
}

// SetStage moves a customer's process to stage (with a reason, required
// for disqualified and lost). Leaving new, contacted for engaged or later
// cancels the open follow-up tasks; qualified, opportunity, won and lost
// record their milestones.
func (e *Engine) SetStage(ctx context.Context, customerID string, stage lead.ProcessStage, reason, by string) (lead.Process, error) {
	if _, err := lead.ParseProcessStage(string(stage)); err != nil {
		return lead.Process{}, err
	}
	reason = strings.TrimSpace(reason)
	if (stage == lead.ProcessDisqualified || stage == lead.ProcessLost) && reason == "" {
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: a reason is required to mark a customer %s", stage)
	}
	if len(reason) > maxReason {
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: the reason is at most %d bytes", maxReason)
	}
	var out lead.Process
	err := e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := e.d.TxOf(ctx, tx)
		p, err := e.mustProcess(t, customerID)
		if err != nil {
			return err
		}
		now := e.d.Now()
		before := p.Stage
		if before == stage {
			out = *p
			return nil
		}
		p.Stage, p.StageReason, p.UpdatedAt = stage, reason, now
		if k, ok := stageMilestone[stage]; ok && !hasMilestone(p, k) {
			p.Milestones = append(p.Milestones, lead.Milestone{Kind: k, At: now, By: by})
		}
		if stage != lead.ProcessNew && stage != lead.ProcessContacted {
			if _, err := t.CancelOpenTasks(customerID, now); err != nil {
				return err
			}
		}
		if err := t.PutProcess(*p); err != nil {
			return err
		}
		out = *p
		return t.Audit(customerID, by, reason, map[string]any{"what": "stage", "from": before, "to": stage})
	})
	return out, err
}

var stageMilestone = map[lead.ProcessStage]lead.MilestoneKind{
	lead.ProcessQualified:   lead.MilestoneQualified,
	lead.ProcessOpportunity: lead.MilestoneOpportunity,
	lead.ProcessWon:         lead.MilestoneWon,
	lead.ProcessLost:        lead.MilestoneLost,
}

func (e *Engine) mustProcess(t Tx, customerID string) (*lead.Process, error) {
	p, err := t.Process(customerID)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, lead.Errorf(lead.KindNotFound, "process: customer %q has no follow-up process (a test or do-not-contact customer, or not resolved yet)", customerID)
	}
	return p, nil
}

// Reassign gives a customer to another user (and team: "" keeps it when
// the user is a member, else the user's first team), with a reason. The
// running clock goes on; the new owner is told.
func (e *Engine) Reassign(ctx context.Context, customerID, userID, teamID, reason, by string) (lead.Process, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: a reason is required to reassign a customer")
	}
	if len(reason) > maxReason {
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: the reason is at most %d bytes", maxReason)
	}
	w, err := e.load(ctx)
	if err != nil {
		return lead.Process{}, err
	}
	u, ok := w.users[userID]
	if !ok || u.Disabled || !u.Role.Can(lead.PermCustomersEdit) {
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: %q is not a user who can work customers (enabled, admin, manager or rep)", userID)
	}
	if teamID != "" {
		if _, ok := w.teams[teamID]; !ok {
			return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: no team %q", teamID)
		}
	}
	var out lead.Process
	err = e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := e.d.TxOf(ctx, tx)
		p, err := e.mustProcess(t, customerID)
		if err != nil {
			return err
		}
		now := e.d.Now()
		from := p.OwnerID
		team := teamID
		if team == "" {
			team = p.TeamID
			if !isMember(w.teams[team], userID) {
				team = firstTeamOf(w, userID, p.TeamID)
			}
		}
		p.OwnerID, p.TeamID, p.UpdatedAt = userID, team, now
		p.Assignment = lead.Assignment{Rule: "manual", Reason: reason, By: by, At: now}
		if err := t.PutProcess(*p); err != nil {
			return err
		}
		if err := t.Audit(customerID, by, reason, map[string]any{"what": "assigned", "from": from, "to": userID, "team": team}); err != nil {
			return err
		}
		out = *p
		if userID == by {
			return nil
		}
		return e.notify(ctx, tx, Notice{UserIDs: []string{userID}, Event: "assigned", CustomerID: customerID,
			Title: "Assigned to you by " + userName(w, by), Text: reason, Link: "/customers/" + customerID})
	})
	return out, err
}

func isMember(t lead.Team, userID string) bool {
	for _, m := range t.Members {
		if m.UserID == userID {
			return true
		}
	}
	return false
}

func firstTeamOf(w *world, userID, fallback string) string {
	best := ""
	for id, t := range w.teams {
		if isMember(t, userID) && !t.Default && (best == "" || id < best) {
			best = id
		}
	}
	if best == "" {
		return fallback
	}
	return best
}

// Override sets (or, with result "", removes) a manager's qualification
// result over the rules', with a reason.
func (e *Engine) Override(ctx context.Context, customerID string, result lead.QualResult, reason, by string) (lead.Process, error) {
	reason = strings.TrimSpace(reason)
	switch result {
	case lead.QualSalesReady, lead.QualNurture, lead.QualDisqualified, "":
	default:
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: unknown qualification %q (sales_ready, nurture, disqualified, or empty to remove the override)", result)
	}
	if reason == "" || len(reason) > maxReason {
		return lead.Process{}, lead.Errorf(lead.KindInvalid, "process: a reason (at most %d bytes) is required to override the qualification", maxReason)
	}
	var out lead.Process
	err := e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := e.d.TxOf(ctx, tx)
		p, err := e.mustProcess(t, customerID)
		if err != nil {
			return err
		}
		now := e.d.Now()
		before := p.Qualification.Effective()
		if result == "" {
			p.Qualification.Override = nil
		} else {
			p.Qualification.Override = &lead.QualOverride{Result: result, By: by, Reason: reason, At: now}
		}
		p.UpdatedAt = now
		if err := t.PutProcess(*p); err != nil {
			return err
		}
		out = *p
		return t.Audit(customerID, by, reason, map[string]any{"what": "qualification_override", "from": before, "to": p.Qualification.Effective()})
	})
	return out, err
}
