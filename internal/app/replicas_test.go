package app_test

import (
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// Two `leadhub serve` replicas on one PostgreSQL database, with a 1-minute
// first-touch target: a lead posted to the first is assigned; the first
// is killed with SIGKILL before the clock is at risk; the second sends the
// at-risk and breach emails (to a real SMTP server) and Slack messages,
// each exactly once.
func TestProcessTwoReplicasOneKilled(t *testing.T) {
	smtpAddr, mailAPI := mailpit(t)
	var dsn string
	for _, e := range storetest.Engines(t) {
		if e.Name == "postgres" {
			dsn = e.NewDSN(t)
		}
	}
	if dsn == "" {
		t.Skip("no PostgreSQL (LEADHUB_TEST_POSTGRES_URL)")
	}
	slack := &slackFake{seen: map[string]int{}}
	hook := httptest.NewServer(slack)
	t.Cleanup(hook.Close)

	ctx := context.Background()
	st, err := app.OpenStore(ctx, dsn, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tag := strings.ToLower(ulid.Make().String()[20:])
	rep, boss := fastTeam(t, st, tag)
	code, cred := auth.NewSecret(lead.CredentialIngest, "replicas", time.Now())
	if err := st.CreateCredential(ctx, cred); err != nil {
		t.Fatal(err)
	}

	bin := apitest.BuildLeadhub(t)
	host, port, _ := net.SplitHostPort(smtpAddr)
	args := []string{"--database", dsn, "--smtp-host", host, "--smtp-port", port, "--smtp-tls", "none",
		"--smtp-from", "leadhub@publisher.example", "--slack-webhook", hook.URL}
	a := apitest.StartServe(t, bin, nil, args...)
	b := apitest.StartServe(t, bin, nil, args...)

	email := "sato-" + tag + "@fabrikam.com"
	posted := time.Now()
	post(t, a.URL+"/ingest/marketplace?code="+code, leadBody("Yui", "Sato", email, "Fabrikam KK", "CIO", "INS"))
	cust := customerOf(t, st, email)
	p := processOf(t, st, cust, 5*time.Second)
	t.Logf("assigned %s after the POST", time.Since(posted).Round(time.Millisecond))
	if p.OwnerID != rep.ID {
		t.Fatalf("owner %s (%s)", p.OwnerID, p.Assignment.Reason)
	}
	if err := a.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.Done
	t.Logf("replica a killed %s after the POST; at risk at %s, due at %s", time.Since(posted).Round(time.Millisecond),
		p.SLA.AtRiskAt.Sub(posted).Round(time.Second), p.SLA.DueAt.Sub(posted).Round(time.Second))

	waitFor(t, 100*time.Second, "the breach emails from the surviving replica", func() (bool, string) {
		bm, rm := mails(t, mailAPI, boss.Email), mails(t, mailAPI, rep.Email)
		return countPrefix(bm, "Breached") >= 1 && countPrefix(rm, "Breached") >= 1 && countPrefix(rm, "At risk") >= 1 &&
			slack.count("Breached") >= 2, fmt.Sprint(bm, rm, slack.seen)
	})
	t.Logf("breach notified %s after due", time.Since(p.SLA.DueAt).Round(time.Millisecond))
	// Wait a little more than a job's retry and a fetch poll before
	// counting: a double send would have happened by then.
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	bm, rm := mails(t, mailAPI, boss.Email), mails(t, mailAPI, rep.Email)
	if countPrefix(bm, "Breached") != 1 || countPrefix(rm, "Breached") != 1 || countPrefix(rm, "At risk") != 1 ||
		countPrefix(bm, "At risk") != 0 {
		t.Errorf("emails: manager %v, rep %v; want each once", bm, rm)
	}
	if slack.count("Breached") != 2 || slack.count("At risk") != 1 {
		t.Errorf("Slack: %v; want at risk once and breached twice (rep and manager)", slack.seen)
	}
	if b.Cmd.ProcessState != nil {
		t.Errorf("replica b stopped: %v", b.Cmd.ProcessState)
	}
}
