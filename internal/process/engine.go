package process

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/leadhub/leadhub/internal/lead"
)

// The engine runs the follow-up process. It is driven by two things only:
//
//   - the process queue (process_dirty), which the database fills by itself
//     whenever a lead joins or leaves a customer (the resolver's commits,
//     merges, splits, undos). The engine takes each marked customer once,
//     in a transaction of its own: opens its process (qualification,
//     assignment, the first-touch clock), reopens a closed one on a
//     stronger lead, re-qualifies an open one, or ends it when the customer
//     was merged away;
//   - jobs: the clock's at-risk and due instants are computed once per
//     change and scheduled as River jobs in the transaction of that change
//     (ClockArgs); follow-up tasks' due times likewise (TaskArgs). Nothing
//     scans every customer on a timer.
//
// Every change writes an audit entry (action "process") in its
// transaction, and the notifications it causes are recorded (and their
// sends enqueued) by the Notifier in that transaction too.

// Tx is what the engine does inside one store transaction
// (store.ProcessTx implements it).
type Tx interface {
	Process(customerID string) (*lead.Process, error)
	PutProcess(p lead.Process) error
	DeleteProcess(customerID string) error
	Loads() (map[string]int, error)
	AccountOwner(accountID, customerID string) (string, error)
	SetRoundRobin(teamID, userID string) error
	RoundRobin() (map[string]string, error)
	Audit(customerID, actor, reason string, what any) error
	ClearDirty(m lead.DirtyMark) (bool, error)
	AddActivity(a lead.Activity) error
	AddTask(k lead.Task) error
	CancelOpenTasks(customerID string, at time.Time) (int64, error)
	Task(id string) (*lead.Task, error)
	FinishTask(id string, state lead.TaskState, at time.Time) (bool, error)
}

// Store is what the engine reads outside its transactions.
type Store interface {
	lead.ProcessReader
	lead.ProcessLister
	ListUsers(ctx context.Context) ([]lead.User, error)
	DirtyProcesses(ctx context.Context, limit int) ([]lead.DirtyMark, error)
	ReadProcessInput(ctx context.Context, customerID string) (lead.ProcessInput, error)
	EnsureDefaults(ctx context.Context, t lead.Team, rs []lead.AssignRule) error
	PutTeam(ctx context.Context, t lead.Team) error
	DeleteTeam(ctx context.Context, id string) error
	PutAssignRule(ctx context.Context, r lead.AssignRule) error
	DeleteAssignRule(ctx context.Context, id string) error
}

// Enqueuer inserts a job in the caller's transaction (jobs.Runner).
type Enqueuer interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Notice is a notification to some users about a customer.
type Notice struct {
	UserIDs    []string
	Event      string // "assigned", "at_risk", "breached", "task_due"
	CustomerID string
	Title      string
	Text       string
	Link       string
	// Key, when set, names the notice so that recording it again (a job
	// retried after it committed) records nothing: one notification per
	// user and key. KeyAt is the instant the notice is for (a task's due
	// time): keyed notifications sort by it among the others.
	Key   string
	KeyAt time.Time
}

// Notifier records a notice (and enqueues its sends) in tx.
type Notifier interface {
	NotifyTx(ctx context.Context, tx *sql.Tx, n Notice) error
}

// Deps is what an Engine is built from.
type Deps struct {
	Store Store
	// Write runs fn in a store write transaction (store.Store.Write).
	Write func(ctx context.Context, fn func(context.Context, *sql.Tx) error) error
	// TxOf wraps a transaction of Write (store.Store.ProcessTx).
	TxOf     func(ctx context.Context, tx *sql.Tx) Tx
	Jobs     Enqueuer
	Notifier Notifier // nil: notices are dropped (tests of the process alone)
	Rules    QualRules
	// TimeZone is the default team's zone (the server's).
	TimeZone string
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Engine runs the follow-up process.
type Engine struct {
	d     Deps
	wake  chan struct{}
	mu    sync.Mutex // one drain at a time in this process
	stats Stats
}

// Stats counts what the engine did, for metrics and tests.
type Stats struct {
	Opened, Reopened, Ended, Requalified, Skipped int64
	Assigned                                      int64 // customers nobody owned, given an owner later
}

// New returns an engine. Call EnsureDefaults once before Run.
func New(d Deps) *Engine {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.TimeZone == "" {
		d.TimeZone = "UTC"
	}
	return &Engine{d: d, wake: make(chan struct{}, 1)}
}

// Stats returns a copy of the counters.
func (e *Engine) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// Nudge asks the engine to look at its queue now.
func (e *Engine) Nudge() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// Run drains the queue whenever nudged, and every interval in any case
// (another replica's resolver does not nudge this one), until ctx ends.
func (e *Engine) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := e.Drain(ctx); err != nil && ctx.Err() == nil {
			e.d.Log.Error("process: draining the queue", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-e.wake:
		case <-t.C:
		}
	}
}

