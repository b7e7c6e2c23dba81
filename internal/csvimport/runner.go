package csvimport

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultMaxRunning is how many imports a Runner runs at once by default.
const DefaultMaxRunning = 4

// DefaultStaleAfter is how long a running import may go without saving its
// progress before it is taken for one whose server stopped.
const DefaultStaleAfter = time.Minute

// InterruptedReason is the error recorded on an import whose server
// stopped without recording how it ended.
const InterruptedReason = "interrupted: the server running it stopped; import the file again (rows already imported count as duplicates)"

// SpoolDirName is the default spool directory's name, under os.TempDir().
const SpoolDirName = "leadhub-imports"

// spoolPattern names spool files (os.CreateTemp replaces the "*").
const spoolPattern = "upload-*.csv"

// RunnerOptions configure a Runner. Zero values take the defaults.
type RunnerOptions struct {
	// Inbox and Store are where the imports' rows and progress go; both
	// are required.
	Inbox *ingest.Inbox
	Store Store
	// Logger records how each import ended (nil: nowhere).
	Logger *slog.Logger
	// MaxRunning caps the imports running at once (default
	// DefaultMaxRunning).
	MaxRunning int
	// Dir is the runner's own spool directory, where uploads wait for their
	// import (default SpoolDirName under os.TempDir()). It is created
	// readable by its owner only, and must hold nothing else.
	Dir string
	// StaleAfter is how long a running import may go without saving its
	// progress, and a spool file that no import of this runner uses
	// without being modified, before they are taken for leftovers of a
	// server that stopped (default DefaultStaleAfter).
	StaleAfter time.Duration
}

// Runner runs imports in the background for a server's lifetime. An upload
// is written to a spool file (Spool) in the runner's directory, then handed
// over with Start. Stop stops the running imports between rows: each has
// every row it handed to the inbox committed, and is recorded as failed
// with the reason. Stop before closing the inbox.
//
// A server can die without recording how its imports ended. Its imports
// then stay "running" with their counts frozen, and its uploads, personal
// data, stay on disk. So a runner's imports save their progress at least
// every second (a tenth of StaleAfter if that is shorter), and when a
// runner starts, and every quarter of StaleAfter while it runs, it marks
// the running imports that have not saved progress for StaleAfter as failed
// (InterruptedReason: another server sharing the database may have died
// too), touches the spool files it uses, and removes the spool files in its
// directory that it does not use and that have not been modified for
// StaleAfter.
type Runner struct {
	inbox      *ingest.Inbox
	store      Store
	log        *slog.Logger
	maxRunning int
	dir        string
	staleAfter time.Duration
	saveEvery  time.Duration // the longest an import of this runner goes without saving progress

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	running int
	spools  map[string]bool // the spool files in use, by name
	wg      sync.WaitGroup  // the running imports and the sweeper
}

// NewRunner cleans up after servers that stopped (see Runner) and returns
// a runner that keeps doing so, and whose imports stop, when ctx ends or
// Stop is called.
func NewRunner(ctx context.Context, opt RunnerOptions) *Runner {
	if opt.MaxRunning <= 0 {
		opt.MaxRunning = DefaultMaxRunning
	}
	if opt.Dir == "" {
		opt.Dir = filepath.Join(os.TempDir(), SpoolDirName)
	}
	opt.Dir = filepath.Clean(opt.Dir)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.StaleAfter <= 0 {
		opt.StaleAfter = DefaultStaleAfter
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &Runner{
		inbox: opt.Inbox, store: opt.Store, log: opt.Logger, maxRunning: opt.MaxRunning, dir: opt.Dir,
		staleAfter: opt.StaleAfter, saveEvery: min(time.Second, opt.StaleAfter/10),
		ctx: ctx, cancel: cancel, spools: map[string]bool{},
	}
	r.sweep()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		tick := time.NewTicker(r.staleAfter / 4)
		defer tick.Stop()
		for {
			select {
			case <-r.ctx.Done():
				return
			case <-tick.C:
				r.sweep()
			}
		}
	}()
	return r
}

// Dir is the spool directory.
func (r *Runner) Dir() string { return r.dir }

// Stop stops the running imports and waits until each has recorded where
// it stopped. Imports are refused afterwards; Stop may be called again.
func (r *Runner) Stop() {
	r.mu.Lock() // no import is reserved past this point
	r.cancel()
	r.mu.Unlock()
	r.wg.Wait()
}

var (
	errStopping = &lead.Error{Kind: lead.KindUnavailable, Message: "the server is shutting down; import the file again later"}
	errBusy     = &lead.Error{Kind: lead.KindUnavailable, Message: "too many imports are running; retry when one has finished"}
)

