package cli

import (
	"encoding/json"
	"testing"
)

// TestB2BBodiesAreBusinessLeadsSentOnce: bench ingest --b2b hands out
// generated business leads, each once, colleagues sharing a company.
func TestB2BBodiesAreBusinessLeadsSentOnce(t *testing.T) {
	next, err := b2bBodySource()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	companies := map[string]int{}
	for i := range 2000 {
		b := next(i)
		if seen[string(b)] {
			t.Fatalf("body %d was handed out before", i)
		}
		seen[string(b)] = true
		var v struct {
			UserDetails struct{ Company string } `json:"userDetails"`
		}
		if json.Unmarshal(b, &v) == nil && v.UserDetails.Company != "" {
			companies[v.UserDetails.Company]++
		}
	}
	shared := 0
	for _, n := range companies {
		if n > 1 {
			shared++
		}
	}
	if shared < 50 {
		t.Errorf("only %d company names appear more than once in 2,000 leads: not colleagues", shared)
	}
}
