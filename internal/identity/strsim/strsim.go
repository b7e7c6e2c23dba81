// Package strsim holds the string measures used to compare names,
// addresses and identifiers: Jaro and Jaro–Winkler similarity, Levenshtein
// and optimal-string-alignment (restricted Damerau–Levenshtein) distance,
// token Jaccard similarity, and two phonetic codes (American Soundex and
// NYSIIS).
//
// All functions work on Unicode code points; strings that are pure ASCII
// (the common case after normalisation) take a faster path without
// allocating.
package strsim

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// chars is the element type of a string the measures work on.
type chars interface{ byte | rune }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Jaro is the Jaro similarity of a and b, in [0, 1]: 1 for equal strings,
// 0 when no characters match. Two empty strings have similarity 1.
//
// See W. E. Winkler, "String Comparator Metrics and Enhanced Decision
// Rules in the Fellegi-Sunter Model of Record Linkage" (1990),
// https://files.eric.ed.gov/fulltext/ED325505.pdf
func Jaro(a, b string) float64 {
	if a == b {
		return 1
	}
	return jaroWinkler(a, b, false)
}

// JaroWinkler is the Jaro–Winkler similarity with the usual prefix scale
// 0.1 and a common prefix of at most 4 characters.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	return jaroWinkler(a, b, true)
}

// jaroWinkler is Jaro, with Winkler's prefix boost when boost is set.
func jaroWinkler(a, b string, boost bool) float64 {
	if isASCII(a) && isASCII(b) {
		return winkler([]byte(a), []byte(b), boost)
	}
	return winkler([]rune(a), []rune(b), boost)
}

func winkler[T chars](a, b []T, boost bool) float64 {
	j := jaro(a, b)
	if !boost || j <= 0.7 { // Winkler's boost threshold
		return j
	}
	l := 0
	for l < 4 && l < len(a) && l < len(b) && a[l] == b[l] {
		l++
	}
	return j + float64(l)*0.1*(1-j)
}

