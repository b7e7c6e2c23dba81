package cli

import (
	"context"
	"errors"
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
	url, azureTable, azureTableName, truth string
	rate                                   rateFlag
	count, people, concurrency             int
	duration                               time.Duration
	seed                                   uint64
	start                                  string
}

func runSimulate(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("simulate", e, "simulate --url INGEST_URL | --azure-table CONNECTION_STRING [--rate 50/s] [--count N | --duration D] [--seed S] [--truth FILE]")
	c := simulateConfig{rate: 50}
	fs.StringVar(&c.url, "url", "", "ingest URL (with its code) to post leads to, as Microsoft's HTTPS destination does")
	fs.StringVar(&c.azureTable, "azure-table", "", "storage connection string to write leads into, as Microsoft's Azure Table destination does")
	fs.StringVar(&c.azureTableName, "azure-table-name", "MarketplaceLeads", "table to write to with --azure-table")
	fs.Var(&c.rate, "rate", "leads per second (50/s, 300/m; 0 = as fast as possible)")
	fs.IntVar(&c.count, "count", 0, "number of leads (default 1000 unless --duration is given)")
	fs.DurationVar(&c.duration, "duration", 0, "stop after this long")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed: the same seed gives the same leads")
	fs.IntVar(&c.people, "people", 0, "distinct people behind the leads (default: about count/2.5)")
	fs.IntVar(&c.concurrency, "concurrency", 4, "requests in flight")
	fs.StringVar(&c.truth, "truth", "", "write the ground truth (lead_seq,person_id,shape) to this CSV file")
	fs.StringVar(&c.start, "start", "2026-01-05T09:00:00Z", "time of the first customer action (events spread over the following days)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if (c.url == "") == (c.azureTable == "") {
		return usageError{errors.New("simulate: give exactly one of --url and --azure-table")}
	}
	if c.count == 0 && c.duration == 0 {
		c.count = 1000
	}
	if c.count == 0 {
		c.count = 1 << 30 // until --duration ends
	}
	start, err := time.Parse(time.RFC3339, c.start)
	if err != nil {
		return usageError{fmt.Errorf("--start %q: want an RFC 3339 time", c.start)}
	}
	events, err := simulate.Events(simulate.Config{Seed: c.seed, Start: start, Count: c.count, People: c.people})
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
