package simulate_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/simulate"
)

// ingestServer imitates leadhub's endpoint: 201 for a new body, 200
// duplicate for one seen before, after failing the first `fail` attempts
// of each body with 503.
type ingestServer struct {
	fail     int
	requests atomic.Int64
	mu       sync.Mutex
	attempts map[[32]byte]int
	stored   map[[32]byte]bool
}

func newIngest(fail int) (*ingestServer, *httptest.Server) {
	s := &ingestServer{fail: fail, attempts: map[[32]byte]int{}, stored: map[[32]byte]bool{}}
	return s, httptest.NewServer(s)
}

func (s *ingestServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") == "" {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	body, _ := io.ReadAll(r.Body)
	sum := sha256.Sum256(body)
	s.mu.Lock()
	s.attempts[sum]++
	n := s.attempts[sum]
	dup := s.stored[sum]
	if n > s.fail {
		s.stored[sum] = true
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case n <= s.fail:
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"type":"unavailable"}`)
	case dup:
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"id":"x","status":"duplicate","is_test":false,"duplicate":true}`)
	default:
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":"x","status":"created","stage":"interest","is_test":false,"duplicate":false}`)
	}
}

func TestSend(t *testing.T) {
	evs := generate(t, simulate.Config{Seed: 1, Count: 300})
	srv, ts := newIngest(0)
	defer ts.Close()

	var calls, lastSent atomic.Int64
	// the run, then its first 40 events again: redeliveries are duplicates
	all := append(slices.Clone(evs), evs[:40]...)
	st, err := simulate.Send(context.Background(), ts.URL+"/ingest/marketplace?code=x", slices.Values(all), 0, 8, func(sent, failed int) {
		calls.Add(1)
		lastSent.Store(int64(sent))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := simulate.Stats{Sent: 340, Created: 300, Duplicates: 40}
	if st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if n := srv.requests.Load(); n != 340 {
		t.Errorf("%d requests, want 340", n)
	}
	if calls.Load() != 340 || lastSent.Load() != 340 {
		t.Errorf("progress called %d times, last sent %d", calls.Load(), lastSent.Load())
	}
}

func TestSendRetries(t *testing.T) {
	evs := generate(t, simulate.Config{Seed: 2, Count: 60})
	srv, ts := newIngest(2) // every body fails twice with 503 first
	defer ts.Close()
	s := simulate.Sender{Concurrency: 4, MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond}
	st, err := s.Send(context.Background(), ts.URL, slices.Values(evs))
	if err != nil {
		t.Fatal(err)
	}
	if want := (simulate.Stats{Sent: 60, Created: 60, Retries: 120}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if n := srv.requests.Load(); n != 180 {
		t.Errorf("%d requests, want 180", n)
	}

	// attempts run out
	srv, ts2 := newIngest(1000)
	defer ts2.Close()
	s.MaxAttempts = 3
	st, err = s.Send(context.Background(), ts2.URL, slices.Values(evs[:10]))
	if err != nil {
		t.Fatal(err)
	}
	if want := (simulate.Stats{Failed: 10, Retries: 20}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
	if n := srv.requests.Load(); n != 30 {
		t.Errorf("%d requests, want 30", n)
	}

	// connection refused is retried too, then given up
	ts3 := httptest.NewServer(http.NotFoundHandler())
	url := ts3.URL
	ts3.Close()
	st, err = s.Send(context.Background(), url, slices.Values(evs[:3]))
	if err != nil || st.Failed != 3 || st.Retries != 6 {
		t.Errorf("closed server: %+v, %v", st, err)
	}
}

func TestSendRejectedAndRetryAfter(t *testing.T) {
	var n atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
		case 2:
			w.WriteHeader(http.StatusBadRequest) // quarantined: final
		default:
			w.WriteHeader(http.StatusAccepted) // any other 2xx counts as created
		}
	}))
	defer ts.Close()
	evs := generate(t, simulate.Config{Seed: 3, Count: 3})
	s := simulate.Sender{MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}
	st, err := s.Send(context.Background(), ts.URL, slices.Values(evs))
	if err != nil {
		t.Fatal(err)
	}
	// first event: 429 then 400; the others: 202
	if want := (simulate.Stats{Sent: 3, Created: 2, Rejected: 1, Retries: 1}); st != want {
		t.Errorf("stats %+v, want %+v", st, want)
	}
}

func TestSendRate(t *testing.T) {
	srv, ts := newIngest(0)
	defer ts.Close()
	evs := generate(t, simulate.Config{Seed: 4, Count: 21})
	begin := time.Now()
	st, err := simulate.Send(context.Background(), ts.URL, slices.Values(evs), 200, 4, nil)
	elapsed := time.Since(begin)
	if err != nil || st.Created != 21 {
		t.Fatalf("%+v, %v", st, err)
	}
	// 21 events at 200/s: the last starts 100 ms after the first
	if elapsed < 95*time.Millisecond {
		t.Errorf("21 events at 200/s took %v", elapsed)
	}
	if srv.requests.Load() != 21 {
		t.Errorf("%d requests", srv.requests.Load())
	}
}

func TestSendCancel(t *testing.T) {
	_, ts := newIngest(0)
	defer ts.Close()
	seq, _ := simulate.Events(simulate.Config{Seed: 5, Start: start, Count: 1_000_000})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	st, err := simulate.Send(ctx, ts.URL, seq, 100, 2, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if st.Sent == 0 || st.Sent > 20 {
		t.Errorf("sent %d in 100 ms at 100/s", st.Sent)
	}

	for _, bad := range []string{"", "ftp://x/y", "not a url"} {
		if _, err := simulate.Send(context.Background(), bad, seq, 0, 1, nil); err == nil {
			t.Errorf("Send to %q succeeded", bad)
		}
	}
	if _, err := simulate.Send(context.Background(), ts.URL, seq, -1, 1, nil); err == nil {
		t.Error("negative rate accepted")
	}
}

// TestSendDeadlineInFlight: requests still waiting for their answer when
// the deadline ends the run are not failures; a request that got a
// retryable answer and was waiting to retry is.
func TestSendDeadlineInFlight(t *testing.T) {
	release := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // answer only after the deadline
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer ts.Close()
	defer close(release)
	evs := generate(t, simulate.Config{Seed: 6, Count: 100})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	st, err := simulate.Sender{Concurrency: 4}.Send(ctx, ts.URL, slices.Values(evs))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err %v", err)
	}
	if st.Failed != 0 || st.Sent != 0 || st.Interrupted != 4 {
		t.Errorf("stats %+v, want the 4 requests in flight at the deadline and no failure", st)
	}

	// A 503 just before the deadline: the event was waiting to retry.
	busy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer busy.Close()
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	st, _ = simulate.Sender{MinBackoff: time.Second}.Send(ctx2, busy.URL, slices.Values(evs[:1]))
	if st.Failed != 1 || st.Interrupted != 0 {
		t.Errorf("stats %+v, want the refused event failed", st)
	}
}
