package notify_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
)

// The email tests send to Mailpit and read what it received through its
// HTTP API. They use the one named by LEADHUB_TEST_MAILPIT_SMTP
// (host:port) and LEADHUB_TEST_MAILPIT_API (http://host:port), as
// scripts/test.sh starts it; otherwise they start the binary named by
// LEADHUB_TEST_MAILPIT_BIN, or .tools/bin/mailpit (scripts/mailpit.sh
// install), or mailpit on the PATH, on free ports, once for the package.
// Without any they skip, or fail when CI=true.

const (
	mailpitSMTPEnv = "LEADHUB_TEST_MAILPIT_SMTP"
	mailpitAPIEnv  = "LEADHUB_TEST_MAILPIT_API"
	mailpitBinEnv  = "LEADHUB_TEST_MAILPIT_BIN"
)

type mailpit struct {
	host string
	port int
	api  string
}

var (
	mailpitOnce sync.Once
	mailpitRun  *mailpit
	mailpitErr  error
	mailpitCmd  *exec.Cmd
)

func TestMain(m *testing.M) {
	code := m.Run()
	if mailpitCmd != nil {
		_ = mailpitCmd.Process.Kill()
		_ = mailpitCmd.Wait()
	}
	os.Exit(code)
}

// needMailpit returns the Mailpit to send to, or skips the test (fails it
// when CI=true).
func needMailpit(t *testing.T) *mailpit {
	t.Helper()
	mailpitOnce.Do(func() { mailpitRun, mailpitErr = findMailpit() })
	if mailpitErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("mailpit: %v; CI requires it (scripts/mailpit.sh install)", mailpitErr)
		}
		t.Skipf("mailpit: %v (scripts/mailpit.sh install, or set %s and %s)", mailpitErr, mailpitSMTPEnv, mailpitAPIEnv)
	}
	return mailpitRun
}

// maybeMailpit is needMailpit for a test that runs without email: nil
// when there is no Mailpit (outside CI).
func maybeMailpit(t *testing.T) *mailpit {
	t.Helper()
	mailpitOnce.Do(func() { mailpitRun, mailpitErr = findMailpit() })
	if mailpitErr != nil && os.Getenv("CI") != "true" {
		t.Logf("mailpit: %v: email left out", mailpitErr)
		return nil
	}
	return needMailpit(t)
}

func findMailpit() (*mailpit, error) {
	if addr := os.Getenv(mailpitSMTPEnv); addr != "" {
		api := os.Getenv(mailpitAPIEnv)
		if api == "" {
			return nil, fmt.Errorf("%s is set but %s is not", mailpitSMTPEnv, mailpitAPIEnv)
		}
		host, p, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", mailpitSMTPEnv, err)
		}
		port, _ := strconv.Atoi(p)
		mp := &mailpit{host: host, port: port, api: strings.TrimRight(api, "/")}
		return mp, mp.waitUp(10 * time.Second)
	}
	bin := os.Getenv(mailpitBinEnv)
	if bin == "" {
		if root, err := repoRoot(); err == nil {
			if p := filepath.Join(root, ".tools", "bin", "mailpit"); fileExists(p) {
				bin = p
			}
		}
	}
	if bin == "" {
		p, err := exec.LookPath("mailpit")
		if err != nil {
			return nil, fmt.Errorf("not installed")
		}
		bin = p
	}
	smtpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, "--smtp", fmt.Sprintf("127.0.0.1:%d", smtpPort),
		"--listen", fmt.Sprintf("127.0.0.1:%d", httpPort), "--disable-version-check")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	mailpitCmd = cmd
	mp := &mailpit{host: "127.0.0.1", port: smtpPort, api: fmt.Sprintf("http://127.0.0.1:%d", httpPort)}
	if err := mp.waitUp(20 * time.Second); err != nil {
		return nil, fmt.Errorf("%s did not start: %v: %s", bin, err, out.String())
	}
	return mp, nil
}

// waitUp waits until both the API and the SMTP port answer.
func (m *mailpit) waitUp(d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		res, err := http.Get(m.api + "/api/v1/messages?limit=1")
		if err == nil {
			res.Body.Close()
			c, cerr := net.DialTimeout("tcp", net.JoinHostPort(m.host, strconv.Itoa(m.port)), time.Second)
			if cerr == nil {
				c.Close()
				if res.StatusCode == http.StatusOK {
					return nil
				}
			}
			err = cerr
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not answering at %s: %v", m.api, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a server that is starting
	}
}

// mailSummary is a message as Mailpit's GET /api/v1/messages lists it.
type mailSummary struct {
	ID        string
	MessageID string
	From      struct{ Name, Address string }
	To        []struct{ Name, Address string }
	Subject   string
	Snippet   string
}

// withMessageID lists the messages Mailpit holds with Message-ID id
// (without angle brackets).
func (m *mailpit) withMessageID(t *testing.T, id string) []mailSummary {
	t.Helper()
	res, err := http.Get(m.api + "/api/v1/messages?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Messages []mailSummary `json:"messages"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var out []mailSummary
	for _, s := range list.Messages {
		if strings.Trim(s.MessageID, "<>") == id {
			out = append(out, s)
		}
	}
	return out
}

// waitMessage waits for the message with Message-ID id and returns every
// copy Mailpit holds.
func (m *mailpit) waitMessage(t *testing.T, id string) []mailSummary {
	t.Helper()
	var got []mailSummary
	eventually.True(t, 15*time.Second, "message "+id+" in Mailpit", func() bool {
		got = m.withMessageID(t, id)
		return len(got) > 0
	})
	return got
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "go.mod")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the test")
		}
		dir = parent
	}
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
