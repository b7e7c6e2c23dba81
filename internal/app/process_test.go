package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// leadBody is a marketplace lead of the HTTPS endpoint.
func leadBody(first, last, email, company, title, action string) []byte {
	return fmt.Appendf(nil, `{"UserDetails":{"FirstName":%q,"LastName":%q,"Email":%q,"Phone":"+49 30 1234567","Country":"DE","Company":%q,"Title":%q},`+
		`"LeadSource":"AzureMarketplace","ActionCode":%q,"OfferTitle":"Contoso CRM","Description":"contoso.crm"}`,
		first, last, email, company, title, action)
}

func post(t *testing.T, url string, body []byte) {
	t.Helper()
	resp, b := apitest.Do(t, "POST", url, "", body, map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST lead: %d %s", resp.StatusCode, b)
	}
}

// waitFor waits for cond (checked every 50 ms) up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(d)
	last := ""
	for time.Now().Before(deadline) {
		ok, s := cond()
		if ok {
			return
		}
		last = s
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: not after %s (%s)", what, d, last)
}

func mkUser(t *testing.T, st *store.Store, email string, role lead.Role) lead.User {
	t.Helper()
	u := lead.User{ID: ulid.Make().String(), Email: email, DisplayName: strings.Split(email, "@")[0], Role: role}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	return u
}

// customerOf returns the customer of the lead with email (waiting for it).
func customerOf(t *testing.T, st *store.Store, email string) string {
	t.Helper()
	var id string
	waitFor(t, 10*time.Second, "resolving "+email, func() (bool, string) {
		cs, err := st.ListCustomers(context.Background(), lead.CustomerFilter{Query: email, Limit: 5})
		if err != nil || len(cs.Customers) == 0 {
			return false, fmt.Sprint(err)
		}
		id = cs.Customers[0].ID
		return true, ""
	})
	return id
}

// processOf waits for a customer's process.
func processOf(t *testing.T, st *store.Store, customer string, within time.Duration) *lead.Process {
	t.Helper()
	var p *lead.Process
	waitFor(t, within, "the process of "+customer, func() (bool, string) {
		var err error
		p, err = st.GetProcess(context.Background(), customer)
		return err == nil, fmt.Sprint(err)
	})
	return p
}

