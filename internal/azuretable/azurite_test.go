package azuretable_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// AzuriteEnv names the variable holding the table endpoint of a running
// Azurite, e.g. http://127.0.0.1:10002/devstoreaccount1 (scripts/azurite.sh
// start prints it). When it is unset the tests start Azurite themselves with
// that script if node and npm are installed, and skip otherwise (fail under
// CI=true).
const AzuriteEnv = "LEADHUB_TEST_AZURITE"

// devKey is the emulator's well-known account key.
const devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

var azuriteUnavailable string // why Azurite tests skip; "" when it runs

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Getenv(AzuriteEnv) == "" {
		stop, err := startAzurite()
		if err != nil {
			if os.Getenv("CI") == "true" {
				fmt.Fprintf(os.Stderr, "azuretable tests: Azurite is required under CI=true: %v\n", err)
				return 1
			}
			azuriteUnavailable = err.Error()
		} else {
			defer stop()
		}
	}
	return m.Run()
}

// startAzurite runs scripts/azurite.sh start and sets AzuriteEnv.
func startAzurite() (stop func(), err error) {
	for _, tool := range []string{"bash", "node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s is not installed, so Azurite cannot run (set %s to use a running one)", tool, AzuriteEnv)
		}
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "scripts", "azurite.sh"))
	if err != nil {
		return nil, err
	}
	state, err := os.MkdirTemp("", "leadhub-azurite-")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, "start")
	cmd.Env = append(os.Environ(), "AZURITE_STATE="+state)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(state)
		return nil, fmt.Errorf("scripts/azurite.sh start: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	vars := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "="); ok {
			vars[k] = v
		}
	}
	if vars[AzuriteEnv] == "" {
		os.RemoveAll(state)
		return nil, fmt.Errorf("scripts/azurite.sh start printed no %s", AzuriteEnv)
	}
	os.Setenv(AzuriteEnv, vars[AzuriteEnv])
	pid := vars["LEADHUB_TEST_AZURITE_PID"]
	return func() {
		c := exec.Command("bash", script, "stop", pid)
		c.Env = append(os.Environ(), "AZURITE_STATE="+state)
		_ = c.Run()
		os.RemoveAll(state)
	}, nil
}

// endpoint returns Azurite's table endpoint, or skips the test.
func endpoint(t testing.TB) string {
	t.Helper()
	ep := os.Getenv(AzuriteEnv)
	if ep == "" {
		t.Skipf("Azurite is not available: %s", azuriteUnavailable)
	}
	return strings.TrimRight(ep, "/")
}

// connString is the emulator account's connection string on endpoint ep.
func connString(ep, key string) string {
	return "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + key + ";TableEndpoint=" + ep + ";"
}

func devAccount(t testing.TB) azuretable.Account {
	t.Helper()
	a, err := azuretable.ParseConnectionString(connString(endpoint(t), devKey))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]`)

// tableName is a fresh table name for the test.
func tableName(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	name := nonAlnum.ReplaceAllString(t.Name(), "")
	if len(name) > 40 {
		name = name[:40]
	}
	return "T" + name + hex.EncodeToString(b)
}

// harness is a store and an inbox over it.
type harness struct {
	engine string
	store  *store.Store
	inbox  *ingest.Inbox
}

func newHarness(t testing.TB, e storetest.Engine) *harness {
	t.Helper()
	st := e.Open(t)
	writers := 1
	if e.Name == "postgres" {
		writers = 4
	}
	ib := ingest.New(st, ingest.Options{Writers: writers})
	t.Cleanup(ib.Close)
	return &harness{engine: e.Name, store: st, inbox: ib}
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// newPoller returns a poller of table over h, with fast retries.
func (h *harness) newPoller(t testing.TB, acct azuretable.Account, table string, reg prometheus.Registerer, opt azuretable.Options) *azuretable.Poller {
	t.Helper()
	opt.Table = table
	if opt.Interval == 0 {
		opt.Interval = time.Hour // tests poll with Sync
	}
	if opt.BackoffBase == 0 {
		opt.BackoffBase = 5 * time.Millisecond
		opt.BackoffMax = 50 * time.Millisecond
	}
	p, err := azuretable.NewPoller(acct, opt, azuretable.Deps{
		Store: h.store, Inbox: h.inbox, Metrics: azuretable.NewMetrics(reg), Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// run runs p until the test ends (or the returned stop is called, which
// waits for Run to return).
func run(t testing.TB, p *azuretable.Poller) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("Run did not return within 30s of cancellation")
		}
	}
	t.Cleanup(stop)
	return stop
}

func syncNow(t testing.TB, p *azuretable.Poller) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := p.Sync(ctx); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

// activity returns the store's view of source.
func activity(t testing.TB, st lead.SourceActivityReader, source string) lead.SourceActivity {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	all, err := st.SourceActivity(ctx, time.Now().Add(-24*time.Hour))
	if err != nil {
		t.Fatalf("SourceActivity: %v", err)
	}
	for _, a := range all {
		if a.Source == source {
			return a
		}
	}
	return lead.SourceActivity{Source: source}
}

// newLockedLogger logs text lines into b, guarded by mu.
func newLockedLogger(b *strings.Builder, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(lockedWriter{b, mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct {
	b  *strings.Builder
	mu *sync.Mutex
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}
