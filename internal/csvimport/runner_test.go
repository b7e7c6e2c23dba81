package csvimport_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
)

// heldFile is a CSV file whose end is held back until release is called,
// so that its import stays running: rows are more than the 64 KiB Open
// looks at.
func heldFile(t *testing.T, rows int) (r io.Reader, release func()) {
	t.Helper()
	pr, pw := io.Pipe()
	var b strings.Builder
	b.WriteString("Email,Name\n")
	for i := range rows {
		fmt.Fprintf(&b, "held%d@x.example,Person %d\n", i, i)
	}
	end := make(chan struct{})
	var once sync.Once
	release = func() { once.Do(func() { close(end) }) }
	go func() {
		_, _ = io.WriteString(pw, b.String())
		<-end
		pw.Close()
	}()
	t.Cleanup(func() { release(); pr.Close() })
	return pr, release
}

// startHeld starts importing a held file of rows rows on r: the import
// runs until release is called.
func startHeld(t *testing.T, r *csvimport.Runner, rows int) (im lead.Import, release func()) {
	t.Helper()
	in, release := heldFile(t, rows)
	x, err := csvimport.Open(in, csvimport.Options{Filename: "held.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if im, err = r.Start(context.Background(), x, nil); err != nil {
		t.Fatal(err)
	}
	return im, release
}

// endless is a CSV file that never ends.
type endless struct {
	n   int
	buf []byte
}

func (e *endless) Read(p []byte) (int, error) {
	for len(e.buf) < len(p) {
		if e.n == 0 {
			e.buf = append(e.buf, "Email,Name\n"...)
		}
		e.buf = fmt.Appendf(e.buf, "endless%d@x.example,Person %d\n", e.n, e.n)
		e.n++
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	return n, nil
}

func getImport(t *testing.T, st lead.ImportStore, id string) lead.Import {
	t.Helper()
	im, err := st.GetImport(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// TestRunner spools an upload, runs imports in the background up to the
// limit, and refuses new ones once stopped.
func TestRunner(t *testing.T) {
	eachEngine(t, func(t *testing.T, e env) {
		ctx := context.Background()
		dir := filepath.Join(t.TempDir(), "spool")
		r := csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: e.inbox, Store: e.st, Dir: dir, MaxRunning: 1})
		defer r.Stop()

		// The upload: a spool file only its owner can read.
		sp, err := r.Spool()
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(sp.Name()) != dir {
			t.Errorf("spool file %s is not in %s", sp.Name(), dir)
		}
		if runtime.GOOS != "windows" {
			di, _ := os.Stat(dir)
			fi, _ := sp.Stat()
			if di.Mode().Perm() != 0o700 || fi.Mode().Perm() != 0o600 {
				t.Errorf("spool directory %v, file %v; want 0700 and 0600", di.Mode(), fi.Mode())
			}
		}
		if _, err := sp.Write(fixture(t, "partner-center.csv")); err != nil {
			t.Fatal(err)
		}
		if _, err := sp.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		x, err := csvimport.Open(sp, csvimport.Options{Filename: "partner-center.csv"})
		if err != nil {
			t.Fatal(err)
		}
		var cleaned atomic.Bool
		im, err := r.Start(ctx, x, func() { sp.Remove(); cleaned.Store(true) })
		if err != nil || im.Status != lead.ImportRunning || im.ID == "" {
			t.Fatalf("Start: %+v %v", im, err)
		}
		eventually.True(t, 30*time.Second, "the import to end and clean up", cleaned.Load)
		if got := getImport(t, e.st, im.ID); got.Status != lead.ImportDone || got.Created != 6 {
			t.Errorf("import %+v", got)
		}
		if _, err := os.Stat(sp.Name()); !os.IsNotExist(err) {
			t.Errorf("the spool file is still there: %v", err)
		}

		// One import at a time here: a second is refused while the first runs.
		first, release := startHeld(t, r, 5000)
		x, _ = csvimport.Open(strings.NewReader("Email\na@x.example\n"), csvimport.Options{})
		if _, err := r.Start(ctx, x, nil); lead.KindOf(err) != lead.KindUnavailable || !strings.Contains(err.Error(), "too many imports") {
			t.Errorf("second import while one runs: %v", err)
		}
		release()
		eventually.True(t, 30*time.Second, "the held import to finish", func() bool {
			return getImport(t, e.st, first.ID).Status != lead.ImportRunning
		})
		if got := getImport(t, e.st, first.ID); got.Status != lead.ImportDone || got.Created != 5000 {
			t.Errorf("held import %+v", got)
		}

		// Stopped: a running import is recorded as interrupted, new ones are refused.
		r = csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: e.inbox, Store: e.st, Dir: dir})
		endlessFile, _ := csvimport.Open(&endless{}, csvimport.Options{Filename: "endless.csv"})
		stopped, err := r.Start(ctx, endlessFile, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Stop()
		if got := getImport(t, e.st, stopped.ID); got.Status != lead.ImportFailed || !strings.Contains(got.Error, "interrupted") {
			t.Errorf("import running at Stop: %+v", got)
		}
		x, _ = csvimport.Open(strings.NewReader("Email\na@x.example\n"), csvimport.Options{})
		if _, err := r.Start(ctx, x, nil); lead.KindOf(err) != lead.KindUnavailable || !strings.Contains(err.Error(), "shutting down") {
			t.Errorf("after Stop: %v", err)
		}
	})
}

// crashed records an import as a server that died would leave it:
// running, its progress last saved at saved.
func crashed(t *testing.T, st lead.ImportStore, id string, saved time.Time) {
	t.Helper()
	im := lead.Import{ID: id, Filename: "crashed.csv", Status: lead.ImportRunning, CreatedAt: saved, UpdatedAt: saved,
		Rows: 40, Created: 30, Duplicates: 10, Errors: []lead.RowError{}}
	if err := st.CreateImport(context.Background(), im); err != nil {
		t.Fatal(err)
	}
}

// TestRunnerFailsStaleImports checks that an import left running by a
// server that stopped (its progress no longer saved) is marked failed when
// a runner starts, and later while it runs, and that live imports, this
// runner's or another server's, are left alone.
func TestRunnerFailsStaleImports(t *testing.T) {
	eachEngine(t, func(t *testing.T, e env) {
		ctx := context.Background()
		now := time.Now()
		crashed(t, e.st, "01CRASHEDLONGAGO", now.Add(-time.Hour))
		crashed(t, e.st, "01ELSEWHERE", now) // another server's, saved just now

		// At start, with the default window of a minute.
		r := csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: e.inbox, Store: e.st, Dir: t.TempDir()})
		got := getImport(t, e.st, "01CRASHEDLONGAGO")
		if got.Status != lead.ImportFailed || got.Error != csvimport.InterruptedReason || got.FinishedAt == nil ||
			got.Created != 30 || got.Rows != 40 {
			t.Errorf("import of a stopped server, at start: %+v", got)
		}
		if got := getImport(t, e.st, "01ELSEWHERE"); got.Status != lead.ImportRunning {
			t.Errorf("a live import was failed: %+v", got)
		}
		r.Stop()

		// While running: a server that stops later is noticed too. This
		// runner's own import, held at the end of its file for longer than
		// the window, keeps saving its progress and is left running.
		const window = 5 * time.Second
		r = csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: e.inbox, Store: e.st, Dir: t.TempDir(), StaleAfter: window})
		defer r.Stop()
		live, release := startHeld(t, r, 3000)
		defer release() // before Stop, which waits for the import
		eventually.True(t, 30*time.Second, "the held import to read its rows", func() bool {
			return getImport(t, e.st, live.ID).Created == 3000
		})
		crashed(t, e.st, "01CRASHEDLATER", time.Now().Add(-time.Hour))
		eventually.True(t, 30*time.Second, "the stale import to be failed while the runner runs", func() bool {
			return getImport(t, e.st, "01CRASHEDLATER").Status == lead.ImportFailed
		})
		if got := getImport(t, e.st, "01CRASHEDLATER"); got.Error != csvimport.InterruptedReason {
			t.Errorf("stale import: %+v", got)
		}
		// The held import's progress is saved even though no row moves.
		saved := getImport(t, e.st, live.ID).UpdatedAt
		eventually.True(t, 30*time.Second, "the held import to save its progress again", func() bool {
			return getImport(t, e.st, live.ID).UpdatedAt.After(saved)
		})
		// The other server's import has not saved progress for longer
		// than the window now: failed as well.
		eventually.True(t, 30*time.Second, "the other server's import to be failed once stale", func() bool {
			return getImport(t, e.st, "01ELSEWHERE").Status == lead.ImportFailed
		})
		if got := getImport(t, e.st, live.ID); got.Status != lead.ImportRunning {
			t.Fatalf("the runner's own live import was failed: %+v", got)
		}
		release()
		eventually.True(t, 30*time.Second, "the held import to finish", func() bool {
			return getImport(t, e.st, live.ID).Status != lead.ImportRunning
		})
		if got := getImport(t, e.st, live.ID); got.Status != lead.ImportDone || got.Created != 3000 || got.Error != "" {
			t.Errorf("held import: %+v", got)
		}
	})
}

