package lead

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// local is a wall-clock time in zone tz. On a day when the wall clock
// repeats an hour it is the first pass (Go's choice for an ambiguous time,
// checked by TestLocalTakesTheFirstPass).
func local(t *testing.T, tz string, y int, mo time.Month, d, h, mi int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(y, mo, d, h, mi, 0, 0, loc)
}

func everyDay(tz string, spans ...Span) Calendar {
	c := Calendar{TimeZone: tz}
	for wd := range c.Week {
		c.Week[wd] = spans
	}
	return c
}

func hm(h, m int) int { return h*60 + m }

func TestLocalTakesTheFirstPass(t *testing.T) {
	// 2026-11-01 01:30 in New York happens twice; at must give EDT.
	got := local(t, "America/New_York", 2026, time.November, 1, 1, 30)
	if _, off := got.Zone(); off != -4*3600 {
		t.Fatalf("offset %d, want EDT", off)
	}
}

func TestCalendarAddHandChecked(t *testing.T) {
	ny := DefaultCalendar("America/New_York")
	split := DefaultCalendar("Europe/Berlin")
	for wd := time.Monday; wd <= time.Friday; wd++ {
		split.Week[wd] = []Span{{hm(9, 0), hm(12, 0)}, {hm(13, 0), hm(17, 0)}}
	}
	christmas := DefaultCalendar("Europe/Berlin")
	christmas.Holidays = []Date{{2026, time.December, 24}, {2026, time.December, 25}}
	nightNY := everyDay("America/New_York", Span{hm(1, 0), hm(4, 0)})
	nightBerlin := everyDay("Europe/Berlin", Span{hm(1, 0), hm(4, 0)})
	apia := everyDay("Pacific/Apia", Span{hm(9, 0), hm(17, 0)})

	utc := func(y int, mo time.Month, d, h, mi int) time.Time {
		return time.Date(y, mo, d, h, mi, 0, 0, time.UTC)
	}
	tests := []struct {
		name  string
		cal   Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"friday 16:30 + 2h is monday 10:30", ny,
			local(t, "America/New_York", 2026, time.December, 4, 16, 30), 2 * time.Hour,
			local(t, "America/New_York", 2026, time.December, 7, 10, 30)},
		{"saturday waits for monday 09:00", ny,
			local(t, "America/New_York", 2026, time.December, 5, 11, 0), 2 * time.Hour,
			local(t, "America/New_York", 2026, time.December, 7, 11, 0)},
		{"before opening waits for 09:00", ny,
			local(t, "America/New_York", 2026, time.December, 7, 6, 0), 30 * time.Minute,
			local(t, "America/New_York", 2026, time.December, 7, 9, 30)},
		{"ends exactly at closing", ny,
			local(t, "America/New_York", 2026, time.December, 7, 15, 0), 2 * time.Hour,
			local(t, "America/New_York", 2026, time.December, 7, 17, 0)},
		{"lunch break skipped", split,
			local(t, "Europe/Berlin", 2026, time.December, 7, 11, 30), time.Hour,
			local(t, "Europe/Berlin", 2026, time.December, 7, 13, 30)},
		{"lead on a holiday", christmas,
			local(t, "Europe/Berlin", 2026, time.December, 25, 10, 0), 2 * time.Hour,
			local(t, "Europe/Berlin", 2026, time.December, 28, 11, 0)},
		{"lead the day before two holidays", christmas,
			local(t, "Europe/Berlin", 2026, time.December, 23, 16, 0), 2 * time.Hour,
			local(t, "Europe/Berlin", 2026, time.December, 28, 10, 0)},
		{"1 minute", ny,
			local(t, "America/New_York", 2026, time.December, 7, 9, 0), time.Minute,
			local(t, "America/New_York", 2026, time.December, 7, 9, 1)},
		{"1 minute across the night", ny,
			local(t, "America/New_York", 2026, time.December, 7, 16, 59).Add(30 * time.Second), time.Minute,
			local(t, "America/New_York", 2026, time.December, 8, 9, 0).Add(30 * time.Second)},
		{"1 minute on a sunday", ny,
			local(t, "America/New_York", 2026, time.December, 6, 12, 0), time.Minute,
			local(t, "America/New_York", 2026, time.December, 7, 9, 1)},
		{"5 working days of 8h from monday 09:00", ny,
			local(t, "America/New_York", 2026, time.December, 7, 9, 0), 40 * time.Hour,
			local(t, "America/New_York", 2026, time.December, 11, 17, 0)},
		{"5 working days of 8h from wednesday 13:00", ny,
			local(t, "America/New_York", 2026, time.December, 9, 13, 0), 40 * time.Hour,
			local(t, "America/New_York", 2026, time.December, 16, 13, 0)},
		{"5 days (120h) is 15 working days", ny,
			local(t, "America/New_York", 2026, time.December, 7, 9, 0), 120 * time.Hour,
			local(t, "America/New_York", 2026, time.December, 25, 17, 0)},
		// 2026-03-08: New York skips 02:00–03:00, so 01:30 + 1h is 03:30.
		{"new york spring forward", nightNY,
			local(t, "America/New_York", 2026, time.March, 8, 1, 30), time.Hour,
			local(t, "America/New_York", 2026, time.March, 8, 3, 30)},
		{"new york spring forward, span shorter", nightNY,
			local(t, "America/New_York", 2026, time.March, 8, 1, 0), 2*time.Hour + time.Minute,
			local(t, "America/New_York", 2026, time.March, 9, 1, 1)},
		// 2026-11-01: New York repeats 01:00–02:00; 01:30 EDT + 1h is 01:30 EST.
		{"new york fall back", nightNY,
			local(t, "America/New_York", 2026, time.November, 1, 1, 30), time.Hour,
			utc(2026, time.November, 1, 6, 30)},
		{"new york fall back, span longer", nightNY,
			local(t, "America/New_York", 2026, time.November, 1, 1, 0), 4 * time.Hour,
			local(t, "America/New_York", 2026, time.November, 1, 4, 0)},
		// 2026-03-29, the last Sunday of March: Berlin skips 02:00–03:00.
		{"berlin last sunday of march", nightBerlin,
			local(t, "Europe/Berlin", 2026, time.March, 29, 1, 0), 2 * time.Hour,
			local(t, "Europe/Berlin", 2026, time.March, 29, 4, 0)},
		{"berlin last sunday of october", nightBerlin,
			local(t, "Europe/Berlin", 2026, time.October, 25, 1, 0), 4 * time.Hour,
			local(t, "Europe/Berlin", 2026, time.October, 25, 4, 0)},
		// Samoa crossed the date line: Thursday 29 December 2011 was followed
		// by Saturday 31 December.
		{"apia skipped friday 30 december 2011", apia,
			local(t, "Pacific/Apia", 2011, time.December, 29, 16, 0), 2 * time.Hour,
			local(t, "Pacific/Apia", 2011, time.December, 31, 10, 0)},
		// Kiritimati is UTC+14: its Friday 16:30 is Friday 02:30 UTC.
		{"kiritimati friday 16:30 + 2h", DefaultCalendar("Pacific/Kiritimati"),
			utc(2026, time.December, 4, 2, 30), 2 * time.Hour,
			utc(2026, time.December, 6, 20, 30)},
		// Pago Pago is UTC−11: its Friday 16:30 is Saturday 03:30 UTC.
		{"pago pago friday 16:30 + 2h", DefaultCalendar("Pacific/Pago_Pago"),
			utc(2026, time.December, 5, 3, 30), 2 * time.Hour,
			utc(2026, time.December, 7, 21, 30)},
		// Chatham is UTC+13:45 in (southern) summer.
		{"chatham friday 16:30 + 2h", DefaultCalendar("Pacific/Chatham"),
			local(t, "Pacific/Chatham", 2026, time.December, 4, 16, 30), 2 * time.Hour,
			utc(2026, time.December, 6, 20, 45)},
		{"kolkata half-hour zone", DefaultCalendar("Asia/Kolkata"),
			utc(2026, time.December, 7, 3, 0), time.Hour, // 08:30 IST
			utc(2026, time.December, 7, 4, 30)}, // 10:00 IST
		// 2026-10-04: Sydney goes from 02:00 to 03:00 (southern spring).
		{"sydney spring forward", everyDay("Australia/Sydney", Span{hm(0, 0), hm(24, 0)}),
			local(t, "Australia/Sydney", 2026, time.October, 4, 0, 0), 24 * time.Hour,
			local(t, "Australia/Sydney", 2026, time.October, 5, 1, 0)},
		// 2026-04-05 00:00: Santiago's clocks go back to 23:00 on the 4th,
		// which has 25 hours.
		{"santiago fall back at midnight", everyDay("America/Santiago", Span{hm(0, 0), hm(24, 0)}),
			local(t, "America/Santiago", 2026, time.April, 4, 0, 0), 24 * time.Hour,
			utc(2026, time.April, 5, 3, 0)}, // the second 23:00, at −04
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cal.Validate(); err != nil {
				t.Fatal(err)
			}
			got := tt.cal.Add(tt.start, tt.d)
			if !got.Equal(tt.want) {
				t.Fatalf("Add(%s, %s) = %s, want %s", tt.start, tt.d, got, tt.want)
			}
			if back := tt.cal.Between(tt.start, got); back != tt.d {
				t.Fatalf("Between(start, Add) = %s, want %s", back, tt.d)
			}
		})
	}
}

