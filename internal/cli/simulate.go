package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/simulate"
)

// rateFlag parses "50/s", "300/m", "2/h" or a bare number of events per second.
type rateFlag float64

func (r *rateFlag) String() string { return strconv.FormatFloat(float64(*r), 'f', -1, 64) + "/s" }

func (r *rateFlag) Set(s string) error {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	v, err := strconv.ParseFloat(num, 64)
	if err != nil || v < 0 {
		return fmt.Errorf("want a rate such as 50/s, 300/m or 0 (as fast as possible)")
	}
	switch unit {
	case "", "s":
	case "m":
		v /= 60
	case "h":
		v /= 3600
	default:
		return fmt.Errorf("unknown rate unit %q (want s, m or h)", unit)
	}
	*r = rateFlag(v)
	return nil
}

type simulateConfig struct {
	url, azureTable, azureTableName, truth, leads string
	rate                                          rateFlag
	concurrency                                   int
	duration                                      time.Duration
	runFlags
}

// runFlags are the flags that describe a run: the same values give the
// same leads.
type runFlags struct {
	count, people, companies int
	seed                     uint64
	start                    string
	b2b, large               bool
}

func (f *runFlags) declare(fs *flag.FlagSet) {
	fs.IntVar(&f.count, "count", 0, "number of leads (default 1000 unless --duration is given)")
	fs.Uint64Var(&f.seed, "seed", 1, "random seed: the same seed gives the same leads")
	fs.IntVar(&f.people, "people", 0, "distinct people behind the leads (default: about count/2.5)")
	fs.StringVar(&f.start, "start", "2026-01-05T09:00:00Z", "time of the first customer action (events spread over the following days)")
	fs.BoolVar(&f.b2b, "b2b", false, "colleagues at companies of Zipf-distributed sizes sharing switchboards, role mailboxes, domains and names; the truth gets company_id")
	fs.IntVar(&f.companies, "companies", 0, "with --b2b: number of companies (default: one per five people)")
	fs.BoolVar(&f.large, "large", false, "with --b2b: the largest few companies have 30 to 160 people each (otherwise at most 29)")
}

// config is the simulate.Config of the flags.
func (f *runFlags) config() (simulate.Config, error) {
	start, err := time.Parse(time.RFC3339, f.start)
	if err != nil {
		return simulate.Config{}, usageError{fmt.Errorf("--start %q: want an RFC 3339 time", f.start)}
	}
	if !f.b2b && (f.companies != 0 || f.large) {
		return simulate.Config{}, usageError{errors.New("--companies and --large need --b2b")}
	}
	cfg := simulate.Config{Seed: f.seed, Start: start, Count: f.count, People: f.people}
	if f.b2b {
		cfg.B2B = &simulate.B2BConfig{Companies: f.companies, Large: f.large}
	}
	return cfg, nil
}

