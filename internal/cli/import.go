package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// importErrorsShown is how many row errors `leadhub import` prints.
const importErrorsShown = 20

// mapFlag collects --map, which may be repeated.
type mapFlag []string

func (m *mapFlag) String() string { return strings.Join(*m, ",") }

func (m *mapFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// runImport is `leadhub import FILE.csv`: it imports the leads of a CSV
// file straight into the database. It exits 0 when the whole file was read,
// even if some rows were flagged or quarantined (they are listed), and 1
// when the import stopped early.
func runImport(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("import", "import FILE.csv|- [--map column=field,…] [--dry-run] [--lazy-quotes] [--database DSN]", e)
	var maps mapFlag
	var dry, lazy bool
	fs.Var(&maps, "map", "override the detected mapping: `column=field,…` (fields: "+fieldNames()+"); may be repeated")
	fs.BoolVar(&dry, "dry-run", false, "read, map and check every row, report what would happen, and store nothing")
	fs.BoolVar(&lazy, "lazy-quotes", false, "read a stray quote inside a field as a literal quote instead of rejecting the row")
	if err := parseFlags(fs.FlagSet, args, e); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError{fmt.Errorf("usage: leadhub %s", fs.usage)}
	}
	overrides, err := csvimport.ParseMap(maps.String())
	if err != nil {
		return usageError{fmt.Errorf("--map: %w", err)}
	}

	path := fs.Arg(0)
	var in io.Reader
	name := path
	if path == "-" {
		if e.stdin == nil {
			return usageError{fmt.Errorf("no standard input to read")}
		}
		in, name = e.stdin, "stdin"
	} else {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	x, err := csvimport.Open(in, csvimport.Options{Filename: name, Map: overrides, DryRun: dry, LazyQuotes: lazy})
	if err != nil {
		return fmt.Errorf("%s: %s", name, lead.MessageOf(err))
	}
	printMapping(e.stdout, name, x)

	var inbox *ingest.Inbox
	var st csvimport.Store
	if !dry {
		s, err := openStore(ctx, fs.dsn, nil, false)
		if err != nil {
			return err
		}
		defer s.Close()
		inbox = ingest.New(s, ingest.Options{Writers: s.Writers()})
		defer inbox.Close()
		st = s
	}

	pp := newProgressPrinter(e.stderr)
	im, runErr := x.Run(ctx, inbox, st, pp.update)
	pp.finish()
	printImportSummary(e.stdout, name, im, dry, pp.elapsed())
	if runErr != nil {
		return fmt.Errorf("the import did not finish: %w", runErr)
	}
	return nil
}

func fieldNames() string {
	var names []string
	for _, f := range csvimport.Fields() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// printMapping shows what each column becomes, before anything is imported.
func printMapping(w io.Writer, name string, x *csvimport.Importer) {
	m := x.Mapping()
	fmt.Fprintf(w, "%s: %s, %d columns\n", name, x.Format(), len(m.Columns))
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  COLUMN\tHEADER\tFIELD")
	for _, c := range m.Columns {
		field := string(c.Field)
		if c.Field == csvimport.FieldExtra {
			field = fmt.Sprintf("extra, kept as %q", c.Key)
		}
		if c.By == "map" {
			field += " (--map)"
		}
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", c.Index, cell(c.Header), field)
	}
	_ = tw.Flush()
	for _, warn := range x.Warnings() {
		fmt.Fprintln(w, "warning:", warn)
	}
}

func printImportSummary(w io.Writer, name string, im lead.Import, dry bool, elapsed time.Duration) {
	rate := ""
	if s := elapsed.Seconds(); s > 0 {
		rate = fmt.Sprintf(" (%.0f rows/s)", float64(im.Rows)/s)
	}
	took := elapsed.Round(time.Millisecond)
	if dry {
		clean := im.Rows - im.Flagged - im.Quarantined - im.Failed
		fmt.Fprintf(w, "dry run of %s: %d rows read in %s%s: %d would be imported clean and %d flagged (whether as new leads or as duplicates of earlier imports is not checked), %d kept in quarantine, %d failed. Nothing was stored.\n",
			name, im.Rows, took, rate, clean, im.Flagged, im.Quarantined, im.Failed)
	} else {
		fmt.Fprintf(w, "import %s of %s: %s. %d rows in %s%s: %d created, %d flagged, %d duplicates, %d quarantined, %d failed.\n",
			im.ID, name, im.Status, im.Rows, took, rate, im.Created, im.Flagged, im.Duplicates, im.Quarantined, im.Failed)
	}
	if im.Error != "" {
		fmt.Fprintln(w, "stopped:", im.Error)
	}
	if len(im.Errors) == 0 {
		return
	}
	shown := min(len(im.Errors), importErrorsShown)
	fmt.Fprintf(w, "rows that did not import cleanly (%d of %d; flagged: a lead with a note; quarantined: kept raw, to correct and reprocess; failed: not stored):\n",
		shown, im.Flagged+im.Quarantined+im.Failed)
	for _, re := range im.Errors[:shown] {
		id := ""
		if re.ID != "" {
			id = " " + re.ID
		}
		fmt.Fprintf(w, "  line %d: %s%s: %s\n", re.Line, re.Outcome, id, re.Message)
	}
	if !dry && im.Flagged+im.Quarantined+im.Failed > int64(shown) {
		fmt.Fprintf(w, "the first %d are kept with the import: GET /api/v1/imports/%s\n", len(im.Errors), im.ID)
	}
	if !dry && im.Quarantined > 0 {
		fmt.Fprintf(w, "the quarantined rows: leadhub quarantine list --import %s; correct one with leadhub quarantine fix ID FILE.json\n", im.ID)
	}
}

// progressPrinter shows an import's progress on stderr: one line rewritten
// in place on a terminal, a plain line every few seconds otherwise.
type progressPrinter struct {
	w     io.Writer
	tty   bool
	start time.Time

	mu      sync.Mutex
	last    time.Time
	printed bool
}

// plainProgressEvery is how often progress is printed when stderr is not a
// terminal.
const plainProgressEvery = 5 * time.Second

func newProgressPrinter(w io.Writer) *progressPrinter {
	now := time.Now()
	return &progressPrinter{w: w, tty: isTerminal(w), start: now, last: now}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progressPrinter) elapsed() time.Duration { return time.Since(p.start) }

func (p *progressPrinter) update(im lead.Import) {
	if im.Status != lead.ImportRunning {
		return // the summary follows
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	line := fmt.Sprintf("%d rows read: %d created, %d flagged, %d duplicates, %d quarantined, %d failed (%.0f rows/s)",
		im.Rows, im.Created, im.Flagged, im.Duplicates, im.Quarantined, im.Failed, float64(im.Rows)/now.Sub(p.start).Seconds())
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.printed = true
		return
	}
	if now.Sub(p.last) >= plainProgressEvery {
		p.last = now
		fmt.Fprintln(p.w, line)
	}
}

// finish clears the progress line on a terminal.
func (p *progressPrinter) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.printed {
		fmt.Fprint(p.w, "\r\033[K")
	}
}
