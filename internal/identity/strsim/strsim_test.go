package strsim

import (
	"math"
	"testing"
)

func TestJaroWinkler(t *testing.T) {
	// Reference values from Winkler (1990), table of comparator values,
	// and the common textbook examples.
	cases := []struct {
		a, b    string
		jaro, w float64
	}{
		{"martha", "marhta", 0.944, 0.961},
		{"dwayne", "duane", 0.822, 0.840},
		{"dixon", "dicksonx", 0.767, 0.813},
		{"jones", "johnson", 0.790, 0.832},
		{"", "", 1, 1},
		{"abc", "", 0, 0},
		{"same", "same", 1, 1},
		{"josé", "jose", 0.833, 0.883},
	}
	for _, c := range cases {
		if got := Jaro(c.a, c.b); math.Abs(got-c.jaro) > 0.001 {
			t.Errorf("Jaro(%q, %q) = %.4f, want %.3f", c.a, c.b, got, c.jaro)
		}
		if got := JaroWinkler(c.a, c.b); math.Abs(got-c.w) > 0.001 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f", c.a, c.b, got, c.w)
		}
		if Jaro(c.a, c.b) != Jaro(c.b, c.a) {
			t.Errorf("Jaro(%q, %q) is not symmetric", c.a, c.b)
		}
	}
}

func TestDistances(t *testing.T) {
	cases := []struct {
		a, b     string
		lev, osa int
	}{
		{"", "", 0, 0},
		{"abc", "", 3, 3},
		{"kitten", "sitting", 3, 3},
		{"ca", "ac", 2, 1},
		{"smith", "smtih", 2, 1},
		{"19560409", "19560490", 2, 1},
		{"ca", "abc", 3, 3}, // OSA does not edit a transposed pair again
		{"müller", "muller", 1, 1},
	}
	for _, c := range cases {
		if got := Levenshtein(c.a, c.b); got != c.lev {
			t.Errorf("Levenshtein(%q, %q) = %d, want %d", c.a, c.b, got, c.lev)
		}
		if got := OSA(c.a, c.b); got != c.osa {
			t.Errorf("OSA(%q, %q) = %d, want %d", c.a, c.b, got, c.osa)
		}
		if got := WithinOSA(c.a, c.b, 1); got != (c.osa <= 1) {
			t.Errorf("WithinOSA(%q, %q, 1) = %v", c.a, c.b, got)
		}
	}
	long1 := "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"
	long2 := "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxzy"
	if got := OSA(long1, long2); got != 1 {
		t.Errorf("OSA of long strings = %d, want 1", got)
	}
}

func TestTokenJaccard(t *testing.T) {
	if got := TokenJaccard([]string{"a", "b"}, []string{"b", "c"}); math.Abs(got-1.0/3) > 1e-9 {
		t.Errorf("got %v", got)
	}
	if got := TokenJaccard([]string{"a", "a"}, []string{"a"}); got != 1 {
		t.Errorf("duplicates: got %v", got)
	}
	if got := TokenJaccard(nil, nil); got != 0 {
		t.Errorf("empty: got %v", got)
	}
}

func TestSoundex(t *testing.T) {
	cases := map[string]string{
		"Robert": "R163", "Rupert": "R163", "Rubin": "R150", "Ashcraft": "A261",
		"Ashcroft": "A261", "Tymczak": "T522", "Pfister": "P236", "Honeyman": "H555",
		"": "", "123": "",
	}
	for in, want := range cases {
		if got := Soundex(in); got != want {
			t.Errorf("Soundex(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNYSIIS(t *testing.T) {
	cases := map[string]string{
		"knuth": "NAT", "bart": "BAD", "hurd": "HAD", "hunt": "HAD",
		"frazier": "FRASAR", "bowman": "BANAN", "rawson": "RASAN", "jiles": "JAL",
		"carraway": "CARY", "yamada": "YANAD", "macintosh": "MCANT", "kuhl": "CAL",
		"deutsch": "DAT", "pfeister": "FASTAR", "phillipson": "FALAPS", "": "",
		"smith": "SNAT", "smyth": "SNYT", "schmidt": "SNAD",
	}
	for in, want := range cases {
		if got := NYSIIS(in); got != want {
			t.Errorf("NYSIIS(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkJaroWinkler(b *testing.B) {
	for b.Loop() {
		JaroWinkler("christopher", "kristofer")
	}
}

func BenchmarkOSA(b *testing.B) {
	for b.Loop() {
		OSA("christopher", "kristofer")
	}
}
