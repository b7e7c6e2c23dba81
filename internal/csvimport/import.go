// Package csvimport imports leads from CSV files: exports of Partner
// Center's Referrals workspace, of CRMs, and spreadsheets of old leads.
//
// A file is read as a stream, in constant memory whatever its size. Its
// header decides what each column holds (see Recognize and DetectMapping;
// overrides win). Each data row becomes one JSON object with Microsoft's
// field names (UserDetails, LeadSource, ActionCode, ProductIds, OfferTitle,
// Description), unknown columns under their own names, and "_import"
// (file, import id, line). That object is the raw lead stored through the
// ingest inbox and parsed by the marketplace decoder, like any other lead,
// so it can be reprocessed later.
//
// A row's idempotency key is the SHA-256 of its object without "_import":
// importing a file again, or a file that overlaps an earlier one, creates
// no lead twice, and a row repeated inside a file is a duplicate as well.
//
// No row is lost. A value the decoder has to repair or cannot use (an
// email cell such as "mailto:b@contoso.com", "n/a" or
// "wei..jackson@gmail.com", read by marketplace.CleanEmail) still makes a
// lead, with a parse note saying what was done and the value kept in its
// extra: the row is counted as flagged. A row that cannot become a lead
// (wrong number of fields, malformed quoting, no contact details at all) is
// kept raw in quarantine, with the import's id, for an operator to list,
// correct and reprocess (ingest.Reprocess): it is counted as quarantined.
// Only rows the database could not store, or that the reading of the file
// stopped at, count as failed. Every row that did not import cleanly is
// reported with its line number, its outcome and the id of its lead or raw
// lead (the first lead.MaxImportErrors of them), and when the import is
// done Rows = Created + Flagged + Duplicates + Quarantined + Failed.
package csvimport

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultSource is the source of imported raw leads.
const DefaultSource = "import"

// Store is what an import records: the import and its progress, and the
// outcome of each import as its source's result.
type Store interface {
	lead.ImportStore
	lead.SourceRecorder
}

