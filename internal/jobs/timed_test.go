package jobs_test

import (
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/leadhub/leadhub/internal/jobs"
)

// A timed job is scheduled jobs.SchedulerLead before its instant and, started
// early, snoozes exactly until the instant; at or after it, it works.
func TestTimedJobsStartEarlyAndSnoozeToTheInstant(t *testing.T) {
	at := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	if got := jobs.ScheduleFor(at); !got.Equal(at.Add(-5 * time.Second)) {
		t.Fatalf("ScheduleFor(%v) = %v, want 5 s before", at, got)
	}
	for _, c := range []struct {
		now  time.Time
		want time.Duration // 0: no snooze
	}{
		{at.Add(-5 * time.Second), 5 * time.Second},
		{at.Add(-1200 * time.Millisecond), 1200 * time.Millisecond},
		{at, 0},
		{at.Add(time.Minute), 0},
	} {
		err := jobs.Wait(at, c.now)
		var sn *rivertype.JobSnoozeError
		switch {
		case c.want == 0 && err != nil:
			t.Errorf("now %v: got %v, want to work now", c.now, err)
		case c.want != 0 && (!errors.As(err, &sn) || sn.Duration != c.want):
			t.Errorf("now %v: got %v, want a snooze of %v", c.now, err, c.want)
		}
	}
	if err := jobs.Wait(time.Time{}, at); err != nil {
		t.Fatalf("a job without an instant (enqueued before it had one) must work at once, got %v", err)
	}
}
