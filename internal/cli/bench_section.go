package cli

import (
	"os"
	"strings"
)

// processSection is the heading bench process writes under; processIntro
// follows it when the section is new.
const (
	processSection = "## Follow-up process at scale"
	processIntro   = "\n`leadhub bench process` runs the server as serve does (every background step on), measures its idle CPU with an " +
		"empty store and then with open customers whose first-touch clocks are live River jobs, and the delay from clocks' due " +
		"times to their breach notices on Slack. Each run replaces the last result of its engine below.\n"
)

// writeSection puts body into the file at path under the section heading
// (added at the end with intro when the file has none), in place of the
// subsection that starts with prefix, or at the end of the section.
func writeSection(path, heading, intro, prefix, body string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	doc := string(old)
	body = "\n" + strings.TrimLeft(strings.TrimRight(body, "\n"), "\n") + "\n"
	h := strings.Index(doc, "\n"+heading+"\n")
	if h < 0 && !strings.HasPrefix(doc, heading+"\n") {
		doc = strings.TrimRight(doc, "\n") + "\n\n" + heading + "\n" + intro
		h = strings.Index(doc, "\n"+heading+"\n")
	}
	start := h + 1
	if h < 0 {
		start = 0
	}
	// The section ends at the next heading of its level.
	end := len(doc)
	if i := strings.Index(doc[start+len(heading):], "\n## "); i >= 0 {
		end = start + len(heading) + i + 1
	}
	section := doc[start:end]
	if i := strings.Index(section, "\n"+prefix); i >= 0 {
		j := len(section)
		if k := strings.Index(section[i+1:], "\n### "); k >= 0 {
			j = i + 1 + k + 1
		}
		section = section[:i+1] + section[j:]
	}
	section = strings.TrimRight(section, "\n") + "\n" + body
	if end < len(doc) {
		section += "\n"
	}
	return os.WriteFile(path, []byte(doc[:start]+section+doc[end:]), 0o644)
}
