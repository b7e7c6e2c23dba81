package lead

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// A Calendar is a team's working time: a time zone, the working spans of
// each weekday in local wall-clock time, and holidays (whole local days
// off). It is what the first-touch clock counts in.
//
// Working time is a set of instants: an instant is working when its local
// wall-clock reading in TimeZone falls inside a span of its local weekday
// (start included, end excluded) and its local date is not a holiday.
// Everything else follows from that definition, including daylight saving
// time:
//
//   - A span that contains a skipped hour (clocks jump from 02:00 to 03:00)
//     is shorter that day: 01:00–04:00 on a spring-forward day holds 2 hours
//     of working time. A span that lies wholly inside the skipped hour holds
//     none.
//   - A span that contains a repeated hour (clocks go back from 02:00 to
//     01:00) is longer that day: 01:00–04:00 on a fall-back day holds 4
//     hours, because the wall clock reads 01:00–02:00 twice. A span that
//     ends inside the repeated hour (00:00–01:30) holds both passes through
//     its part of it: 00:00–01:30 on the first pass, then 01:00–01:30
//     again after the clocks go back, 2 hours in all.
//   - Where the clocks go back at midnight (America/Santiago), the local
//     day before has 25 hours and its spans run accordingly.
//   - A day a zone skips altogether (Pacific/Apia skipped 30 December 2011
//     when it crossed the date line) has no working time.
//
// Add and Between measure real elapsed time within those instants, so
// Between(a, Add(a, d)) == d always holds, whatever the zone does.
//
// The methods assume a calendar that passes Validate. On one that does not,
// an unknown zone counts as UTC and a calendar without working time makes
// Add and Next return the zero Time.
type Calendar struct {
	// TimeZone is an IANA zone name such as "Europe/Berlin" or "UTC".
	TimeZone string `json:"time_zone"`
	// Week holds the working spans of each weekday, indexed by
	// time.Weekday (Week[time.Sunday] is Sunday), sorted and not
	// overlapping. A day may have several spans (09:00–12:00 and
	// 13:00–17:00) or none.
	Week [7][]Span `json:"week"`
	// Holidays are local dates on which nobody works.
	Holidays []Date `json:"holidays,omitempty"`
}

// A Span is working time within a day, from Start to End, in minutes after
// local midnight on the wall clock: 09:00–17:00 is {540, 1020}. End may be
// 1440 (24:00, the end of the day).
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

func (s Span) String() string {
	return fmt.Sprintf("%02d:%02d–%02d:%02d", s.Start/60, s.Start%60, s.End/60, s.End%60)
}

// A Date is a local calendar date, without a time or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// valid reports whether d names a real day of the Gregorian calendar.
func (d Date) valid() bool {
	if d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	return DateOf(time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)) == d
}

// MarshalText writes d as YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a YYYY-MM-DD date.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse("2006-01-02", string(b))
	if err != nil {
		return Errorf(KindInvalid, "lead: date %q is not YYYY-MM-DD", b)
	}
	*d = DateOf(t)
	return nil
}

// DefaultCalendar is the calendar of a fresh team: Monday to Friday, 09:00
// to 17:00 in tz, no holidays.
func DefaultCalendar(tz string) Calendar {
	c := Calendar{TimeZone: tz}
	for wd := time.Monday; wd <= time.Friday; wd++ {
		c.Week[wd] = []Span{{Start: 9 * 60, End: 17 * 60}}
	}
	return c
}

const minutesPerDay = 24 * 60