// ageFile writes a file and sets its modification time to at.
func ageFile(t *testing.T, path string, at time.Time) {
	t.Helper()
	if err := os.WriteFile(path, []byte("Email\nsomeone@x.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// TestRunnerRemovesStaleSpoolFiles checks that spool files left by a server
// that stopped are removed, at start and while running, and that nothing
// else is: not the files this runner uses, not recent ones (another server
// may be writing them), not other names, directories or links in the spool
// directory, nothing outside it.
func TestRunnerRemovesStaleSpoolFiles(t *testing.T) {
	eachEngine(t, func(t *testing.T, e env) {
		ctx := context.Background()
		root := t.TempDir()
		dir := filepath.Join(root, "spool")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		old := time.Now().Add(-time.Hour)
		stale := filepath.Join(dir, "upload-1234.csv")
		ageFile(t, stale, old)
		recent := filepath.Join(dir, "upload-5678.csv")
		ageFile(t, recent, time.Now())
		other := filepath.Join(dir, "notes.txt")
		ageFile(t, other, old)
		outside := filepath.Join(root, "upload-9999.csv")
		ageFile(t, outside, old)
		subdir := filepath.Join(dir, "upload-dir.csv")
		if err := os.Mkdir(subdir, 0o700); err != nil {
			t.Fatal(err)
		}
		inSubdir := filepath.Join(subdir, "upload-1.csv")
		ageFile(t, inSubdir, old)
		if err := os.Chtimes(subdir, old, old); err != nil {
			t.Fatal(err)
		}
		link := filepath.Join(dir, "upload-link.csv")
		linked := runtime.GOOS != "windows" && os.Symlink(outside, link) == nil

		r := csvimport.NewRunner(ctx, csvimport.RunnerOptions{Inbox: e.inbox, Store: e.st, Dir: dir, StaleAfter: 3 * time.Second})
		defer r.Stop()
		if exists(stale) {
			t.Error("a stale spool file was left at start")
		}
		for _, keep := range []string{recent, other, outside, subdir, inSubdir} {
			if !exists(keep) {
				t.Errorf("%s was removed", keep)
			}
		}
		if linked && !exists(link) {
			t.Error("a link was removed")
		}

		// While running: this runner's spool files stay, however old they
		// look, and stale ones appearing later go.
		sp, err := r.Spool()
		if err != nil {
			t.Fatal(err)
		}
		defer sp.Remove()
		if err := os.Chtimes(sp.Name(), old, old); err != nil {
			t.Fatal(err)
		}
		later := filepath.Join(dir, "upload-4321.csv")
		ageFile(t, later, old)
		if err := os.Chtimes(recent, old, old); err != nil { // its server stopped writing it long ago
			t.Fatal(err)
		}
		eventually.True(t, 30*time.Second, "stale spool files to be removed while running", func() bool {
			return !exists(later) && !exists(recent)
		})
		if !exists(sp.Name()) {
			t.Error("a spool file in use was removed")
		}
		for _, keep := range []string{other, outside, inSubdir} {
			if !exists(keep) {
				t.Errorf("%s was removed", keep)
			}
		}
		sp.Remove()
		if exists(sp.Name()) {
			t.Error("Remove left the spool file")
		}
	})
}