// A fresh install routes every actionable customer: a team, an owner, a
// clock computed in the team's working time; a colleague goes to the
// owner of the account; DNC and test customers get no process; a call
// stops the clock and plans the follow-up tasks.
func TestProcessFreshInstall(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			srv := apitest.StartAppOn(t, e.NewDSN(t), app.Defaults(), slog.New(slog.DiscardHandler))
			st, ctx := srv.Store, context.Background()
			mgr := mkUser(t, st, "mia@publisher.example", lead.RoleManager)
			ana := mkUser(t, st, "ana@publisher.example", lead.RoleRep)
			mkUser(t, st, "vic@publisher.example", lead.RoleViewer)

			start := time.Now()
			post(t, srv.IngestURL, leadBody("Hanna", "Berg", "hanna.berg@contoso.com", "Contoso GmbH", "CTO", "INS"))
			first := customerOf(t, st, "hanna.berg@contoso.com")
			p := processOf(t, st, first, 5*time.Second)
			t.Logf("assigned %s after the POST", time.Since(start).Round(time.Millisecond))
			if p.Stage != lead.ProcessNew || p.TeamID != process.DefaultTeamID || (p.OwnerID != mgr.ID && p.OwnerID != ana.ID) {
				t.Fatalf("process: stage %s team %s owner %s (%s)", p.Stage, p.TeamID, p.OwnerID, p.Assignment.Reason)
			}
			team, err := st.GetTeam(ctx, p.TeamID)
			if err != nil {
				t.Fatal(err)
			}
			due, risk := lead.DefaultSLAPolicy().Due(team.Calendar, p.SLA.StartedAt)
			if !p.SLA.DueAt.Equal(due) || !p.SLA.AtRiskAt.Equal(risk) || p.SLA.Clock != 1 {
				t.Errorf("clock: due %s at risk %s (clock %d), want %s and %s", p.SLA.DueAt, p.SLA.AtRiskAt, p.SLA.Clock, due, risk)
			}
			if p.Qualification.Result != lead.QualSalesReady || len(p.Qualification.Reasons) == 0 {
				t.Errorf("qualification: %+v", p.Qualification)
			}
			ns, err := st.ListNotifications(ctx, p.OwnerID, lead.NotificationFilter{Limit: 10})
			if err != nil || len(ns) != 1 || ns[0].Event != lead.EventAssigned || ns[0].CustomerID != first {
				t.Errorf("the owner's notifications: %+v (%v)", ns, err)
			}

			// A colleague (same domain, company, country, switchboard) goes
			// to the owner of the account; a DNC and a test customer get no
			// process at all.
			post(t, srv.IngestURL, leadBody("Jonas", "Weber", "jonas.weber@contoso.com", "Contoso GmbH", "Developer", "PLT"))
			post(t, srv.IngestURL, leadBody("Lena", "Koch", "lena.koch@contoso.com", "Contoso GmbH", "Buyer", "DNC"))
			post(t, srv.IngestURL, leadBody("MSFT_TEST", "Lead", "msft_test@contoso.com", "Contoso GmbH", "Tester", "INS"))
			colleague := processOf(t, st, customerOf(t, st, "jonas.weber@contoso.com"), 5*time.Second)
			if colleague.OwnerID != p.OwnerID || colleague.Assignment.RuleID != "account-owner" {
				t.Errorf("colleague: owner %s by %q (%s), want %s by the account-owner rule", colleague.OwnerID,
					colleague.Assignment.RuleID, colleague.Assignment.Reason, p.OwnerID)
			}
			for _, email := range []string{"lena.koch@contoso.com", "msft_test@contoso.com"} {
				c := customerOf(t, st, email)
				waitFor(t, 5*time.Second, "the queue drained", func() (bool, string) {
					n, err := st.CountDirtyProcesses(ctx)
					return err == nil && n == 0, fmt.Sprint(n, err)
				})
				if _, err := st.GetProcess(ctx, c); lead.KindOf(err) != lead.KindNotFound {
					t.Errorf("%s has a process (%v)", email, err)
				}
			}

			// A call stops the clock and plans the cadence's tasks.
			touch := time.Now()
			if _, err := srv.Process.LogActivity(ctx, process.ActivityInput{CustomerID: first, Kind: lead.ActivityCall,
				Outcome: "connected", Body: "Asked for a demo next week", By: p.OwnerID}); err != nil {
				t.Fatal(err)
			}
			p2, err := st.GetProcess(ctx, first)
			if err != nil {
				t.Fatal(err)
			}
			if p2.Stage != lead.ProcessContacted || p2.SLA.State != lead.SLAMet || p2.SLA.FirstTouchAt == nil ||
				p2.SLA.CalendarToTouch <= 0 || p2.SLA.CalendarToTouch > time.Since(p.SLA.StartedAt) {
				t.Errorf("after the call: stage %s, sla %+v", p2.Stage, p2.SLA)
			}
			tasks, err := st.ListTasks(ctx, lead.TaskFilter{CustomerID: first})
			if err != nil || len(tasks) != len(lead.DefaultCadence) {
				t.Fatalf("tasks: %d (%v), want %d", len(tasks), err, len(lead.DefaultCadence))
			}
			for i, k := range tasks {
				if want := process.WorkingDayEnd(team.Calendar, touch, lead.DefaultCadence[i]); !k.DueAt.Equal(want) || k.OwnerID != p.OwnerID {
					t.Errorf("task %d: due %s owner %s, want %s", i, k.DueAt, k.OwnerID, want)
				}
			}
			// A task's due job tells its owner once, even when it runs again
			// (a retry after it committed).
			overdue := func() int {
				notes, err := st.ListNotifications(ctx, p.OwnerID, lead.NotificationFilter{Limit: 100})
				if err != nil {
					t.Fatal(err)
				}
				n := 0
				for _, x := range notes {
					if x.Event == lead.EventTaskOverdue {
						n++
					}
				}
				return n
			}
			dueJob := &process.TaskWorker{E: srv.Process}
			for range 2 {
				if err := dueJob.Work(ctx, &river.Job[process.TaskArgs]{Args: process.TaskArgs{TaskID: tasks[0].ID}}); err != nil {
					t.Fatal(err)
				}
			}
			if n := overdue(); n != 1 {
				t.Errorf("task-overdue notifications after two runs of the job: %d, want 1", n)
			}
			// Qualifying cancels the open tasks.
			if _, err := srv.Process.SetStage(ctx, first, lead.ProcessQualified, "budget and timeline confirmed", mgr.ID); err != nil {
				t.Fatal(err)
			}
			open, _ := st.ListTasks(ctx, lead.TaskFilter{CustomerID: first, State: lead.TaskOpen})
			if len(open) != 0 {
				t.Errorf("%d tasks still open after qualified", len(open))
			}
			// A cancelled task is not overdue.
			if err := dueJob.Work(ctx, &river.Job[process.TaskArgs]{Args: process.TaskArgs{TaskID: tasks[1].ID}}); err != nil {
				t.Fatal(err)
			}
			if n := overdue(); n != 1 {
				t.Errorf("task-overdue notifications after a cancelled task's job: %d, want 1", n)
			}
		})
	}
}

