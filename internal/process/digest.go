package process

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/lead"
)

// The daily digest: at 08:00 in each user's time zone (the server's when
// the user has none), what waits for them: customers assigned in the last
// 24 hours, first touches at risk and overdue, follow-up tasks overdue. A
// periodic job runs every quarter of an hour (so zones a half or a quarter
// hour off UTC get theirs at 08:00 too) and tells the users whose local
// time is in [08:00, 08:15); the notice is keyed by user and local date,
// so a retried or repeated job tells each user once a day. A user with
// nothing waiting gets no digest.

// DigestArgs is the job of one quarter of an hour.
type DigestArgs struct {
	Slot time.Time `json:"slot"` // the quarter hour, in UTC
}

// Kind is the job kind.
func (DigestArgs) Kind() string { return "process.digest" }

// InsertOpts makes the job unique by its slot: a new leader's run-on-start
// insert of a slot already inserted adds nothing.
func (DigestArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// digestEvery is the digest job's period.
const digestEvery = 15 * time.Minute

// digestAt is the local time of day the digest is for.
const digestAt = 8 * time.Hour

// quarterHours is the schedule of the digest job: every quarter of an hour
// on the clock.
type quarterHours struct{}

func (quarterHours) Next(t time.Time) time.Time { return t.Truncate(digestEvery).Add(digestEvery) }

// PeriodicJobs are the engine's periodic jobs, for the job runner.
func (e *Engine) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(quarterHours{}, func() (river.JobArgs, *river.InsertOpts) {
		return DigestArgs{Slot: e.d.Now().UTC().Truncate(digestEvery)}, nil
	}, &river.PeriodicJobOpts{ID: "process.digest", RunOnStart: true}),
		river.NewPeriodicJob(river.PeriodicInterval(unownedEvery), func() (river.JobArgs, *river.InsertOpts) {
			return UnownedArgs{Minute: e.d.Now().UTC().Truncate(unownedEvery)}, nil
		}, &river.PeriodicJobOpts{ID: "process.unowned", RunOnStart: true})}
}

// DigestWorker works DigestArgs.
type DigestWorker struct {
	river.WorkerDefaults[DigestArgs]
	E *Engine
}

// Work sends the digests of the job's slot.
func (w *DigestWorker) Work(ctx context.Context, job *river.Job[DigestArgs]) error {
	_, err := w.E.Digest(ctx, job.Args.Slot)
	return err
}

// Digest tells every enabled user whose local time at slot is in
// [08:00, 08:15) what waits for them, and returns how many users it told.
func (e *Engine) Digest(ctx context.Context, slot time.Time) (int, error) {
	users, err := e.d.Store.ListUsers(ctx)
	if err != nil {
		return 0, err
	}
	told := 0
	for _, u := range users {
		if u.Disabled || !u.Role.Can(lead.PermCustomersEdit) {
			continue
		}
		loc, err := time.LoadLocation(u.TimeZone)
		if u.TimeZone == "" || err != nil {
			loc, _ = time.LoadLocation(e.d.TimeZone)
		}
		local := slot.In(loc)
		midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
		if since := local.Sub(midnight); since < digestAt || since >= digestAt+digestEvery {
			continue
		}
		n, err := e.digestOf(ctx, u, local)
		if err != nil {
			return told, err
		}
		if n != nil {
			err := e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error { return e.notify(ctx, tx, *n) })
			if err != nil {
				return told, err
			}
			told++
		}
	}
	return told, nil
}

// digestOf is the digest notice of u at local (nil: nothing waits).
func (e *Engine) digestOf(ctx context.Context, u lead.User, local time.Time) (*Notice, error) {
	rows, err := e.d.Store.ListProcesses(ctx, lead.ProcessFilter{OwnerID: u.ID, Limit: 500})
	if err != nil {
		return nil, err
	}
	now := local.UTC()
	var fresh []string
	atRisk, breached := 0, 0
	for _, r := range rows {
		if r.OwnerID == u.ID && r.Assignment.At.After(now.Add(-24*time.Hour)) {
			fresh = append(fresh, name(r.Customer))
		}
		if r.SLA.FirstTouchAt == nil {
			switch r.SLA.State {
			case lead.SLAAtRisk:
				atRisk++
			case lead.SLABreached:
				breached++
			}
		}
	}
	overdue, err := e.d.Store.ListTasks(ctx, lead.TaskFilter{OwnerID: u.ID, State: lead.TaskOpen, DueBefore: now, Limit: 500})
	if err != nil {
		return nil, err
	}
	if len(fresh) == 0 && atRisk == 0 && breached == 0 && len(overdue) == 0 {
		return nil, nil
	}
	var lines []string
	if len(fresh) > 0 {
		names := fresh
		if len(names) > 5 {
			names = append(names[:5:5], fmt.Sprintf("and %d more", len(fresh)-5))
		}
		lines = append(lines, fmt.Sprintf("New customers in the last 24 hours: %d (%s)", len(fresh), strings.Join(names, ", ")))
	}
	if breached > 0 {
		lines = append(lines, fmt.Sprintf("First touch overdue: %d", breached))
	}
	if atRisk > 0 {
		lines = append(lines, fmt.Sprintf("First touch at risk: %d", atRisk))
	}
	if len(overdue) > 0 {
		lines = append(lines, fmt.Sprintf("Follow-up tasks overdue: %d", len(overdue)))
	}
	date := local.Format("2006-01-02")
	return &Notice{UserIDs: []string{u.ID}, Event: string(lead.EventDigest), Title: "Your leadhub digest for " + date,
		Text: strings.Join(lines, "\n"), Link: "/queue", Key: "digest:" + date, KeyAt: now}, nil
}
