package cli

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/store"
)

// processConfig is what bench process is told.
type processConfig struct {
	dsn, label, given string
	customers         int           // open customers with live clocks
	due               int           // customers whose clocks fall due during the run
	idle              time.Duration // each idle window
	warmup            time.Duration // before each idle window, after the server settled
	window            time.Duration // the due times are spread over it
	settle            time.Duration // how long to wait for the server to settle
	// dueLead is how long after their leads are committed the first due
	// customer falls due; the at-risk instants are half of it earlier.
	dueLead time.Duration
}

// The teams, rules and users bench process configures.
const (
	benchTeamLive = "bench-live" // the customers with live clocks: a target of days
	benchTeamDue  = "bench-due"  // the customers whose clocks fall due
	benchDueCC    = "NZ"         // the due customers' country, which routes them
	benchLiveCC   = "DE"
	benchLiveDays = 7
	// benchDueTarget is the due team's first-touch target; the due
	// customers' leads arrived that long before their due times.
	benchDueTarget = 10 * time.Minute
)

// benchProcess runs the server as serve does and measures its follow-up
// process at scale: the idle CPU with an empty store and with many open
// customers whose first-touch clocks are live River jobs, and the delay
// from a clock's due time to its breach notification.
func benchProcess(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("bench process", e, "bench process [--database DSN] [--customers N] [--due K] [--idle D] [--warmup D] [--due-window D] [--due-lead D] [--write FILE]")
	var c processConfig
	var writePath string
	fs.StringVar(&c.dsn, "database", "", "database to fill (default: a new SQLite file in a temporary directory); on a PostgreSQL server the run makes a throw-away database (its advisory locks are its own)")
	fs.IntVar(&c.customers, "customers", 100_000, "open customers with live first-touch clocks")
	fs.IntVar(&c.due, "due", 500, "customers whose clocks fall due during the run, while the others are live")
	fs.DurationVar(&c.idle, "idle", time.Minute, "each idle window over which the server's CPU is measured")
	fs.DurationVar(&c.warmup, "warmup", 15*time.Second, "how long to let the server run after it settled before each idle window (its start-up work is not idle)")
	fs.DurationVar(&c.window, "due-window", time.Minute, "the due times are spread evenly over this window")
	fs.DurationVar(&c.dueLead, "due-lead", 2*time.Minute, "how long after the due customers' leads are committed the first of their clocks falls due (their at-risk instants are half of it earlier)")
	fs.DurationVar(&c.settle, "settle-limit", 2*time.Hour, "how long to wait for the server to open every customer's process")
	fs.StringVar(&writePath, "write", "", "add the results as a section \"## Follow-up process at scale\" to this file (e.g. docs/BENCHMARKS.md), replacing the last result of the same engine")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if c.customers < 0 || c.due < 1 || c.idle <= 0 || c.window < 0 || c.dueLead < 2*time.Second || c.dueLead > benchDueTarget {
		return usageError{fmt.Errorf("bench process: --due must be at least 1, --idle positive, --customers and --due-window not negative, --due-lead from 2s to 10m")}
	}
	c.label, c.given = store.Redact(c.dsn), c.dsn
	if c.dsn == "" {
		dir, err := os.MkdirTemp("", "leadhub-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		c.dsn = "sqlite:" + filepath.Join(dir, "bench.db")
		c.label = "sqlite (temporary file)"
	} else if isPostgres(c.dsn) {
		tempDSN, drop, err := tempDatabase(ctx, c.dsn, "leadhub_bench")
		if err != nil {
			fmt.Fprintf(e.stderr, "bench process: no database of its own (%v); using a schema of its own\n", err)
			if tempDSN, drop, err = store.TempSchema(ctx, c.dsn, "leadhub_bench"); err != nil {
				return err
			}
		}
		defer drop()
		c.dsn = tempDSN
	}
	st, err := openStore(ctx, c.dsn, nil, true)
	if err != nil {
		return err
	}
	defer st.Close()
	r := &procRun{c: c, st: st, e: e, log: slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), slack: newSlackRecorder()}
	hook := httptest.NewServer(r.slack)
	defer hook.Close()
	r.hook = hook.URL
	out, err := r.run(ctx)
	if out != "" {
		fmt.Fprint(e.stdout, out)
	}
	if err != nil {
		return err
	}
	if writePath != "" {
		return writeSection(writePath, processSection, processIntro, "### Follow-up process at scale — "+st.Engine()+",", out)
	}
	return nil
}

