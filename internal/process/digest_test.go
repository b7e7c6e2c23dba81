package process

import (
	"testing"
	"time"
)

func TestDigestScheduleIsOnTheQuarterHour(t *testing.T) {
	for _, c := range []struct{ now, next string }{
		{"2026-12-07T07:59:59Z", "2026-12-07T08:00:00Z"},
		{"2026-12-07T08:00:00Z", "2026-12-07T08:15:00Z"},
		{"2026-12-07T02:29:00Z", "2026-12-07T02:30:00Z"},
		{"2026-12-31T23:50:00Z", "2027-01-01T00:00:00Z"},
	} {
		now, _ := time.Parse(time.RFC3339, c.now)
		if got := (quarterHours{}).Next(now).Format(time.RFC3339); got != c.next {
			t.Errorf("after %s: %s, want %s", c.now, got, c.next)
		}
	}
}