// mailpit is the SMTP server the test script starts, or nothing (skip;
// under CI=true a failure).
func mailpit(t *testing.T) (smtpAddr, api string) {
	smtpAddr, api = os.Getenv("LEADHUB_TEST_MAILPIT_SMTP"), os.Getenv("LEADHUB_TEST_MAILPIT_API")
	if smtpAddr == "" || api == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LEADHUB_TEST_MAILPIT_SMTP/_API are not set: scripts/test.sh starts mailpit")
		}
		t.Skip("no mailpit: run through scripts/test.sh (LEADHUB_TEST_MAILPIT_SMTP/_API)")
	}
	return smtpAddr, api
}

// mails returns the messages mailpit holds for to, by subject.
func mails(t *testing.T, api, to string) map[string]int {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/search?query=" + strings.ReplaceAll("to:"+to, "@", "%40") + "&limit=200")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Messages []struct{ Subject string } `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, x := range out.Messages {
		m[x.Subject]++
	}
	return m
}

// slackFake counts the messages posted to it by their text's first word.
type slackFake struct {
	mu   sync.Mutex
	seen map[string]int
}

func (f *slackFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var m struct{ Text string }
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &m)
	f.mu.Lock()
	f.seen[strings.SplitN(m.Text, ":", 2)[0]]++
	f.mu.Unlock()
	io.WriteString(w, "ok")
}

func (f *slackFake) count(word string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for k, v := range f.seen {
		if strings.Contains(k, word) {
			n += v
		}
	}
	return n
}

