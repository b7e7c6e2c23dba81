package azuretable_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// buildLeadhub builds the leadhub binary into a temporary folder.
func buildLeadhub(t *testing.T) string {
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

// server is a `leadhub serve` process.
type server struct {
	cmd  *exec.Cmd
	log  string
	done chan error
}

func startServe(t *testing.T, bin string, env []string, args ...string) *server {
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
	s := &server{cmd: cmd, log: logPath, done: make(chan error, 1)}
	go func() {
		s.done <- cmd.Wait()
		logf.Close()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-s.done
		}
	})
	eventually.True(t, time.Minute, "the server to listen", func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Contains(string(b), `"msg":"listening"`)
	})
	return s
}

var listenRE = regexp.MustCompile(`"msg":"listening","addr":"([^"]+)"`)

// metric reads one sample of the server's /metrics (0 when absent).
func (s *server) metric(t *testing.T, series string) float64 {
	t.Helper()
	m := listenRE.FindStringSubmatch(s.logText(t))
	if m == nil {
		t.Fatal("no listening address in the log")
	}
	_, body := apitest.Do(t, "GET", "http://"+m[1]+"/metrics", "", nil, nil)
	for line := range strings.SplitSeq(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("metric %s: %v", series, err)
			}
			return f
		}
	}
	return 0
}

func (s *server) logText(t *testing.T) string {
	b, err := os.ReadFile(s.log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestServeSIGKILLMidPoll kills `leadhub serve` with SIGKILL while it polls
// a table, restarts it, and checks that every entity ends up stored once.
func TestServeSIGKILLMidPoll(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the leadhub binary")
	}
	acct := devAccount(t)
	const n = 8000
	table := tableName(t)
	if err := azuretable.InsertEntities(context.Background(), acct, table, entities(n, "kill")); err != nil {
		t.Fatal(err)
	}
	bin := buildLeadhub(t)
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "leadhub.db")
	cs := connString(endpoint(t), devKey)
	source := azuretable.SourceKey(acct.Name, table)
	common := []string{"--database", dsn, "--azure-table-name", table, "--azure-table-poll", "1s"}

	// First run: the connection string comes from the environment.
	s1 := startServe(t, bin, []string{"LEADHUB_AZURE_TABLE=" + cs}, common...)
	st := storetest.OpenDSN(t, dsn)
	// Kill it once it has saved progress mid-poll (two pages done).
	eventually.True(t, time.Minute, "two pages stored", func() bool {
		cp, err := st.GetCheckpoint(context.Background(), source)
		return err == nil && strings.Contains(cp, `"scan"`) && !strings.Contains(cp, `"pages":1}`)
	})
	if err := s1.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s1.done
	atKill := activity(t, st, source).Total
	cp, _ := st.GetCheckpoint(context.Background(), source)
	t.Logf("killed with %d of %d entities stored; checkpoint %s", atKill, n, cp)
	if atKill >= n {
		t.Fatalf("all %d entities were stored before the kill; the test needs more", n)
	}

	// Second run: the connection string is a flag.
	s2 := startServe(t, bin, nil, append(common, "--azure-table", cs)...)
	eventually.True(t, 2*time.Minute, "every entity", func() bool { return activity(t, st, source).Total >= n })
	// Let it poll once more: re-reading must add nothing.
	eventually.True(t, 3*time.Minute, "a second successful poll", func() bool {
		return s2.metric(t, `leadhub_azure_table_polls_total{result="ok",source="`+source+`"}`) >= 2
	})
	checkExactlyOnce(t, st, source, n, "kill")
	if got := s2.metric(t, `leadhub_azure_table_entities_total{outcome="created",source="`+source+`"}`); got != float64(n-atKill) {
		t.Errorf("the restarted server created %v leads, want %d", got, n-atKill)
	}

	if err := s2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s2.done:
		if err != nil {
			t.Errorf("serve after SIGTERM: %v\n%s", err, s2.logText(t))
		}
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop within a minute of SIGTERM")
	}
	for _, s := range []*server{s1, s2} {
		if text := s.logText(t); strings.Contains(text, devKey) || strings.Contains(text, "AccountKey=") {
			t.Errorf("the server log shows the account key:\n%s", text)
		}
	}
}
