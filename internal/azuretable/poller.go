package azuretable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// Defaults of Options.
const (
	DefaultTable          = "MarketplaceLeads"
	DefaultInterval       = 60 * time.Second
	DefaultOverlap        = 5 * time.Minute
	DefaultPageSize       = 500
	DefaultWorkers        = 64
	DefaultMaxAttempts    = 6
	DefaultBackoffBase    = 500 * time.Millisecond
	DefaultBackoffMax     = 30 * time.Second
	DefaultRequestTimeout = 60 * time.Second
)

// Store is what a poller needs of leadhub's store: durable progress, and a
// record of each poll's outcome.
type Store = lead.SourceProgress

// Inbox parses and stores bodies and answers once they are durable
// (*ingest.Inbox).
type Inbox interface {
	Receive(ctx context.Context, b ingest.Body) (ingest.Receipt, error)
}

// Options configure a Poller. Zero values take the defaults.
type Options struct {
	// Table is the table Microsoft writes leads to (DefaultTable).
	Table string
	// Interval is the time between the end of one poll and the next.
	Interval time.Duration
	// Overlap is how far before the watermark each poll reads again, to
	// catch entities whose Timestamp is older than their commit (clock skew,
	// slow writes). Re-read entities are recognised as duplicates.
	Overlap time.Duration
	// PageSize is the number of entities asked for per request (Top; the
	// service returns at most 1,000).
	PageSize int
	// Workers is the number of entities submitted to the inbox at once, so
	// that its group commit stores many per transaction.
	Workers int
	// MaxAttempts bounds the tries of one request when the service is busy,
	// slow or unreachable; BackoffBase doubles after each try, up to
	// BackoffMax, with random jitter.
	MaxAttempts int
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// RequestTimeout bounds one request.
	RequestTimeout time.Duration
	// Transport, when set, carries the SDK's HTTP requests.
	Transport policy.Transporter
	// Now is the clock (time.Now).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Table == "" {
		o.Table = DefaultTable
	}
	orDefault(&o.Interval, DefaultInterval)
	orDefault(&o.Overlap, DefaultOverlap)
	orDefault(&o.PageSize, DefaultPageSize)
	o.PageSize = min(o.PageSize, 1000)
	orDefault(&o.Workers, DefaultWorkers)
	orDefault(&o.MaxAttempts, DefaultMaxAttempts)
	orDefault(&o.BackoffBase, DefaultBackoffBase)
	orDefault(&o.BackoffMax, DefaultBackoffMax)
	orDefault(&o.RequestTimeout, DefaultRequestTimeout)
	if o.Now == nil {
		o.Now = time.Now
	}
}

// orDefault sets *v to def unless it is positive.
func orDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Deps are a poller's collaborators. Metrics and Logger may be nil.
type Deps struct {
	Store   Store
	Inbox   Inbox
	Metrics *Metrics
	Logger  *slog.Logger
}

var tableNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{2,62}$`)

func validTableName(t string) error {
	if !tableNameRE.MatchString(t) {
		return fmt.Errorf("azure table name %q: want 3 to 63 letters and digits, starting with a letter", t)
	}
	return nil
}

// SourceKey names the source of an account's table in raw leads, checkpoints
// and metrics: azure_table:<account>/<table>, in lower case (storage account
// and table names are case-insensitive).
func SourceKey(accountName, table string) string {
	return string(lead.ChannelAzureTable) + ":" + strings.ToLower(accountName) + "/" + strings.ToLower(table)
}

// Poller reads one table of one storage account into the inbox. Run it with
// Run; Sync asks for a poll now. It never writes to the table.
type Poller struct {
	account Account
	opt     Options
	source  string
	table   tableReader
	store   Store
	inbox   Inbox
	metrics *Metrics
	log     *slog.Logger

	running atomic.Bool
	syncCh  chan struct{} // capacity 1: requests coalesce
	stopped chan struct{} // closed when Run returns

	mu      sync.Mutex
	next    *pollRun // the poll the next Sync calls wait for
	status  Status
	polling bool
}

// pollRun is one poll that Sync callers wait for.
type pollRun struct {
	done chan struct{}
	err  error
}

// ErrStopped is returned by Sync when the poller is not running.
var ErrStopped = errors.New("azure table: poller stopped")

// NewPoller returns a poller of account's table. It does not touch the
// network until Run.
func NewPoller(account Account, opt Options, deps Deps) (*Poller, error) {
	opt.defaults()
	if err := validTableName(opt.Table); err != nil {
		return nil, err
	}
	if account.Name == "" || account.Endpoint == "" {
		return nil, errors.New("azure table: account has no name or endpoint (use ParseConnectionString)")
	}
	if deps.Store == nil || deps.Inbox == nil {
		return nil, errors.New("azure table: a poller needs a store and an inbox")
	}
	tbl, err := newSDKTable(account, opt.Table, opt.Transport)
	if err != nil {
		return nil, err
	}
	return newPoller(account, opt, deps, tbl), nil
}

func newPoller(account Account, opt Options, deps Deps, tbl tableReader) *Poller {
	if deps.Metrics == nil {
		deps.Metrics = NewMetrics(nil)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Poller{
		account: account,
		opt:     opt,
		source:  SourceKey(account.Name, opt.Table),
		table:   tbl,
		store:   deps.Store,
		inbox:   deps.Inbox,
		metrics: deps.Metrics,
		syncCh:  make(chan struct{}, 1),
		stopped: make(chan struct{}),
	}
	p.log = deps.Logger.With("source", p.source)
	p.status.Source = p.source
	p.metrics.init(p.source)
	return p
}

// Source is the poller's source key, azure_table:<account>/<table>.
func (p *Poller) Source() string { return p.source }

// Description is a poller's configuration, without secrets.
type Description struct {
	Source     string        `json:"source"`
	Channel    lead.Channel  `json:"channel"`
	Account    string        `json:"account"`
	Endpoint   string        `json:"endpoint"`
	Table      string        `json:"table"`
	Credential string        `json:"credential"` // "shared key" or "shared access signature"
	Interval   time.Duration `json:"-"`
	Overlap    time.Duration `json:"-"`
	// IntervalSeconds and OverlapSeconds are Interval and Overlap in JSON.
	IntervalSeconds float64 `json:"interval_seconds"`
	OverlapSeconds  float64 `json:"overlap_seconds"`
}

// Config is the description as the short key → value list that the
// sources API shows (account, endpoint, table, interval).
func (d Description) Config() map[string]string {
	return map[string]string{"account": d.Account, "endpoint": d.Endpoint, "table": d.Table,
		"interval": d.Interval.String(), "credential": d.Credential}
}

// Describe returns the poller's configuration.
func (p *Poller) Describe() Description {
	return Description{
		Source:          p.source,
		Channel:         lead.ChannelAzureTable,
		Account:         p.account.Name,
		Endpoint:        p.account.Endpoint,
		Table:           p.opt.Table,
		Credential:      p.account.Credential(),
		Interval:        p.opt.Interval,
		Overlap:         p.opt.Overlap,
		IntervalSeconds: p.opt.Interval.Seconds(),
		OverlapSeconds:  p.opt.Overlap.Seconds(),
	}
}

// Status is what a poller has done since the process started. The store's
// SourceActivity has the durable part (last error, last success, failures).
type Status struct {
	Source              string    `json:"source"`
	Running             bool      `json:"running"` // Run is active
	Polling             bool      `json:"polling"` // a poll is under way
	Polls               int64     `json:"polls"`
	LastPollAt          time.Time `json:"last_poll_at,omitzero"` // when the last poll ended
	LastSuccessAt       time.Time `json:"last_success_at,omitzero"`
	LastError           string    `json:"last_error,omitempty"` // of the last poll; "" after a success
	ConsecutiveFailures int       `json:"consecutive_failures"`
	Retries             int64     `json:"retries"` // requests retried (throttling, timeouts, network)
	Created             int64     `json:"created"`
	Duplicates          int64     `json:"duplicates"`
	Quarantined         int64     `json:"quarantined"`
	Failed              int64     `json:"failed"`
	// Watermark is the Timestamp up to which every entity has been read
	// (each poll reads again from Watermark minus the overlap).
	Watermark time.Time `json:"watermark,omitzero"`
}

// Status returns the poller's counters.
func (p *Poller) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.status
	s.Running = p.running.Load()
	s.Polling = p.polling
	return s
}

// Run polls at once and then Interval after each poll ends, and whenever
// Sync asks, until ctx ends. A poll under way when ctx ends stops after the
// entities already handed to the inbox are committed; the checkpoint then
// holds every completed page. Run returns nil when ctx ends; a Poller runs
// once.
func (p *Poller) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return errors.New("azure table: poller already started")
	}
	defer func() {
		p.running.Store(false)
		close(p.stopped)
	}()
	p.log.Info("azure table poller started", "account", p.account.Name, "endpoint", p.account.Endpoint,
		"table", p.opt.Table, "interval", p.opt.Interval.String())
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			p.log.Info("azure table poller stopped")
			return nil
		case <-timer.C:
		case <-p.syncCh:
		}
		p.pollOnce(ctx)
		if ctx.Err() != nil {
			p.log.Info("azure table poller stopped")
			return nil
		}
		timer.Reset(p.opt.Interval)
	}
}

// Sync asks for a poll that starts after the call and waits for it to end,
// returning its error. Concurrent calls share one poll. It returns ctx's
// error when ctx ends first, and ErrStopped when Run has returned.
func (p *Poller) Sync(ctx context.Context) error {
	p.mu.Lock()
	if p.next == nil {
		p.next = &pollRun{done: make(chan struct{})}
	}
	run := p.next
	p.mu.Unlock()
	select {
	case p.syncCh <- struct{}{}:
	default: // a request is already pending: it will start this poll
	}
	select {
	case <-run.done:
		return run.err
	case <-p.stopped:
		select {
		case <-run.done:
			return run.err
		default:
			return ErrStopped
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (p *Poller) pollOnce(ctx context.Context) {
	// A request made before this poll takes the waiters is served by it.
	// Drain first: a request made after the take leaves its signal, and
	// so gets a poll of its own.
	select {
	case <-p.syncCh:
	default:
	}
	p.mu.Lock()
	run := p.next
	p.next = nil
	p.polling = true
	p.mu.Unlock()

	start := p.opt.Now()
	st, err := p.poll(ctx)
	end := p.opt.Now()
	p.metrics.duration.WithLabelValues(p.source).Observe(end.Sub(start).Seconds())

	stopped := err != nil && ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
	var errText string
	if err != nil {
		errText = p.account.redact(err.Error())
	}

	p.mu.Lock()
	p.polling = false
	p.status.Polls++
	p.status.LastPollAt = end
	p.status.Created += int64(st.created)
	p.status.Duplicates += int64(st.duplicates)
	p.status.Quarantined += int64(st.quarantined)
	p.status.Failed += int64(st.failed)
	if !st.watermark.IsZero() {
		p.status.Watermark = st.watermark
	}
	switch {
	case stopped:
	case err != nil:
		p.status.LastError = errText
		p.status.ConsecutiveFailures++
	default:
		p.status.LastError = ""
		p.status.ConsecutiveFailures = 0
		p.status.LastSuccessAt = end
	}
	p.mu.Unlock()

	attrs := []any{"pages", st.pages, "entities", st.entities, "created", st.created,
		"duplicates", st.duplicates, "quarantined", st.quarantined, "duration_ms", end.Sub(start).Milliseconds()}
	switch {
	case stopped:
		p.log.Info("azure table poll interrupted by shutdown; it resumes from the last completed page", attrs...)
		err = context.Canceled
	case err != nil:
		p.metrics.polls.WithLabelValues(p.source, "error").Inc()
		level := slog.LevelError
		var te *Error
		if errors.As(err, &te) && te.Transient() || lead.KindOf(err) == lead.KindUnavailable {
			level = slog.LevelWarn
		}
		p.log.Log(ctx, level, "azure table poll failed; retrying at the next interval",
			append(attrs, "error", errText, "next_poll_in", p.opt.Interval.String())...)
		p.record(errText, end)
	default:
		p.metrics.polls.WithLabelValues(p.source, "ok").Inc()
		p.metrics.lastSuccess.WithLabelValues(p.source).Set(float64(end.UnixNano()) / 1e9)
		level := slog.LevelDebug
		if st.created+st.quarantined > 0 {
			level = slog.LevelInfo
		}
		p.log.Log(ctx, level, "azure table poll done", attrs...)
		p.record("", end)
	}
	if run != nil {
		run.err = err
		close(run.done)
	}
}

func (p *Poller) record(errText string, at time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := p.store.RecordSourceResult(ctx, p.source, errText, at); err != nil {
		p.log.Warn("could not record the poll result", "error", err.Error())
	}
}

// checkpoint is a source's durable progress, saved after every page.
type checkpoint struct {
	// Timestamp is the watermark: every entity whose Timestamp is before it
	// was read by an earlier poll (allowing for the overlap).
	Timestamp time.Time `json:"timestamp,omitzero"`
	// Scan is the poll under way, when one was interrupted: it resumes from
	// the continuation after its last completed page.
	Scan *scanState `json:"scan,omitempty"`
}

type scanState struct {
	From    time.Time    `json:"from,omitzero"` // the filter's lower bound; zero: whole table
	Started time.Time    `json:"started"`       // the service's clock at the first page
	MaxSeen time.Time    `json:"max_seen,omitzero"`
	Next    continuation `json:"next"`
	Pages   int          `json:"pages"`
}

// nextWatermark is where the next scan starts (before the overlap): the
// newest Timestamp seen, but never after the scan began, since an entity
// written during the scan may sort before the page being read.
func nextWatermark(old time.Time, s *scanState) time.Time {
	if s.MaxSeen.IsZero() {
		return old
	}
	w := s.MaxSeen
	if !s.Started.IsZero() && s.Started.Before(w) {
		w = s.Started
	}
	if w.Before(old) {
		return old
	}
	return w
}

const odataTime = "2006-01-02T15:04:05.0000000Z"

func filterFrom(from time.Time) string {
	if from.IsZero() {
		return ""
	}
	return "Timestamp ge datetime'" + from.UTC().Format(odataTime) + "'"
}

func (p *Poller) loadCheckpoint(ctx context.Context) (checkpoint, error) {
	var cp checkpoint
	s, err := p.store.GetCheckpoint(ctx, p.source)
	if err != nil {
		return cp, fmt.Errorf("azure table %s/%s: read checkpoint: %w", p.account.Name, p.opt.Table, err)
	}
	if s == "" {
		return cp, nil
	}
	if err := json.Unmarshal([]byte(s), &cp); err != nil {
		p.log.Error("the saved checkpoint is unreadable; reading the whole table again (entities already ingested are skipped)", "error", err.Error())
		return checkpoint{}, nil
	}
	return cp, nil
}

func (p *Poller) saveCheckpoint(cp checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	// Save even when shutting down: the page is committed and its progress
	// must not be lost.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.store.SetCheckpoint(ctx, p.source, string(b)); err != nil {
		return fmt.Errorf("azure table %s/%s: save checkpoint: %w", p.account.Name, p.opt.Table, err)
	}
	return nil
}

type pollStats struct {
	pages, entities                          int
	created, duplicates, quarantined, failed int
	watermark                                time.Time
}

// poll reads every entity modified since the watermark (less the overlap),
// or resumes an interrupted scan, saving progress after each page.
func (p *Poller) poll(ctx context.Context) (pollStats, error) {
	var st pollStats
	cp, err := p.loadCheckpoint(ctx)
	if err != nil {
		return st, err
	}
	st.watermark = cp.Timestamp
	scan := cp.Scan
	if scan != nil {
		p.log.Info("resuming an interrupted poll", "pages_done", scan.Pages)
	} else {
		scan = &scanState{}
		if !cp.Timestamp.IsZero() {
			scan.From = cp.Timestamp.Add(-p.opt.Overlap)
		}
	}

	// Fetch the next page while the inbox commits the current one.
	type fetched struct {
		page page
		req  pageRequest
		err  error
	}
	fctx, cancelFetch := context.WithCancel(ctx)
	pages := make(chan fetched, 1)
	defer func() {
		cancelFetch()
		for range pages { // wait for the fetcher to return
		}
	}()
	filter, next := filterFrom(scan.From), scan.Next
	go func() {
		defer close(pages)
		resumed := next.more()
		for {
			req := pageRequest{Filter: filter, Top: int32(p.opt.PageSize), Next: next}
			pg, err := p.fetch(fctx, req)
			var te *Error
			if err != nil && resumed && errors.As(err, &te) && te.Status == 400 {
				// The service no longer takes the saved continuation: scan
				// from the start of the window (duplicates are skipped).
				p.log.Warn("the saved continuation was refused; restarting the interrupted poll", "error", te.Error())
				next, resumed = continuation{}, false
				select {
				case pages <- fetched{req: pageRequest{}, err: errRestart}:
				case <-fctx.Done():
					return
				}
				continue
			}
			select {
			case pages <- fetched{page: pg, req: req, err: err}:
			case <-fctx.Done():
				return
			}
			if err != nil || !pg.Next.more() {
				return
			}
			next = pg.Next
		}
	}()

	for f := range pages {
		if errors.Is(f.err, errRestart) {
			scan.Next, scan.MaxSeen, scan.Pages = continuation{}, time.Time{}, 0
			continue
		}
		if f.err != nil {
			return st, f.err
		}
		if scan.Started.IsZero() {
			scan.Started = f.page.Date
			if scan.Started.IsZero() {
				scan.Started = p.opt.Now().UTC()
			}
		}
		maxTS, err := p.submitPage(ctx, f.page.Entities, &st)
		if err != nil {
			return st, err
		}
		st.pages++
		scan.Pages++
		if maxTS.After(scan.MaxSeen) {
			scan.MaxSeen = maxTS
		}
		if f.page.Next.more() {
			scan.Next = f.page.Next
			cp.Scan = scan
		} else {
			cp.Timestamp = nextWatermark(cp.Timestamp, scan)
			cp.Scan = nil
		}
		if err := p.saveCheckpoint(cp); err != nil {
			return st, err
		}
		st.watermark = cp.Timestamp
		if cp.Scan == nil {
			return st, nil
		}
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
	}
	// The fetcher stopped without a last page: ctx ended.
	if err := ctx.Err(); err != nil {
		return st, err
	}
	return st, errors.New("azure table: listing stopped unexpectedly")
}

var errRestart = errors.New("restart scan")

// fetch gets one page, retrying throttling, server errors, timeouts and
// network failures with exponential backoff and jitter.
func (p *Poller) fetch(ctx context.Context, req pageRequest) (page, error) {
	for attempt := 1; ; attempt++ {
		rctx, cancel := context.WithTimeout(ctx, p.opt.RequestTimeout)
		pg, err := p.table.listPage(rctx, req)
		cancel()
		if err == nil {
			return pg, nil
		}
		if ctx.Err() != nil {
			return page{}, ctx.Err()
		}
		reason, retry := classify(err)
		if !retry || attempt >= p.opt.MaxAttempts {
			return page{}, describe(p.account, p.opt.Table, err, attempt)
		}
		p.metrics.retries.WithLabelValues(p.source, reason).Inc()
		p.mu.Lock()
		p.status.Retries++
		p.mu.Unlock()
		delay := p.backoff(attempt, retryAfter(err))
		p.log.Debug("azure table request failed; retrying", "reason", reason, "attempt", attempt,
			"delay_ms", delay.Milliseconds(), "error", describe(p.account, p.opt.Table, err, attempt).Msg)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return page{}, ctx.Err()
		}
	}
}

// backoff is the delay before try attempt+1: BackoffBase·2^(attempt-1),
// capped at BackoffMax, of which a random half is jitter; at least what the
// service asked for in Retry-After (still capped).
func (p *Poller) backoff(attempt int, asked time.Duration) time.Duration {
	d := p.opt.BackoffBase
	for i := 1; i < attempt && d < p.opt.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, p.opt.BackoffMax)
	half := d / 2
	d = half + rand.N(half+1)
	if asked > d {
		d = min(asked, p.opt.BackoffMax)
	}
	return d
}

// submitPage hands a page's entities to the inbox, Workers at a time, and
// returns the newest Timestamp among them. It returns an error, and the page
// counts as not done, unless every entity was stored (or found a duplicate).
// When ctx ends it hands over no more entities, but waits for those it did.
func (p *Poller) submitPage(ctx context.Context, ents []json.RawMessage, st *pollStats) (time.Time, error) {
	var (
		mu       sync.Mutex
		maxTS    time.Time
		firstErr error
		wg       sync.WaitGroup
		work     = make(chan json.RawMessage)
	)
	for range min(p.opt.Workers, len(ents)) {
		wg.Go(func() {
			for raw := range work {
				ts, outcome, err := p.submitEntity(ctx, raw)
				p.metrics.entities.WithLabelValues(p.source, outcome).Inc()
				mu.Lock()
				st.entities++
				switch outcome {
				case OutcomeCreated:
					st.created++
				case OutcomeDuplicate:
					st.duplicates++
				case OutcomeQuarantined:
					st.quarantined++
				case OutcomeFailed:
					st.failed++
				}
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if ts.After(maxTS) {
					maxTS = ts
				}
				mu.Unlock()
			}
		})
	}
	sent := 0
dispatch:
	for _, raw := range ents {
		mu.Lock()
		failed := firstErr != nil
		mu.Unlock()
		if failed {
			break
		}
		select {
		case work <- raw:
			sent++
		case <-ctx.Done():
			break dispatch
		}
	}
	close(work)
	wg.Wait()
	if firstErr != nil {
		return maxTS, firstErr
	}
	if sent < len(ents) {
		return maxTS, ctx.Err()
	}
	return maxTS, nil
}

// entityKeys are the system properties of an entity, by their exact names.
type entityKeys struct {
	PartitionKey string
	RowKey       string
	Timestamp    time.Time
}

func keysOf(raw []byte) entityKeys {
	var m map[string]json.RawMessage
	var k entityKeys
	if json.Unmarshal(raw, &m) != nil {
		return k
	}
	str := func(name string) string {
		var s string
		if v, ok := m[name]; ok {
			_ = json.Unmarshal(v, &s)
		}
		return s
	}
	k.PartitionKey, k.RowKey = str("PartitionKey"), str("RowKey")
	if t, err := time.Parse(time.RFC3339Nano, str("Timestamp")); err == nil {
		k.Timestamp = t.UTC()
	}
	return k
}

// DedupKey is an entity's idempotency key: its source and its PartitionKey
// and RowKey, which identify it in the table (neither may hold "/").
func DedupKey(source, partitionKey, rowKey string) string {
	return source + "/" + partitionKey + "/" + rowKey
}

func (p *Poller) submitEntity(ctx context.Context, raw json.RawMessage) (time.Time, string, error) {
	body := append([]byte(nil), raw...)
	k := keysOf(body)
	in := ingest.Body{Channel: lead.ChannelAzureTable, Source: p.source, Body: body}
	if k.PartitionKey != "" || k.RowKey != "" {
		in.DedupKey = DedupKey(p.source, k.PartitionKey, k.RowKey)
	} else {
		// Every table entity has both keys; without them fall back to the
		// inbox's body hash.
		p.log.Warn("an entity has no PartitionKey or RowKey; deduplicating it by its body")
	}
	out, err := p.inbox.Receive(context.WithoutCancel(ctx), in)
	switch {
	case err != nil:
		return time.Time{}, OutcomeFailed, fmt.Errorf("azure table %s/%s: could not store an entity: %w", p.account.Name, p.opt.Table, err)
	case out.Duplicate:
		return k.Timestamp, OutcomeDuplicate, nil
	case out.Status == lead.RawQuarantined:
		return k.Timestamp, OutcomeQuarantined, nil
	default:
		return k.Timestamp, OutcomeCreated, nil
	}
}
