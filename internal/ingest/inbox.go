// Package ingest is leadhub's inbox: every road a lead arrives by (the
// HTTPS endpoint, the Azure Table poller, CSV imports) hands its bodies to
// one Inbox through Receive, which parses each with its channel's parser and
// commits them durably in groups before anyone acknowledges them. The
// inbox also keeps the ingest metrics. It knows nothing about HTTP.
package ingest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultDedupWindow is how long an identical body is recognised as a
// redelivery rather than a new lead.
const DefaultDedupWindow = 24 * time.Hour

// Options configure an Inbox. Zero values take the defaults.
type Options struct {
	// Writers is the number of goroutines committing batches. SQLite has a
	// single writer, so 1 is right there; PostgreSQL gains from a few.
	Writers int
	// MaxBatch caps how many payloads share one transaction (default 256).
	MaxBatch int
	// DedupWindow defaults to DefaultDedupWindow.
	DedupWindow time.Duration
	// CommitTimeout bounds one batch commit (default 30s).
	CommitTimeout time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Metrics, when set, counts what Receive stores and each batch.
	Metrics *Metrics
	// OnCommit, when set, is called after each batch that committed (from
	// the writer, before the batch's callers are answered): new leads are
	// in the database. It must not block; the server wakes the resolver
	// with it.
	OnCommit func()
}

// Inbox groups concurrent submissions into batches and commits each batch in
// one transaction (group commit): one fsync acknowledges many leads.
type Inbox struct {
	store lead.BatchCommitter
	opt   Options
	reqs  chan *pending

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	idMu    sync.Mutex
	entropy *ulid.MonotonicEntropy
}

type pending struct {
	in   lead.Incoming
	out  lead.Outcome
	err  error
	done chan struct{}
}

// ErrClosed is returned by Receive after Close.
var ErrClosed = &lead.Error{Kind: lead.KindUnavailable, Op: "ingest", Message: "inbox is shutting down"}

