package process

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
)

// ClockArgs is the job scheduled at an instant of a first-touch clock:
// Event "at_risk" at its at-risk instant, "due" at its due time. Clock
// names the clock (lead.SLA.Clock): a job of an older clock (the customer
// was reopened or reassigned since) does nothing, and so does one whose
// clock was stopped by a first touch. The job is unique by its arguments,
// so scheduling it twice in one change inserts it once.
type ClockArgs struct {
	CustomerID string `json:"customer_id"`
	Clock      int    `json:"clock"`
	Event      string `json:"event"`
	// At is the instant the event is for: the job is scheduled
	// jobs.ScheduleFor(At) and waits for it (jobs.Wait).
	At time.Time `json:"at,omitzero"`
}

// Kind is the job kind.
func (ClockArgs) Kind() string { return "process.clock" }

// InsertOpts makes the job unique by its arguments.
func (ClockArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// TaskArgs is the job scheduled at a follow-up task's due time: if the
// task is still open then, its owner is told it is overdue.
type TaskArgs struct {
	TaskID string    `json:"task_id"`
	At     time.Time `json:"at,omitzero"` // the task's due time
}

// Kind is the job kind.
func (TaskArgs) Kind() string { return "process.task_due" }

// InsertOpts makes the job unique by its arguments.
func (TaskArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

const (
	eventAtRisk = "at_risk"
	eventDue    = "due"
)

// schedule enqueues the jobs of p's current clock in tx.
func (e *Engine) schedule(ctx context.Context, tx *sql.Tx, p lead.Process) error {
	if e.d.Jobs == nil || p.SLA.FirstTouchAt != nil {
		return nil
	}
	for _, j := range []struct {
		ev string
		at time.Time
	}{{eventAtRisk, p.SLA.AtRiskAt}, {eventDue, p.SLA.DueAt}} {
		opts := ClockArgs{}.InsertOpts()
		opts.ScheduledAt = jobs.ScheduleFor(j.at)
		args := ClockArgs{CustomerID: p.CustomerID, Clock: p.SLA.Clock, Event: j.ev, At: j.at.UTC()}
		if _, err := e.d.Jobs.InsertTx(ctx, tx, args, &opts); err != nil {
			return fmt.Errorf("scheduling the %s job: %w", j.ev, err)
		}
	}
	return nil
}

// ClockWorker works ClockArgs.
type ClockWorker struct {
	river.WorkerDefaults[ClockArgs]
	E *Engine
}

// Work moves the clock to at risk or breached (unless it was stopped or
// replaced meanwhile), tells the owner (at risk) or the team's managers
// and the owner (breached), and on a breach under a rule that says so
// hands the customer to the team's next available member with a new
// clock. It is idempotent: a second run finds the state moved and does
// nothing.
func (w *ClockWorker) Work(ctx context.Context, job *river.Job[ClockArgs]) error {
	if err := jobs.Wait(job.Args.At, w.E.d.Now()); err != nil {
		return err
	}
	return w.E.onClock(ctx, job.Args)
}

func (e *Engine) onClock(ctx context.Context, a ClockArgs) error {
	wd, err := e.load(ctx)
	if err != nil {
		return err
	}
	// The customer (for the messages and a reassignment), read once,
	// before the transaction.
	in, err := e.d.Store.ReadProcessInput(ctx, a.CustomerID)
	if err != nil && lead.KindOf(err) != lead.KindNotFound {
		return err
	}
	return e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := e.d.TxOf(ctx, tx)
		p, err := t.Process(a.CustomerID)
		if err != nil || p == nil {
			return err
		}
		if p.SLA.Clock != a.Clock || p.SLA.FirstTouchAt != nil || p.Stage != lead.ProcessNew {
			return nil // stopped, replaced or closed meanwhile
		}
		now := e.d.Now()
		c := in.Customer
		if c.ID == "" {
			c.ID = p.CustomerID
		}
		switch a.Event {
		case eventAtRisk:
			if p.SLA.State != lead.SLAOnTrack {
				return nil
			}
			p.SLA.State, p.UpdatedAt = lead.SLAAtRisk, now
			if err := t.PutProcess(*p); err != nil {
				return err
			}
			if err := t.Audit(p.CustomerID, lead.ActorSystem, "first touch due "+p.SLA.DueAt.Format(time.RFC3339),
				map[string]any{"what": "sla", "state": p.SLA.State, "clock": p.SLA.Clock, "due_at": p.SLA.DueAt}); err != nil {
				return err
			}
			to := []string{p.OwnerID}
			if p.OwnerID == "" {
				to = managers(wd, p.TeamID)
			}
			return e.notify(ctx, tx, Notice{UserIDs: to, Event: "at_risk", CustomerID: p.CustomerID,
				Title: "At risk: first touch of " + name(c) + " due " + p.SLA.DueAt.Format("15:04 MST"),
				Text:  fmt.Sprintf("%s has not been contacted yet; the first touch is due %s.", name(c), p.SLA.DueAt.Format(time.RFC3339)),
				Link:  "/customers/" + p.CustomerID})
		case eventDue:
			if p.SLA.State == lead.SLABreached {
				return nil
			}
			return e.breach(ctx, tx, t, wd, p, in, c, now)
		}
		return nil
	})
}

