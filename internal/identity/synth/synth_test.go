package synth

import (
	"bytes"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	a := New(3, 2000).Generate(2000)
	b := New(3, 2000).Generate(2000)
	if len(a) != 2000 {
		t.Fatalf("%d leads", len(a))
	}
	ids := map[string]bool{}
	entities := map[string]int{}
	for i, l := range a {
		if l != b[i] {
			t.Fatal("the same seed gives different leads")
		}
		if ids[l.ID] {
			t.Fatalf("id %s twice", l.ID)
		}
		ids[l.ID] = true
		entities[l.Entity]++
	}
	if n := len(entities); n < 1000 || n > 1900 {
		t.Errorf("%d entities for 2000 leads", n)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, a[:3]); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), strings.Join(Header, ",")+"\n") || strings.Count(buf.String(), "\n") != 4 {
		t.Errorf("CSV:\n%s", buf.String())
	}
}