// On a real clock: a team with a 1-minute first-touch target (at risk
// after half of it, every hour a working hour) and a rule routing to it;
// a lead through the HTTPS endpoint is assigned within a second; the
// at-risk and breach emails reach a real SMTP server and the Slack fake
// exactly once each; a call then stops the clock (breached: late) and
// plans the follow-up tasks.
func TestProcessClockOnRealTime(t *testing.T) {
	smtpAddr, mailAPI := mailpit(t)
	host, portS, _ := net.SplitHostPort(smtpAddr)
	port, _ := strconv.Atoi(portS)
	slack := &slackFake{seen: map[string]int{}}
	hook := httptest.NewServer(slack)
	t.Cleanup(hook.Close)
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			c := app.Defaults()
			c.Notify = notify.Config{SMTP: notify.SMTPConfig{Host: host, Port: port, From: "leadhub <leadhub@publisher.example>", TLS: notify.TLSNone},
				SlackWebhookURL: hook.URL}
			srv := apitest.StartAppOn(t, e.NewDSN(t), c, slog.New(slog.DiscardHandler))
			st, ctx := srv.Store, context.Background()
			tag := strings.ToLower(ulid.Make().String()[20:])
			rep, boss := fastTeam(t, st, tag)
			email := "kai.tanaka-" + tag + "@fabrikam.com"
			posted := time.Now()
			post(t, srv.IngestURL, leadBody("Kai", "Tanaka", email, "Fabrikam KK", "Head of IT", "INS"))
			cust := customerOf(t, st, email)
			p := processOf(t, st, cust, time.Second+time.Since(posted))
			if took := time.Since(posted); took > time.Second {
				t.Errorf("assigned %s after the POST, want within 1 s", took)
			}
			if p.OwnerID != rep.ID || p.TeamID != "fast" {
				t.Fatalf("owner %s team %s (%s)", p.OwnerID, p.TeamID, p.Assignment.Reason)
			}
			if want := p.SLA.StartedAt.Add(time.Minute); !p.SLA.DueAt.Equal(want) {
				t.Errorf("due %s, want %s", p.SLA.DueAt, want)
			}
			waitFor(t, 90*time.Second, "the breach emails", func() (bool, string) {
				b, r := mails(t, mailAPI, boss.Email), mails(t, mailAPI, rep.Email)
				return countPrefix(b, "Breached") == 1 && countPrefix(r, "Breached") == 1 && countPrefix(r, "At risk") == 1,
					fmt.Sprint(b, r)
			})
			// Seen by a poll of Mailpit, so a little later than sent. Timed
			// jobs start early and snooze to the instant (jobs.SchedulerLead),
			// so River's 5 s scheduler interval does not delay them.
			breachAt := time.Now()
			late := breachAt.Sub(p.SLA.DueAt)
			t.Logf("breach emails seen %s after the due time", late.Round(time.Millisecond))
			if late > 5*time.Second {
				t.Errorf("breach emails %s after due, want under 5 s", late)
			}
			p2, _ := st.GetProcess(ctx, cust)
			if p2.SLA.State != lead.SLABreached {
				t.Errorf("sla state %s", p2.SLA.State)
			}
			if _, err := srv.Process.LogActivity(ctx, process.ActivityInput{CustomerID: cust, Kind: lead.ActivityCall,
				Outcome: "voicemail", By: rep.ID}); err != nil {
				t.Fatal(err)
			}
			p3, _ := st.GetProcess(ctx, cust)
			if p3.SLA.FirstTouchAt == nil || p3.SLA.State != lead.SLABreached || p3.Stage != lead.ProcessContacted {
				t.Errorf("after the call: %+v, stage %s", p3.SLA, p3.Stage)
			}
			if tasks, _ := st.ListTasks(ctx, lead.TaskFilter{CustomerID: cust}); len(tasks) != 2 {
				t.Errorf("%d follow-up tasks, want 2", len(tasks))
			}
			// Nothing more arrives: each notification once.
			b, r := mails(t, mailAPI, boss.Email), mails(t, mailAPI, rep.Email)
			if countPrefix(b, "Breached") != 1 || countPrefix(r, "Breached") != 1 || countPrefix(r, "At risk") != 1 {
				t.Errorf("emails: boss %v, rep %v", b, r)
			}
		})
	}
	t.Cleanup(func() {
		// Each engine's run posted one at-risk (the rep) and two breach
		// messages (the rep and the manager) to the shared Slack webhook.
		if n := slack.count("Breached"); n != 2*len(storetest.Engines(t)) {
			t.Errorf("Slack breach messages: %d (%v)", n, slack.seen)
		}
	})
}

// fastTeam makes a rep and a manager who hear of everything by email and
// Slack, a team "fast" of the rep with a 1-minute first-touch target (at
// risk after half of it, every hour a working hour, the manager told of
// breaches, follow-ups on working days 1 and 3), and a rule routing every
// customer to it.
func fastTeam(t *testing.T, st *store.Store, tag string) (rep, boss lead.User) {
	t.Helper()
	ctx := context.Background()
	rep = mkUser(t, st, "rep-"+tag+"@publisher.example", lead.RoleRep)
	boss = mkUser(t, st, "boss-"+tag+"@publisher.example", lead.RoleManager)
	for _, u := range []lead.User{rep, boss} {
		prefs := lead.DefaultNotifyPrefs(u.ID)
		for ev := range prefs.Channels {
			prefs.Channels[ev] = []lead.NotifyChannel{lead.NotifyInApp, lead.NotifyEmail, lead.NotifySlack}
		}
		if err := st.SetNotifyPrefs(ctx, prefs); err != nil {
			t.Fatal(err)
		}
	}
	cal := lead.Calendar{TimeZone: "UTC"}
	for d := range cal.Week {
		cal.Week[d] = []lead.Span{{Start: 0, End: 24 * 60}}
	}
	fast := lead.Team{ID: "fast", Name: "Fast", Calendar: cal,
		Policy:  lead.SLAPolicy{Target: time.Minute, AtRiskShare: 0.5},
		Members: []lead.TeamMember{{UserID: rep.ID}}, Managers: []string{boss.ID}, Cadence: []int{1, 3}}
	if err := st.PutTeam(ctx, fast); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAssignRule(ctx, lead.AssignRule{ID: "all-fast", Name: "Everything to Fast", Position: -1,
		Target: lead.TargetTeam, TeamID: "fast"}); err != nil {
		t.Fatal(err)
	}
	return rep, boss
}

func countPrefix(m map[string]int, prefix string) int {
	n := 0
	for k, v := range m {
		if strings.HasPrefix(k, prefix) {
			n += v
		}
	}
	return n
}
