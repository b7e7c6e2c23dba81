package store_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// BenchmarkCommitBatch commits batches of new, distinct leads (a typical
// marketplace payload of about 1 KiB each) and reports items per second.
// Every commit is durable: SQLite fsyncs its WAL, PostgreSQL its WAL.
func BenchmarkCommitBatch(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		for _, size := range []int{1, 32, 256} {
			b.Run(fmt.Sprintf("%s/batch=%d", e.Name, size), func(b *testing.B) {
				s := e.Open(b)
				ctx := ctxT(b)
				p := simpleParsed("Bench")
				p.Description = "Customer started a test drive"
				p.DescriptionParams = map[string]string{"offer": "Widget", "plan": "standard"}
				padding := make([]byte, 900)
				for i := range padding {
					padding[i] = 'x'
				}
				n := 0
				batch := make([]lead.Incoming, size)
				items := 0
				for b.Loop() {
					for i := range batch {
						body := fmt.Appendf(nil, `{"n":%d,"pad":"%s"}`, n, padding)
						n++
						batch[i] = lead.Incoming{
							ID: newID(), Channel: lead.ChannelHTTPS, ReceivedAt: time.Now(),
							Body: body, SHA256: sha(body), Parsed: &p,
						}
					}
					if _, err := s.CommitBatch(ctx, batch); err != nil {
						b.Fatal(err)
					}
					items += size
				}
				b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}
