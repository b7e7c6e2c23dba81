package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// The teams pages: every team with its working calendar, first-touch
// policy, cadence, managers and members; a manager edits one (or makes a
// new one) in a form. The engine checks a team whole and names every
// problem at once.

// Config is what the settings of the process ask of it.
type Config interface {
	SaveTeam(ctx context.Context, t lead.Team) (lead.Team, error)
	DeleteTeam(ctx context.Context, id string) error
	SaveRule(ctx context.Context, r lead.AssignRule) (lead.AssignRule, error)
	DeleteRule(ctx context.Context, id string) error
}

// weekdays are the days as the forms list them, Monday first.
var weekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

type teamsData struct {
	User   *lead.User
	Teams  []lead.Team
	Names  map[string]string
	Days   []time.Weekday
	Notice string
}

func (s *server) teamsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	ts, err := s.Store.ListTeams(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, _, err := s.names(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := teamsData{User: &u, Teams: ts, Names: names, Days: weekdays}
	switch r.URL.Query().Get("done") {
	case "saved":
		d.Notice = "The team is saved. Customers assigned from now on follow it; running clocks keep their due times."
	case "deleted":
		d.Notice = "The team was deleted."
	}
	s.render(w, http.StatusOK, "teams", d)
}

// teamForm is a team as its form shows it.
type teamForm struct {
	ID, Name, TimeZone string
	Hours              map[time.Weekday]string
	Holidays           string
	TargetMinutes      string
	CapHours           string
	AtRiskPercent      string
	Cadence            string
	Default            bool
}

type memberRow struct {
	lead.User
	Member, Manager, OutOfOffice bool
	Capacity                     int
}

type teamData struct {
	User    *lead.User
	New     bool
	Form    teamForm
	Members []memberRow
	Days    []time.Weekday
	Error   string
}

// spansText writes a day's working spans as the form reads them.
func spansText(ss []lead.Span) string {
	var out []string
	for _, sp := range ss {
		out = append(out, fmt.Sprintf("%02d:%02d-%02d:%02d", sp.Start/60, sp.Start%60, sp.End/60, sp.End%60))
	}
	return strings.Join(out, ", ")
}

func formOfTeam(t lead.Team) teamForm {
	f := teamForm{ID: t.ID, Name: t.Name, TimeZone: t.Calendar.TimeZone, Hours: map[time.Weekday]string{}, Default: t.Default,
		TargetMinutes: strconv.Itoa(int(t.Policy.Target / time.Minute)),
		CapHours:      strconv.FormatFloat(t.Policy.CalendarCap.Hours(), 'f', -1, 64),
		AtRiskPercent: strconv.FormatFloat(t.Policy.AtRiskShare*100, 'f', -1, 64)}
	for _, wd := range weekdays {
		f.Hours[wd] = spansText(t.Calendar.Week[wd])
	}
	var hs, cs []string
	for _, h := range t.Calendar.Holidays {
		hs = append(hs, h.String())
	}
	for _, c := range t.Cadence {
		cs = append(cs, strconv.Itoa(c))
	}
	f.Holidays, f.Cadence = strings.Join(hs, "\n"), strings.Join(cs, ", ")
	return f
}

func (s *server) teamData(ctx context.Context, u *lead.User, t lead.Team, f teamForm, isNew bool) (teamData, error) {
	us, err := s.Store.ListUsers(ctx)
	if err != nil {
		return teamData{}, err
	}
	d := teamData{User: u, New: isNew, Form: f, Days: weekdays}
	for _, x := range us {
		if x.Disabled || !x.Role.Can(lead.PermCustomersEdit) {
			continue
		}
		row := memberRow{User: x, Manager: slices.Contains(t.Managers, x.ID)}
		for _, m := range t.Members {
			if m.UserID == x.ID {
				row.Member, row.Capacity, row.OutOfOffice = true, m.Capacity, m.OutOfOffice
			}
		}
		d.Members = append(d.Members, row)
	}
	return d, nil
}

// teamPage shows the form of a team (of a new one at /teams/new).
func (s *server) teamPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	id := r.PathValue("team")
	t := lead.Team{Calendar: lead.DefaultCalendar("UTC"), Policy: lead.DefaultSLAPolicy(), Cadence: lead.DefaultCadence}
	isNew := id == ""
	if !isNew {
		got, err := s.Store.GetTeam(ctx, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		t = *got
	}
	d, err := s.teamData(ctx, &u, t, formOfTeam(t), isNew)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "team", d)
}