// breach marks p's clock breached, tells the managers and the owner, and
// reassigns when the rule that assigned it says so.
func (e *Engine) breach(ctx context.Context, tx *sql.Tx, t Tx, wd *world, p *lead.Process, in lead.ProcessInput, c lead.Customer, now time.Time) error {
	p.SLA.State, p.UpdatedAt = lead.SLABreached, now
	prevOwner := p.OwnerID
	if err := t.PutProcess(*p); err != nil {
		return err
	}
	if err := t.Audit(p.CustomerID, lead.ActorSystem, "first touch was due "+p.SLA.DueAt.Format(time.RFC3339),
		map[string]any{"what": "sla", "state": p.SLA.State, "clock": p.SLA.Clock, "due_at": p.SLA.DueAt, "owner": p.OwnerID}); err != nil {
		return err
	}
	to := managers(wd, p.TeamID)
	if prevOwner != "" && !contains(to, prevOwner) {
		to = append(to, prevOwner)
	}
	if err := e.notify(ctx, tx, Notice{UserIDs: to, Event: "breached", CustomerID: p.CustomerID,
		Title: "Breached: " + name(c) + " not contacted in time",
		Text: fmt.Sprintf("The first touch of %s was due %s (owner: %s).", name(c), p.SLA.DueAt.Format(time.RFC3339),
			userName(wd, prevOwner)),
		Link: "/customers/" + p.CustomerID}); err != nil {
		return err
	}
	if !reassignsOnBreach(wd, p.Assignment.RuleID) || in.Customer.ID == "" {
		return nil
	}
	res, err := e.assign(t, wd, in, p.Qualification.Effective(), prevOwner, now)
	if err != nil || res.OwnerID == "" || res.OwnerID == prevOwner {
		return err
	}
	p.OwnerID, p.TeamID = res.OwnerID, res.TeamID
	p.Assignment = res.Assignment
	p.Assignment.Reason = fmt.Sprintf("reassigned after the breach of %s's first-touch clock: %s", userName(wd, prevOwner), res.Assignment.Reason)
	e.startClock(p, wd.teams[res.TeamID].Calendar, res.Policy, now, now)
	if err := t.PutProcess(*p); err != nil {
		return err
	}
	if err := e.schedule(ctx, tx, *p); err != nil {
		return err
	}
	if err := t.Audit(p.CustomerID, lead.ActorSystem, p.Assignment.Reason, map[string]any{
		"what": "assigned", "from": prevOwner, "to": p.OwnerID, "due_at": p.SLA.DueAt}); err != nil {
		return err
	}
	return e.notifyAssigned(ctx, tx, wd, *p, c)
}

func reassignsOnBreach(w *world, ruleID string) bool {
	for _, r := range w.rules {
		if r.ID == ruleID {
			return r.ReassignOnBreach
		}
	}
	return false
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func userName(w *world, id string) string {
	if id == "" {
		return "nobody"
	}
	if u, ok := w.users[id]; ok {
		if u.DisplayName != "" {
			return u.DisplayName
		}
		return u.Email
	}
	return id
}

// TaskWorker works TaskArgs.
type TaskWorker struct {
	river.WorkerDefaults[TaskArgs]
	E *Engine
}

// Work tells a task's owner that it is overdue, if it is still open.
func (w *TaskWorker) Work(ctx context.Context, job *river.Job[TaskArgs]) error {
	e := w.E
	if err := jobs.Wait(job.Args.At, e.d.Now()); err != nil {
		return err
	}
	return e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		t := e.d.TxOf(ctx, tx)
		k, err := t.Task(job.Args.TaskID)
		if err != nil || k == nil || k.State != lead.TaskOpen || k.OwnerID == "" {
			return err
		}
		return e.notify(ctx, tx, Notice{UserIDs: []string{k.OwnerID}, Event: "task_overdue", CustomerID: k.CustomerID,
			Title: "Overdue: " + k.Title, Text: fmt.Sprintf("%s was due %s.", k.Title, k.DueAt.Format(time.RFC3339)),
			Link: "/customers/" + k.CustomerID, Key: "task_overdue:" + k.ID, KeyAt: k.DueAt})
	})
}