// Start records x's import as running (with ctx, the request's) and runs
// it in the background until the whole file is read or the runner stops;
// then it logs how it ended and calls cleanup (which may be nil), e.g. the
// Remove of the import's spool file. It returns the import as recorded.
//
// When MaxRunning imports are running, or the runner is stopping, Start
// fails with KindUnavailable; when it fails, nothing runs and cleanup has
// not been called.
func (r *Runner) Start(ctx context.Context, x *Importer, cleanup func()) (lead.Import, error) {
	if x.opt.DryRun {
		return lead.Import{}, lead.Errorf(lead.KindInternal, "csvimport: a dry run is not run in the background")
	}
	release, err := r.reserve()
	if err != nil {
		return lead.Import{}, err
	}
	// Saved progress is what tells a live import from one whose server
	// stopped.
	x.opt.UpdateInterval = min(x.opt.UpdateInterval, r.saveEvery)
	im, err := x.Begin(ctx, r.store)
	if err != nil {
		release()
		return lead.Import{}, err
	}
	go func() {
		defer release()
		if cleanup != nil {
			defer cleanup()
		}
		done, err := x.Run(r.ctx, r.inbox, r.store, nil)
		level := slog.LevelInfo
		attrs := []slog.Attr{slog.String("import_id", done.ID), slog.String("status", string(done.Status)),
			slog.Int64("rows", done.Rows), slog.Int64("created", done.Created), slog.Int64("flagged", done.Flagged),
			slog.Int64("duplicates", done.Duplicates), slog.Int64("quarantined", done.Quarantined), slog.Int64("failed", done.Failed)}
		if err != nil {
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("err", done.Error))
		}
		r.log.LogAttrs(context.Background(), level, "import finished", attrs...)
	}()
	return im, nil
}

// reserve takes a place for one import; release gives it back.
func (r *Runner) reserve() (release func(), err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.ctx.Err() != nil:
		return nil, errStopping
	case r.running >= r.maxRunning:
		return nil, errBusy
	}
	r.running++
	r.wg.Add(1)
	var once sync.Once
	return func() {
		once.Do(func() {
			r.mu.Lock()
			r.running--
			r.mu.Unlock()
			r.wg.Done()
		})
	}, nil
}

// Spool is an uploaded file on disk, in the runner's spool directory
// (readable by its owner only), until Remove.
type Spool struct {
	*os.File
	r    *Runner
	once sync.Once
}

// Spool creates an empty spool file, for one upload.
func (r *Runner) Spool() (*Spool, error) {
	if err := r.ensureDir(); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(r.dir, spoolPattern)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.spools[filepath.Base(f.Name())] = true
	r.mu.Unlock()
	return &Spool{File: f, r: r}, nil
}

// Remove closes and deletes the spool file. It may be called more than
// once.
func (s *Spool) Remove() {
	s.once.Do(func() {
		s.File.Close()
		os.Remove(s.Name())
		s.r.mu.Lock()
		delete(s.r.spools, filepath.Base(s.Name()))
		s.r.mu.Unlock()
	})
}

// sweep keeps this runner's spool files fresh, then marks the imports of
// servers that stopped as failed and removes their spool files.
func (r *Runner) sweep() {
	now := time.Now()
	r.mu.Lock()
	for name := range r.spools {
		_ = os.Chtimes(filepath.Join(r.dir, name), now, now)
	}
	r.mu.Unlock()

	before := now.Add(-r.staleAfter)
	if r.store != nil {
		n, err := r.store.FailStaleImports(r.ctx, before, InterruptedReason)
		switch {
		case err != nil && r.ctx.Err() == nil:
			r.log.Warn("cannot look for imports interrupted by a stopped server", "err", err.Error())
		case n > 0:
			r.log.Warn("marked imports interrupted by a stopped server as failed", "count", n)
		}
	}
	if n, err := r.removeStaleSpools(before); err != nil {
		r.log.Warn("cannot remove the uploads of stopped servers", "dir", r.dir, "err", err.Error())
	} else if n > 0 {
		r.log.Info("removed the uploads of stopped servers", "dir", r.dir, "count", n)
	}
}

// removeStaleSpools removes the spool files in the spool directory that no
// import of this runner uses and that were last modified before before.
// Nothing else is touched: not other names, directories or links, nothing
// outside the directory, and nothing at all if the directory is not this
// user's own.
func (r *Runner) removeStaleSpools(before time.Time) (int, error) {
	fi, err := os.Lstat(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if !fi.IsDir() || ownedByOther(fi) {
		return 0, fmt.Errorf("%s is not a directory of this user's", r.dir)
	}
	entries, err := os.ReadDir(r.dir)
	if err != nil {
		return 0, err
	}
	prefix, suffix, _ := strings.Cut(spoolPattern, "*")
	removed := 0
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			continue
		}
		r.mu.Lock()
		inUse := r.spools[name]
		r.mu.Unlock()
		if inUse {
			continue
		}
		if err := os.Remove(filepath.Join(r.dir, name)); err == nil {
			removed++
		}
	}
	return removed, nil
}

// ensureDir creates the spool directory, or checks that the one there is
// a directory (not a link to one) that only its owner, this process's
// user, can read.
func (r *Runner) ensureDir() error {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	fi, err := os.Lstat(r.dir)
	if err != nil {
		return fmt.Errorf("spool directory: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("spool directory %s is not a directory", r.dir)
	}
	if ownedByOther(fi) {
		return fmt.Errorf("spool directory %s belongs to another user", r.dir)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		if err := os.Chmod(r.dir, 0o700); err != nil {
			return fmt.Errorf("spool directory %s is readable by others: %w", r.dir, err)
		}
	}
	return nil
}
