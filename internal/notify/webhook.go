package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Bounds of Retry-After and of what is read of an answer.
const (
	// MinRetryAfter and MaxRetryAfter bound a throttle's wait: a Retry-After
	// of 0 or in the past still waits a second, and none waits over an
	// hour (the news would be stale; the next attempt may be throttled
	// again and says so).
	MinRetryAfter = time.Second
	MaxRetryAfter = time.Hour
	// DefaultRetryAfter is the wait after a 429 that gives no Retry-After.
	DefaultRetryAfter = 30 * time.Second
	// maxAnswer is how much of a webhook's answer is read: Slack's and
	// Teams' answers are a word or empty; an error page is cut.
	maxAnswer = 4 << 10
	// maxErrorText is how much of an answer goes into an error.
	maxErrorText = 200
)

// ParseRetryAfter reads an HTTP Retry-After value (RFC 9110 §10.2.3): a
// number of seconds, or an HTTP date, from now. It returns the wait within
// [MinRetryAfter, MaxRetryAfter] and whether v was a valid value at all.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if strings.Trim(v, "0123456789") == "" {
		// Digits only; a number too long for int64 is simply "very long".
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs > int64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		d = time.Duration(secs) * time.Second
	} else {
		t, err := http.ParseTime(v)
		if err != nil {
			return 0, false
		}
		d = t.Sub(now)
	}
	return min(max(d, MinRetryAfter), MaxRetryAfter), true
}

// webhook posts JSON to a webhook URL and classifies the answer.
type webhook struct {
	name   string // "slack", "teams": in errors
	client *http.Client
	now    func() time.Time
	// throttledOK recognises a success status that is really a throttle
	// (Teams' legacy connector answers 200 "… HTTP error 429").
	throttledOK func(body []byte) bool
}

func newWebhook(name string, c *http.Client, timeout time.Duration) *webhook {
	if c == nil {
		c = &http.Client{Timeout: timeout}
	} else {
		cc := *c
		if cc.Timeout == 0 {
			cc.Timeout = timeout
		}
		c = &cc
	}
	// A redirect is an error (a moved or revoked webhook), not followed.
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &webhook{name: name, client: c, now: time.Now}
}

// post sends body to target. Errors never contain target, which holds the
// webhook's secret.
func (w *webhook) post(ctx context.Context, target string, body []byte) error {
	if target == "" {
		return &PermanentError{Text: w.name + ": no webhook URL configured"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return &PermanentError{Text: w.name + ": invalid webhook URL"}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "leadhub")
	res, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %s: %w", w.name, req.URL.Host, redactURL(err))
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return fmt.Errorf("%s: reading the answer: %w", w.name, redactURL(err))
	}
	// Drain a little more so that the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return w.classify(res.StatusCode, res.Header, answer)
}

// classify turns an answer into nil (sent), a *RetryAfterError, a
// *PermanentError or a transient error.
func (w *webhook) classify(status int, h http.Header, answer []byte) error {
	text := errorText(answer)
	switch {
	case status >= 200 && status < 300:
		if w.throttledOK != nil && w.throttledOK(answer) {
			return &RetryAfterError{After: DefaultRetryAfter, Err: fmt.Errorf("%s: throttled: %s", w.name, text)}
		}
		return nil
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		err := fmt.Errorf("%s: %d %s", w.name, status, text)
		if d, ok := ParseRetryAfter(h.Get("Retry-After"), w.now()); ok {
			return &RetryAfterError{After: d, Err: err}
		}
		if status == http.StatusTooManyRequests {
			return &RetryAfterError{After: DefaultRetryAfter, Err: err}
		}
		return err
	case status >= 500 || status == http.StatusRequestTimeout:
		return fmt.Errorf("%s: %d %s", w.name, status, text)
	case status >= 300 && status < 400:
		return &PermanentError{Status: status, Text: fmt.Sprintf("%s: %d redirected (a moved or revoked webhook?)", w.name, status)}
	}
	return &PermanentError{Status: status, Text: fmt.Sprintf("%s: %d %s", w.name, status, text)}
}

// errorText is the start of an answer, on one line, for an error.
func errorText(b []byte) string {
	s := strings.Join(strings.Fields(strings.ToValidUTF8(string(b), "?")), " ")
	if len(s) > maxErrorText {
		s = strings.ToValidUTF8(s[:maxErrorText], "") + "…"
	}
	if s == "" {
		return "(empty answer)"
	}
	return s
}

// redactURL drops the URL from a *url.Error (a webhook URL holds its
// secret), keeping what went wrong.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", strings.ToLower(ue.Op), ue.Err)
	}
	return err
}
