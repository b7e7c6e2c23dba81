package csvimport

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// DefaultMaxRunning is how many imports a Runner runs at once by default.
const DefaultMaxRunning = 4

// SpoolDirName is the default spool directory's name, under os.TempDir().
const SpoolDirName = "leadhub-imports"

// spoolPattern names spool files (os.CreateTemp replaces the "*").
const spoolPattern = "upload-*.csv"

// RunnerOptions configure a Runner. Zero values take the defaults.
type RunnerOptions struct {
	// Inbox and Store are where the imports' rows and progress go.
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
}

// Runner runs imports in the background for a server's lifetime. An upload
// is written to a spool file (Spool) in the runner's directory, then handed
// over with Start. Stop stops the running imports between rows: each has
// every row it handed to the inbox committed, and is recorded as failed
// with the reason. Stop before closing the inbox.
type Runner struct {
	inbox      *ingest.Inbox
	store      Store
	log        *slog.Logger
	maxRunning int
	dir        string

	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	running int
	spools  map[string]bool // the spool files in use, by path
	wg      sync.WaitGroup  // the running imports
}

// NewRunner returns a runner whose imports stop when ctx ends or Stop is
// called.
func NewRunner(ctx context.Context, opt RunnerOptions) *Runner {
	if opt.MaxRunning <= 0 {
		opt.MaxRunning = DefaultMaxRunning
	}
	if opt.Dir == "" {
		opt.Dir = filepath.Join(os.TempDir(), SpoolDirName)
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	return &Runner{
		inbox: opt.Inbox, store: opt.Store, log: opt.Logger, maxRunning: opt.MaxRunning, dir: opt.Dir,
		ctx: ctx, cancel: cancel, spools: map[string]bool{},
	}
}

// Dir is the spool directory.
func (r *Runner) Dir() string { return r.dir }

// Stop stops the running imports and waits until each has recorded where
// it stopped. Imports are refused afterwards; Stop may be called again.
func (r *Runner) Stop() {
	r.cancel()
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
			slog.Int64("rows", done.Rows), slog.Int64("created", done.Created), slog.Int64("duplicates", done.Duplicates),
			slog.Int64("failed", done.Failed)}
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
	r.spools[f.Name()] = true
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
		delete(s.r.spools, s.Name())
		s.r.mu.Unlock()
	})
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
