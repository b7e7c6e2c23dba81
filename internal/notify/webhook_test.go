package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// fixture is one documented webhook answer (testdata/webhooks.json).
type fixture struct {
	Name    string            `json:"name"`
	Channel string            `json:"channel"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
	Want    string            `json:"want"`  // sent, snooze, cancel, retry
	After   string            `json:"after"` // snooze: the wait
	Text    string            `json:"text"`  // cancel: in the error
}

func fixtures(t testing.TB) []fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/webhooks.json")
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatal(err)
	}
	return fs
}

var fixedNow = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

func testMessage(to string) Message {
	return Message{To: to, Link: "https://leads.contoso.com/customers/C1", Notification: lead.Notification{
		ID: "01J0000000000000000000000N", UserID: "u1", Event: lead.EventBreached, CustomerID: "C1",
		Title: "Contoso <Ltd> & co: first touch is late", Text: "Ana Ruiz asked to be contacted 3 hours ago.",
		Link: "/customers/C1"}}
}

// checkRequest checks a webhook request against the provider's documented
// shape, and reports what is wrong ("" when nothing is).
func checkRequest(channel string, r *http.Request) string {
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		return "method " + r.Method + " content type " + r.Header.Get("Content-Type")
	}
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		return "body is not JSON: " + err.Error()
	}
	switch channel {
	case "slack":
		text, _ := body["text"].(string)
		blocks, _ := body["blocks"].([]any)
		if text == "" || len(blocks) == 0 {
			return "slack body without text or blocks: " + string(b)
		}
		if all := fmt.Sprint(blocks); !strings.Contains(all, "|Open in leadhub>") || !strings.Contains(all, "&lt;Ltd&gt; &amp; co") {
			return "slack blocks without the escaped title or the link: " + string(b)
		}
	case "teams":
		atts, _ := body["attachments"].([]any)
		if body["type"] != "message" || len(atts) != 1 {
			return "teams body is not a message with one attachment: " + string(b)
		}
		att, _ := atts[0].(map[string]any)
		content, _ := att["content"].(map[string]any)
		if att["contentType"] != "application/vnd.microsoft.card.adaptive" || content["type"] != "AdaptiveCard" ||
			content["version"] != "1.4" || !strings.Contains(string(b), `"Action.OpenUrl"`) {
			return "teams attachment is not an Adaptive Card 1.4 with a link: " + string(b)
		}
		if v, ok := att["contentUrl"]; !ok || v != nil {
			return "teams attachment without contentUrl null"
		}
	}
	return ""
}

// Every documented answer is classified as the worker needs: sent,
// snoozed for the Retry-After, cancelled with the provider's text, or
// retried.
func TestWebhookAnswers(t *testing.T) {
	t.Parallel()
	for _, f := range fixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if msg := checkRequest(f.Channel, r); msg != "" {
					t.Error(msg)
				}
				for k, v := range f.Headers {
					w.Header().Set(k, v)
				}
				w.WriteHeader(f.Status)
				io.WriteString(w, f.Body)
			}))
			defer srv.Close()
			var (
				s  Sender
				wh *webhook
			)
			if f.Channel == "slack" {
				sl := NewSlack(nil, 5*time.Second)
				s, wh = sl, sl.w
			} else {
				tm := NewTeams(nil, 5*time.Second)
				s, wh = tm, tm.w
			}
			wh.now = func() time.Time { return fixedNow }
			err := s.Send(context.Background(), testMessage(srv.URL+"/hook/SECRET"))
			after, throttled := RetryAfter(err)
			switch f.Want {
			case "sent":
				if err != nil {
					t.Fatalf("got %v, want sent", err)
				}
			case "snooze":
				want, _ := time.ParseDuration(f.After)
				if !throttled || after != want {
					t.Fatalf("got %v (after %s), want a snooze of %s", err, after, want)
				}
			case "cancel":
				var p *PermanentError
				if !errors.As(err, &p) || p.Status != f.Status || !strings.Contains(err.Error(), f.Text) {
					t.Fatalf("got %v, want permanent %d with %q", err, f.Status, f.Text)
				}
			case "retry":
				if err == nil || throttled || IsPermanent(err) {
					t.Fatalf("got %v, want a transient error", err)
				}
			default:
				t.Fatalf("fixture wants %q", f.Want)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("the error shows the webhook URL: %v", err)
			}
		})
	}
}

// A webhook that does not answer in time, or at all, is retried, and the
// error never shows the URL's secret.
func TestWebhookNetworkErrors(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer slow.Close()
	defer close(release) // before Close, which waits for the handler
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, strings.Repeat("x", 1<<20))
	}))
	defer big.Close()
	moved := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://elsewhere.example/", http.StatusMovedPermanently)
	}))
	defer moved.Close()

	quick, patient := NewSlack(nil, 200*time.Millisecond), NewSlack(nil, 10*time.Second)
	for _, tc := range []struct {
		name, url string
		s         *Slack
		permanent bool
	}{
		{"timeout", slow.URL, quick, false},
		{"refused", gone.URL, patient, false},
		{"huge answer", big.URL, patient, true},
		{"redirect", moved.URL, patient, true},
	} {
		err := tc.s.Send(context.Background(), testMessage(tc.url+"/services/T1/B1/SECRET"))
		if err == nil || IsPermanent(err) != tc.permanent {
			t.Errorf("%s: got %v, want permanent=%v", tc.name, err, tc.permanent)
		}
		if err != nil && (strings.Contains(err.Error(), "SECRET") || len(err.Error()) > 400) {
			t.Errorf("%s: the error shows the URL or the whole answer: %v", tc.name, err)
		}
	}
	if err := patient.Send(context.Background(), testMessage("")); !IsPermanent(err) {
		t.Errorf("no URL: got %v, want permanent", err)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 2 * time.Minute, true},
		{" 7 ", 7 * time.Second, true},
		{"0", MinRetryAfter, true},
		{"3601", MaxRetryAfter, true},
		{"99999999999999999999999", MaxRetryAfter, true},
		{"Sat, 05 Dec 2026 12:01:00 GMT", time.Minute, true},
		{"Saturday, 05-Dec-26 12:00:10 GMT", 10 * time.Second, true},
		{"Sat Dec  5 12:00:05 2026", 5 * time.Second, true},
		{"Fri, 04 Dec 2026 12:00:00 GMT", MinRetryAfter, true}, // in the past
		{"", 0, false},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	} {
		got, ok := ParseRetryAfter(tc.in, fixedNow)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %s, %v; want %s, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

// The parser never panics, and what it accepts is a wait within the
// bounds; any run of digits is accepted.
func FuzzRetryAfter(f *testing.F) {
	f.Add("120")
	f.Add("Wed, 21 Oct 2015 07:28:00 GMT")
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := ParseRetryAfter(v, fixedNow)
		if ok && (d < MinRetryAfter || d > MaxRetryAfter) {
			t.Fatalf("ParseRetryAfter(%q) = %s, outside [%s, %s]", v, d, MinRetryAfter, MaxRetryAfter)
		}
		if !ok && d != 0 {
			t.Fatalf("ParseRetryAfter(%q) refused it but returned %s", v, d)
		}
		if s := strings.TrimSpace(v); s != "" && strings.Trim(s, "0123456789") == "" && !ok {
			t.Fatalf("ParseRetryAfter(%q) refused a number of seconds", v)
		}
	})
}

// Config.Validate names every problem and never repeats a secret; the
// configuration logs without them.
func TestConfigValidate(t *testing.T) {
	t.Parallel()
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("zero config: %v", err)
	}
	good := Config{PublicURL: "https://leads.contoso.com", SMTP: SMTPConfig{Host: "smtp.contoso.com", Username: "lh",
		Password: "hunter2", From: "leadhub <leadhub@contoso.com>"}, SlackWebhookURL: "https://hooks.slack.com/services/T/B/SECRET"}
	if err := good.Validate(); err != nil {
		t.Fatalf("good config: %v", err)
	}
	bad := Config{PublicURL: "leads", SMTP: SMTPConfig{Host: "smtp", Port: 70000, Password: "hunter2", From: "nobody", TLS: "always"},
		SlackWebhookURL: "http://hooks.example.com/SECRET", TeamsWebhookURL: "ftp://x/SECRET"}
	err := bad.Validate()
	if lead.KindOf(err) != lead.KindInvalid {
		t.Fatalf("bad config: %v", err)
	}
	for _, want := range []string{"public URL", "port 70000", "TLS policy", "From", "password without a username", "Slack", "Teams"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v: does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the error shows a secret: %v", err)
	}
	var b strings.Builder
	log := slogText(&b)
	log.Info("config", "notify", good)
	if out := b.String(); strings.Contains(out, "hunter2") || strings.Contains(out, "SECRET") || !strings.Contains(out, "smtp.contoso.com") {
		t.Errorf("logged config: %s", out)
	}
}
