package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/leadhub/leadhub/internal/lead"
)

// lister prints the pages of a list command: a table (or JSON lines with
// --json), the first page or (with all) every page. It says on standard
// error how to continue, or, when nothing matched, which database it
// looked in, so that a command run against the wrong database says so.
type lister[T any] struct {
	what   string         // what is listed, plural: "leads"
	header string         // the table's tab-separated column names; "" prints row's lines as they are
	row    func(T) string // one tab-separated line of the table, without the newline
	asJSON func(T) any    // what --json prints for an item (nil: the item)
}

// pageFlags are a list command's --json, --limit, --cursor and --all.
type pageFlags struct {
	json, all bool
	limit     int
	cursor    string
}

// pageFlags adds the paging flags to c: items names what is listed
// ("leads"), jsonItem what a JSON line holds ("one lead each").
func (c *dbCommand) pageFlags(items, jsonItem string) *pageFlags {
	p := &pageFlags{}
	c.BoolVar(&p.json, "json", false, "print JSON lines, "+jsonItem)
	c.IntVar(&p.limit, "limit", lead.DefaultPageSize, items+" per page (max 500)")
	c.StringVar(&p.cursor, "cursor", "", "continue after a previous page")
	c.BoolVar(&p.all, "all", false, "follow cursors to the last page")
	return p
}

// print fetches pages from p's cursor on (p.limit a page) and prints them
// as p asks; it returns how many items it printed.
func (l lister[T]) print(e env, db string, p pageFlags, fetch func(cursor string, limit int) ([]T, string, error)) (int, error) {
	jsonLines, all, cursor := p.json, p.all, p.cursor
	var out io.Writer = e.stdout
	var tw *tabwriter.Writer
	if !jsonLines && l.header != "" {
		tw = tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, l.header)
		out = tw
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	n, start := 0, cursor
	for {
		items, next, err := fetch(cursor, p.limit)
		if err != nil {
			return n, err
		}
		for _, it := range items {
			n++
			if jsonLines {
				var v any = it
				if l.asJSON != nil {
					v = l.asJSON(it)
				}
				if err := enc.Encode(v); err != nil {
					return n, err
				}
				continue
			}
			fmt.Fprintln(out, l.row(it))
		}
		if next == "" || !all {
			if tw != nil {
				if err := tw.Flush(); err != nil {
					return n, err
				}
			}
			switch {
			case next != "":
				fmt.Fprintf(e.stderr, "more %s: --cursor %s (or --all)\n", l.what, next)
			case n == 0 && start == "":
				fmt.Fprintf(e.stderr, "no %s in %s\n", l.what, db)
			case n == 0:
				fmt.Fprintf(e.stderr, "no more %s after that cursor in %s\n", l.what, db)
			}
			return n, nil
		}
		cursor = next
	}
}
