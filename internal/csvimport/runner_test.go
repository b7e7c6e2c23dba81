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
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

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
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) {
			e := newEnv(t, eng)
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
			waitFor(t, "the import to end and clean up", 30*time.Second, cleaned.Load)
			if got := getImport(t, e.st, im.ID); got.Status != lead.ImportDone || got.Created != 6 {
				t.Errorf("import %+v", got)
			}
			if _, err := os.Stat(sp.Name()); !os.IsNotExist(err) {
				t.Errorf("the spool file is still there: %v", err)
			}

			// One import at a time here: a second is refused while the first runs.
			in, release := heldFile(t, 5000)
			held, err := csvimport.Open(in, csvimport.Options{Filename: "held.csv"})
			if err != nil {
				t.Fatal(err)
			}
			first, err := r.Start(ctx, held, nil)
			if err != nil {
				t.Fatal(err)
			}
			x, _ = csvimport.Open(strings.NewReader("Email\na@x.example\n"), csvimport.Options{})
			if _, err := r.Start(ctx, x, nil); lead.KindOf(err) != lead.KindUnavailable || !strings.Contains(err.Error(), "too many imports") {
				t.Errorf("second import while one runs: %v", err)
			}
			release()
			waitFor(t, "the held import to finish", 30*time.Second, func() bool {
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
}
