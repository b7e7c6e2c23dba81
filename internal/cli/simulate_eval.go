package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
	"github.com/leadhub/leadhub/internal/simulate"
)

// runSimulateEval is `leadhub simulate eval`: it regenerates a run from
// its flags and measures how a clustering of its leads compares with the
// truth, for people (customers) and accounts (companies). The clustering
// is either a running server's (after sending it the run with --url, in
// arrival order, and waiting until every lead is resolved) or a clusters
// file written by `leadhub dedupe` from the run's --leads CSV.
func runSimulateEval(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("simulate eval", e, "simulate eval [--b2b --companies N --large --seed S --count N …] (--server URL --api-key KEY [--url INGEST_URL] | --clusters FILE)")
	var rf runFlags
	rf.declare(fs)
	var c apiClient
	serverFlags(fs, &c)
	var ingest, clusters, format, label string
	var concurrency, examples, classes int
	var wait time.Duration
	fs.StringVar(&ingest, "url", "", "first send the run to this ingest URL, one lead at a time in arrival order")
	fs.IntVar(&concurrency, "concurrency", 1, "with --url: requests in flight (1 keeps the arrival order)")
	fs.StringVar(&clusters, "clusters", "", "evaluate this record_id,cluster_id file (from leadhub dedupe on the --leads CSV) instead of a server")
	fs.DurationVar(&wait, "wait", 30*time.Minute, "how long to wait for the server to resolve every lead")
	fs.IntVar(&examples, "examples", 4, "examples per error class")
	fs.IntVar(&classes, "classes", 8, "error classes of each kind to print")
	fs.StringVar(&format, "format", "text", "text or json")
	fs.StringVar(&label, "label", "", "a name for this evaluation, printed with the result")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if rf.count == 0 {
		rf.count = 1000
	}
	if fs.NArg() != 0 || (clusters == "") == (c.key == "" && ingest == "") || (clusters != "" && ingest != "") {
		return usageError{errors.New("simulate eval: give --server and --api-key (and --url to send the run first), or --clusters")}
	}
	cfg, err := rf.config()
	if err != nil {
		return err
	}
	events, err := simulate.Generate(cfg)
	if err != nil {
		return usageError{err}
	}
	var a simulate.Assignment
	var seqOf map[string]int // lead id → Seq
	took := time.Duration(0)
	if clusters != "" {
		if a, err = assignmentFromClusters(clusters); err != nil {
			return err
		}
	} else {
		if err := c.check(); err != nil {
			return err
		}
		expect := len(events)
		if ingest != "" {
			fmt.Fprintf(e.stderr, "sending %d leads to the ingest URL…\n", len(events))
			st, err := simulate.Sender{Concurrency: concurrency}.Send(ctx, ingest, slices.Values(events))
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "sent %d leads: %d created, %d duplicates, %d rejected, %d failed\n",
				st.Sent, st.Created, st.Duplicates, st.Rejected, st.Failed)
			expect = st.Created
		}
		t0 := time.Now()
		leads, err := waitAllResolved(ctx, &c, expect, wait, e)
		if err != nil {
			return err
		}
		took = time.Since(t0)
		a, seqOf = assignmentFromLeads(events, leads)
	}
	rep := simulate.Evaluate(events, a, examples)
	if seqOf != nil {
		if rep.WrongJoins, err = wrongJoins(ctx, &c, events, seqOf, a, examples); err != nil {
			return err
		}
	}
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Label string `json:"label,omitempty"`
			simulate.Report
		}{label, rep})
	}
	if label != "" {
		fmt.Fprintf(e.stdout, "%s\n", label)
	}
	if ingest != "" {
		fmt.Fprintf(e.stdout, "every lead resolved %.1f s after the last was sent\n", took.Seconds())
	}
	fmt.Fprint(e.stdout, rep.Format(classes))
	return nil
}

// assignmentFromClusters reads leadhub dedupe's record_id,cluster_id file
// of a run's leads CSV (record ids are lead_seq).
func assignmentFromClusters(path string) (simulate.Assignment, error) {
	t, err := batch.ReadFile(path)
	if err != nil {
		return simulate.Assignment{}, err
	}
	m, err := batch.TruthFromTable(t, "record_id", "cluster_id")
	if err != nil {
		return simulate.Assignment{}, err
	}
	a := simulate.Assignment{Person: map[int]string{}}
	for id, c := range m {
		seq, err := strconv.Atoi(id)
		if err != nil {
			return a, fmt.Errorf("%s: record id %q is not a lead_seq", path, id)
		}
		a.Person[seq] = c
	}
	// leadhub dedupe --accounts adds each record's account ("" for none:
	// an account of its own).
	if ac := slices.Index(t.Header, "account_id"); ac >= 0 {
		ic := slices.Index(t.Header, "record_id")
		a.Account = map[int]string{}
		for _, row := range t.Rows {
			if ic < len(row) && ac < len(row) {
				if seq, err := strconv.Atoi(row[ic]); err == nil {
					a.Account[seq] = row[ac]
				}
			}
		}
	}
	return a, nil
}

