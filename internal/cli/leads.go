package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

func leadsList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("leads list", "leads list [--json] [filters]", e)
	var stage, isTest, after, before string
	var f lead.LeadFilter
	paging := fs.pageFlags("leads", "one lead each")
	fs.StringVar(&f.Offer, "offer", "", "publisherid.offerid, offer id or offer title")
	fs.StringVar(&f.Action, "action", "", "action code (INS, PLT, DNC, Create, StartTestDrive, …)")
	fs.StringVar(&f.Source, "source", "", "source (AzureMarketplace, AzurePortal, AppSource (SPZA), …)")
	fs.StringVar(&stage, "stage", "", "interest, trial, active, notify_only or test")
	fs.StringVar(&isTest, "is-test", "", "true: only Microsoft test leads; false: none")
	fs.StringVar(&after, "received-after", "", "RFC 3339 time")
	fs.StringVar(&before, "received-before", "", "RFC 3339 time")
	fs.StringVar(&f.Query, "q", "", "search: words of the name, email or company that start with these words (anna@contoso.com, contoso, ann)")
	if err := parseFlags(fs.FlagSet, args, e); err != nil {
		return err
	}
	f.Stage = lead.Stage(stage)
	if isTest != "" {
		b, err := strconv.ParseBool(isTest)
		if err != nil {
			return usageError{fmt.Errorf("--is-test %q: want true or false", isTest)}
		}
		f.IsTest = &b
	}
	for _, p := range []struct {
		flag, v string
		dst     *time.Time
	}{{"received-after", after, &f.ReceivedAfter}, {"received-before", before, &f.ReceivedBefore}} {
		if p.v == "" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, p.v)
		if err != nil {
			return usageError{fmt.Errorf("--%s %q: want an RFC 3339 time such as 2026-01-31T09:00:00Z", p.flag, p.v)}
		}
		*p.dst = t
	}
	st, err := openStore(ctx, fs.dsn, nil, false)
	if err != nil {
		return err
	}
	defer st.Close()

	_, err = lister[lead.Lead]{
		what:   "leads",
		header: "ID\tRECEIVED\tSTAGE\tSOURCE\tACTION\tOFFER\tNAME\tEMAIL\tCOMPANY",
		row: func(l lead.Lead) string {
			return strings.Join([]string{l.ID, l.ReceivedAt.Format(time.RFC3339), string(l.Stage),
				cell(l.Source), cell(l.Action), cell(offerText(l.Offer)),
				cell(strings.TrimSpace(l.Contact.FirstName + " " + l.Contact.LastName)), cell(l.Contact.Email), cell(l.Contact.Company)}, "\t")
		},
	}.print(e, fs.db(), *paging, func(cursor string, limit int) ([]lead.Lead, string, error) {
		f.Cursor, f.Limit = cursor, limit
		page, err := st.ListLeads(ctx, f)
		return page.Leads, page.NextCursor, err
	})
	return err
}

func offerText(o lead.Offer) string {
	if o.PublisherID != "" {
		return o.PublisherID + "." + o.OfferID
	}
	return o.Title
}

// cell keeps table output on one line and readable.
func cell(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if s == "" {
		return "-"
	}
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:39]) + "…"
	}
	return s
}

func quarantineList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("quarantine list", "quarantine list [--import ID] [--json] [--database DSN]", e)
	var asJSON bool
	var importID string
	fs.BoolVar(&asJSON, "json", false, "print JSON lines, one raw lead each (with its body)")
	fs.StringVar(&importID, "import", "", "only the rows of this CSV import")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		n, err := lister[lead.RawLead]{
			what:   "quarantined raw leads",
			header: "ID\tRECEIVED\tSOURCE\tSIZE\tATTEMPTS\tERROR",
			row: func(r lead.RawLead) string {
				return fmt.Sprintf("%s\t%s\t%s\t%d\t%d\t%s", r.ID, r.ReceivedAt.Format(time.RFC3339), quarantineSource(r), r.Size, r.Attempts, cell(r.Error))
			},
			asJSON: func(r lead.RawLead) any { return rawWithBody(r) },
		}.print(e, fs.db(), pageFlags{json: asJSON, all: true, limit: lead.MaxPageSize}, func(cursor string, limit int) ([]lead.RawLead, string, error) {
			page, err := st.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: importID, Limit: limit, Cursor: cursor})
			return page.Raws, page.NextCursor, err
		})
		if err == nil && !asJSON && n > 0 {
			fmt.Fprintf(e.stderr, "%d in quarantine\n", n)
		}
		return err
	})
}

