// Package bench generates marketplace traffic and measures leadhub under it:
// the ingest benchmark, the load driver of the kill test, and the check that
// every acknowledged lead is stored exactly once.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

var (
	firstNames = []string{"Ana", "Bruno", "Chen", "Dana", "Emeka", "Fatima", "Grace", "Hiro", "Ines", "Jonas", "Kavya", "Liam", "Maria", "Noah", "Olga", "Priya"}
	lastNames  = []string{"Silva", "Smith", "Wang", "Müller", "Okafor", "Haddad", "Kim", "Tanaka", "García", "Nowak", "Patel", "Rossi", "Johansson", "Dubois"}
	companies  = []string{"Contoso", "Fabrikam Inc.", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank", "Litware GmbH", "Adventure Works Ltda"}
	titles     = []string{"CTO", "IT Manager", "Developer", "Architect", "CIO", "Procurement"}
	countries  = []string{"US", "USA", "United States", "Brasil", "Deutschland", "DE", "IN", "Japan", "GB"}
	sources    = []struct{ source, action string }{
		{"AzureMarketplace", "INS"}, {"AppSource (SPZA)", "PLT"}, {"AzurePortal", "Create"},
		{"AppSource (SPZA)", "INS"}, {"AzureMarketplace", "StartTestDrive"}, {"AppSource (SPZA)", "DNC"},
	}
	offers = []string{"contoso.crm-connector", "contoso.analytics-saas", "fabrikam.backup-vm", "bitnami.openedxcypress"}
)

// Body returns the seq-th synthetic marketplace body of run: the documented
// HTTPS shape, with run and seq in the description so each body is unique
// and can be found again. The same (run, seq) always gives the same bytes.
func Body(run string, seq int) []byte {
	r := rand.New(rand.NewPCG(uint64(seq), 0x1ead))
	src := sources[r.IntN(len(sources))]
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	body := map[string]any{
		"UserDetails": map[string]string{
			"FirstName": first,
			"LastName":  last,
			"Email":     fmt.Sprintf("%s.%s.%d@example.com", first, last, seq),
			"Phone":     fmt.Sprintf("+1 425 555 %04d", r.IntN(10000)),
			"Country":   countries[r.IntN(len(countries))],
			"Company":   companies[r.IntN(len(companies))],
			"Title":     titles[r.IntN(len(titles))],
		},
		"LeadSource":  src.source + "-" + src.action + "|" + offers[r.IntN(len(offers))],
		"ActionCode":  src.action,
		"OfferTitle":  "Contoso CRM Connector",
		"Description": Marker(run, seq),
	}
	b, _ := json.Marshal(body)
	return b
}

// Marker is the description that identifies body seq of run.
func Marker(run string, seq int) string { return fmt.Sprintf("bench %s #%d", run, seq) }

// Ack is one acknowledged delivery.
type Ack struct {
	Seq    int    `json:"seq"`
	ID     string `json:"id"`
	Status int    `json:"status"`
}

// LoadConfig drives Load.
type LoadConfig struct {
	URL         string
	Run         string
	Count       int           // bodies 0..Count-1; 0 with Duration means unbounded
	Duration    time.Duration // stop starting new requests after this (0: until Count)
	Concurrency int
	// Bodies, when set, gives the body of each seq instead of Body.
	Bodies func(seq int) []byte
	// RetryFor keeps retrying a body whose request failed (connection
	// refused, 5xx) for this long: the kill test uses it to ride through a
	// server restart. Zero means no retries.
	RetryFor time.Duration
	// OnAck is called (from several goroutines) for every 2xx.
	OnAck func(Ack)
}

// LoadResult summarises a Load.
type LoadResult struct {
	Sent      int64           // requests attempted, retries included
	Acked     int64           // bodies answered 2xx
	Failed    int64           // bodies given up on
	Retries   int64           // attempts after the first
	Latencies []time.Duration // of the 2xx answers
	Elapsed   time.Duration
	Statuses  map[int]int64
}

// Rate is acknowledged leads per second.
func (r LoadResult) Rate() float64 { return float64(r.Acked) / r.Elapsed.Seconds() }

// Percentile returns the p-th percentile (0..100) of the 2xx latencies.
func (r LoadResult) Percentile(p float64) time.Duration {
	if len(r.Latencies) == 0 {
		return 0
	}
	s := slices.Clone(r.Latencies)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// NewClient returns an HTTP client that keeps one connection per worker.
func NewClient(concurrency int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        concurrency * 2,
			MaxIdleConnsPerHost: concurrency * 2,
			IdleConnTimeout:     90 * time.Second,
		},
	}
}

// Load posts bodies to cfg.URL from cfg.Concurrency workers.
func Load(ctx context.Context, cfg LoadConfig) (LoadResult, error) {
	if cfg.Concurrency <= 0 {
		return LoadResult{}, errors.New("bench: concurrency must be positive")
	}
	if cfg.Count <= 0 && cfg.Duration <= 0 {
		return LoadResult{}, errors.New("bench: give a count or a duration")
	}
	client := NewClient(cfg.Concurrency)
	defer client.CloseIdleConnections()
	var next atomic.Int64
	var res LoadResult
	var mu sync.Mutex
	res.Statuses = map[int]int64{}
	start := time.Now()
	var deadline time.Time
	if cfg.Duration > 0 {
		deadline = start.Add(cfg.Duration)
	}
	var wg sync.WaitGroup
	for range cfg.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			statuses := map[int]int64{}
			var sent, acked, failed, retries int64
			defer func() {
				mu.Lock()
				res.Latencies = append(res.Latencies, lat...)
				res.Sent += sent
				res.Acked += acked
				res.Failed += failed
				res.Retries += retries
				for k, v := range statuses {
					res.Statuses[k] += v
				}
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				if !deadline.IsZero() && time.Now().After(deadline) {
					return
				}
				seq := int(next.Add(1) - 1)
				if cfg.Count > 0 && seq >= cfg.Count {
					return
				}
				var body []byte
				if cfg.Bodies != nil {
					body = cfg.Bodies(seq)
				} else {
					body = Body(cfg.Run, seq)
				}
				giveUp := time.Now().Add(cfg.RetryFor)
				backoff := 50 * time.Millisecond
				for attempt := 0; ; attempt++ {
					if attempt > 0 {
						retries++
					}
					sent++
					t0 := time.Now()
					status, id, err := post(ctx, client, cfg.URL, body)
					if err == nil {
						statuses[status]++
					}
					if err == nil && status >= 200 && status < 300 {
						lat = append(lat, time.Since(t0))
						acked++
						if cfg.OnAck != nil {
							cfg.OnAck(Ack{Seq: seq, ID: id, Status: status})
						}
						break
					}
					retryable := err != nil || status >= 500 || status == http.StatusTooManyRequests
					if !retryable || cfg.RetryFor == 0 || time.Now().After(giveUp) || ctx.Err() != nil {
						failed++
						break
					}
					select {
					case <-time.After(backoff):
					case <-ctx.Done():
					}
					backoff = min(backoff*2, time.Second)
				}
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	return res, ctx.Err()
}

func post(ctx context.Context, c *http.Client, url string, body []byte) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, "", err
	}
	var ans struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &ans)
	return resp.StatusCode, ans.ID, nil
}