// Validate returns a KindInvalid error naming what is wrong: a missing or
// unknown time zone, a span outside 00:00–24:00 or ending before it
// starts, spans of a day out of order or overlapping, an impossible
// holiday date, or a week without any working time.
func (c Calendar) Validate() error {
	var problems []string
	switch c.TimeZone {
	case "":
		problems = append(problems, "a time zone is required (an IANA name such as Europe/Berlin)")
	case "Local":
		problems = append(problems, `time zone "Local" depends on the server; name the zone (an IANA name such as Europe/Berlin)`)
	default:
		if _, err := loadLocation(c.TimeZone); err != nil {
			problems = append(problems, fmt.Sprintf("unknown time zone %q", c.TimeZone))
		}
	}
	total := 0
	for wd, spans := range c.Week {
		day := time.Weekday(wd).String()
		for i, s := range spans {
			switch {
			case s.Start < 0 || s.Start >= minutesPerDay || s.End < 0 || s.End > minutesPerDay:
				problems = append(problems, fmt.Sprintf("%s: span %d (start %d, end %d minutes) is outside 00:00–24:00", day, i+1, s.Start, s.End))
				continue
			case s.End <= s.Start:
				problems = append(problems, fmt.Sprintf("%s: span %s ends before it starts", day, s))
				continue
			}
			total += s.End - s.Start
			if i > 0 {
				p := spans[i-1]
				if s.Start < p.Start {
					problems = append(problems, fmt.Sprintf("%s: spans are not in order (%s after %s)", day, s, p))
				} else if s.Start < p.End {
					problems = append(problems, fmt.Sprintf("%s: spans %s and %s overlap", day, p, s))
				}
			}
		}
	}
	if total == 0 {
		problems = append(problems, "the week has no working time")
	}
	for _, h := range c.Holidays {
		if !h.valid() {
			problems = append(problems, fmt.Sprintf("holiday %s is not a real date", h))
		}
	}
	if len(problems) > 0 {
		return Errorf(KindInvalid, "lead: calendar: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Working reports whether t is working time.
func (c Calendar) Working(t time.Time) bool {
	lt := t.In(c.location())
	if c.holiday(DateOf(lt)) {
		return false
	}
	h, m, s := lt.Clock()
	sec := (h*60+m)*60 + s
	for _, sp := range c.Week[lt.Weekday()] {
		if sec >= sp.Start*60 && sec < sp.End*60 {
			return true
		}
	}
	return false
}

func (c Calendar) holiday(d Date) bool {
	for _, h := range c.Holidays {
		if h == d {
			return true
		}
	}
	return false
}

// Next returns the first working instant at or after t: t itself when it
// is working time, else the start of the next span.
func (c Calendar) Next(t time.Time) time.Time {
	var next time.Time
	c.walk(t, func(a, _ time.Time) bool {
		next = a.In(t.Location())
		return false
	})
	return next
}

// Add returns the instant at which d of working time has elapsed after
// start. A start outside working time waits for the next working instant;
// the result may be the end of a span (d used up exactly there). A d of
// zero or less returns start.
func (c Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	var end time.Time
	left := d
	c.walk(start, func(a, b time.Time) bool {
		if n := b.Sub(a); n < left {
			left -= n
			return true
		}
		end = a.Add(left).In(start.Location())
		return false
	})
	return end
}

// Between returns the working time between a and b: negative when b is
// before a, so that Between(a, b) + Between(b, c) == Between(a, c) for any
// three instants.
func (c Calendar) Between(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.Between(b, a)
	}
	var sum time.Duration
	c.walk(a, func(s, e time.Time) bool {
		if !s.Before(b) {
			return false
		}
		if e.After(b) {
			e = b
		}
		sum += e.Sub(s)
		return true
	})
	return sum
}

// walk calls yield with the working intervals [a, b) at or after from, in
// order, clipped to start at from, until yield returns false. It walks the
// zone's periods of constant UTC offset (between DST transitions) and,
// within each, the local days and their spans, so its cost grows with the
// days walked, never with minutes. It gives up (returning) after more
// idle days in a row than a valid calendar can have, so that a calendar
// without working time does not loop for ever.
func (c Calendar) walk(from time.Time, yield func(a, b time.Time) bool) {
	loc := c.location()
	holidays := make(map[Date]bool, len(c.Holidays))
	for _, h := range c.Holidays {
		holidays[h] = true
	}
	// A valid week has a working day in every run of 7 days; each holiday
	// can lengthen a run by one day; DST gaps can eat a few more spans a
	// year. Beyond this, there is no working time to find.
	maxIdle := int64(7*(len(holidays)+2) + 400)
	idle := int64(0)
	t := from
	for {
		lt := t.In(loc)
		_, offset := lt.Zone()
		_, segEnd := lt.ZoneBounds() // zero when the zone never changes again
		if !segEnd.IsZero() && !segEnd.After(t) {
			// ZoneBounds can end a period at or before t: in Go 1.26,
			// for rules extended past the zone database's table (after
			// 2037), on 31 December (UTC) of leap years. Go on in
			// quarter hours, the step of every UTC offset and transition
			// since 1980, reading the offset again each time.
			segEnd = t.Truncate(15 * time.Minute).Add(15 * time.Minute)
		}
		off := int64(offset)
		// Local "naive" seconds: the wall clock read as if it were UTC.
		naive := t.Unix() + off
		lastDay := int64(-1 << 62)
		if !segEnd.IsZero() {
			lastDay = floorDiv(segEnd.Unix()+off-1, 86400)
		}
		for day := floorDiv(naive, 86400); segEnd.IsZero() || day <= lastDay; day++ {
			midnight := time.Unix(day*86400, 0).UTC()
			found := false
			if !holidays[DateOf(midnight)] {
				for _, sp := range c.Week[midnight.Weekday()] {
					a := time.Unix(day*86400+int64(sp.Start)*60-off, 0)
					b := time.Unix(day*86400+int64(sp.End)*60-off, 0)
					if a.Before(t) {
						a = t
					}
					if !segEnd.IsZero() && b.After(segEnd) {
						b = segEnd
					}
					if !a.Before(b) {
						continue
					}
					found = true
					if !yield(a, b) {
						return
					}
				}
			}
			if found {
				idle = 0
			} else if idle++; idle > maxIdle {
				return
			}
		}
		t = segEnd
	}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// locations caches loaded zones: time.LoadLocation reads the zone database
// each time it is called.
var locations sync.Map // string → *time.Location

func loadLocation(name string) (*time.Location, error) {
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

func (c Calendar) location() *time.Location {
	l, err := loadLocation(c.TimeZone)
	if err != nil {
		return time.UTC
	}
	return l
}

// An SLAPolicy is the first-touch target of a team or a rule. The clock
// starts when a customer becomes actionable (its arrival).
//
// By default (DefaultSLAPolicy) the due time is the earlier of 2 working
// hours after arrival and 24 calendar hours after it: Microsoft asks
// publishers to follow up within 24 hours, and a customer does not know
// or care about the team's weekend. So a lead that arrives on Friday at
// 16:30, with Monday to Friday 09:00–17:00, is due on Saturday at 16:30
// (the 24-hour cap comes before Monday 10:30). A team that chooses working
// time only (CalendarCap 0) gets Monday 10:30.
type SLAPolicy struct {
	// Target is the working time allowed before the first touch, one
	// minute or more.
	Target time.Duration `json:"target"`
	// CalendarCap bounds the due time in calendar time after arrival; 0
	// means working time only.
	CalendarCap time.Duration `json:"calendar_cap"`
	// AtRiskShare is the share of the time to due after which the clock is
	// at risk, in (0, 1]; 0.75 means at risk for the last quarter.
	AtRiskShare float64 `json:"at_risk_share"`
}

// DefaultSLAPolicy is 2 working hours, capped at 24 calendar hours, at
// risk after three quarters of the time.
func DefaultSLAPolicy() SLAPolicy {
	return SLAPolicy{Target: 2 * time.Hour, CalendarCap: 24 * time.Hour, AtRiskShare: 0.75}
}

// Validate returns a KindInvalid error for a target under a minute, a
// negative cap or an at-risk share outside (0, 1].
func (p SLAPolicy) Validate() error {
	var problems []string
	if p.Target < time.Minute {
		problems = append(problems, fmt.Sprintf("the target (%s) must be at least one minute", p.Target))
	}
	if p.CalendarCap < 0 {
		problems = append(problems, fmt.Sprintf("the calendar cap (%s) must be 0 (working time only) or positive", p.CalendarCap))
	}
	if !(p.AtRiskShare > 0 && p.AtRiskShare <= 1) {
		problems = append(problems, fmt.Sprintf("the at-risk share (%g) must be above 0 and at most 1", p.AtRiskShare))
	}
	if len(problems) > 0 {
		return Errorf(KindInvalid, "lead: SLA policy: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Due returns when the first touch of a customer that arrived at arrival
// is due under p in c, and when its clock becomes at risk. Due is
// c.Add(arrival, Target), or arrival+CalendarCap when the cap is set and
// earlier. The at-risk instant is AtRiskShare of the way to due, measured
// the way due was decided: in working time when the target decided it
// (c.Add(arrival, AtRiskShare×Target)), in calendar time when the cap did
// (arrival + AtRiskShare×CalendarCap). So arrival ≤ atRisk ≤ due.
func (p SLAPolicy) Due(c Calendar, arrival time.Time) (due, atRisk time.Time) {
	due = c.Add(arrival, p.Target)
	if p.CalendarCap > 0 {
		if capped := arrival.Add(p.CalendarCap); due.IsZero() || capped.Before(due) {
			return capped, arrival.Add(share(p.CalendarCap, p.AtRiskShare))
		}
	}
	return due, c.Add(arrival, share(p.Target, p.AtRiskShare))
}

func share(d time.Duration, s float64) time.Duration {
	return time.Duration(float64(d) * s)
}

// SLAStatus is where a first-touch clock stands.
type SLAStatus string

const (
	SLAOnTrack  SLAStatus = "on_track"
	SLAAtRisk   SLAStatus = "at_risk"  // at or past the at-risk instant, not yet due
	SLABreached SLAStatus = "breached" // past due without a touch, or touched after due
	SLAMet      SLAStatus = "met"      // touched at or before due
)

// SLAState is a first-touch clock at one moment.
type SLAState struct {
	Status SLAStatus `json:"status"`
	Due    time.Time `json:"due"`
	AtRisk time.Time `json:"at_risk"`
	// Touched is whether a first touch happened (at or before now); the
	// times to it are then the working and calendar time from arrival
	// (0 for a touch before arrival).
	Touched         bool          `json:"touched"`
	WorkingToTouch  time.Duration `json:"working_to_touch,omitempty"`
	CalendarToTouch time.Duration `json:"calendar_to_touch,omitempty"`
}

// State returns the state at now of the first-touch clock of a customer
// that arrived at arrival and was first touched at firstTouch (nil: not
// yet; a touch after now is not counted yet). A touch at or before due is
// met; a touch after due leaves the clock breached, with the times to the
// touch filled in all the same.
func (p SLAPolicy) State(c Calendar, arrival time.Time, firstTouch *time.Time, now time.Time) SLAState {
	due, atRisk := p.Due(c, arrival)
	st := SLAState{Due: due, AtRisk: atRisk}
	if firstTouch != nil && !firstTouch.After(now) {
		ft := *firstTouch
		st.Touched = true
		if ft.After(arrival) {
			st.WorkingToTouch = c.Between(arrival, ft)
			st.CalendarToTouch = ft.Sub(arrival)
		}
		if ft.After(due) {
			st.Status = SLABreached
		} else {
			st.Status = SLAMet
		}
		return st
	}
	switch {
	case now.After(due):
		st.Status = SLABreached
	case !now.Before(atRisk):
		st.Status = SLAAtRisk
	default:
		st.Status = SLAOnTrack
	}
	return st
}
