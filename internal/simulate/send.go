package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	neturl "net/url"
	"strconv"
	"sync"
	"time"
)

// Stats is the outcome of Send. Every event handed to a worker ends up in
// exactly one of Created, Duplicates, Rejected, Failed and Interrupted;
// Sent is the first three.
type Stats struct {
	Sent       int // events that got a final answer (2xx, or a 4xx that is not retried)
	Created    int // 201, or another 2xx that is not a duplicate
	Duplicates int // 200 with {"status":"duplicate"}: the endpoint had the body already
	Rejected   int // a final 4xx (400 quarantined, 401, 413, ...)
	// Failed counts events given up: attempts exhausted on 5xx, 408, 429
	// or connection errors, or cancelled while waiting to retry one.
	Failed int
	// Interrupted counts events cut short by the end of ctx (a --duration
	// deadline) while their request was in flight or before it was sent:
	// nothing went wrong with them, and the server may have stored them.
	Interrupted int
	Retries     int // attempts after the first
}

// Sender posts events to an ingest URL. The zero value is usable; Send
// fills in the defaults.
type Sender struct {
	// Client is the HTTP client; nil means one with a 30 s timeout and a
	// connection per worker.
	Client *http.Client
	// Rate is events per second; 0 means as fast as the workers go.
	// Retries are not counted against it.
	Rate float64
	// Concurrency is the number of requests in flight; 0 means 1.
	Concurrency int
	// MaxAttempts bounds the attempts per event; 0 means 6.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait between attempts, which
	// doubles from MinBackoff (with jitter) and never exceeds MaxBackoff,
	// even when the server asks for longer with Retry-After. 0 means
	// 100 ms and 5 s.
	MinBackoff, MaxBackoff time.Duration
	// Progress, when set, is called after each event with the running
	// totals. Calls are serialised.
	Progress func(sent, failed int)
}

// Send posts the Body of each event to url at rate events per second
// (0: as fast as possible) from concurrency workers, retrying 5xx, 408,
// 429 and connection errors with bounded exponential backoff. It returns
// when every event has been answered or given up, or when ctx is done (the
// error is then ctx's). Use slices.Values to send a slice.
func Send(ctx context.Context, url string, events iter.Seq[Event], rate float64, concurrency int, progress func(sent, failed int)) (Stats, error) {
	s := Sender{Rate: rate, Concurrency: concurrency, Progress: progress}
	return s.Send(ctx, url, events)
}

type outcome int

const (
	outCreated outcome = iota
	outDuplicate
	outRejected
	outFailed
	outInterrupted
)

// Send is Send with the Sender's settings.
func (s Sender) Send(ctx context.Context, url string, events iter.Seq[Event]) (Stats, error) {
	if s.Rate < 0 || math.IsNaN(s.Rate) || math.IsInf(s.Rate, 0) {
		return Stats{}, fmt.Errorf("simulate: rate %v must be a non-negative number", s.Rate)
	}
	u, err := neturl.Parse(url)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Stats{}, fmt.Errorf("simulate: %q is not an http or https URL", url)
	}
	workers := max(1, s.Concurrency)
	if s.MaxAttempts <= 0 {
		s.MaxAttempts = 6
	}
	if s.MinBackoff <= 0 {
		s.MinBackoff = 100 * time.Millisecond
	}
	if s.MaxBackoff <= 0 {
		s.MaxBackoff = 5 * time.Second
	}
	s.MaxBackoff = max(s.MaxBackoff, s.MinBackoff)
	client := s.Client
	if client == nil {
		client = &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				Proxy:               http.ProxyFromEnvironment,
				DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
				MaxIdleConns:        workers * 2,
				MaxIdleConnsPerHost: workers * 2,
				IdleConnTimeout:     90 * time.Second,
			},
		}
		defer client.CloseIdleConnections()
	}

	var (
		mu sync.Mutex
		st Stats
	)
	record := func(o outcome, retries int) {
		mu.Lock()
		defer mu.Unlock()
		st.Retries += retries
		switch o {
		case outCreated:
			st.Created++
		case outDuplicate:
			st.Duplicates++
		case outRejected:
			st.Rejected++
		case outInterrupted:
			st.Interrupted++
		default:
			st.Failed++
		}
		if o != outFailed && o != outInterrupted {
			st.Sent++
		}
		if s.Progress != nil {
			s.Progress(st.Sent, st.Failed)
		}
	}

	jobs := make(chan Event)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			jitter := rand.New(rand.NewPCG(uint64(i), 0x5eed))
			for ev := range jobs {
				record(s.deliver(ctx, client, url, ev.Body, jitter))
			}
		})
	}
	p := pacer{rate: s.Rate}
	for ev := range events {
		if p.wait(ctx) != nil {
			break
		}
		select {
		case jobs <- ev:
			continue
		case <-ctx.Done():
		}
		break
	}
	close(jobs)
	wg.Wait()
	return st, ctx.Err()
}

// deliver posts one body until it gets a final answer or runs out of
// attempts. It returns the outcome and the number of retries. When ctx ends
// before the first attempt or during one, the event is interrupted; when it
// ends while waiting to retry a failed attempt, the event has failed.
func (s Sender) deliver(ctx context.Context, client *http.Client, url string, body []byte, jitter *rand.Rand) (outcome, int) {
	retries := 0
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			if attempt == 1 {
				return outInterrupted, retries
			}
			return outFailed, retries
		}
		var asked time.Duration // Retry-After
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return outFailed, retries
		}
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
		resp, err := client.Do(req)
		if err == nil {
			data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			code := resp.StatusCode
			switch {
			case code >= 200 && code < 300:
				if isDuplicate(code, data) {
					return outDuplicate, retries
				}
				return outCreated, retries
			case code >= 500 || code == http.StatusRequestTimeout || code == http.StatusTooManyRequests:
				asked = retryAfter(resp.Header.Get("Retry-After"))
			default:
				return outRejected, retries
			}
		} else if ctx.Err() != nil {
			return outInterrupted, retries // cut short in flight
		}
		if attempt >= s.MaxAttempts {
			return outFailed, retries
		}
		wait := s.MinBackoff << min(attempt-1, 30)
		if wait <= 0 || wait > s.MaxBackoff {
			wait = s.MaxBackoff
		}
		wait = wait/2 + time.Duration(jitter.Int64N(int64(wait/2)+1))
		if asked > wait {
			wait = min(asked, s.MaxBackoff)
		}
		if sleep(ctx, wait) != nil {
			return outFailed, retries
		}
		retries++
	}
}

// isDuplicate reads leadhub's answer: 200 {"status":"duplicate"}.
func isDuplicate(code int, data []byte) bool {
	if code != http.StatusOK {
		return false
	}
	var a struct {
		Status    string `json:"status"`
		Duplicate bool   `json:"duplicate"`
	}
	if json.Unmarshal(data, &a) != nil {
		return false
	}
	return a.Status == "duplicate" || a.Duplicate
}

// retryAfter reads a Retry-After header given in seconds or as a date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pacer spaces events 1/rate apart: each event reserves the next free
// slot and sleeps until it. An idle pacer does not bank slots, so there
// is no burst after a pause.
type pacer struct {
	rate float64
	next time.Time
}

var errStopped = errors.New("simulate: stopped")

func (p *pacer) wait(ctx context.Context) error {
	if ctx.Err() != nil {
		return errStopped
	}
	if p.rate == 0 {
		return nil
	}
	interval := time.Duration(float64(time.Second) / p.rate)
	now := time.Now()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(interval)
	if sleep(ctx, time.Until(at)) != nil {
		return errStopped
	}
	return nil
}
