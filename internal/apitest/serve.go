package apitest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
)

// BuildLeadhub builds the leadhub binary into a temporary folder.
func BuildLeadhub(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "leadhub")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/leadhub/leadhub/cmd/leadhub").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Serve is a `leadhub serve` process.
type Serve struct {
	Cmd  *exec.Cmd
	Log  string // the path of its log (standard error)
	Done chan error
	URL  string // http://host:port
}

var listening = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

// StartServe runs `bin serve --addr 127.0.0.1:0 args…` with env added to
// the environment, waits until it listens, and kills it when the test
// ends (if it still runs).
func StartServe(t testing.TB, bin string, env []string, args ...string) *Serve {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), "serve.log")
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Serve{Cmd: cmd, Log: logPath, Done: make(chan error, 1)}
	go func() {
		s.Done <- cmd.Wait()
		logf.Close()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.Done
		}
	})
	eventually.True(t, time.Minute, "the server to listen", func() bool {
		b, _ := os.ReadFile(logPath)
		if m := listening.FindSubmatch(b); m != nil {
			s.URL = "http://" + string(m[1])
			return true
		}
		return strings.Contains(string(b), `"level":"ERROR"`) && s.Cmd.ProcessState != nil
	})
	return s
}
