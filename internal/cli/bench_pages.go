package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/web"
)

// pagesConfig is what bench pages is told.
type pagesConfig struct {
	dsn, label, given string
	leads             int // business leads to fill the store with
	searchLeads       int // leads in the store for the search timings
	requests          int // requests per page
	resolveLimit      time.Duration
}

// benchPages fills a store with business leads through the store and the
// resolver, as serve does, then times every GET page of the web app, and
// then the search at a million leads.
func benchPages(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("bench pages", e, "bench pages [--database DSN] [--leads N] [--search-leads N] [--requests N] [--write FILE]")
	var c pagesConfig
	var writePath string
	fs.StringVar(&c.dsn, "database", "", "database to fill (default: a new SQLite file in a temporary directory); a PostgreSQL database gets a throw-away schema")
	fs.IntVar(&c.leads, "leads", 250_000, "business leads to fill the store with (as simulate --b2b: about 2.5 leads a person, so 250000 make about 100000 customers)")
	fs.IntVar(&c.searchLeads, "search-leads", 1_000_000, "leads in the store for the search timings (added without resolving them; 0: skip that part)")
	fs.IntVar(&c.requests, "requests", 200, "requests per page, one at a time")
	fs.DurationVar(&c.resolveLimit, "resolve-limit", time.Hour, "how long to wait for the resolver to resolve the leads (then the pages are timed with the resolver stopped, and the report says how many were left)")
	fs.StringVar(&writePath, "write", "", "append the results as a Markdown section to this file (e.g. docs/BENCHMARKS.md)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if c.leads < 1 || c.requests < 1 {
		return usageError{fmt.Errorf("bench pages: --leads and --requests must be at least 1")}
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
		schemaDSN, drop, err := store.TempSchema(ctx, c.dsn, "leadhub_bench")
		if err != nil {
			return err
		}
		defer drop()
		c.dsn = schemaDSN
	}
	st, err := openStore(ctx, c.dsn, nil, true)
	if err != nil {
		return err
	}
	defer st.Close()
	r := &pagesRun{c: c, st: st, e: e, log: slog.New(slog.NewJSONHandler(io.Discard, nil))}
	out, err := r.run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprint(e.stdout, out)
	if writePath != "" {
		f, err := os.OpenFile(writePath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString(out); err != nil {
			return err
		}
	}
	return nil
}

type pagesRun struct {
	c   pagesConfig
	st  *store.Store
	e   env
	log *slog.Logger

	srv    *app.Server
	base   string
	client *http.Client
	apiKey string
	events []simulate.Event
	b      strings.Builder
}

// timing is the latencies of one path.
type timing struct {
	what, path string
	lat        []time.Duration
	bad        map[int]int // non-200 answers by status
}

func (t timing) pct(p float64) time.Duration {
	if len(t.lat) == 0 {
		return 0
	}
	s := slices.Clone(t.lat)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p/100)]
}

func (r *pagesRun) say(format string, args ...any) { fmt.Fprintf(r.e.stderr, format+"\n", args...) }

func (r *pagesRun) run(ctx context.Context) (string, error) {
	defer r.stop()
	fmt.Fprintf(&r.b, "\n### Pages at %d business leads, search at %d leads — %s, %s\n\n", r.c.leads, r.c.searchLeads,
		r.st.Engine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&r.b, "Machine: %s. Go %s. Database: %s. Command: `%s`\n\n", machine(), runtime.Version(), r.c.label, r.command())

	r.say("generating %d business leads…", r.c.leads)
	var err error
	r.events, err = simulate.Generate(simulate.Config{Seed: 1, Start: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC),
		Count: r.c.leads, B2B: &simulate.B2BConfig{Companies: min(max(r.c.leads*3/40, 1), simulate.MaxCompanies)}})
	if err != nil {
		return "", err
	}
	if err := r.start(ctx, true); err != nil {
		return "", err
	}
	if err := r.fill(ctx); err != nil {
		return "", err
	}
	if err := r.analyze(ctx); err != nil {
		return "", err
	}
	if err := r.signIn(ctx); err != nil {
		return "", err
	}
	if err := r.pages(ctx); err != nil {
		return "", err
	}
	if r.c.searchLeads > 0 {
		if err := r.searchAtScale(ctx); err != nil {
			return "", err
		}
	}
	return r.b.String(), nil
}

func (r *pagesRun) command() string {
	cmd := fmt.Sprintf("leadhub bench pages --leads %d --search-leads %d --requests %d", r.c.leads, r.c.searchLeads, r.c.requests)
	if r.c.given != "" {
		cmd += " --database " + store.Redact(r.c.given)
	}
	return cmd
}

