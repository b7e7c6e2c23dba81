package notify_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/metricstest"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// answer is one documented webhook answer of testdata/webhooks.json.
type answer struct {
	Name    string            `json:"name"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func answers(t *testing.T, names ...string) []answer {
	t.Helper()
	b, err := os.ReadFile("testdata/webhooks.json")
	if err != nil {
		t.Fatal(err)
	}
	var all []answer
	if err := json.Unmarshal(b, &all); err != nil {
		t.Fatal(err)
	}
	var out []answer
	for _, n := range names {
		found := false
		for _, a := range all {
			if a.Name == n {
				out, found = append(out, a), true
			}
		}
		if !found {
			t.Fatalf("no fixture %q", n)
		}
	}
	return out
}

// hooks is a webhook server: each path answers its script in turn (the
// last answer again once the script is used up) and counts its requests.
type hooks struct {
	*httptest.Server
	mu      sync.Mutex
	scripts map[string][]answer
	got     map[string]int
}

func newHooks(t *testing.T) *hooks {
	h := &hooks{scripts: map[string][]answer{}, got: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		h.mu.Lock()
		n := h.got[r.URL.Path]
		h.got[r.URL.Path]++
		script := h.scripts[r.URL.Path]
		h.mu.Unlock()
		if len(script) == 0 {
			http.NotFound(w, r)
			return
		}
		a := script[min(n, len(script)-1)]
		for k, v := range a.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.Status)
		io.WriteString(w, a.Body)
	}))
	t.Cleanup(h.Close)
	return h
}

// hook scripts path and returns its URL.
func (h *hooks) hook(path string, script ...answer) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.scripts[path] = script
	return h.URL + path
}

func (h *hooks) count(path string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.got[path]
}

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// runner starts a River runner over st working w, stopped when the test ends.
func runner(t *testing.T, st *store.Store, w *notify.Worker) *jobs.Runner {
	t.Helper()
	if _, err := jobs.Migrate(ctxT(t, time.Minute), st.WriteDB(), st.Engine()); err != nil {
		t.Fatal(err)
	}
	ws := river.NewWorkers()
	w.Register(ws)
	r, err := jobs.New(ctxT(t, time.Minute), st.WriteDB(), st.Engine(),
		jobs.Options{Workers: ws, FetchPollInterval: 100 * time.Millisecond, StopTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Stop(context.Background()); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

// waitDelivery waits until the delivery satisfies ok and returns it.
func waitDelivery(t *testing.T, st *store.Store, id string, c lead.NotifyChannel, ok func(lead.Delivery) bool) lead.Delivery {
	t.Helper()
	var d lead.Delivery
	eventually.True(t, 45*time.Second, fmt.Sprintf("the %s delivery of %s", c, id), func() bool {
		var err error
		if d, err = st.Delivery(context.Background(), id, c); err != nil {
			t.Fatal(err)
		}
		return ok(d)
	})
	return d
}

func done(d lead.Delivery) bool { return d.State != lead.DeliveryPending }

// Notifications enqueued with a change go out through a real River
// client: sent, snoozed on 429 and sent after, cancelled on 400 with the
// failure visible, retried after 502; enqueued twice, sent once; sent
// once by email, and a job run again after a send does not resend.
func TestWorkerEndToEnd(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			st := e.Open(t)
			ctx := ctxT(t, 2*time.Minute)
			h := newHooks(t)
			var mp *mailpit
			if e.Name == "sqlite" {
				mp = maybeMailpit(t)
			}
			reg := prometheus.NewRegistry()
			cfg := notify.Config{
				PublicURL:       "https://leads.contoso.com",
				TeamsWebhookURL: h.hook("/teams/shared", answers(t, "teams accepted")...),
				Registerer:      reg,
			}
			if mp != nil {
				cfg.SMTP = notify.SMTPConfig{Host: mp.host, Port: mp.port, From: "leadhub@contoso.example", TLS: notify.TLSNone}
			}
			w, err := notify.New(cfg, st, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			r := runner(t, st, w)

			// One user per case, with a Slack or Teams webhook of their own.
			users := map[string][]answer{
				"ok":      answers(t, "slack ok"),
				"429":     answers(t, "slack rate limited", "slack ok"),
				"400":     answers(t, "slack invalid payload"),
				"502":     answers(t, "teams bad gateway", "teams accepted"),
				"twice":   answers(t, "slack ok"),
				"revoked": answers(t, "slack revoked"),
			}
			for name, script := range users {
				if err := st.CreateUser(ctx, lead.User{ID: "u-" + name, Email: "ann+" + name + "@contoso.example", Role: lead.RoleRep}); err != nil {
					t.Fatal(err)
				}
				p := lead.DefaultNotifyPrefs("u-" + name)
				if name == "502" {
					p.TeamsWebhookURL = h.hook("/teams/"+name, script...)
				} else {
					p.SlackWebhookURL = h.hook("/slack/"+name, script...)
				}
				if err := st.SetNotifyPrefs(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			ids := map[string]string{}
			enqueue := func(user string, chs ...lead.NotifyChannel) {
				t.Helper()
				err := st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
					n, err := notify.Enqueue(ctx, tx, r, st, lead.Notification{UserID: "u-" + user, Event: lead.EventBreached,
						CustomerID: "C-" + user, Title: "First touch is late: " + user, Text: "Ana Ruiz is waiting.",
						Link: "/customers/C-" + user}, chs)
					if err != nil {
						return err
					}
					ids[user] = n.ID
					if user == "twice" {
						// The same job again in the same transaction is skipped.
						res, err := r.InsertTx(ctx, tx, notify.SendArgs{NotificationID: n.ID, Channel: lead.NotifySlack}, nil)
						if err != nil {
							return err
						}
						if !res.UniqueSkippedAsDuplicate {
							t.Errorf("the second send job was not recognised as a duplicate")
						}
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			okChannels := []lead.NotifyChannel{lead.NotifyInApp, lead.NotifySlack, lead.NotifyTeams}
			if mp != nil {
				okChannels = append(okChannels, lead.NotifyEmail)
			}
			enqueue("ok", okChannels...)
			enqueue("429", lead.NotifySlack)
			enqueue("400", lead.NotifySlack)
			enqueue("502", lead.NotifyTeams)
			enqueue("twice", lead.NotifySlack)
			enqueue("revoked", lead.NotifySlack)

			for _, c := range okChannels[1:] {
				if d := waitDelivery(t, st, ids["ok"], c, done); d.State != lead.DeliverySent || d.Attempts != 1 || d.SentAt == nil {
					t.Errorf("ok %s: %+v", c, d)
				}
			}
			if n := h.count("/slack/ok"); n != 1 {
				t.Errorf("slack got %d requests, want 1", n)
			}
			if n := h.count("/teams/shared"); n != 1 {
				t.Errorf("the shared Teams webhook got %d requests, want 1", n)
			}
			if mp != nil {
				got := mp.waitMessage(t, notify.MessageID(ids["ok"]))
				if len(got) != 1 || got[0].Subject != "First touch is late: ok" || got[0].To[0].Address != "ann+ok@contoso.example" {
					t.Errorf("email: %+v", got)
				}
			}
			if list, err := st.ListNotifications(ctx, "u-ok", lead.NotificationFilter{}); err != nil || len(list) != 1 {
				t.Errorf("in-app list %+v %v", list, err)
			}

			d := waitDelivery(t, st, ids["429"], lead.NotifySlack, done)
			if d.State != lead.DeliverySent || d.Attempts != 2 || h.count("/slack/429") != 2 {
				t.Errorf("after 429: %+v, %d requests", d, h.count("/slack/429"))
			}
			d = waitDelivery(t, st, ids["502"], lead.NotifyTeams, done)
			if d.State != lead.DeliverySent || d.Attempts != 2 || h.count("/teams/502") != 2 {
				t.Errorf("after 502: %+v, %d requests", d, h.count("/teams/502"))
			}
			d = waitDelivery(t, st, ids["400"], lead.NotifySlack, done)
			if d.State != lead.DeliveryFailed || d.Attempts != 1 || !strings.Contains(d.LastError, "invalid_payload") {
				t.Errorf("after 400: %+v", d)
			}
			d = waitDelivery(t, st, ids["revoked"], lead.NotifySlack, done)
			if d.State != lead.DeliveryFailed || !strings.Contains(d.LastError, "no_service") {
				t.Errorf("revoked: %+v", d)
			}
			failed, err := st.ListFailedDeliveries(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(failed) != 2 {
				t.Errorf("failed deliveries %+v, want the 400 and the revoked one", failed)
			}
			for _, f := range failed {
				if strings.Contains(f.LastError, h.URL) || strings.Contains(f.LastError, "/slack/") {
					t.Errorf("a recorded error shows the webhook URL: %q", f.LastError)
				}
			}
			list, err := r.List(ctx, jobs.Filter{Kind: "notify.send"})
			if err != nil {
				t.Fatal(err)
			}
			cancelled := 0
			for _, j := range list {
				if j.State == string(rivertype.JobStateCancelled) {
					cancelled++
				}
			}
			if cancelled != 2 {
				t.Errorf("%d send jobs cancelled, want 2: %+v", cancelled, list)
			}
			d = waitDelivery(t, st, ids["twice"], lead.NotifySlack, done)
			jobsOf := 0
			for _, j := range list {
				if strings.Contains(string(j.Args), ids["twice"]) {
					jobsOf++
				}
			}
			if d.State != lead.DeliverySent || h.count("/slack/twice") != 1 || jobsOf != 1 {
				t.Errorf("enqueued twice: %+v, %d requests, %d jobs", d, h.count("/slack/twice"), jobsOf)
			}

			// A job run again after its send (a crash before River recorded
			// the completion) finds the delivery sent and sends nothing.
			for _, c := range okChannels[1:] {
				job := &river.Job[notify.SendArgs]{JobRow: &rivertype.JobRow{Attempt: 2, MaxAttempts: notify.MaxAttempts},
					Args: notify.SendArgs{NotificationID: ids["ok"], Channel: c}}
				if err := w.Work(ctx, job); err != nil {
					t.Errorf("rerun %s: %v", c, err)
				}
			}
			if h.count("/slack/ok") != 1 || h.count("/teams/shared") != 1 {
				t.Errorf("a rerun sent again")
			}
			if mp != nil {
				if n := len(mp.withMessageID(t, notify.MessageID(ids["ok"]))); n != 1 {
					t.Errorf("%d emails after a rerun, want 1", n)
				}
			}

			for _, m := range []struct {
				channel, outcome string
				want             float64
			}{
				{"slack", notify.OutcomeSent, 3}, {"slack", notify.OutcomeThrottled, 1}, {"slack", notify.OutcomeFailed, 2},
				{"teams", notify.OutcomeSent, 2}, {"teams", notify.OutcomeRetried, 1}, {"slack", notify.OutcomeSkipped, 1},
			} {
				if got := metricstest.Value(t, reg, "leadhub_notify_sent_total", "channel", m.channel, "outcome", m.outcome); got != m.want {
					t.Errorf("leadhub_notify_sent_total{channel=%s,outcome=%s} = %v, want %v", m.channel, m.outcome, got, m.want)
				}
			}
		})
	}
}
