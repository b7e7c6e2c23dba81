package azuretable_test

import (
	"context"
	"os"
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

// server is a `leadhub serve` process.
type server struct{ *apitest.Serve }

func startServe(t *testing.T, bin string, env []string, args ...string) *server {
	t.Helper()
	return &server{apitest.StartServe(t, bin, env, args...)}
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
	b, err := os.ReadFile(s.Log)
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
	bin := apitest.BuildLeadhub(t)
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
	if err := s1.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-s1.Done
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

	if err := s2.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-s2.Done:
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