// world is the configuration one drain works with.
type world struct {
	teams map[string]lead.Team
	rules []lead.AssignRule
	users map[string]lead.User
}

func (e *Engine) load(ctx context.Context) (*world, error) {
	teams, err := e.d.Store.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	rules, err := e.d.Store.ListAssignRules(ctx)
	if err != nil {
		return nil, err
	}
	users, err := e.d.Store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	w := &world{teams: map[string]lead.Team{}, rules: rules, users: map[string]lead.User{}}
	for _, u := range users {
		w.users[u.ID] = u
	}
	for _, t := range teams {
		if t.Default && len(t.Members) == 0 {
			// The default team is everyone who can work customers.
			for _, u := range users {
				if !u.Disabled && u.Role.Can(lead.PermCustomersEdit) {
					t.Members = append(t.Members, lead.TeamMember{UserID: u.ID})
				}
			}
		}
		w.teams[t.ID] = t
	}
	return w, nil
}

// Drain looks at every customer in the queue once and returns how many.
func (e *Engine) Drain(ctx context.Context) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	done := 0
	for {
		marks, err := e.d.Store.DirtyProcesses(ctx, 200)
		if err != nil || len(marks) == 0 {
			return done, err
		}
		w, err := e.load(ctx)
		if err != nil {
			return done, err
		}
		for i := 0; i < len(marks); i += evalBatch {
			n, err := e.evaluateBatch(ctx, w, marks[i:min(i+evalBatch, len(marks))])
			done += n
			if err != nil {
				return done, err
			}
		}
		if len(marks) < 200 {
			return done, nil
		}
	}
}

// evalBatch is how many customers one write transaction of a drain looks
// at. Batches let the engine keep up with a flood and open a backlog of
// 100,000 in minutes; on SQLite, where every writer shares one
// connection, they take writer time from ingest under a flood
// (docs/BENCHMARKS.md, "Where the drop comes from").
const evalBatch = 16