// start runs the server as serve does (resolve: the resolver and the
// account steps on).
func (r *pagesRun) start(ctx context.Context, resolve bool) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	cfg := app.Defaults()
	cfg.Resolve = resolve
	if r.srv, err = app.Start(ctx, r.st, ln, cfg, r.log); err != nil {
		return err
	}
	r.base = "http://" + ln.Addr().String()
	return nil
}

func (r *pagesRun) stop() {
	if r.srv != nil {
		_ = r.srv.Shutdown(10 * time.Second)
		r.srv = nil
	}
}

// incoming is a marketplace body as the HTTPS endpoint would commit it.
func incomingOf(body []byte, dedup string) lead.Incoming {
	sum := sha256.Sum256(body)
	in := lead.Incoming{ID: ulid.Make().String(), Channel: lead.ChannelHTTPS, Source: "https", ReceivedAt: time.Now().UTC().Truncate(time.Microsecond),
		Body: body, SHA256: hex.EncodeToString(sum[:]), DedupKey: dedup}
	p, err := marketplace.Decode(body)
	if err != nil {
		in.ParseErr = err.Error()
	} else {
		in.Parsed = p
	}
	return in
}

// fill commits the generated leads in batches while the resolver runs,
// then waits for it and for the accounts to be summed.
func (r *pagesRun) fill(ctx context.Context) error {
	r.say("committing %d leads in batches of 500 while the resolver runs…", len(r.events))
	start := time.Now()
	for chunk := range slices.Chunk(r.events, 500) {
		in := make([]lead.Incoming, len(chunk))
		for i, ev := range chunk {
			in[i] = incomingOf(ev.Body, "")
		}
		if _, err := r.st.CommitBatch(ctx, in); err != nil {
			return err
		}
		if r.srv.Resolver != nil {
			r.srv.Resolver.Nudge()
		}
	}
	committed := time.Since(start)
	// One quarantined body, so that the quarantine pages have one.
	if _, err := r.st.CommitBatch(ctx, []lead.Incoming{incomingOf([]byte(`{"not":"a lead"`), "")}); err != nil {
		return err
	}
	r.say("committed in %s; waiting for the resolver…", committed.Round(time.Second))
	caughtUp, backlog, err := waitResolved(ctx, r.st, r.c.resolveLimit)
	if err != nil {
		return err
	}
	resolved := time.Since(start)
	resolvedNote := fmt.Sprintf("every lead resolved %s after the first commit", resolved.Round(time.Second))
	if caughtUp < 0 {
		// Time the pages all the same, and say so.
		resolvedNote = fmt.Sprintf("**%d leads were still unresolved** when the wait for the resolver ended, %s after the first commit",
			backlog, resolved.Round(time.Second))
		r.stop()
		if err := r.start(ctx, false); err != nil {
			return err
		}
	}
	for deadline := time.Now().Add(10 * time.Minute); caughtUp >= 0 && time.Now().Before(deadline); {
		n, err := r.st.DirtyAccounts(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	settled := time.Since(start)
	var customers, accounts int64
	db := r.st.WriteDB()
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM customers WHERE merged_into IS NULL`).Scan(&customers); err != nil {
		return err
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&accounts); err != nil {
		return err
	}
	r.say("%d customers, %d accounts; %s", customers, accounts, resolvedNote)
	fmt.Fprintf(&r.b, "Fill: %d generated business leads (simulate --b2b, seed 1) committed through the store in batches of 500 in %s "+
		"while the resolver ran as in serve; %s, accounts summed after %s: "+
		"**%d customers**, %d accounts.\n\n", len(r.events), committed.Round(time.Second), resolvedNote,
		settled.Round(time.Second), customers, accounts)
	return nil
}

// analyze gives PostgreSQL's planner statistics of the filled tables, as
// autovacuum does by itself within a minute or so of a bulk load (its
// analyze threshold is 10% of a table's rows changed). Timed right after
// the fill without them, the planner guesses and the inbox took 465 ms
// instead of 0.2 ms. SQLite keeps no statistics unless told to, and
// leadhub never tells it, so it is timed as it runs.
func (r *pagesRun) analyze(ctx context.Context) error {
	if r.st.Engine() != "postgres" {
		return nil
	}
	r.say("ANALYZE (as autovacuum would after a bulk load)…")
	start := time.Now()
	if _, err := r.st.WriteDB().ExecContext(ctx, `ANALYZE`); err != nil {
		return err
	}
	fmt.Fprintf(&r.b, "`ANALYZE` run before timing (%s), as autovacuum would within a minute of the load.\n\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// signIn makes an administrator, signs in through the sign-in form and
// makes an API key.
func (r *pagesRun) signIn(ctx context.Context) error {
	pw := "bench " + ulid.Make().String()
	u := lead.User{ID: ulid.Make().String(), Email: "bench@leadhub.invalid", DisplayName: "Bench", Role: lead.RoleAdmin}
	if err := r.st.CreateUser(ctx, u); err != nil {
		return err
	}
	hash, err := auth.HashPassword(pw, auth.DefaultParams)
	if err != nil {
		return err
	}
	if err := r.st.SetPassword(ctx, u.ID, hash); err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	r.client = &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := r.client.PostForm(r.base+"/sign-in", url.Values{"email": {u.Email}, "password": {pw}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("bench pages: signing in answered %d", resp.StatusCode)
	}
	secret, cred := auth.NewSecret(lead.CredentialAPI, "bench", time.Now())
	if err := r.st.CreateCredential(ctx, cred); err != nil {
		return err
	}
	r.apiKey = secret
	return nil
}

// examples are real ids for the wildcards of the routes, by the path
// segment before the wildcard.
func (r *pagesRun) examples(ctx context.Context) (map[string]string, error) {
	ex := map[string]string{"static": "style.css"}
	cs, err := r.st.ListCustomers(ctx, lead.CustomerFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(cs.Customers) > 0 {
		ex["customers"] = cs.Customers[0].ID
	}
	as, err := r.st.ListAccounts(ctx, lead.AccountFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(as.Accounts) > 0 {
		ex["accounts"] = as.Accounts[0].ID
	}
	rv, err := r.st.ListReview(ctx, 1, "")
	if err != nil {
		return nil, err
	}
	if len(rv.Items) > 0 {
		ex["review"] = rv.Items[0].ID
	}
	au, err := r.st.ListAudit(ctx, lead.AuditFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(au.Entries) > 0 {
		ex["audit"] = au.Entries[0].ID
	}
	q, err := r.st.ListQuarantine(ctx, lead.QuarantineFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(q.Raws) > 0 {
		ex["quarantine"] = q.Raws[0].ID
	}
	ls, err := r.st.ListLeads(ctx, lead.LeadFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(ls.Leads) > 0 {
		ex["leads"] = ls.Leads[0].ID
	}
	im, err := r.st.ListImports(ctx, 1)
	if err != nil {
		return nil, err
	}
	if len(im) > 0 {
		ex["imports"] = im[0].ID
	}
	us, err := r.st.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	if len(us) > 0 {
		ex["users"] = us[0].ID
	}
	return ex, nil
}

// fillPath fills every wildcard of pattern with the example of the segment
// before it; ok is false, with the wildcard, when there is none.
func fillPath(pattern string, ex map[string]string) (string, string, bool) {
	segs := strings.Split(strings.ReplaceAll(pattern, "{$}", ""), "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		v, ok := ex[prev]
		if !ok {
			return "", s, false
		}
		segs[i] = url.PathEscape(v)
	}
	return strings.Join(segs, "/"), "", true
}

// time sends n GET requests to path, one at a time (api: with the API
// key), after a few to warm up.
func (r *pagesRun) time(ctx context.Context, what, path string, api bool) (timing, error) {
	t := timing{what: what, path: path, bad: map[int]int{}}
	for i := -3; i < r.c.requests; i++ {
		req, err := http.NewRequestWithContext(ctx, "GET", r.base+path, nil)
		if err != nil {
			return t, err
		}
		if api {
			req.Header.Set("Authorization", "Bearer "+r.apiKey)
		}
		start := time.Now()
		resp, err := r.client.Do(req)
		if err != nil {
			return t, err
		}
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			return t, err
		}
		d := time.Since(start)
		if i < 0 {
			continue
		}
		if resp.StatusCode != http.StatusOK {
			t.bad[resp.StatusCode]++
			continue
		}
		t.lat = append(t.lat, d)
	}
	return t, nil
}

func (r *pagesRun) table(ts []timing) {
	fmt.Fprintln(&r.b, "| page | path | p50 | p95 | p99 | max | not 200 |")
	fmt.Fprintln(&r.b, "|---|---|---:|---:|---:|---:|---|")
	for _, t := range ts {
		bad := ""
		for code, n := range t.bad {
			bad += fmt.Sprintf("%d×%d ", n, code)
		}
		p95 := ms(t.pct(95))
		if t.pct(95) > 100*time.Millisecond {
			p95 = "**" + p95 + "**"
		}
		fmt.Fprintf(&r.b, "| %s | `%s` | %s | %s | %s | %s | %s |\n", t.what, t.path, ms(t.pct(50)), p95, ms(t.pct(99)), ms(t.pct(100)), strings.TrimSpace(bad))
	}
	fmt.Fprintln(&r.b)
}

// pages times every GET route of the web app, and the searches.
func (r *pagesRun) pages(ctx context.Context) error {
	ex, err := r.examples(ctx)
	if err != nil {
		return err
	}
	var ts []timing
	var unfilled []string
	for _, rt := range web.Routes() {
		if rt.Method != http.MethodGet {
			continue
		}
		path, missing, ok := fillPath(rt.Path, ex)
		if !ok {
			unfilled = append(unfilled, fmt.Sprintf("`%s` (no id in the data for %s)", rt.Path, missing))
			continue
		}
		r.say("timing GET %s…", path)
		t, err := r.time(ctx, "GET "+rt.Path, path, false)
		if err != nil {
			return err
		}
		ts = append(ts, t)
	}
	searches, err := r.searches(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(&r.b, "Every GET page of the web app, signed in as an administrator, %d requests each, one at a time, over loopback HTTP:\n\n", r.c.requests)
	r.table(append(ts, searches...))
	if len(unfilled) > 0 {
		fmt.Fprintf(&r.b, "Not timed: %s.\n\n", strings.Join(unfilled, ", "))
	}
	return nil
}

// searches times the inbox and lead searches, and a lookup by primary key
// through the same stack as their baseline.
func (r *pagesRun) searches(ctx context.Context) ([]timing, error) {
	ls, err := r.st.ListLeads(ctx, lead.LeadFilter{Limit: 1})
	if err != nil || len(ls.Leads) == 0 {
		return nil, fmt.Errorf("bench pages: no lead to search for (%v)", err)
	}
	l := ls.Leads[0]
	email := url.QueryEscape(l.Contact.Email)
	last := url.QueryEscape(l.Contact.LastName)
	company := url.QueryEscape(l.Contact.Company)
	var ts []timing
	for _, s := range []struct {
		what, path string
		api        bool
	}{
		{"inbox search, no match", "/?q=zzqxv", false},
		{"inbox search, last name", "/?q=" + last, false},
		{"inbox search, email", "/?q=" + email, false},
		{"inbox search, company + country", "/?q=" + company + "&country=" + url.QueryEscape(normalize.Country(l.Contact.Country)), false},
		{"API lead search, no match", "/api/v1/leads?q=zzqxv", true},
		{"API lead search, last name", "/api/v1/leads?q=" + last, true},
		{"API lead search, email", "/api/v1/leads?q=" + email, true},
		{"API leads, no filter (baseline)", "/api/v1/leads", true},
		{"API lead by id (baseline: a primary key lookup)", "/api/v1/leads/" + l.ID, true},
	} {
		r.say("timing GET %s…", s.path)
		t, err := r.time(ctx, s.what, s.path, s.api)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

// searchAtScale adds leads up to searchLeads (committed in batches of
// 1000, not resolved), restarts the server without the resolver, and
// times the searches again.
func (r *pagesRun) searchAtScale(ctx context.Context) error {
	r.stop()
	total, _, err := r.st.CountLeads(ctx)
	if err != nil {
		return err
	}
	add := int64(r.c.searchLeads) - total
	if add > 0 {
		r.say("committing %d more leads in batches of 1000 (not resolved)…", add)
		start := time.Now()
		parsed := make([]*lead.Parsed, 0, len(r.events))
		for _, ev := range r.events {
			if p, err := marketplace.Decode(ev.Body); err == nil {
				parsed = append(parsed, p)
			}
		}
		for done := int64(0); done < add; {
			n := min(1000, add-done)
			in := make([]lead.Incoming, n)
			for i := range in {
				k := done + int64(i)
				// The contact of a generated lead again (names repeat, as
				// in life), under a small body of its own.
				body := fmt.Appendf(nil, `{"bench":%d}`, k)
				sum := sha256.Sum256(body)
				p := *parsed[k%int64(len(parsed))]
				in[i] = lead.Incoming{ID: ulid.Make().String(), Channel: lead.ChannelHTTPS, Source: "https",
					ReceivedAt: time.Now().UTC().Truncate(time.Microsecond), Body: body, SHA256: hex.EncodeToString(sum[:]), Parsed: &p}
			}
			if _, err := r.st.CommitBatch(ctx, in); err != nil {
				return err
			}
			done += n
		}
		fmt.Fprintf(&r.b, "Search at scale: %d more leads committed through `CommitBatch` in batches of 1000 in %s (the generated "+
			"contacts again, under small bodies of their own; not resolved: the resolver is off for these timings, and the inbox "+
			"search finds customers through their resolved leads only).\n\n", add, time.Since(start).Round(time.Second))
	}
	total, _, err = r.st.CountLeads(ctx)
	if err != nil {
		return err
	}
	if err := r.analyze(ctx); err != nil {
		return err
	}
	if err := r.start(ctx, false); err != nil {
		return err
	}
	ts, err := r.searches(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(&r.b, "Searches at **%d leads**, %d requests each:\n\n", total, r.c.requests)
	r.table(ts)
	return nil
}