// Options configure an import. Zero values take the defaults.
type Options struct {
	// Filename names the file in the import and in each row's body (only
	// its last element is kept).
	Filename string
	// Map overrides the detected mapping: column (header, or 1-based
	// number) → field name (see Fields).
	Map map[string]string
	// DryRun reads, maps and checks every row and stores nothing.
	DryRun bool
	// Source is the source recorded on each raw lead (default "import").
	Source string
	// LazyQuotes accepts a quote inside an unquoted field, and an undoubled
	// one inside a quoted field, as a literal quote instead of reporting
	// the row as malformed.
	LazyQuotes bool
	// Comma is the delimiter; 0 detects it from the header line.
	Comma rune
	// Concurrency is how many rows are handed to the inbox at once
	// (default 128), so that they share its group commits: a commit can only
	// batch the rows that are in flight.
	Concurrency int
	// ID is the import's id (default: a new ULID).
	ID string
	// UpdateRows and UpdateInterval say how often the import's progress is
	// saved and reported: after this many rows or this long, whichever
	// comes first (defaults 1000 and 1s).
	UpdateRows     int64
	UpdateInterval time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

func (o *Options) defaults() {
	if o.Source == "" {
		o.Source = DefaultSource
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 128
	}
	if o.UpdateRows <= 0 {
		o.UpdateRows = 1000
	}
	if o.UpdateInterval <= 0 {
		o.UpdateInterval = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Filename != "" {
		o.Filename = filepath.Base(filepath.ToSlash(o.Filename))
		if i := strings.LastIndexByte(o.Filename, '\\'); i >= 0 { // a Windows path
			o.Filename = o.Filename[i+1:]
		}
	}
	if o.ID == "" && !o.DryRun {
		o.ID = ulid.Make().String()
	}
}

// Importer is one import: its file, opened and mapped, and its progress.
type Importer struct {
	rd    *Reader
	opt   Options
	im    lead.Import
	begun bool
}

// Open reads the header of r and maps its columns. Nothing is stored yet.
func Open(r io.Reader, opt Options) (*Importer, error) {
	opt.defaults()
	rd, err := NewReader(r, opt)
	if err != nil {
		return nil, lead.Errorf(lead.KindInvalid, "%s", err.Error())
	}
	now := opt.Now().UTC()
	return &Importer{rd: rd, opt: opt, im: lead.Import{
		ID: opt.ID, Filename: opt.Filename, Status: lead.ImportRunning,
		CreatedAt: now, UpdatedAt: now, Errors: []lead.RowError{},
	}}, nil
}

// Mapping returns what each column becomes.
func (x *Importer) Mapping() Mapping { return x.rd.Mapping() }

// Warnings lists what the operator should know about the mapping.
func (x *Importer) Warnings() []string { return x.rd.Warnings() }

// Format describes the file's delimiter and encoding.
func (x *Importer) Format() string { return x.rd.Format() }

// Import returns the import as it stands.
func (x *Importer) Import() lead.Import { return x.im }

// Begin records the import as running, so that it can be looked up before
// Run finishes. Run calls it when the caller has not.
func (x *Importer) Begin(ctx context.Context, store Store) (lead.Import, error) {
	if x.opt.DryRun || x.begun {
		return x.im, nil
	}
	if err := store.CreateImport(ctx, x.im); err != nil {
		return lead.Import{}, err
	}
	x.begun = true
	return x.im, nil
}

// Run imports a whole file: Open, then Importer.Run.
func Run(ctx context.Context, r io.Reader, opt Options, inbox *ingest.Inbox, store Store, progress func(lead.Import)) (lead.Import, error) {
	x, err := Open(r, opt)
	if err != nil {
		return lead.Import{}, err
	}
	return x.Run(ctx, inbox, store, progress)
}

// Run reads every row and hands the valid ones to the inbox, Concurrency at
// a time. It saves the import's progress (UpdateImport) and calls progress
// (which may be nil) every UpdateRows rows or UpdateInterval, and once at
// the end. A dry run needs neither inbox nor store.
//
// It returns the finished import with a nil error when the whole file was
// read, even if rows failed. It returns an error, with the import marked
// failed and saying why, when it stopped early: ctx ended (rows already
// handed to the inbox are still committed and counted), the database could
// not store rows, or the rest of the file could not be read.
func (x *Importer) Run(ctx context.Context, inbox *ingest.Inbox, store Store, progress func(lead.Import)) (lead.Import, error) {
	if _, err := x.Begin(ctx, store); err != nil {
		return lead.Import{}, err
	}
	st := &state{im: x.im}

	jobs := make(chan Row, x.opt.Concurrency)
	var workers sync.WaitGroup
	for range x.opt.Concurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for row := range jobs {
				x.ingest(ctx, inbox, st, row)
			}
		}()
	}

	stopSaving := make(chan struct{})
	saved := make(chan struct{})
	go func() {
		defer close(saved)
		x.saveProgress(ctx, store, st, progress, stopSaving)
	}()

	var stop error
	for {
		if ctx.Err() != nil {
			stop = fmt.Errorf("interrupted after %d rows (leadhub was stopped); import the file again to finish: the rows already imported are skipped as duplicates", st.rows())
			break
		}
		if st.storeError() != nil {
			break
		}
		row, err := x.rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if se, ok := err.(*StopError); ok && se.Line > 0 {
				st.read()
				st.fail(se.Line, se.Message+"; not stored")
			}
			stop = err
			break
		}
		st.read()
		jobs <- row
	}
	close(jobs)
	workers.Wait()
	close(stopSaving)
	<-saved
	if err := st.storeError(); err != nil && stop == nil {
		stop = fmt.Errorf("stopped after %d rows: the database could not store a row (%s); import the file again when it is available: the rows already imported are skipped as duplicates", st.rows(), lead.MessageOf(err))
	}

	im := st.snapshot()
	now := x.opt.Now().UTC()
	im.UpdatedAt, im.FinishedAt = now, &now
	im.Status = lead.ImportDone
	if stop != nil {
		im.Status, im.Error = lead.ImportFailed, stop.Error()
	}
	sort.SliceStable(im.Errors, func(i, j int) bool { return im.Errors[i].Line < im.Errors[j].Line })
	x.im = im
	if !x.opt.DryRun {
		// Record the outcome even when ctx has ended: the import must not be
		// left "running".
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		err := store.UpdateImport(sctx, im)
		_ = store.RecordSourceResult(sctx, x.opt.Source, im.Error, now)
		cancel()
		if err != nil && stop == nil {
			stop = err
		}
	}
	if progress != nil {
		progress(im)
	}
	if stop != nil {
		return im, stop
	}
	return im, nil
}