func TestCalendarBetweenHandChecked(t *testing.T) {
	nightNY := everyDay("America/New_York", Span{hm(1, 0), hm(4, 0)})
	allDayBerlin := everyDay("Europe/Berlin", Span{hm(0, 0), hm(24, 0)})
	tailNY := everyDay("America/New_York", Span{hm(0, 0), hm(1, 30)})
	ny := DefaultCalendar("America/New_York")
	ny.Holidays = []Date{{2026, time.December, 25}}
	tests := []struct {
		name string
		cal  Calendar
		a, b time.Time
		want time.Duration
	}{
		{"ordinary day", nightNY,
			local(t, "America/New_York", 2026, time.March, 7, 0, 0), local(t, "America/New_York", 2026, time.March, 7, 12, 0), 3 * time.Hour},
		{"spring-forward day loses the skipped hour", nightNY,
			local(t, "America/New_York", 2026, time.March, 8, 0, 0), local(t, "America/New_York", 2026, time.March, 8, 12, 0), 2 * time.Hour},
		{"fall-back day counts the repeated hour twice", nightNY,
			local(t, "America/New_York", 2026, time.November, 1, 0, 0), local(t, "America/New_York", 2026, time.November, 1, 12, 0), 4 * time.Hour},
		{"span ending inside the repeated hour", tailNY,
			local(t, "America/New_York", 2026, time.November, 1, 0, 0), local(t, "America/New_York", 2026, time.November, 1, 12, 0), 2 * time.Hour},
		{"berlin spring day is 23 hours", allDayBerlin,
			local(t, "Europe/Berlin", 2026, time.March, 29, 0, 0), local(t, "Europe/Berlin", 2026, time.March, 30, 0, 0), 23 * time.Hour},
		{"berlin autumn day is 25 hours", allDayBerlin,
			local(t, "Europe/Berlin", 2026, time.October, 25, 0, 0), local(t, "Europe/Berlin", 2026, time.October, 26, 0, 0), 25 * time.Hour},
		{"a week with a holiday", ny,
			local(t, "America/New_York", 2026, time.December, 21, 0, 0), local(t, "America/New_York", 2026, time.December, 28, 0, 0), 32 * time.Hour},
		{"a weekend is zero", ny,
			local(t, "America/New_York", 2026, time.December, 5, 0, 0), local(t, "America/New_York", 2026, time.December, 7, 0, 0), 0},
		{"reversed is negative", ny,
			local(t, "America/New_York", 2026, time.December, 7, 12, 0), local(t, "America/New_York", 2026, time.December, 7, 10, 0), -2 * time.Hour},
		// Past 2037 Go extends the zone's last rule; its ZoneBounds ends a
		// period a day early on 31 December of a leap year.
		{"new year's eve of a leap year past the zone table", everyDay("America/New_York", Span{hm(0, 0), hm(24, 0)}),
			local(t, "America/New_York", 2040, time.December, 30, 0, 0), local(t, "America/New_York", 2041, time.January, 2, 0, 0), 72 * time.Hour},
		{"apia 2011 lost a friday", DefaultCalendar("Pacific/Apia"),
			local(t, "Pacific/Apia", 2011, time.December, 26, 0, 0), local(t, "Pacific/Apia", 2012, time.January, 2, 0, 0), 32 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Between(tt.a, tt.b); got != tt.want {
				t.Fatalf("Between = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCalendarWorkingAndNext(t *testing.T) {
	c := DefaultCalendar("America/New_York")
	c.Holidays = []Date{{2026, time.December, 25}}
	tests := []struct {
		name    string
		t       time.Time
		working bool
		next    time.Time
	}{
		{"inside", local(t, "America/New_York", 2026, time.December, 7, 10, 0), true, local(t, "America/New_York", 2026, time.December, 7, 10, 0)},
		{"opening is working", local(t, "America/New_York", 2026, time.December, 7, 9, 0), true, local(t, "America/New_York", 2026, time.December, 7, 9, 0)},
		{"closing is not", local(t, "America/New_York", 2026, time.December, 7, 17, 0), false, local(t, "America/New_York", 2026, time.December, 8, 9, 0)},
		{"weekend", local(t, "America/New_York", 2026, time.December, 6, 10, 0), false, local(t, "America/New_York", 2026, time.December, 7, 9, 0)},
		{"holiday", local(t, "America/New_York", 2026, time.December, 25, 10, 0), false, local(t, "America/New_York", 2026, time.December, 28, 9, 0)},
		{"other zone, same instant", time.Date(2026, time.December, 7, 15, 0, 0, 0, time.UTC), true, time.Date(2026, time.December, 7, 15, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Working(tt.t); got != tt.working {
				t.Errorf("Working = %v, want %v", got, tt.working)
			}
			if got := c.Next(tt.t); !got.Equal(tt.next) {
				t.Errorf("Next = %s, want %s", got, tt.next)
			}
		})
	}
}

func TestCalendarValidate(t *testing.T) {
	ok := DefaultCalendar("Europe/Berlin")
	mod := func(f func(c *Calendar)) Calendar {
		c := DefaultCalendar("Europe/Berlin")
		f(&c)
		return c
	}
	tests := []struct {
		name string
		cal  Calendar
		want string // "" for valid
	}{
		{"default", ok, ""},
		{"utc", DefaultCalendar("UTC"), ""},
		{"24:00 end", mod(func(c *Calendar) { c.Week[time.Saturday] = []Span{{hm(20, 0), hm(24, 0)}} }), ""},
		{"touching spans", mod(func(c *Calendar) { c.Week[time.Monday] = []Span{{hm(9, 0), hm(12, 0)}, {hm(12, 0), hm(17, 0)}} }), ""},
		{"no zone", DefaultCalendar(""), "a time zone is required"},
		{"local zone", DefaultCalendar("Local"), `time zone "Local" depends on the server`},
		{"unknown zone", DefaultCalendar("Mars/Olympus_Mons"), `unknown time zone "Mars/Olympus_Mons"`},
		{"end before start", mod(func(c *Calendar) { c.Week[time.Monday] = []Span{{hm(17, 0), hm(9, 0)}} }), "Monday: span 17:00–09:00 ends before it starts"},
		{"empty span", mod(func(c *Calendar) { c.Week[time.Monday] = []Span{{hm(9, 0), hm(9, 0)}} }), "ends before it starts"},
		{"past 24:00", mod(func(c *Calendar) { c.Week[time.Tuesday] = []Span{{hm(20, 0), hm(24, 1)}} }), "Tuesday: span 1 (start 1200, end 1441 minutes) is outside 00:00–24:00"},
		{"negative", mod(func(c *Calendar) { c.Week[time.Tuesday] = []Span{{-1, hm(1, 0)}} }), "outside 00:00–24:00"},
		{"start at 24:00", mod(func(c *Calendar) { c.Week[time.Tuesday] = []Span{{hm(24, 0), hm(24, 0)}} }), "outside 00:00–24:00"},
		{"overlap", mod(func(c *Calendar) { c.Week[time.Monday] = []Span{{hm(9, 0), hm(13, 0)}, {hm(12, 0), hm(17, 0)}} }), "Monday: spans 09:00–13:00 and 12:00–17:00 overlap"},
		{"unsorted", mod(func(c *Calendar) { c.Week[time.Monday] = []Span{{hm(13, 0), hm(17, 0)}, {hm(9, 0), hm(12, 0)}} }), "Monday: spans are not in order (09:00–12:00 after 13:00–17:00)"},
		{"no working time", Calendar{TimeZone: "UTC"}, "the week has no working time"},
		{"bad holiday", mod(func(c *Calendar) { c.Holidays = []Date{{2026, time.February, 30}} }), "holiday 2026-02-30 is not a real date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cal.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate accepted it, want %q", tt.want)
			}
			if KindOf(err) != KindInvalid {
				t.Errorf("kind %s, want invalid", KindOf(err))
			}
			if msg := MessageOf(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
		})
	}
}

func TestCalendarWithoutWorkingTimeTerminates(t *testing.T) {
	c := Calendar{TimeZone: "UTC"}
	start := time.Date(2026, time.December, 7, 0, 0, 0, 0, time.UTC)
	if got := c.Add(start, time.Hour); !got.IsZero() {
		t.Errorf("Add = %s, want the zero time", got)
	}
	if got := c.Next(start); !got.IsZero() {
		t.Errorf("Next = %s, want the zero time", got)
	}
	// A year of holidays: the walk passes them and finds the first day after.
	y := DefaultCalendar("UTC")
	for d := start; d.Year() == 2026 || d.Before(time.Date(2027, time.December, 7, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		y.Holidays = append(y.Holidays, DateOf(d))
	}
	want := time.Date(2027, time.December, 7, 10, 0, 0, 0, time.UTC) // a Tuesday
	if got := y.Add(start, time.Hour); !got.Equal(want) {
		t.Errorf("Add over a year of holidays = %s, want %s", got, want)
	}
}

func TestDateJSON(t *testing.T) {
	b, err := json.Marshal([]Date{{2026, time.December, 25}})
	if err != nil || string(b) != `["2026-12-25"]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var ds []Date
	if err := json.Unmarshal([]byte(`["2027-01-01"]`), &ds); err != nil || ds[0] != (Date{2027, time.January, 1}) {
		t.Fatalf("Unmarshal = %v, %v", ds, err)
	}
	if err := json.Unmarshal([]byte(`["2027-02-30"]`), &ds); err == nil {
		t.Fatal("Unmarshal accepted 2027-02-30")
	}
}

func TestSLADueHandChecked(t *testing.T) {
	ny := DefaultCalendar("America/New_York")
	def := DefaultSLAPolicy()
	workingOnly := def
	workingOnly.CalendarCap = 0
	friday := local(t, "America/New_York", 2026, time.December, 4, 16, 30)
	tests := []struct {
		name        string
		policy      SLAPolicy
		arrival     time.Time
		due, atRisk time.Time
	}{
		// The weekend case: 2 working hours would be Monday 10:30, but the
		// 24-hour cap comes first, and its at-risk point is 18 calendar
		// hours in.
		{"weekend, default cap", def, friday,
			local(t, "America/New_York", 2026, time.December, 5, 16, 30),
			local(t, "America/New_York", 2026, time.December, 5, 10, 30)},
		{"weekend, working time only", workingOnly, friday,
			local(t, "America/New_York", 2026, time.December, 7, 10, 30),
			local(t, "America/New_York", 2026, time.December, 7, 10, 0)},
		{"weekday, target decides", def,
			local(t, "America/New_York", 2026, time.December, 7, 10, 0),
			local(t, "America/New_York", 2026, time.December, 7, 12, 0),
			local(t, "America/New_York", 2026, time.December, 7, 11, 30)},
		{"tuesday evening, target decides", def,
			local(t, "America/New_York", 2026, time.December, 8, 20, 0),
			local(t, "America/New_York", 2026, time.December, 9, 11, 0),
			local(t, "America/New_York", 2026, time.December, 9, 10, 30)},
		{"1-minute target", SLAPolicy{Target: time.Minute, CalendarCap: 24 * time.Hour, AtRiskShare: 0.5},
			local(t, "America/New_York", 2026, time.December, 7, 10, 0),
			local(t, "America/New_York", 2026, time.December, 7, 10, 1),
			local(t, "America/New_York", 2026, time.December, 7, 10, 0).Add(30 * time.Second)},
		{"5-day target, working time only", SLAPolicy{Target: 40 * time.Hour, AtRiskShare: 0.75},
			local(t, "America/New_York", 2026, time.December, 7, 9, 0),
			local(t, "America/New_York", 2026, time.December, 11, 17, 0),
			local(t, "America/New_York", 2026, time.December, 10, 15, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.policy.Validate(); err != nil {
				t.Fatal(err)
			}
			due, atRisk := tt.policy.Due(ny, tt.arrival)
			if !due.Equal(tt.due) || !atRisk.Equal(tt.atRisk) {
				t.Fatalf("Due = %s, at risk %s; want %s, %s", due, atRisk, tt.due, tt.atRisk)
			}
		})
	}
}

func TestSLAState(t *testing.T) {
	ny := DefaultCalendar("America/New_York")
	p := DefaultSLAPolicy()
	arrival := local(t, "America/New_York", 2026, time.December, 7, 10, 0) // due 12:00, at risk 11:30
	tm := func(h, m int) time.Time { return local(t, "America/New_York", 2026, time.December, 7, h, m) }
	ptr := func(x time.Time) *time.Time { return &x }
	friday := local(t, "America/New_York", 2026, time.December, 4, 16, 30)
	tests := []struct {
		name                 string
		arrival              time.Time
		touch                *time.Time
		now                  time.Time
		want                 SLAStatus
		working, calendarDur time.Duration
	}{
		{"on track", arrival, nil, tm(11, 0), SLAOnTrack, 0, 0},
		{"before arrival", arrival, nil, tm(9, 0), SLAOnTrack, 0, 0},
		{"at risk", arrival, nil, tm(11, 30), SLAAtRisk, 0, 0},
		{"due instant is not yet breached", arrival, nil, tm(12, 0), SLAAtRisk, 0, 0},
		{"breached", arrival, nil, tm(12, 1), SLABreached, 0, 0},
		{"met", arrival, ptr(tm(10, 45)), tm(15, 0), SLAMet, 45 * time.Minute, 45 * time.Minute},
		{"met at due", arrival, ptr(tm(12, 0)), tm(15, 0), SLAMet, 2 * time.Hour, 2 * time.Hour},
		{"touched late stays breached", arrival, ptr(tm(13, 0)), tm(15, 0), SLABreached, 3 * time.Hour, 3 * time.Hour},
		{"touch in the future not counted", arrival, ptr(tm(11, 0)), tm(10, 30), SLAOnTrack, 0, 0},
		{"weekend touch counts no working time", friday, ptr(local(t, "America/New_York", 2026, time.December, 5, 9, 0)), tm(9, 0),
			SLAMet, 30 * time.Minute, 16*time.Hour + 30*time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := p.State(ny, tt.arrival, tt.touch, tt.now)
			if st.Status != tt.want {
				t.Fatalf("status %s, want %s (due %s, at risk %s)", st.Status, tt.want, st.Due, st.AtRisk)
			}
			if st.WorkingToTouch != tt.working || st.CalendarToTouch != tt.calendarDur {
				t.Errorf("to touch %s working, %s calendar; want %s, %s", st.WorkingToTouch, st.CalendarToTouch, tt.working, tt.calendarDur)
			}
			if st.Touched != (tt.working != 0 || tt.calendarDur != 0) {
				t.Errorf("touched %v", st.Touched)
			}
		})
	}
}

func TestSLAPolicyValidate(t *testing.T) {
	tests := []struct {
		name string
		p    SLAPolicy
		want string
	}{
		{"default", DefaultSLAPolicy(), ""},
		{"working time only", SLAPolicy{Target: time.Minute, AtRiskShare: 1}, ""},
		{"under a minute", SLAPolicy{Target: 59 * time.Second, AtRiskShare: 0.5}, "at least one minute"},
		{"negative cap", SLAPolicy{Target: time.Hour, CalendarCap: -time.Hour, AtRiskShare: 0.5}, "calendar cap"},
		{"zero share", SLAPolicy{Target: time.Hour}, "at-risk share (0)"},
		{"share above 1", SLAPolicy{Target: time.Hour, AtRiskShare: 1.5}, "at-risk share (1.5)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || KindOf(err) != KindInvalid || !strings.Contains(MessageOf(err), tt.want) {
				t.Fatalf("Validate = %v, want invalid with %q", err, tt.want)
			}
		})
	}
}

func BenchmarkCalendarAdd(b *testing.B) {
	c := DefaultCalendar("Europe/Berlin")
	for d := 1; d <= 365; d += 30 {
		c.Holidays = append(c.Holidays, DateOf(time.Date(2026, time.January, d, 0, 0, 0, 0, time.UTC)))
	}
	start := time.Date(2026, time.March, 27, 15, 0, 0, 0, time.UTC)
	for _, d := range []time.Duration{2 * time.Hour, 5 * 24 * time.Hour} {
		b.Run(d.String(), func(b *testing.B) {
			for b.Loop() {
				c.Add(start, d)
			}
		})
	}
}