// evaluateBatch evaluates marks in one write transaction, their inputs
// read before it. When the transaction fails, each is evaluated again in
// a transaction of its own, so one customer's failure does not hold the
// others back; it returns how many it evaluated.
func (e *Engine) evaluateBatch(ctx context.Context, w *world, marks []lead.DirtyMark) (int, error) {
	ins := make([]lead.ProcessInput, len(marks))
	missing := make([]bool, len(marks))
	for i, m := range marks {
		in, err := e.d.Store.ReadProcessInput(ctx, m.CustomerID)
		missing[i] = lead.KindOf(err) == lead.KindNotFound
		if err != nil && !missing[i] {
			return i, fmt.Errorf("customer %s: %w", m.CustomerID, err)
		}
		ins[i] = in
	}
	if len(marks) > 1 {
		err := e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			for i, m := range marks {
				if err := e.apply(ctx, tx, w, m, ins[i], missing[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil {
			return len(marks), nil
		}
		if ctx.Err() != nil {
			return 0, err
		}
		e.d.Log.Warn("process: a batch failed; evaluating its customers one by one", "customers", len(marks), "err", err)
	}
	for i, m := range marks {
		err := e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error { return e.apply(ctx, tx, w, m, ins[i], missing[i]) })
		if err != nil {
			return i, fmt.Errorf("customer %s: %w", m.CustomerID, err)
		}
	}
	return len(marks), nil
}

// apply decides, in tx, what a change of a customer's leads (in, read
// before tx; missing: the customer is gone) means for its process.
func (e *Engine) apply(ctx context.Context, tx *sql.Tx, w *world, m lead.DirtyMark, in lead.ProcessInput, missing bool) error {
	t := e.d.TxOf(ctx, tx)
	if claimed, err := t.ClearDirty(m); err != nil || !claimed {
		return err
	}
	p, err := t.Process(m.CustomerID)
	if err != nil {
		return err
	}
	now := e.d.Now()
	c := in.Customer
	switch {
	case missing || c.MergedInto != "":
		if p == nil {
			return nil
		}
		e.stats.Ended++
		if err := t.DeleteProcess(m.CustomerID); err != nil {
			return err
		}
		return t.Audit(m.CustomerID, lead.ActorSystem, "merged into "+c.MergedInto, map[string]any{
			"what": "ended", "merged_into": c.MergedInto, "stage": p.Stage, "owner": p.OwnerID})
	case !c.Actionable():
		if p == nil || p.Stage.Closed() || p.Stage == lead.ProcessWon || !c.DoNotContact {
			e.stats.Skipped++
			return nil
		}
		before := p.Stage
		p.Stage, p.StageReason, p.UpdatedAt = lead.ProcessDisqualified, "do not contact: the customer asked not to be contacted (a DNC lead)", now
		if err := t.PutProcess(*p); err != nil {
			return err
		}
		return t.Audit(c.ID, lead.ActorSystem, p.StageReason, map[string]any{"what": "stage", "from": before, "to": p.Stage})
	case p == nil:
		e.stats.Opened++
		return e.open(ctx, tx, t, w, in, nil, now)
	case p.Stage.Closed() && strongerLead(in, p):
		e.stats.Reopened++
		return e.open(ctx, tx, t, w, in, p, now)
	default:
		return e.requalify(t, in, p, now)
	}
}

// strongerLead reports whether the customer's newest lead came after the
// process last changed and shows more intent than the lead that opened it.
func strongerLead(in lead.ProcessInput, p *lead.Process) bool {
	if len(in.Leads) == 0 {
		return false
	}
	last := in.Leads[len(in.Leads)-1]
	return last.ReceivedAt.After(p.UpdatedAt) && lead.ActionStrength(last.Stage) > p.OpenStrength
}

// strength is the action strength of a customer's newest lead.
func strength(in lead.ProcessInput) (int, time.Time) {
	if len(in.Leads) == 0 {
		return lead.ActionStrength(in.Customer.Stage), in.Customer.LastSeen
	}
	l := in.Leads[len(in.Leads)-1]
	return max(lead.ActionStrength(l.Stage), 1), l.ReceivedAt
}

// open opens (prev nil) or reopens a customer's process: qualification,
// assignment, a new first-touch clock.
func (e *Engine) open(ctx context.Context, tx *sql.Tx, t Tx, w *world, in lead.ProcessInput, prev *lead.Process, now time.Time) error {
	c := in.Customer
	q := e.d.Rules.Qualify(QualInput{Customer: c, Account: in.Account, Leads: in.Leads})
	p := lead.Process{CustomerID: c.ID, Stage: lead.ProcessNew, Milestones: []lead.Milestone{}, OpenedAt: now, UpdatedAt: now}
	if prev != nil {
		p.Milestones, p.SLA.Clock = prev.Milestones, prev.SLA.Clock
		if prev.Qualification.Override != nil {
			q.Override = prev.Qualification.Override
		}
	}
	p.Qualification = q
	st, arrival := strength(in)
	p.OpenStrength = st
	what := "opened"
	if prev != nil {
		what = "reopened"
	}
	if q.Effective() == lead.QualDisqualified {
		p.Stage, p.StageReason = lead.ProcessDisqualified, "disqualified by the qualification rules: "+reasonsText(q)
		if err := t.PutProcess(p); err != nil {
			return err
		}
		return t.Audit(c.ID, lead.ActorSystem, p.StageReason, map[string]any{"what": what, "stage": p.Stage, "qualification": q})
	}
	res, err := e.assign(t, w, in, q.Effective(), "", now)
	if err != nil {
		return err
	}
	p.OwnerID, p.TeamID, p.Assignment = res.OwnerID, res.TeamID, res.Assignment
	e.startClock(&p, w.teams[res.TeamID].Calendar, res.Policy, arrival, now)
	if err := t.PutProcess(p); err != nil {
		return err
	}
	if err := e.schedule(ctx, tx, p); err != nil {
		return err
	}
	if err := t.Audit(c.ID, lead.ActorSystem, res.Assignment.Reason, map[string]any{
		"what": what, "owner": p.OwnerID, "team": p.TeamID, "rule": res.Assignment.Rule,
		"due_at": p.SLA.DueAt, "qualification": q.Effective()}); err != nil {
		return err
	}
	return e.notifyAssigned(ctx, tx, w, p, c)
}

// assign runs the rules (the default team when none fires) and records the
// round-robin's pick.
func (e *Engine) assign(t Tx, w *world, in lead.ProcessInput, q lead.QualResult, exclude string, now time.Time) (AssignResult, error) {
	loads, err := t.Loads()
	if err != nil {
		return AssignResult{}, err
	}
	rr, err := t.RoundRobin()
	if err != nil {
		return AssignResult{}, err
	}
	owner := ""
	if in.Customer.AccountID != "" {
		if owner, err = t.AccountOwner(in.Customer.AccountID, in.Customer.ID); err != nil {
			return AssignResult{}, err
		}
	}
	ai := AssignInput{Customer: in.Customer, Leads: in.Leads, Account: in.Account, Qualification: q,
		Rules: w.rules, Teams: w.teams, Users: w.users, Load: loads, AccountOwner: owner,
		LastAssigned: rr, Exclude: exclude, Now: now}
	res, err := Assign(ai)
	if lead.KindOf(err) == lead.KindNotFound {
		// No rule fired: the default team takes it.
		def := DefaultRule()
		ai.Rules = []lead.AssignRule{def}
		res, err = Assign(ai)
	}
	if err != nil {
		return AssignResult{}, err
	}
	if res.OwnerID == "" && res.Rule.Target == lead.TargetTeam {
		// Nobody is available now; outside the team's working time that is
		// everybody: pick among those available when it starts again, so
		// that a lead of the weekend has an owner on Monday morning.
		if cal := w.teams[res.TeamID].Calendar; cal.TimeZone != "" && !cal.Working(now) {
			if next := cal.Next(now); !next.IsZero() {
				ai.Now, ai.Rules = next, []lead.AssignRule{res.Rule}
				if later, err := Assign(ai); err == nil && later.OwnerID != "" {
					later.Assignment.At = now
					later.Assignment.Reason += fmt.Sprintf(" (outside the team's working time: picked among those working at %s)", next.Format(time.RFC3339))
					res = later
				}
			}
		}
	}
	if res.OwnerID != "" && res.Rule.Target == lead.TargetTeam {
		if err := t.SetRoundRobin(res.TeamID, res.OwnerID); err != nil {
			return AssignResult{}, err
		}
	}
	return res, nil
}

// startClock starts a new first-touch clock at arrival.
func (e *Engine) startClock(p *lead.Process, cal lead.Calendar, pol lead.SLAPolicy, arrival, now time.Time) {
	if cal.TimeZone == "" {
		cal = lead.DefaultCalendar(e.d.TimeZone)
	}
	if pol.Target == 0 {
		pol = lead.DefaultSLAPolicy()
	}
	due, risk := pol.Due(cal, arrival)
	p.SLA = lead.SLA{Clock: p.SLA.Clock + 1, StartedAt: arrival, DueAt: due, AtRiskAt: risk, Policy: pol,
		State: pol.State(cal, arrival, nil, now).Status}
}

// requalify keeps an open process's qualification current with its leads.
func (e *Engine) requalify(t Tx, in lead.ProcessInput, p *lead.Process, now time.Time) error {
	q := e.d.Rules.Qualify(QualInput{Customer: in.Customer, Account: in.Account, Leads: in.Leads})
	q.Override = p.Qualification.Override
	if q.Result == p.Qualification.Result && q.Score == p.Qualification.Score {
		return nil
	}
	e.stats.Requalified++
	before := p.Qualification
	p.Qualification, p.UpdatedAt = q, now
	if err := t.PutProcess(*p); err != nil {
		return err
	}
	return t.Audit(p.CustomerID, lead.ActorSystem, "qualification: "+reasonsText(q), map[string]any{
		"what": "qualification", "from": before.Result, "to": q.Result, "score_from": before.Score, "score_to": q.Score})
}

func reasonsText(q lead.Qualification) string {
	var parts []string
	for _, r := range q.Reasons {
		parts = append(parts, fmt.Sprintf("%s (%+d)", r.Text, r.Points))
	}
	if len(parts) == 0 {
		return fmt.Sprintf("%s, score %d", q.Result, q.Score)
	}
	return fmt.Sprintf("%s, score %d: %s", q.Result, q.Score, joinShort(parts))
}

func joinShort(parts []string) string {
	if len(parts) > 6 {
		parts = append(slices.Clone(parts[:6]), fmt.Sprintf("and %d more", len(parts)-6))
	}
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "; "
		}
		out += p
	}
	return out
}

