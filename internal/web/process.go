package web

import (
	"context"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
)

// The follow-up process in the web app: the process panel of the customer
// page with its forms (log an activity, change the stage, reassign,
// override the qualification), My queue and the Team board.

// Process is what the web app asks of the follow-up process: the engine's
// actions, each one transaction with its audit entry.
type Process interface {
	LogActivity(ctx context.Context, in process.ActivityInput) (lead.Activity, error)
	SetStage(ctx context.Context, customerID string, stage lead.ProcessStage, reason, by string) (lead.Process, error)
	Reassign(ctx context.Context, customerID, userID, teamID, reason, by string) (lead.Process, error)
	Override(ctx context.Context, customerID string, result lead.QualResult, reason, by string) (lead.Process, error)
}

// Call outcomes offered by the activity form (the API takes any short text).
var callOutcomes = []string{"connected", "left voicemail", "no answer", "wrong number", "meeting booked"}

func init() { maps.Copy(funcs, processFuncs) }

var processFuncs = template.FuncMap{
	// left says how long until t from now, or how long since: "in 1h 05m",
	// "12m 30s ago" (what the countdown script then keeps current).
	"left": func(t, now time.Time) string { return left(t.Sub(now)) },
	// slaText names a clock's state for people.
	"slaText": func(s lead.SLAStatus) string {
		switch s {
		case lead.SLAOnTrack:
			return "on track"
		case lead.SLAAtRisk:
			return "at risk"
		case lead.SLABreached:
			return "breached"
		case lead.SLAMet:
			return "met"
		}
		return "no clock"
	},
	// stageText names a process stage for people.
	"stageText": func(s lead.ProcessStage) string {
		if s == "" {
			return "none"
		}
		return strings.ToUpper(string(s[:1])) + string(s[1:])
	},
	// qualText names a qualification result for people.
	"qualText": func(q lead.QualResult) string {
		switch q {
		case lead.QualSalesReady:
			return "sales ready"
		case lead.QualNurture:
			return "nurture"
		case lead.QualDisqualified:
			return "disqualified"
		}
		return "not qualified yet"
	},
	// rows hands a list of processes to the board's table template.
	"rows": func(rs []lead.ProcessRow, names map[string]string, now time.Time) map[string]any {
		return map[string]any{"Rows": rs, "Names": names, "Now": now}
	},
	// points formats qualification points with their sign.
	"points": func(p int) string { return fmt.Sprintf("%+d", p) },
	// eventText and channelText name notification events and channels.
	"eventText": func(e lead.NotifyEvent) string {
		return map[lead.NotifyEvent]string{lead.EventAtRisk: "A first touch is at risk", lead.EventBreached: "A first touch is overdue",
			lead.EventAssigned: "A customer is assigned to you", lead.EventTaskOverdue: "A follow-up task is overdue",
			lead.EventDigest: "The daily digest"}[e]
	},
	"channelText": func(c lead.NotifyChannel) string {
		return map[lead.NotifyChannel]string{lead.NotifyInApp: "In leadhub", lead.NotifyEmail: "Email",
			lead.NotifySlack: "Slack", lead.NotifyTeams: "Teams"}[c]
	},
	// percent formats a share as a percentage.
	"percent": func(f float64) string { return strconv.FormatFloat(f*100, 'f', -1, 64) + "%" },
	// join lists values with commas.
	"join": func(xs []string) string { return strings.Join(xs, ", ") },
	// dur formats a duration in its non-zero parts ("2h", "1h 30m").
	"dur": dur,
}

// left formats d, positive in the future, as the countdown shows it.
func left(d time.Duration) string {
	if d >= 0 {
		return "in " + span(d)
	}
	return span(-d) + " ago"
}

// span formats a positive duration: "3d 4h", "2h 05m 10s", "4m 09s".
func span(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd %dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %02dm %02ds", d/time.Hour, d%time.Hour/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%dm %02ds", d/time.Minute, d%time.Minute/time.Second)
}

// dur formats d in hours, minutes and seconds, leaving out zero parts.
func dur(d time.Duration) string {
	d = d.Round(time.Second)
	var parts []string
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.d; n > 0 {
			parts = append(parts, strconv.Itoa(int(n))+u.name)
			d -= n * u.d
		}
	}
	if len(parts) == 0 {
		return "0m"
	}
	return strings.Join(parts, " ")
}

// processPanel is the process panel of the customer page.
type processPanel struct {
	Ready      bool // the process runs (serve --resolve)
	Process    *lead.Process
	Activities []lead.Activity
	Tasks      []lead.Task
	Names      map[string]string // user and team ids → names
	Users      []lead.User       // who a customer can be reassigned to
	Stages     []lead.ProcessStage
	Kinds      []lead.ActivityKind
	Outcomes   []string
	Results    []lead.QualResult
	Now        time.Time
}