// tempDatabase creates a new, empty database named prefix_<random> on the
// PostgreSQL server of dsn and returns its address and a function that
// drops it. A database of its own, not only a schema, because PostgreSQL's
// advisory locks (the identity lock every resolution takes) are per
// database: runs in schemas of one database wait for each other.
func tempDatabase(ctx context.Context, dsn, prefix string) (string, func(), error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", nil, fmt.Errorf("the PostgreSQL address is not a valid URL")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := prefix + "_" + hex.EncodeToString(b[:]) // a fixed prefix and hex digits: no quoting needed
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, errors.New(store.Redact(err.Error()))
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		db.Close()
	}
	u.Path = "/" + name
	q := u.Query()
	q.Del("search_path") // a schema of the old database
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// slackRecorder is a Slack incoming webhook that records when each
// message arrived.
type slackRecorder struct {
	mu   sync.Mutex
	msgs []slackMsg
}

type slackMsg struct {
	at         time.Time
	title      string // "Breached", "At risk", …: the title up to its colon
	customerID string
}

var customerLink = regexp.MustCompile(`/customers/([0-9A-Z]{26})`)

func newSlackRecorder() *slackRecorder { return &slackRecorder{} }

func (s *slackRecorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	at := time.Now()
	var body struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	m := slackMsg{at: at}
	m.title, _, _ = strings.Cut(body.Text, ":")
	if sm := customerLink.FindStringSubmatch(body.Text); sm != nil {
		m.customerID = sm[1]
	}
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	s.mu.Unlock()
	_, _ = io.WriteString(w, "ok")
}

// of returns the messages whose title starts with title, by customer.
func (s *slackRecorder) of(title string) map[string][]time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string][]time.Time{}
	for _, m := range s.msgs {
		if m.title == title {
			out[m.customerID] = append(out[m.customerID], m.at)
		}
	}
	return out
}

type procRun struct {
	c     processConfig
	st    *store.Store
	e     env
	log   *slog.Logger
	slack *slackRecorder
	hook  string

	srv     *app.Server
	opening openingRate
	live    lead.User // owner of the live customers
	boss    lead.User // owner and manager of the due customers
	b       strings.Builder
}

func (r *procRun) say(format string, args ...any) { fmt.Fprintf(r.e.stderr, format+"\n", args...) }

func (r *procRun) command() string {
	cmd := fmt.Sprintf("leadhub bench process --customers %d --due %d --idle %s --warmup %s --due-window %s --due-lead %s",
		r.c.customers, r.c.due, r.c.idle, r.c.warmup, r.c.window, r.c.dueLead)
	if r.c.given != "" {
		cmd += " --database " + store.Redact(r.c.given)
	}
	return cmd
}

func (r *procRun) run(ctx context.Context) (string, error) {
	defer r.stop()
	fmt.Fprintf(&r.b, "\n### Follow-up process at scale — %s, %s\n\n", r.st.Engine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&r.b, "Machine: %s. Go %s. Database: %s. Command: `%s`\n\n", machine(), runtime.Version(), r.c.label, r.command())
	if err := r.configure(ctx); err != nil {
		return "", err
	}
	// The empty store.
	if err := r.start(ctx); err != nil {
		return "", err
	}
	if err := r.settled(ctx, 0); err != nil {
		return "", err
	}
	r.say("idle for %s with an empty store…", r.c.idle)
	empty, err := r.idle(ctx)
	if err != nil {
		return "", err
	}
	r.stop()

	// The live customers.
	loaded, err := r.load(ctx)
	if err != nil {
		return "", err
	}
	startAt := time.Now()
	if err := r.start(ctx); err != nil {
		return "", err
	}
	if err := r.settled(ctx, r.c.customers); err != nil {
		return "", err
	}
	opened := time.Since(startAt)
	firstRate, lastRate := r.opening.rates(time.Now(), int64(r.c.customers))
	clocks, err := r.count(ctx, `SELECT count(*) FROM river_job WHERE kind = 'process.clock' AND state = 'scheduled'`)
	if err != nil {
		return "", err
	}
	processes, err := r.count(ctx, `SELECT count(*) FROM processes WHERE team_id = '`+benchTeamLive+`' AND stage = 'new' AND sla_state = 'on_track'`)
	if err != nil {
		return "", err
	}
	if processes != int64(r.c.customers) {
		return r.b.String(), fmt.Errorf("bench process: %d open customers on track, want %d", processes, r.c.customers)
	}
	fmt.Fprintf(&r.b, "Load: %d customers, one lead each, committed through `CommitBatch` and resolved as new customers through "+
		"`CommitResolutions` (what the resolver commits for a lead with no candidate) in batches of 5000 in %s; then the server "+
		"started and its process engine opened their processes (qualification, assignment, first-touch clock, audit, in-app "+
		"notification) in %s: **%d open customers** on a 24/7 team with a %d-day target, **%d clock jobs** scheduled in River.\n\n",
		r.c.customers, loaded.Round(time.Second), opened.Round(time.Second), processes, benchLiveDays, clocks)
	if firstRate > 0 {
		fmt.Fprintf(&r.b, "The engine opened %.0f processes a second over the first tenth of them and %.0f over the last tenth.\n\n", firstRate, lastRate)
	}
	r.say("idle for %s with %d live clocks…", r.c.idle, clocks)
	full, err := r.idle(ctx)
	if err != nil {
		return "", err
	}
	r.idleTable(empty, full)

	// The due customers.
	if err := r.dueRun(ctx); err != nil {
		return r.b.String(), err
	}
	return r.b.String(), nil
}