// notify hands a notice to the notifier, if any.
func (e *Engine) notify(ctx context.Context, tx *sql.Tx, n Notice) error {
	if e.d.Notifier == nil || len(n.UserIDs) == 0 {
		return nil
	}
	return e.d.Notifier.NotifyTx(ctx, tx, n)
}

func (e *Engine) notifyAssigned(ctx context.Context, tx *sql.Tx, w *world, p lead.Process, c lead.Customer) error {
	if p.OwnerID == "" {
		return e.notify(ctx, tx, Notice{UserIDs: managers(w, p.TeamID), Event: "assigned", CustomerID: c.ID,
			Title: "Nobody available for " + name(c), Text: p.Assignment.Reason, Link: "/customers/" + c.ID})
	}
	return e.notify(ctx, tx, Notice{UserIDs: []string{p.OwnerID}, Event: "assigned", CustomerID: c.ID,
		Title: "New customer: " + name(c),
		Text:  fmt.Sprintf("%s. First touch due %s. %s", name(c), p.SLA.DueAt.Format(time.RFC3339), p.Assignment.Reason),
		Link:  "/customers/" + c.ID})
}

// managers are the users told of a team's breaches: its managers, else
// its members with the manager or admin role, else every enabled admin.
func managers(w *world, teamID string) []string {
	t := w.teams[teamID]
	if len(t.Managers) > 0 {
		return slices.Clone(t.Managers)
	}
	var out []string
	for _, m := range t.Members {
		if u, ok := w.users[m.UserID]; ok && !u.Disabled && (u.Role == lead.RoleManager || u.Role == lead.RoleAdmin) {
			out = append(out, u.ID)
		}
	}
	if len(out) == 0 {
		for _, u := range w.users {
			if !u.Disabled && u.Role == lead.RoleAdmin {
				out = append(out, u.ID)
			}
		}
		slices.Sort(out)
	}
	return out
}

