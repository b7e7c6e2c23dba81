package jobs

import (
	"time"

	"github.com/riverqueue/river"
)

// SchedulerLead is how early a job due at an instant is scheduled.
// River's scheduler makes scheduled jobs available every 5 seconds
// (maintenance.JobSchedulerIntervalDefault, not configurable), so a job
// scheduled at its instant would start up to 5 s late. Scheduled this much
// earlier (ScheduleFor) and carrying its instant, it starts at most
// SchedulerLead before the instant and snoozes for the rest (Wait); River
// makes a snooze shorter than its scheduler interval available at once,
// with scheduled_at at the instant, so the next fetch poll (1 s by default)
// after the instant runs it.
const SchedulerLead = 5 * time.Second

// ScheduleFor is when to schedule a job that must run at the instant at.
func ScheduleFor(at time.Time) time.Time { return at.Add(-SchedulerLead) }

// Wait is what a job for the instant at returns first when it started
// early: a snooze until at, else nil (work now). A zero at works now.
func Wait(at, now time.Time) error {
	if !at.IsZero() && at.After(now) {
		return river.JobSnooze(at.Sub(now))
	}
	return nil
}