// configure makes the users, the teams and the rules: the live customers
// go to one rep on a 24/7 team with a target of days, the due ones (from
// benchDueCC) to a manager on a 24/7 team with a short target, who hears
// of at-risk and breached clocks on Slack.
func (r *procRun) configure(ctx context.Context) error {
	r.live = lead.User{ID: ulid.Make().String(), Email: "rep@bench.invalid", DisplayName: "Rep", Role: lead.RoleRep}
	r.boss = lead.User{ID: ulid.Make().String(), Email: "manager@bench.invalid", DisplayName: "Manager", Role: lead.RoleManager}
	for _, u := range []lead.User{r.live, r.boss} {
		if err := r.st.CreateUser(ctx, u); err != nil {
			return err
		}
		prefs := lead.DefaultNotifyPrefs(u.ID)
		for ev := range prefs.Channels {
			prefs.Channels[ev] = []lead.NotifyChannel{lead.NotifyInApp}
			if u.ID == r.boss.ID && (ev == lead.EventAtRisk || ev == lead.EventBreached) {
				prefs.Channels[ev] = append(prefs.Channels[ev], lead.NotifySlack)
			}
		}
		if err := r.st.SetNotifyPrefs(ctx, prefs); err != nil {
			return err
		}
	}
	cal := lead.Calendar{TimeZone: "UTC"}
	for d := range cal.Week {
		cal.Week[d] = []lead.Span{{Start: 0, End: 24 * 60}}
	}
	teams := []lead.Team{
		{ID: benchTeamLive, Name: "Live", Calendar: cal, Policy: lead.SLAPolicy{Target: benchLiveDays * 24 * time.Hour, AtRiskShare: 0.75},
			Members: []lead.TeamMember{{UserID: r.live.ID}}, Managers: []string{r.boss.ID}},
		{ID: benchTeamDue, Name: "Due", Calendar: cal, Policy: lead.SLAPolicy{Target: benchDueTarget,
			AtRiskShare: 1 - float64(r.c.dueLead/2)/float64(benchDueTarget)},
			Members: []lead.TeamMember{{UserID: r.boss.ID}}, Managers: []string{r.boss.ID}},
	}
	for _, t := range teams {
		if err := r.st.PutTeam(ctx, t); err != nil {
			return err
		}
	}
	for _, rule := range []lead.AssignRule{
		{ID: "bench-due", Name: "Due customers", Position: -2, When: lead.RuleCondition{Countries: []string{benchDueCC}},
			Target: lead.TargetTeam, TeamID: benchTeamDue},
		{ID: "bench-live", Name: "Everyone else", Position: -1, Target: lead.TargetTeam, TeamID: benchTeamLive},
	} {
		if err := r.st.PutAssignRule(ctx, rule); err != nil {
			return err
		}
	}
	return nil
}

// start runs the server as serve does, with Slack notifications to the
// recorder.
func (r *procRun) start(ctx context.Context) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg := app.Defaults()
	cfg.Addr = ln.Addr().String()
	cfg.Database = r.c.dsn
	// The notices' links (which name their customers) are absolute.
	cfg.PublicURL = "http://" + cfg.Addr
	cfg.Notify = notify.Config{SlackWebhookURL: r.hook}
	if err := cfg.Validate(); err != nil {
		ln.Close()
		return err
	}
	r.srv, err = app.Start(ctx, r.st, ln, cfg, r.log)
	return err
}