// panel reads the process panel of a customer.
func (s *server) panel(ctx context.Context, customerID string) (processPanel, error) {
	p := processPanel{Ready: s.Process != nil, Now: s.Now(), Stages: lead.ProcessStages,
		Kinds:    []lead.ActivityKind{lead.ActivityCall, lead.ActivityEmail, lead.ActivityMeeting, lead.ActivityNote},
		Outcomes: callOutcomes, Results: []lead.QualResult{lead.QualSalesReady, lead.QualNurture, lead.QualDisqualified}}
	if !p.Ready {
		return p, nil
	}
	pr, err := s.Store.GetProcess(ctx, customerID)
	switch {
	case lead.KindOf(err) == lead.KindNotFound:
		return p, nil
	case err != nil:
		return p, err
	}
	p.Process = pr
	if p.Activities, err = s.Store.ListActivities(ctx, customerID); err != nil {
		return p, err
	}
	if p.Tasks, err = s.Store.ListTasks(ctx, lead.TaskFilter{CustomerID: customerID, State: lead.TaskOpen}); err != nil {
		return p, err
	}
	if p.Names, p.Users, err = s.names(ctx); err != nil {
		return p, err
	}
	return p, nil
}

// names maps user and team ids to names, and lists the users a customer
// can be given to (enabled, and in a role that works customers).
func (s *server) names(ctx context.Context) (map[string]string, []lead.User, error) {
	us, err := s.Store.ListUsers(ctx)
	if err != nil {
		return nil, nil, err
	}
	ts, err := s.Store.ListTeams(ctx)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{"system": "leadhub"}
	var owners []lead.User
	for _, u := range us {
		names[u.ID] = u.Email
		if u.DisplayName != "" {
			names[u.ID] = u.DisplayName
		}
		if !u.Disabled && u.Role.Can(lead.PermCustomersEdit) {
			owners = append(owners, u)
		}
	}
	for _, t := range ts {
		names[t.ID] = t.Name
	}
	return names, owners, nil
}

// processForm reads a form of the process panel; it answers the request
// itself (and returns false) when the form cannot be used or the process
// does not run.
func (s *server) processForm(w http.ResponseWriter, r *http.Request) (id, back string, ok bool) {
	id = r.PathValue("customer")
	back = "/customers/" + url.PathEscape(id)
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "Bad request", "The form could not be read (it may be too large).", back, "Back")
		return id, back, false
	}
	if s.Process == nil {
		s.unavailable(w, back)
		return id, back, false
	}
	return id, back, true
}

// logActivity logs a call, email, meeting or note on the page's customer.
func (s *server) logActivity(w http.ResponseWriter, r *http.Request) {
	id, back, ok := s.processForm(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	in := process.ActivityInput{CustomerID: id, Kind: lead.ActivityKind(f.Get("kind")),
		Body: strings.TrimSpace(f.Get("body")), By: userFrom(r.Context()).ID}
	if in.Kind == lead.ActivityCall {
		in.Outcome = strings.TrimSpace(f.Get("outcome"))
	}
	if _, err := s.Process.LogActivity(r.Context(), in); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	processDone(w, r, back, "activity")
}

// setStage moves the page's customer to another stage.
func (s *server) setStage(w http.ResponseWriter, r *http.Request) {
	id, back, ok := s.processForm(w, r)
	if !ok {
		return
	}
	st, err := lead.ParseProcessStage(r.PostForm.Get("stage"))
	if err == nil {
		_, err = s.Process.SetStage(r.Context(), id, st, strings.TrimSpace(r.PostForm.Get("reason")), userFrom(r.Context()).ID)
	}
	if err != nil {
		s.failBack(w, r, err, back)
		return
	}
	processDone(w, r, back, "stage")
}

// reassign gives the page's customer to another owner.
func (s *server) reassign(w http.ResponseWriter, r *http.Request) {
	id, back, ok := s.processForm(w, r)
	if !ok {
		return
	}
	owner, ok := s.formID(w, r, "owner", "the new owner", back)
	if !ok {
		return
	}
	if _, err := s.Process.Reassign(r.Context(), id, owner, "", strings.TrimSpace(r.PostForm.Get("reason")), userFrom(r.Context()).ID); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	processDone(w, r, back, "assign")
}

// override sets (or, with an empty result, removes) the manager's
// qualification of the page's customer.
func (s *server) override(w http.ResponseWriter, r *http.Request) {
	id, back, ok := s.processForm(w, r)
	if !ok {
		return
	}
	res := lead.QualResult(r.PostForm.Get("result"))
	if _, err := s.Process.Override(r.Context(), id, res, strings.TrimSpace(r.PostForm.Get("reason")), userFrom(r.Context()).ID); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	processDone(w, r, back, "override")
}

// processDone sends the browser back to the customer's process panel.
func processDone(w http.ResponseWriter, r *http.Request, path, what string) {
	http.Redirect(w, r, path+"?done="+url.QueryEscape(what)+"#process", http.StatusSeeOther)
}

func init() {
	notices["activity"] = "The activity was logged."
	notices["stage"] = "The stage was changed."
	notices["assign"] = "The customer was reassigned; the new owner was told."
	notices["override"] = "The qualification was overridden."
}