// New starts an inbox that commits to store.
func New(store lead.BatchCommitter, opt Options) *Inbox {
	if opt.Writers <= 0 {
		opt.Writers = 1
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 256
	}
	if opt.DedupWindow <= 0 {
		opt.DedupWindow = DefaultDedupWindow
	}
	if opt.CommitTimeout <= 0 {
		opt.CommitTimeout = 30 * time.Second
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	ib := &Inbox{
		store:   store,
		opt:     opt,
		reqs:    make(chan *pending, opt.MaxBatch*opt.Writers*2),
		entropy: ulid.Monotonic(rand.Reader, 0),
	}
	for range opt.Writers {
		ib.wg.Add(1)
		go ib.writer()
	}
	return ib
}

// Body is one body as it arrived by a channel, before parsing.
type Body struct {
	Channel lead.Channel
	// Source names where it came from; empty means the channel name.
	Source string
	Body   []byte
	// DedupKey identifies the body for idempotency; empty means the body's
	// SHA-256, counted for the inbox's DedupWindow. A body with a key of
	// its own (an Azure Table entity, an imported row) is a duplicate of an
	// earlier one with that key for ever.
	DedupKey string
	// Quarantine, when set, keeps the body in quarantine with this error
	// without parsing it: the channel refused it before it could be read
	// as a lead (e.g. a body over the size limit, or an imported row that
	// has no contact details).
	Quarantine string
	// ImportID names the CSV import a row came from, so that its
	// quarantine can be listed.
	ImportID string
}

// Receipt is what Receive did with a body: the stored outcome (for a
// duplicate, the earlier raw lead's id, status and error) and what parsing
// this delivery gave. Exactly one of Parsed and ParseErr is set.
type Receipt struct {
	lead.Outcome
	Parsed   *lead.Parsed
	ParseErr error
}

// Receive parses b with its channel's parser and commits it (a lead, or a
// raw lead in quarantine when it cannot be parsed), returning once it is
// durable. It counts the receipt in the inbox's metrics. Like every
// channel's acknowledgement, it does not give up when ctx ends: a body
// handed over is always answered, so a caller never mistakes a committed
// lead for a lost one. Errors: KindInvalid for a channel without a parser
// (nothing is stored), KindUnavailable when the commit failed or the inbox
// is closed.
func (ib *Inbox) Receive(ctx context.Context, b Body) (Receipt, error) {
	var rc Receipt
	p := payload{Channel: b.Channel, Source: b.Source, Body: b.Body, DedupKey: b.DedupKey, ImportID: b.ImportID}
	if b.Quarantine != "" {
		rc.ParseErr = errors.New(b.Quarantine)
		p.ParseErr = b.Quarantine
	} else {
		parse, ok := parsers[b.Channel]
		if !ok {
			return rc, noParser(b.Channel)
		}
		rc.Parsed, rc.ParseErr = parse(b.Body)
		if rc.ParseErr != nil {
			rc.Parsed, p.ParseErr = nil, rc.ParseErr.Error()
		}
		p.Parsed = rc.Parsed
	}
	out, err := ib.submit(ctx, p)
	if err != nil {
		return rc, err
	}
	rc.Outcome = out
	ib.opt.Metrics.count(rc)
	return rc, nil
}

// payload is one body to commit, already parsed by its channel's parser.
// Exactly one of Parsed and ParseErr is set.
type payload struct {
	Channel  lead.Channel
	Source   string
	Body     []byte
	Parsed   *lead.Parsed
	ParseErr string
	DedupKey string
	ImportID string
}

// submit commits p and returns its outcome once it is durable.
func (ib *Inbox) submit(ctx context.Context, p payload) (lead.Outcome, error) {
	if p.Parsed == nil && p.ParseErr == "" {
		return lead.Outcome{}, errors.New("ingest: payload has neither a parse result nor a parse error")
	}
	sum := sha256.Sum256(p.Body)
	now := ib.opt.Now().UTC().Truncate(time.Microsecond)
	in := lead.Incoming{
		ID:         ib.newID(now),
		Channel:    p.Channel,
		Source:     p.Source,
		ReceivedAt: now,
		Body:       p.Body,
		SHA256:     hex.EncodeToString(sum[:]),
		DedupKey:   p.DedupKey,
		Parsed:     p.Parsed,
		ParseErr:   p.ParseErr,
		ImportID:   p.ImportID,
	}
	if in.Source == "" {
		in.Source = string(p.Channel)
	}
	if in.DedupKey == "" {
		in.DedupKey, in.DedupUntil = in.SHA256, now.Add(ib.opt.DedupWindow)
	}
	pd := &pending{in: in, done: make(chan struct{})}
	ib.mu.RLock()
	if ib.closed {
		ib.mu.RUnlock()
		return lead.Outcome{}, ErrClosed
	}
	ib.reqs <- pd
	ib.mu.RUnlock()
	<-pd.done
	return pd.out, pd.err
}

// Close stops accepting payloads, commits those already handed over and
// waits for the writers to finish.
func (ib *Inbox) Close() {
	ib.mu.Lock()
	if !ib.closed {
		ib.closed = true
		close(ib.reqs)
	}
	ib.mu.Unlock()
	ib.wg.Wait()
}

func (ib *Inbox) newID(t time.Time) string {
	ib.idMu.Lock()
	defer ib.idMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), ib.entropy).String()
}

func (ib *Inbox) writer() {
	defer ib.wg.Done()
	batch := make([]*pending, 0, ib.opt.MaxBatch)
	for first := range ib.reqs {
		batch = append(batch[:0], first)
	fill:
		for len(batch) < ib.opt.MaxBatch {
			select {
			case p, ok := <-ib.reqs:
				if !ok {
					break fill
				}
				batch = append(batch, p)
			default:
				break fill
			}
		}
		ib.commit(batch)
	}
}

func (ib *Inbox) commit(batch []*pending) {
	in := make([]lead.Incoming, len(batch))
	for i, p := range batch {
		in[i] = p.in
	}
	ctx, cancel := context.WithTimeout(context.Background(), ib.opt.CommitTimeout)
	outs, err := ib.store.CommitBatch(ctx, in)
	cancel()
	if err == nil && len(outs) != len(batch) {
		err = errors.New("ingest: store returned a wrong number of outcomes")
	}
	ib.opt.Metrics.batch(len(batch), err)
	if err == nil && ib.opt.OnCommit != nil {
		ib.opt.OnCommit()
	}
	for i, p := range batch {
		if err != nil {
			p.err = &lead.Error{Kind: lead.KindUnavailable, Op: "ingest", Message: "could not store the lead, retry later", Err: err}
		} else {
			p.out = outs[i]
		}
		close(p.done)
	}
}