// quarantineSource says where a raw lead came from: its source, and the
// import for an imported row.
func quarantineSource(r lead.RawLead) string {
	if r.ImportID != "" {
		return r.Source + ":" + r.ImportID
	}
	return r.Source
}

// rawWithBody is a raw lead as the quarantine commands print it: with its
// body as received and, once corrected, the correction.
func rawWithBody(r lead.RawLead) any {
	var fixed *string
	if r.FixedBody != nil {
		f := string(r.FixedBody)
		fixed = &f
	}
	return struct {
		lead.RawLead
		RawBody   string  `json:"raw_body"`
		FixedBody *string `json:"fixed_body,omitempty"`
	}{r, string(r.Body), fixed}
}

func quarantineReprocess(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("quarantine reprocess", "quarantine reprocess ID|--all [--import ID] [--database DSN]", e)
	var all bool
	var importID string
	fs.BoolVar(&all, "all", false, "reprocess every quarantined body (with --import: every row of that import)")
	fs.StringVar(&importID, "import", "", "with --all: only the rows of this CSV import")
	return fs.run(ctx, args, e, -1, func(st *store.Store) error {
		if all == (fs.NArg() == 1) || fs.NArg() > 1 || (importID != "" && !all) {
			return usageError{fmt.Errorf("usage: leadhub %s", fs.usage)}
		}
		ids := fs.Args()
		if all {
			cursor := ""
			for {
				page, err := st.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: importID, Limit: lead.MaxPageSize, Cursor: cursor})
				if err != nil {
					return err
				}
				for _, r := range page.Raws {
					ids = append(ids, r.ID)
				}
				if cursor = page.NextCursor; cursor == "" {
					break
				}
			}
		}
		parsed, failed := 0, 0
		for _, id := range ids {
			ok, err := reprocessOne(ctx, st, id, nil, e)
			if err != nil {
				return err
			}
			if ok {
				parsed++
			} else {
				failed++
			}
		}
		fmt.Fprintf(e.stderr, "%d parsed, %d still in quarantine\n", parsed, failed)
		if failed > 0 && !all {
			return fmt.Errorf("raw lead %s still cannot be parsed", ids[0])
		}
		return nil
	})
}

// quarantineFix is `leadhub quarantine fix ID FILE|-`: the corrected body
// replaces the quarantined one for parsing (the body as received is kept),
// and is reprocessed at once.
func quarantineFix(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("quarantine fix", "quarantine fix ID FILE.json|- [--database DSN]", e)
	return fs.run(ctx, args, e, 2, func(st *store.Store) error {
		id, path := fs.Arg(0), fs.Arg(1)
		var in io.Reader
		if path == "-" {
			if e.stdin == nil {
				return usageError{fmt.Errorf("no standard input to read")}
			}
			in = e.stdin
		} else {
			f, err := os.Open(path)
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
		fix, err := io.ReadAll(io.LimitReader(in, ingest.MaxFix+1))
		if err != nil {
			return err
		}
		if fix == nil {
			fix = []byte{}
		}
		ok, err := reprocessOne(ctx, st, id, fix, e)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("raw lead %s: the corrected body cannot be parsed either; it is kept: correct it and run fix again", id)
		}
		return nil
	})
}

// reprocessOne reprocesses one raw lead (with a correction, when fix is not
// nil) and prints the outcome; ok is false when it is still quarantined.
func reprocessOne(ctx context.Context, st *store.Store, id string, fix []byte, e env) (bool, error) {
	res, err := ingest.Reprocess(ctx, st, id, fix)
	if err != nil {
		return false, err
	}
	if res.Lead == nil {
		fmt.Fprintf(e.stdout, "%s\tstill quarantined\t%s\n", id, res.Raw.Error)
		return false, nil
	}
	fmt.Fprintf(e.stdout, "%s\tparsed\tstage=%s\n", id, res.Lead.Stage)
	for _, n := range res.Lead.Notes {
		fmt.Fprintf(e.stdout, "%s\tnote\t%s\n", id, n)
	}
	return true, nil
}
