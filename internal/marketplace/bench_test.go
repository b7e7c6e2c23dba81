package marketplace_test

import (
	"os"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/marketplace"
)

func benchmarkDecodeFile(b *testing.B, name string) {
	body, err := os.ReadFile(payloadDir + "/" + name)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marketplace.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecode decodes the CH20 sample body.
func BenchmarkDecode(b *testing.B) { benchmarkDecodeFile(b, "ch20-https-sample.json") }

// BenchmarkDecodeRepaired decodes the FAQ test lead, which needs a repair.
func BenchmarkDecodeRepaired(b *testing.B) { benchmarkDecodeFile(b, "faq-test-lead-invalid.json") }

// BenchmarkDecodeWorstRepair decodes a 64 KiB body made of missing commas
// (and the one contact field a lead needs).
func BenchmarkDecodeWorstRepair(b *testing.B) {
	const head = `{"Email":"a@contoso.com","a":[`
	body := []byte(head + strings.Repeat("1 ", (64<<10-len(head)-3)/2) + `1]}`)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := marketplace.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLeadSource(b *testing.B) {
	inputs := []struct{ name, in string }{
		{"combined", "AppSource (SPZA)-PLT|contoso.crm-connector"},
		{"test", "MSFT_TEST_636573304831318844-MSFT_TEST_636573304831318844|<Offer Name>"},
		{"bare", "AzureMarketplace"},
		{"free-text", "Test run through MS Flow"},
	}
	for _, tt := range inputs {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				marketplace.ParseLeadSource(tt.in)
			}
		})
	}
}