func (r *procRun) stop() {
	if r.srv != nil {
		_ = r.srv.Shutdown(30 * time.Second)
		r.srv = nil
	}
}

func (r *procRun) count(ctx context.Context, q string) (int64, error) {
	var n int64
	err := r.st.WriteDB().QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// pendingJobs are River jobs to be worked now or being worked.
const pendingJobs = `SELECT count(*) FROM river_job WHERE state IN ('available', 'running', 'retryable')`

// settled waits until the server has opened want processes and has
// nothing left to do now: no lead to resolve, no customer in the process
// queue, no account to sum, no job to work.
func (r *procRun) settled(ctx context.Context, want int) error {
	deadline := time.Now().Add(r.c.settle)
	last, poll := time.Now(), 50*time.Millisecond
	for {
		procs, err := r.count(ctx, `SELECT count(*) FROM processes`)
		if err != nil {
			return err
		}
		unresolved, err := r.st.UnresolvedLeads(ctx)
		if err != nil {
			return err
		}
		dirty, err := r.st.CountDirtyProcesses(ctx)
		if err != nil {
			return err
		}
		accounts, err := r.st.DirtyAccounts(ctx)
		if err != nil {
			return err
		}
		pending, err := r.count(ctx, pendingJobs)
		if err != nil {
			return err
		}
		r.opening.note(procs, int64(want))
		if procs >= int64(want) && unresolved == 0 && dirty == 0 && accounts == 0 && pending == 0 {
			return nil
		}
		if time.Since(last) >= 10*time.Second {
			r.say("  %d processes open, %d in the process queue, %d leads unresolved, %d accounts to sum, %d jobs to work", procs, dirty, unresolved, accounts, pending)
			last = time.Now()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench process: not settled after %s: %d processes of %d, %d in the queue, %d jobs to work", r.c.settle, procs, want, dirty, pending)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(poll):
		}
		// Its counts read whole tables: look less often as it goes on, so
		// as not to slow what it waits for.
		poll = min(2*poll, 2*time.Second)
	}
}

// openingRate notes when the engine had opened a tenth and nine tenths of
// the processes, for the rates of the first and the last tenth.
type openingRate struct {
	start, tenth, nine time.Time
	nTenth, nNine      int64
}

func (o *openingRate) note(procs, want int64) {
	now := time.Now()
	switch {
	case want < 10:
	case o.start.IsZero():
		o.start = now
	case o.tenth.IsZero() && procs >= want/10:
		o.tenth, o.nTenth = now, procs
	case o.nine.IsZero() && procs >= want*9/10:
		o.nine, o.nNine = now, procs
	}
}

// rates are the opening rates of the first tenth and from nine tenths to
// the end (at end), in processes a second.
func (o *openingRate) rates(end time.Time, want int64) (first, last float64) {
	if o.tenth.IsZero() || o.nine.IsZero() || !o.tenth.After(o.start) || !end.After(o.nine) {
		return 0, 0
	}
	return float64(o.nTenth) / o.tenth.Sub(o.start).Seconds(), float64(want-o.nNine) / end.Sub(o.nine).Seconds()
}

// bodyOf is a marketplace lead of one person.
func bodyOf(first, last, email, phone, company, country string) []byte {
	return fmt.Appendf(nil, `{"UserDetails":{"FirstName":%q,"LastName":%q,"Email":%q,"Phone":%q,"Country":%q,"Company":%q,"Title":"Head of IT"},`+
		`"LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"Contoso CRM","Description":"contoso.crm"}`,
		first, last, email, phone, country, company)
}

// benchWord is a made-up name of 8 letters, different for each n, so
// that no two generated people look alike to the resolver.
func benchWord(n int) string {
	x := uint64(n) + 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	b := make([]byte, 8)
	for i := range b {
		b[i] = byte('a' + x%26)
		x /= 26
	}
	b[0] -= 'a' - 'A'
	return string(b)
}

// load commits the live customers' leads and resolves each as a new
// customer, as the resolver does for a lead with no candidate, with the
// server stopped (so that the resolver does not race for them).
func (r *procRun) load(ctx context.Context) (time.Duration, error) {
	r.say("committing and resolving %d leads in batches of 5000…", r.c.customers)
	start, last := time.Now(), time.Now()
	for done := 0; done < r.c.customers; {
		n := min(5000, r.c.customers-done)
		in := make([]lead.Incoming, n)
		for i := range in {
			k := done + i
			in[i] = incomingOf(bodyOf(benchWord(2*k), benchWord(2*k+1), fmt.Sprintf("live%d@company%d.com", k, k), fmt.Sprintf("+49 30 %07d", k),
				fmt.Sprintf("Company %d GmbH", k), benchLiveCC), "")
		}
		if _, err := r.st.CommitBatch(ctx, in); err != nil {
			return 0, err
		}
		if err := resolveAsNew(ctx, r.st, in); err != nil {
			return 0, err
		}
		done += n
		if r.st.Engine() == "postgres" {
			// What autovacuum does to tables that grow this fast, if it
			// gets to them: without statistics the planner places each
			// batch's accounts by scanning, and a batch takes minutes.
			if _, err := r.st.WriteDB().ExecContext(ctx, `ANALYZE`); err != nil {
				return 0, err
			}
		}
		if time.Since(last) >= 10*time.Second {
			r.say("  %d of %d (%s)", done, r.c.customers, time.Since(start).Round(time.Second))
			last = time.Now()
		}
	}
	return time.Since(start), nil
}

// resolveAsNew makes each lead a customer of its own, with its keys, as
// the resolver does for a lead with no candidate.
func resolveAsNew(ctx context.Context, st *store.Store, in []lead.Incoming) error {
	rs := make([]lead.Resolution, 0, len(in))
	for _, x := range in {
		if x.Parsed == nil {
			return fmt.Errorf("bench process: a generated lead did not parse: %s", x.ParseErr)
		}
		l := lead.Lead{ID: x.ID, ReceivedAt: x.ReceivedAt, Channel: x.Channel, Parsed: *x.Parsed}
		rs = append(rs, lead.Resolution{Lead: l, CustomerID: ulid.Make().String(), Outcome: lead.OutcomeNew, Keys: resolve.Keys(&l),
			DecisionID: ulid.Make().String(), AuditID: ulid.Make().String(), At: l.ReceivedAt,
			Explanation: lead.Explanation{Reason: "new customer (bulk load)", Model: resolve.DefaultModelID}})
	}
	_, err := st.CommitResolutions(ctx, rs)
	return err
}

// percentile is the p-th percentile of sorted ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	return ds[int(float64(len(ds)-1)*p/100)]
}