func jaro[T chars](a, b []T) float64 {
	la, lb := len(a), len(b)
	if la == 0 && lb == 0 {
		return 1
	}
	if la == 0 || lb == 0 {
		return 0
	}
	if la > lb {
		a, b, la, lb = b, a, lb, la
	}
	window := lb/2 - 1
	if window < 0 {
		window = 0
	}
	var bufA, bufB [64]bool
	var ma, mb []bool
	if la <= 64 && lb <= 64 {
		ma, mb = bufA[:la], bufB[:lb]
	} else {
		ma, mb = make([]bool, la), make([]bool, lb)
	}
	m := 0
	for i := 0; i < la; i++ {
		lo, hi := max(0, i-window), min(lb, i+window+1)
		for j := lo; j < hi; j++ {
			if !mb[j] && a[i] == b[j] {
				ma[i], mb[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, k := 0, 0
	for i := 0; i < la; i++ {
		if !ma[i] {
			continue
		}
		for !mb[k] {
			k++
		}
		if a[i] != b[k] {
			t++
		}
		k++
	}
	fm := float64(m)
	return (fm/float64(la) + fm/float64(lb) + (fm-float64(t)/2)/fm) / 3
}

// Levenshtein is the edit distance (insertions, deletions, substitutions)
// between a and b.
func Levenshtein(a, b string) int {
	if a == b {
		return 0
	}
	return editDistance(a, b, false)
}

// OSA is the optimal string alignment distance (the restricted
// Damerau–Levenshtein distance): Levenshtein plus the transposition of two
// adjacent characters, with no substring edited twice.
func OSA(a, b string) int {
	if a == b {
		return 0
	}
	return editDistance(a, b, true)
}

// editDistance is Levenshtein, or OSA with transpose.
func editDistance(a, b string, transpose bool) int {
	if isASCII(a) && isASCII(b) {
		return osa([]byte(a), []byte(b), transpose)
	}
	return osa([]rune(a), []rune(b), transpose)
}

// WithinOSA reports whether OSA(a, b) <= k, stopping early when the
// lengths alone rule it out.
func WithinOSA(a, b string, k int) bool {
	d := len(a) - len(b)
	if d < 0 {
		d = -d
	}
	if isASCII(a) && isASCII(b) && d > k {
		return false
	}
	return OSA(a, b) <= k
}

func osa[T chars](a, b []T, transpose bool) int {
	la, lb := len(a), len(b)
	if la == 0 {
		return lb
	}
	if lb == 0 {
		return la
	}
	// Three rows: two back (for transpositions), one back, current.
	var buf [3 * 65]int
	var prev2, prev, cur []int
	if lb < 65 {
		prev2, prev, cur = buf[0:lb+1], buf[65:65+lb+1], buf[130:130+lb+1]
	} else {
		prev2, prev, cur = make([]int, lb+1), make([]int, lb+1), make([]int, lb+1)
	}
	for j := 0; j <= lb; j++ {
		prev[j] = j
	}
	for i := 1; i <= la; i++ {
		cur[0] = i
		for j := 1; j <= lb; j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if transpose && i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[lb]
}

// TokenJaccard is |A ∩ B| / |A ∪ B| over the sets of whitespace-separated
// tokens of a and b; 0 when both are empty.
func TokenJaccard(a, b []string) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 0
	}
	inter, na := 0, 0
	for i, x := range a {
		if slices.Contains(a[:i], x) {
			continue // counted at its first occurrence
		}
		na++
		if slices.Contains(b, x) {
			inter++
		}
	}
	union := na + distinct(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// distinct is the number of distinct strings in a.
func distinct(a []string) int {
	n := 0
	for i, x := range a {
		if !slices.Contains(a[:i], x) {
			n++
		}
	}
	return n
}

// Soundex is the American Soundex code of s (a letter and three digits),
// computed over the ASCII letters of s; "" when s has none.
// See https://www.archives.gov/research/census/soundex
func Soundex(s string) string {
	const codes = "01230120022455012623010202" // a..z
	var out [4]byte
	n := 0
	var last byte
	for i := 0; i < len(s) && n < 4; i++ {
		c := lowerASCII(s[i])
		if c < 'a' || c > 'z' {
			continue
		}
		code := codes[c-'a']
		if n == 0 {
			out[0] = c - 'a' + 'A'
			n = 1
			last = code
			continue
		}
		if c == 'h' || c == 'w' { // h and w do not separate equal codes
			continue
		}
		if code == '0' { // vowels separate equal codes
			last = 0
			continue
		}
		if code != last {
			out[n] = code
			n++
		}
		last = code
	}
	if n == 0 {
		return ""
	}
	for n < 4 {
		out[n] = '0'
		n++
	}
	return string(out[:])
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// NYSIIS is the New York State Identification and Intelligence System
// phonetic code of s (the original algorithm, truncated to 6 characters),
// computed over the ASCII letters of s; "" when s has none.
// See R. L. Taft, "Name Search Techniques" (1970), summarised at
// https://en.wikipedia.org/wiki/New_York_State_Identification_and_Intelligence_System
func NYSIIS(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c >= 'A' && c <= 'Z' {
			b = append(b, c)
		}
	}
	if len(b) == 0 {
		return ""
	}
	w := string(b)
	// Step 1: first characters.
	switch {
	case strings.HasPrefix(w, "MAC"):
		w = "MCC" + w[3:]
	case strings.HasPrefix(w, "KN"):
		w = "NN" + w[2:]
	case strings.HasPrefix(w, "K"):
		w = "C" + w[1:]
	case strings.HasPrefix(w, "PH"), strings.HasPrefix(w, "PF"):
		w = "FF" + w[2:]
	case strings.HasPrefix(w, "SCH"):
		w = "SSS" + w[3:]
	}
	// Step 2: last characters.
	switch {
	case strings.HasSuffix(w, "EE"), strings.HasSuffix(w, "IE"):
		w = w[:len(w)-2] + "Y"
	case strings.HasSuffix(w, "DT"), strings.HasSuffix(w, "RT"), strings.HasSuffix(w, "RD"),
		strings.HasSuffix(w, "NT"), strings.HasSuffix(w, "ND"):
		w = w[:len(w)-2] + "D"
	}
	isVowel := func(c byte) bool { return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' }
	key := []byte{w[0]}
	in := []byte(w)
	for i := 1; i < len(in); i++ {
		c := in[i]
		var rep []byte
		switch {
		case c == 'E' && i+1 < len(in) && in[i+1] == 'V':
			rep = []byte("AF")
			in[i+1] = 'F'
		case isVowel(c):
			rep = []byte("A")
		case c == 'Q':
			rep = []byte("G")
		case c == 'Z':
			rep = []byte("S")
		case c == 'M':
			rep = []byte("N")
		case c == 'K':
			if i+1 < len(in) && in[i+1] == 'N' {
				rep = []byte("N")
			} else {
				rep = []byte("C")
			}
		case c == 'S' && i+2 < len(in) && in[i+1] == 'C' && in[i+2] == 'H':
			rep = []byte("SSS")
			in[i+1], in[i+2] = 'S', 'S'
		case c == 'P' && i+1 < len(in) && in[i+1] == 'H':
			rep = []byte("FF")
			in[i+1] = 'F'
		case c == 'H' && (!isVowel(in[i-1]) || (i+1 < len(in) && !isVowel(in[i+1])) || i+1 == len(in)):
			rep = []byte{in[i-1]}
		case c == 'W' && isVowel(in[i-1]):
			rep = []byte{in[i-1]}
		default:
			rep = []byte{c}
		}
		// The replacement overwrites the source so that later rules see it.
		in[i] = rep[0]
		for _, r := range rep {
			if key[len(key)-1] != r {
				key = append(key, r)
			}
		}
	}
	// Step 3: endings.
	if len(key) > 1 && key[len(key)-1] == 'S' {
		key = key[:len(key)-1]
	}
	if len(key) > 2 && key[len(key)-2] == 'A' && key[len(key)-1] == 'Y' {
		key = append(key[:len(key)-2], 'Y')
	}
	if len(key) > 1 && key[len(key)-1] == 'A' {
		key = key[:len(key)-1]
	}
	if len(key) > 6 {
		key = key[:6]
	}
	return string(key)
}