// ingest hands one row to the inbox, which parses and stores it: a lead, or
// the row kept in quarantine when it cannot become one. A dry run only
// parses it.
func (x *Importer) ingest(ctx context.Context, inbox *ingest.Inbox, st *state, row Row) {
	if x.opt.DryRun {
		switch p, err := ingest.Decode(lead.ChannelImport, row.Body); {
		case row.Err != "":
			st.quarantined(row.Line, row.Err+"; it would be kept in quarantine", "")
		case err != nil:
			st.quarantined(row.Line, err.Error()+"; it would be kept in quarantine", "")
		case len(p.Notes) > 0:
			st.flagged(row.Line, strings.Join(p.Notes, "; "), "")
		default:
			st.valid()
		}
		return
	}
	rc, err := inbox.Receive(ctx, ingest.Body{
		Channel: lead.ChannelImport, Source: x.opt.Source, Body: row.Body, DedupKey: row.Key,
		Quarantine: row.Err, ImportID: x.opt.ID,
	})
	if err != nil {
		st.fail(row.Line, "not stored: "+lead.MessageOf(err))
		st.setStoreError(err)
		return
	}
	switch {
	case rc.Status == lead.RawQuarantined && rc.Duplicate:
		st.quarantined(row.Line, "already in quarantine as "+rc.ID+": "+rc.Error, rc.ID)
	case rc.Status == lead.RawQuarantined:
		msg := rc.Error
		if rc.ParseErr != nil {
			msg = rc.ParseErr.Error()
		}
		st.quarantined(row.Line, msg+"; kept in quarantine as "+rc.ID, rc.ID)
	case rc.Duplicate:
		st.duplicate()
	case rc.Parsed != nil && len(rc.Parsed.Notes) > 0:
		st.flagged(row.Line, strings.Join(rc.Parsed.Notes, "; "), rc.ID)
	default:
		st.created()
	}
}

// saveProgress saves and reports the import every UpdateRows rows or
// UpdateInterval until stop is closed.
func (x *Importer) saveProgress(ctx context.Context, store Store, st *state, progress func(lead.Import), stop <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last := x.opt.Now()
	var lastRows int64
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		now := x.opt.Now()
		rows := st.processed()
		if rows-lastRows < x.opt.UpdateRows && now.Sub(last) < x.opt.UpdateInterval {
			continue
		}
		last, lastRows = now, rows
		im := st.snapshot()
		im.UpdatedAt = now.UTC()
		if !x.opt.DryRun && ctx.Err() == nil {
			// A failed save is not fatal: the next one or the final one
			// carries the same counts.
			_ = store.UpdateImport(ctx, im)
		}
		if progress != nil {
			progress(im)
		}
	}
}

// state is an import's counts, shared by the reader and the workers.
type state struct {
	mu       sync.Mutex
	im       lead.Import
	nvalid   int64
	storeErr error
}

func (s *state) read() {
	s.mu.Lock()
	s.im.Rows++
	s.mu.Unlock()
}

func (s *state) rows() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.im.Rows
}

// processed counts the rows whose fate is known.
func (s *state) processed() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.im.Created + s.im.Flagged + s.im.Duplicates + s.im.Quarantined + s.im.Failed + s.nvalid
}

func (s *state) fail(line int64, msg string) {
	s.mu.Lock()
	s.im.Failed++
	s.addError(line, msg, lead.RowFailed, "")
	s.mu.Unlock()
}

func (s *state) quarantined(line int64, msg, id string) {
	s.mu.Lock()
	s.im.Quarantined++
	s.addError(line, msg, lead.RowQuarantined, id)
	s.mu.Unlock()
}

func (s *state) flagged(line int64, msg, id string) {
	s.mu.Lock()
	s.im.Flagged++
	s.addError(line, msg, lead.RowFlagged, id)
	s.mu.Unlock()
}

func (s *state) addError(line int64, msg string, outcome lead.RowOutcome, id string) {
	if len(s.im.Errors) < lead.MaxImportErrors {
		s.im.Errors = append(s.im.Errors, lead.RowError{Line: line, Message: msg, Outcome: outcome, ID: id})
	}
}

func (s *state) valid() {
	s.mu.Lock()
	s.nvalid++
	s.mu.Unlock()
}

func (s *state) created() {
	s.mu.Lock()
	s.im.Created++
	s.mu.Unlock()
}

func (s *state) duplicate() {
	s.mu.Lock()
	s.im.Duplicates++
	s.mu.Unlock()
}

func (s *state) setStoreError(err error) {
	s.mu.Lock()
	if s.storeErr == nil {
		s.storeErr = err
	}
	s.mu.Unlock()
}

func (s *state) storeError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storeErr
}

// snapshot copies the import, errors and all.
func (s *state) snapshot() lead.Import {
	s.mu.Lock()
	defer s.mu.Unlock()
	im := s.im
	im.Errors = append(make([]lead.RowError, 0, len(s.im.Errors)), s.im.Errors...)
	return im
}