// dueRun ingests the due customers' leads through the store with the
// server running (its resolver resolves them, its engine opens their
// processes and schedules their clocks), their arrival times set so that
// their clocks fall due spread over the window, and times each Slack
// notice from its instant.
func (r *procRun) dueRun(ctx context.Context) error {
	k := r.c.due
	first := time.Now().Add(r.c.dueLead)
	in := make([]lead.Incoming, k)
	for i := range in {
		var off time.Duration
		if k > 1 {
			off = r.c.window * time.Duration(i) / time.Duration(k-1)
		}
		in[i] = incomingOf(bodyOf(benchWord(1<<40+2*i), benchWord(1<<40+2*i+1), fmt.Sprintf("due%d@duefirm%d.co.nz", i, i), fmt.Sprintf("+64 9 %07d", i),
			fmt.Sprintf("Duefirm %d Ltd", i), benchDueCC), "")
		in[i].ReceivedAt = first.Add(off).Add(-benchDueTarget).UTC().Truncate(time.Microsecond)
	}
	r.say("committing %d leads whose clocks fall due from %s over %s…", k, first.UTC().Format("15:04:05"), r.c.window)
	committed := time.Now()
	for chunk := range slices.Chunk(in, 500) {
		if _, err := r.st.CommitBatch(ctx, chunk); err != nil {
			return err
		}
		if r.srv.Resolver != nil {
			r.srv.Resolver.Nudge()
		}
	}
	// Every due customer has its process, and its clock jobs.
	ids, err := r.dueProcesses(ctx, first)
	if err != nil {
		return err
	}
	opened := time.Since(committed)
	r.say("%d processes opened in %s; waiting for the breach notices…", len(ids), opened.Round(time.Millisecond))
	// Wait for every breach notice, up to a minute after the last due time.
	lastDue := first.Add(r.c.window)
	for {
		got := r.slack.of("Breached")
		if len(got) >= k || time.Now().After(lastDue.Add(time.Minute)) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	// Then until nothing is left to work now, so that a second notice of
	// the same clock would have arrived.
	for deadline := time.Now().Add(time.Minute); ; {
		n, err := r.count(ctx, pendingJobs)
		if err != nil {
			return err
		}
		if n == 0 || time.Now().After(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return r.dueReport(ids, opened)
}

// dueClock is one due customer's clock.
type dueClock struct {
	id          string
	dueAt, risk time.Time
}

// dueProcesses waits until the due team has k open processes and returns
// their clocks.
func (r *procRun) dueProcesses(ctx context.Context, first time.Time) ([]dueClock, error) {
	k := r.c.due
	for {
		n, err := r.count(ctx, `SELECT count(*) FROM processes WHERE team_id = '`+benchTeamDue+`'`)
		if err != nil {
			return nil, err
		}
		if n >= int64(k) {
			break
		}
		if time.Now().After(first) {
			return nil, fmt.Errorf("bench process: %d of %d due customers have a process when the first clock is due", n, k)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	rows, err := r.st.WriteDB().QueryContext(ctx, `SELECT customer_id FROM processes WHERE team_id = '`+benchTeamDue+`'`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]dueClock, 0, len(ids))
	for _, id := range ids {
		p, err := r.st.GetProcess(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, dueClock{id: id, dueAt: p.SLA.DueAt, risk: p.SLA.AtRiskAt})
	}
	if len(out) != k {
		return nil, fmt.Errorf("bench process: %d due customers have a process, want %d", len(out), k)
	}
	return out, nil
}

// dueReport writes the delays, and fails unless every due clock made
// exactly one breach notice.
func (r *procRun) dueReport(clocks []dueClock, opened time.Duration) error {
	breached, atRisk := r.slack.of("Breached"), r.slack.of("At risk")
	type row struct {
		what     string
		delays   []time.Duration
		missing  int
		extra    int
		early    int
		unknowns int
	}
	rows := []*row{{what: "breached (due time → Slack message)"}, {what: "at risk (at-risk time → Slack message)"}}
	known := map[string]bool{}
	for _, c := range clocks {
		known[c.id] = true
		for i, x := range []struct {
			got map[string][]time.Time
			at  time.Time
		}{{breached, c.dueAt}, {atRisk, c.risk}} {
			ts := x.got[c.id]
			switch {
			case len(ts) == 0:
				rows[i].missing++
				continue
			case len(ts) > 1:
				rows[i].extra += len(ts) - 1
			}
			d := ts[0].Sub(x.at)
			if d < 0 {
				rows[i].early++
			}
			rows[i].delays = append(rows[i].delays, d)
		}
	}
	for i, got := range []map[string][]time.Time{breached, atRisk} {
		for id := range got {
			if !known[id] {
				rows[i].unknowns++
			}
		}
	}
	fmt.Fprintf(&r.b, "Due → notification: %d more customers ingested with the server running (committed through `CommitBatch`, "+
		"resolved by its resolver, their processes opened by its engine in %s), on a 24/7 team with a %s target whose "+
		"manager hears of at-risk and breached clocks on Slack (a local webhook that records when each message arrives); their "+
		"leads arrived so that their clocks fall due evenly over %s, starting %s after the commit, while the %d other clocks "+
		"are live. Delay = arrival of the Slack message − the clock's instant:\n\n",
		r.c.due, opened.Round(time.Millisecond), benchDueTarget, r.c.window, r.c.dueLead, 2*r.c.customers)
	fmt.Fprintln(&r.b, "| notice | messages | p50 | p99 | max | missing | duplicates | before the instant |")
	fmt.Fprintln(&r.b, "|---|---:|---:|---:|---:|---:|---:|---:|")
	for _, x := range rows {
		slices.Sort(x.delays)
		p99 := ms(percentile(x.delays, 99))
		if x.what[0] == 'b' {
			p99 = "**" + p99 + "**"
		}
		fmt.Fprintf(&r.b, "| %s | %d | %s | %s | %s | %d | %d | %d |\n", x.what, len(x.delays), ms(percentile(x.delays, 50)), p99,
			ms(percentile(x.delays, 100)), x.missing, x.extra, x.early)
	}
	b := rows[0]
	ok := b.missing == 0 && b.extra == 0 && b.unknowns == 0
	verdict := "every due clock made exactly one breach notice"
	if !ok {
		verdict = fmt.Sprintf("**%d due clocks made no breach notice, %d made more than one, %d notices of other customers**", b.missing, b.extra, b.unknowns)
	}
	fmt.Fprintf(&r.b, "\n%d breach notices for %d due clocks: %s; p99 %s (target under 5 s).\n", len(b.delays), len(clocks), verdict, ms(percentile(b.delays, 99)))
	if !ok {
		return fmt.Errorf("bench process: %d due clocks made no breach notice, %d more than one, %d notices of other customers", b.missing, b.extra, b.unknowns)
	}
	return nil
}
