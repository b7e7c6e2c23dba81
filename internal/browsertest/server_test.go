package browsertest

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// cheap argon2id parameters keep the users' passwords quick to check; the
// server reads the parameters from each stored hash.
var cheap = auth.Params{Time: 1, Memory: 64, Threads: 1}

// demoLeads is how many simulated marketplace leads each server receives
// before a test starts.
const demoLeads = 40

// server is leadhub running in-process as serve runs it (app.Start), on a
// fresh database of one engine, logging to a buffer. Every secret the test
// uses is registered with secret; when the test ends, the log must hold
// none of them.
type server struct {
	t     *testing.T
	URL   string // http://127.0.0.1:port
	Store *store.Store
	Log   *apitest.Buffer

	mu      sync.Mutex
	secrets []string
	users   int
	ingest  string   // the ingest token the demo leads came with
	opsMade *opsData // made by ops, the first time
}

// engines runs f on SQLite and, with LEADHUB_TEST_POSTGRES_URL set, on
// PostgreSQL.
func engines(t *testing.T, f func(t *testing.T, e storetest.Engine)) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) { f(t, e) })
	}
}

// startServer starts leadhub on a fresh database of e with the defaults of
// serve (changed by change, when not nil), feeds it demoLeads simulated
// leads through its marketplace endpoint, and waits until the resolver has
// made customers of them all. It stops when the test ends.
func startServer(t *testing.T, e storetest.Engine, change func(c *app.Config)) *server {
	t.Helper()
	s := &server{t: t, Log: &apitest.Buffer{}}
	// Registered first, so that it runs last: after the server has stopped
	// and logged everything it will.
	t.Cleanup(s.checkLog)
	dsn := e.NewDSN(t)
	ctx, cancel := context.WithCancel(context.Background())
	st, err := app.OpenStore(ctx, dsn, false, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s.Store = st
	t.Cleanup(func() { st.Close() })
	t.Cleanup(cancel)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := app.Defaults()
	c.Addr, c.Database = ln.Addr().String(), dsn
	if change != nil {
		change(&c)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(s.Log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := app.Start(ctx, st, ln, c, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	s.URL = "http://" + ln.Addr().String()
	began := time.Now()
	s.demo(ctx)
	t.Logf("%s: %d demo leads stored and resolved in %s", e.Name, demoLeads, time.Since(began).Round(time.Millisecond))
	return s
}

// secret registers v as a secret the log must not hold, and returns it.
func (s *server) secret(v string) string {
	if len(v) < 8 {
		s.t.Fatalf("%q is too short to look for in the log", v)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets = append(s.secrets, v)
	return v
}

// checkLog fails the test when the log is empty (nothing was captured,
// so nothing was checked) or holds a registered secret.
func (s *server) checkLog() {
	logged := s.Log.String()
	if !strings.Contains(logged, "http request") {
		s.t.Errorf("the server logged no request: the log was not captured")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.secrets {
		if strings.Contains(logged, v) {
			s.t.Errorf("the server's log holds a secret (%.6s…)", v)
		}
	}
}

// demo feeds the server simulated leads as `serve --demo` does, through
// the marketplace endpoint with an ingest token, and waits until every
// lead is stored and resolved.
func (s *server) demo(ctx context.Context) {
	t := s.t
	t.Helper()
	token := s.credential(lead.CredentialIngest, "")
	s.ingest = token
	events, err := simulate.Events(simulate.Config{Seed: 11, Start: time.Now().UTC().AddDate(0, 0, -40), Count: demoLeads})
	if err != nil {
		t.Fatal(err)
	}
	sent, err := simulate.Sender{Concurrency: 2}.Send(ctx, s.URL+"/ingest/marketplace?code="+url.QueryEscape(token), events)
	if err != nil || sent.Sent != demoLeads {
		t.Fatalf("demo leads: %+v, %v", sent, err)
	}
	waitUntil(t, "every demo lead is stored and resolved", time.Minute, func() bool {
		total, resolved, err := s.Store.CountLeads(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return total == demoLeads && resolved == total
	})
}

// credential stores a new ingest token or API key (of userID's user, or
// an admin key when "") and returns its secret.
func (s *server) credential(kind lead.CredentialKind, userID string) string {
	s.t.Helper()
	secret, c := auth.NewSecret(kind, "browser test", time.Now())
	c.UserID = userID
	if err := s.Store.CreateCredential(context.Background(), c); err != nil {
		s.t.Fatal(err)
	}
	return s.secret(secret)
}

// user stores a user of role with a fresh random password, which it
// returns (registered as a secret).
func (s *server) user(role lead.Role) (lead.User, string) {
	s.t.Helper()
	s.mu.Lock()
	s.users++
	n := s.users
	s.mu.Unlock()
	pw := s.secret("pw " + rand.Text())
	hash, err := auth.HashPassword(pw, cheap)
	if err != nil {
		s.t.Fatal(err)
	}
	name := strings.ToUpper(string(role[:1])) + string(role[1:])
	u := lead.User{ID: ulid.Make().String(), Email: fmt.Sprintf("%s%d@contoso.com", role, n),
		DisplayName: "Robin " + name, TimeZone: "UTC", Role: role, PasswordHash: hash}
	if err := s.Store.CreateUser(context.Background(), u); err != nil {
		s.t.Fatal(err)
	}
	return u, pw
}

// setPasswordLink stores a one-time set-password token for u, as `leadhub
// users create` does without a password, and returns the link's path.
func (s *server) setPasswordLink(u lead.User) string {
	s.t.Helper()
	token := s.secret("lht_" + strings.ToLower(rand.Text()+rand.Text()))
	now := time.Now()
	if err := s.Store.CreateUserToken(context.Background(), lead.UserToken{Hash: auth.Hash(token), UserID: u.ID,
		Purpose: lead.TokenSetPassword, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		s.t.Fatal(err)
	}
	return "/set-password?token=" + url.QueryEscape(token)
}

// newestCustomers returns the emails of the newest customers, as the inbox
// lists them.
func (s *server) newestCustomers(n int) []string {
	s.t.Helper()
	no := false // what the inbox shows by default: no test or do-not-contact customers
	page, err := s.Store.ListCustomers(context.Background(), lead.CustomerFilter{Limit: n, IsTest: &no, DoNotContact: &no})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, c := range page.Customers {
		if c.Golden.Email != "" {
			out = append(out, c.Golden.Email)
		}
	}
	if len(out) == 0 {
		s.t.Fatalf("no customer with an email among the newest %d", n)
	}
	return out
}

// waitUntil checks cond every 20 ms until it holds, and fails the test
// when it still does not after timeout.
func waitUntil(t testing.TB, what string, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for: %s", timeout, what)
		}
		<-tick.C
	}
}

// setupLink stores a first-start setup token as serve does when the
// store has no user, and returns the setup page's path.
func (s *server) setupLink() string {
	s.t.Helper()
	if n, err := s.Store.CountUsers(context.Background()); err != nil || n != 0 {
		s.t.Fatalf("a setup link on a server with %d users (%v)", n, err)
	}
	token, err := auth.NewSetupToken(context.Background(), s.Store, time.Now())
	if err != nil {
		s.t.Fatal(err)
	}
	return "/setup?token=" + url.QueryEscape(s.secret(token))
}

// newestCustomer is the newest customer with an email.
func (s *server) newestCustomer() lead.Customer {
	s.t.Helper()
	page, err := s.Store.ListCustomers(context.Background(), lead.CustomerFilter{Limit: 20})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range page.Customers {
		if c.Golden.Email != "" {
			return c
		}
	}
	s.t.Fatal("no customer with an email among the newest 20")
	return lead.Customer{}
}

// aLead is the newest lead.
func (s *server) aLead() lead.Lead {
	s.t.Helper()
	page, err := s.Store.ListLeads(context.Background(), lead.LeadFilter{Limit: 1})
	if err != nil || len(page.Leads) == 0 {
		s.t.Fatalf("no lead: %v", err)
	}
	return page.Leads[0]
}

// anAccount is the first account with a name.
func (s *server) anAccount() lead.Account {
	s.t.Helper()
	page, err := s.Store.ListAccounts(context.Background(), lead.AccountFilter{Limit: 50})
	if err != nil {
		s.t.Fatal(err)
	}
	for _, a := range page.Accounts {
		if a.Name != "" {
			return a
		}
	}
	s.t.Fatalf("no account with a name among %d", len(page.Accounts))
	return lead.Account{}
}