// teamFromForm reads a team's form; problems are collected, not fatal,
// so that the page names them all.
func teamFromForm(v url.Values, id string) (lead.Team, teamForm, []string) {
	f := teamForm{ID: id, Name: strings.TrimSpace(v.Get("name")), TimeZone: strings.TrimSpace(v.Get("time_zone")),
		Hours: map[time.Weekday]string{}, Holidays: v.Get("holidays"), TargetMinutes: strings.TrimSpace(v.Get("target_minutes")),
		CapHours: strings.TrimSpace(v.Get("cap_hours")), AtRiskPercent: strings.TrimSpace(v.Get("at_risk_percent")),
		Cadence: strings.TrimSpace(v.Get("cadence"))}
	t := lead.Team{ID: id, Name: f.Name, Calendar: lead.Calendar{TimeZone: f.TimeZone}, Members: []lead.TeamMember{}, Managers: []string{}}
	var problems []string
	for _, wd := range weekdays {
		f.Hours[wd] = strings.TrimSpace(v.Get("hours_" + strconv.Itoa(int(wd))))
		spans, err := parseSpans(f.Hours[wd])
		if err != nil {
			problems = append(problems, wd.String()+": "+err.Error())
		}
		t.Calendar.Week[wd] = spans
	}
	for _, line := range strings.FieldsFunc(f.Holidays, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		var d lead.Date
		if err := d.UnmarshalText([]byte(line)); err != nil {
			problems = append(problems, "holiday "+strconv.Quote(line)+" is not YYYY-MM-DD")
			continue
		}
		t.Calendar.Holidays = append(t.Calendar.Holidays, d)
	}
	if n, err := strconv.Atoi(f.TargetMinutes); err != nil || n < 1 {
		problems = append(problems, "the first-touch target must be a whole number of minutes, 1 or more")
	} else {
		t.Policy.Target = time.Duration(n) * time.Minute
	}
	if h, err := strconv.ParseFloat(f.CapHours, 64); err != nil || h < 0 || h > 24*366 {
		problems = append(problems, "the calendar cap must be a number of hours, 0 (working time only) or more")
	} else {
		t.Policy.CalendarCap = time.Duration(h * float64(time.Hour))
	}
	if p, err := strconv.ParseFloat(f.AtRiskPercent, 64); err != nil || p <= 0 || p > 100 {
		problems = append(problems, "at risk after must be a percentage above 0 and at most 100")
	} else {
		t.Policy.AtRiskShare = p / 100
	}
	for _, c := range strings.FieldsFunc(f.Cadence, func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(c)
		if err != nil {
			problems = append(problems, "the cadence must be working days such as 1, 3, 7, 14")
			break
		}
		t.Cadence = append(t.Cadence, n)
	}
	if t.Cadence == nil {
		t.Cadence = []int{}
	}
	for _, uid := range v["member"] {
		m := lead.TeamMember{UserID: uid, OutOfOffice: v.Get("ooo_"+uid) == "on"}
		if c := strings.TrimSpace(v.Get("capacity_" + uid)); c != "" {
			n, err := strconv.Atoi(c)
			if err != nil || n < 0 {
				problems = append(problems, "a capacity must be a whole number, 0 for no limit")
			}
			m.Capacity = n
		}
		t.Members = append(t.Members, m)
	}
	t.Managers = append(t.Managers, v["manager"]...)
	return t, f, problems
}

// parseSpans reads "09:00-12:00, 13:00-17:00" ("" is a day off).
func parseSpans(s string) ([]lead.Span, error) {
	var out []lead.Span
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, b, ok := strings.Cut(strings.ReplaceAll(part, "–", "-"), "-")
		start, err1 := clockMinutes(a)
		end, err2 := clockMinutes(b)
		if !ok || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%q is not a span such as 09:00-17:00", part)
		}
		out = append(out, lead.Span{Start: start, End: end})
	}
	return out, nil
}

// clockMinutes reads "HH:MM" (24:00 allowed) as minutes after midnight.
func clockMinutes(s string) (int, error) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time of day", s)
	}
	return hh*60 + mm, nil
}

// saveTeam saves a team's form (a new team at POST /teams).
func (s *server) saveTeam(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	if !s.configForm(w, r, "/teams") {
		return
	}
	id := r.PathValue("team")
	t, f, problems := teamFromForm(r.PostForm, id)
	var err error
	if len(problems) == 0 {
		_, err = s.Config.SaveTeam(ctx, t)
	}
	if len(problems) > 0 || err != nil {
		if err != nil && lead.KindOf(err) != lead.KindInvalid && lead.KindOf(err) != lead.KindConflict {
			s.failBack(w, r, err, "/teams")
			return
		}
		d, derr := s.teamData(ctx, &u, t, f, id == "")
		if derr != nil {
			s.fail(w, r, derr)
			return
		}
		if err != nil {
			problems = append(problems, lead.MessageOf(err))
		}
		d.Error = strings.Join(problems, "; ")
		s.render(w, http.StatusBadRequest, "team", d)
		return
	}
	http.Redirect(w, r, "/teams?done=saved", http.StatusSeeOther)
}

func (s *server) deleteTeam(w http.ResponseWriter, r *http.Request) {
	if !s.configForm(w, r, "/teams") {
		return
	}
	if err := s.Config.DeleteTeam(r.Context(), r.PathValue("team")); err != nil {
		s.failBack(w, r, err, "/teams")
		return
	}
	http.Redirect(w, r, "/teams?done=deleted", http.StatusSeeOther)
}

// configForm reads a form of the teams or rules pages; it answers the
// request itself (and returns false) when the form cannot be used or the
// process does not run.
func (s *server) configForm(w http.ResponseWriter, r *http.Request, back string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "Bad request", "The form could not be read (it may be too large).", back, "Back")
		return false
	}
	if s.Config == nil {
		s.unavailable(w, back)
		return false
	}
	return true
}

// unavailable answers a change of the process when the process does not
// run.
func (s *server) unavailable(w http.ResponseWriter, back string) {
	s.message(w, http.StatusServiceUnavailable, "Unavailable", "The follow-up process runs with identity resolution (serve --resolve).", back, "Back")
}