func runSimulate(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "eval" {
		return runSimulateEval(ctx, args[1:], e)
	}
	fs := newFlagSet("simulate", e, "simulate (--url INGEST_URL | --azure-table CONNECTION_STRING | --truth FILE | --leads FILE) [--rate 50/s] [--count N | --duration D] [--seed S] [--b2b [--companies N] [--large]]\n"+
		"       leadhub simulate eval [run flags] (--url INGEST_URL --server URL --api-key KEY | --server URL --api-key KEY | --clusters FILE)")
	c := simulateConfig{rate: 50}
	fs.StringVar(&c.url, "url", "", "ingest URL (with its code) to post leads to, as Microsoft's HTTPS destination does")
	fs.StringVar(&c.azureTable, "azure-table", "", "storage connection string to write leads into, as Microsoft's Azure Table destination does")
	fs.StringVar(&c.azureTableName, "azure-table-name", "MarketplaceLeads", "table to write to with --azure-table")
	fs.Var(&c.rate, "rate", "leads per second (50/s, 300/m; 0 = as fast as possible)")
	c.runFlags.declare(fs)
	fs.DurationVar(&c.duration, "duration", 0, "stop after this long")
	fs.IntVar(&c.concurrency, "concurrency", 4, "requests in flight")
	fs.StringVar(&c.truth, "truth", "", "write the ground truth (lead_seq,person_id,shape,company_id) to this CSV file")
	fs.StringVar(&c.leads, "leads", "", "write each lead's contact as parsed (lead_seq,first_name,…) to this CSV file, for leadhub dedupe")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if c.url != "" && c.azureTable != "" {
		return usageError{errors.New("simulate: give at most one of --url and --azure-table")}
	}
	if c.url == "" && c.azureTable == "" && c.truth == "" && c.leads == "" {
		return usageError{errors.New("simulate: give --url or --azure-table to send leads, or --truth or --leads to write them")}
	}
	if c.url == "" && c.azureTable == "" && c.duration > 0 {
		return usageError{errors.New("simulate: --duration needs --url or --azure-table")}
	}
	if c.count == 0 && c.duration == 0 {
		c.count = 1000
	}
	if c.count == 0 {
		c.count = 1 << 30 // until --duration ends
	}
	cfg, err := c.runFlags.config()
	if err != nil {
		return err
	}
	events, err := simulate.Events(cfg)
	if err != nil {
		return usageError{err}
	}
	if c.duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.duration)
		defer cancel()
	}
	if c.truth != "" {
		f, err := os.Create(c.truth)
		if err != nil {
			return err
		}
		defer f.Close()
		tw := simulate.NewTruthWriter(f)
		events = tee(events, func(ev simulate.Event) { tw.Write(ev) })
		defer tw.Close()
	}
	if c.leads != "" {
		f, err := os.Create(c.leads)
		if err != nil {
			return err
		}
		defer f.Close()
		lw := simulate.NewLeadsWriter(f)
		events = tee(events, func(ev simulate.Event) { lw.Write(ev) })
		defer lw.Close()
	}
	if c.url == "" && c.azureTable == "" {
		n := 0
		for range events {
			n++
		}
		fmt.Fprintf(e.stdout, "wrote %d leads\n", n)
		return nil
	}
	if c.azureTable != "" {
		return simulateToTable(ctx, c, events, e)
	}
	progress := countPrinter(e.stderr, "leads sent")
	st, err := simulate.Sender{Rate: float64(c.rate), Concurrency: c.concurrency, Progress: func(sent, failed int) {
		progress(sent + failed)
	}}.Send(ctx, c.url, events)
	progress(-1)
	fmt.Fprintf(e.stdout, "sent %d leads: %d created, %d duplicates, %d rejected, %d failed, %d retries",
		st.Sent, st.Created, st.Duplicates, st.Rejected, st.Failed, st.Retries)
	if st.Interrupted > 0 {
		// Cut short by --duration (or a signal) while under way: not
		// failures, and the server may have stored them.
		when := "at the deadline"
		if !errors.Is(err, context.DeadlineExceeded) {
			when = "when stopped"
		}
		fmt.Fprintf(e.stdout, ", %d in flight %s", st.Interrupted, when)
	}
	fmt.Fprintln(e.stdout)
	if err != nil && !(c.duration > 0 && errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	if st.Failed > 0 {
		return fmt.Errorf("%d leads could not be delivered", st.Failed)
	}
	return nil
}

// tee calls fn for each event as it passes.
func tee(events iter.Seq[simulate.Event], fn func(simulate.Event)) iter.Seq[simulate.Event] {
	return func(yield func(simulate.Event) bool) {
		for ev := range events {
			fn(ev)
			if !yield(ev) {
				return
			}
		}
	}
}

// countPrinter returns a function that prints "N what" at most every
// second (rewriting the line on a terminal); -1 ends the line. Its calls
// must be serialised.
func countPrinter(w io.Writer, what string) func(n int) {
	tty := isTerminal(w)
	var last time.Time
	printed := false
	return func(n int) {
		if n < 0 {
			if printed && tty {
				fmt.Fprintln(w)
			}
			return
		}
		if time.Since(last) < time.Second {
			return
		}
		last, printed = time.Now(), true
		if tty {
			fmt.Fprintf(w, "\r%d %s", n, what)
		} else {
			fmt.Fprintf(w, "%d %s\n", n, what)
		}
	}
}