// apiLead is a lead as GET /api/v1/leads lists it, with the account when
// the server gives one.
type apiLead struct {
	lead.Lead
	AccountID *string `json:"account_id"`
}

// waitAllResolved reads every lead from the server until there are at
// least expect and every one has its customer, or wait passes. While the
// server's resolver counts fewer decisions than expect (when its /metrics
// can be read), it polls that count instead of listing every lead.
func waitAllResolved(ctx context.Context, c *apiClient, expect int, wait time.Duration, e env) ([]apiLead, error) {
	deadline := time.Now().Add(wait)
	for {
		if n, ok := resolverDecisions(ctx, c); ok && n < float64(expect) && time.Now().Before(deadline) {
			fmt.Fprintf(e.stderr, "the resolver has decided %.0f of %d leads; waiting…\n", n, expect)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(time.Second):
			}
			continue
		}
		leads, err := listAllLeads(ctx, c)
		if err != nil {
			return nil, err
		}
		unresolved := 0
		for _, l := range leads {
			if l.CustomerID == "" {
				unresolved++
			}
		}
		if len(leads) >= expect && unresolved == 0 {
			return leads, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("after %s: %d leads of %d stored, %d unresolved", wait, len(leads), expect, unresolved)
		}
		fmt.Fprintf(e.stderr, "%d leads stored of %d, %d unresolved; waiting…\n", len(leads), expect, unresolved)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

func listAllLeads(ctx context.Context, c *apiClient) ([]apiLead, error) {
	var out []apiLead
	cursor := ""
	for {
		var page struct {
			Leads      []apiLead `json:"leads"`
			NextCursor string    `json:"next_cursor"`
		}
		path := "/api/v1/leads?limit=" + strconv.Itoa(lead.MaxPageSize)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.do(ctx, "GET", path, nil, "", &page); err != nil {
			return nil, err
		}
		out = append(out, page.Leads...)
		if page.NextCursor == "" {
			return out, nil
		}
		cursor = page.NextCursor
	}
}

// assignmentFromLeads finds the event of each stored lead by what leadhub
// parsed from it (the same parser, so the same fields), in order of
// receipt among leads that parsed alike, and reads its customer and
// account.
func assignmentFromLeads(events []simulate.Event, leads []apiLead) (simulate.Assignment, map[string]int) {
	byPrint := map[string][]int{}
	for _, ev := range events {
		p, err := marketplace.Decode(ev.Body)
		if err != nil {
			continue
		}
		k := fingerprint(*p)
		byPrint[k] = append(byPrint[k], ev.Seq)
	}
	slices.SortStableFunc(leads, func(a, b apiLead) int { return a.ReceivedAt.Compare(b.ReceivedAt) })
	a := simulate.Assignment{Person: map[int]string{}}
	seqOf := map[string]int{}
	for _, l := range leads {
		if l.AccountID != nil && a.Account == nil {
			a.Account = map[int]string{}
		}
	}
	for _, l := range leads {
		k := fingerprint(l.Parsed)
		seqs := byPrint[k]
		if len(seqs) == 0 {
			continue
		}
		seq := seqs[0]
		byPrint[k] = seqs[1:]
		seqOf[l.ID] = seq
		a.Person[seq] = l.CustomerID
		if a.Account != nil && l.AccountID != nil {
			a.Account[seq] = *l.AccountID
		}
	}
	return a, seqOf
}

func fingerprint(p lead.Parsed) string {
	b, _ := json.Marshal([]any{p.Source, p.Action, p.Offer, p.Contact, p.Description, p.IsTest})
	return string(b)
}

// resolverDecisions reads the server's count of resolver decisions from
// /metrics (false when it cannot). A server started on an existing
// database counts only its own decisions.
func resolverDecisions(ctx context.Context, c *apiClient) (float64, bool) {
	req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimRight(c.server, "/")+"/metrics", nil)
	if err != nil {
		return 0, false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, false
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, false
	}
	sum, found := 0.0, false
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "leadhub_resolver_decisions_total{") {
			continue
		}
		if v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64); err == nil {
			sum, found = sum+v, true
		}
	}
	return sum, found
}