func name(c lead.Customer) string {
	n := c.Golden.FirstName
	if c.Golden.LastName != "" {
		if n != "" {
			n += " "
		}
		n += c.Golden.LastName
	}
	if n == "" {
		n = c.Golden.Email
	}
	if c.Golden.Company != "" {
		n += " (" + c.Golden.Company + ")"
	}
	if n == "" {
		n = c.ID
	}
	return n
}

// EnsureDefaults creates, when they do not exist, the default team (the
// server's time zone, Monday to Friday 09:00–17:00, every user who can
// work customers), a rule that gives a new person of an account somebody
// already works to that person (it falls through when nobody does), and
// the default rule routing every other customer to the default team.
func (e *Engine) EnsureDefaults(ctx context.Context) error {
	def := DefaultRule()
	same := lead.AssignRule{ID: "account-owner", Name: "Same account, same owner", Position: 0,
		Target: lead.TargetAccountOwner, TeamID: def.TeamID}
	return e.d.Store.EnsureDefaults(ctx, DefaultTeam(e.d.TimeZone, nil, e.d.Now()), []lead.AssignRule{same, def})
}

// UseJobs sets the job runner (built after the engine, whose workers it
// runs), before Run.
func (e *Engine) UseJobs(j Enqueuer) { e.d.Jobs = j }

// UseNotifier sets the notifier, before Run.
func (e *Engine) UseNotifier(n Notifier) { e.d.Notifier = n }

// Workers adds the engine's job kinds to ws.
func (e *Engine) Workers(ws *river.Workers) {
	river.AddWorker(ws, &ClockWorker{E: e})
	river.AddWorker(ws, &TaskWorker{E: e})
	river.AddWorker(ws, &DigestWorker{E: e})
	river.AddWorker(ws, &UnownedWorker{E: e})
}
