package normalize

import (
	"embed"
	"fmt"
	"iter"
	"strings"
)

// The tables that names, countries, companies and mail domains are looked
// up in are text files, compiled in. Blank lines and lines starting with
// "#" are comments.
//
//go:embed data/*.txt data/vendor
var dataFiles embed.FS

// dataFile returns the text of a data file.
func dataFile(name string) string {
	b, err := dataFiles.ReadFile("data/" + name)
	if err != nil {
		panic("normalize: " + err.Error())
	}
	return string(b)
}

// vendorFile returns the text of a vendored file (data/vendor/README.md
// says where each comes from).
func vendorFile(name string) string { return dataFile("vendor/" + name) }

// aliasTable reads lines "target: alias, alias, …" into alias → target. A
// target may take several lines. The files are compiled in, so a malformed
// line or an alias given twice (which would silently keep one target)
// panics when the package loads.
func aliasTable(file string) map[string]string {
	m := map[string]string{}
	for n, line := range dataLines(dataFile(file)) {
		target, list, ok := strings.Cut(line, ":")
		target = strings.TrimSpace(target)
		if !ok || target == "" {
			panic(fmt.Sprintf("normalize: %s:%d: want target: alias, alias, …", file, n))
		}
		for a := range strings.SplitSeq(list, ",") {
			a = strings.TrimSpace(a)
			if prev, dup := m[a]; dup || a == "" {
				panic(fmt.Sprintf("normalize: %s:%d: alias %q is empty or already stands for %q", file, n, a, prev))
			}
			m[a] = target
		}
	}
	return m
}

// wordSet reads words separated by white space into a set.
func wordSet(file string) map[string]bool {
	m := map[string]bool{}
	for _, line := range dataLines(dataFile(file)) {
		for _, w := range strings.Fields(line) {
			m[w] = true
		}
	}
	return m
}

// dataLines yields the lines of a data file that are neither blank nor
// comments, trimmed, with their line numbers.
func dataLines(data string) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		n := 0
		for line := range strings.Lines(data) {
			n++
			line = strings.TrimSpace(line)
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if !yield(n, line) {
				return
			}
		}
	}
}
