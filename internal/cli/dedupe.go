package cli

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/identity/accounts"
	"github.com/leadhub/leadhub/internal/identity/batch"
	"github.com/leadhub/leadhub/internal/identity/match"
	"github.com/leadhub/leadhub/internal/lead"
)

// dedupeList collects a repeatable string flag.
type dedupeList []string

func (l *dedupeList) String() string { return strings.Join(*l, ",") }

func (l *dedupeList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

const dedupeUsage = "dedupe --input FILE.csv [--input FILE2.csv] --id-column COLUMN [--map COLUMN=KIND,…] [--accounts] --output clusters.csv\n" +
	"       leadhub dedupe eval --clusters clusters.csv (--truth FILE.csv --truth-id COLUMN --truth-entity COLUMN [--truth-singletons] | --truth-from-id REGEX)"

// runDedupe is `leadhub dedupe`: it finds the records of one or two CSV
// files that describe the same entity and writes one row per record with
// its cluster. With two files, records are linked across the files as well
// as deduplicated within each.
func runDedupe(ctx context.Context, args []string, e env) error {
	if len(args) > 0 && args[0] == "eval" {
		return runDedupeEval(ctx, args[1:], e)
	}
	fs := newFlagSet("dedupe", e, dedupeUsage)
	var inputs, maps dedupeList
	var idColumn, output, statsPath, modelPath, explainPath string
	var threshold float64
	var quiet, withAccounts bool
	fs.Var(&inputs, "input", "a CSV file of records (header in the first row); give it twice to link two files")
	fs.StringVar(&idColumn, "id-column", "", "the column that identifies each record, in every input; ids are written as given (an id present in both inputs stays two records, written twice)")
	fs.Var(&maps, "map", "the columns to compare and their kinds, COLUMN=KIND,… (kinds: "+kindNames()+"); without it, columns are recognised by their header names; may be repeated")
	fs.StringVar(&output, "output", "", "where to write record_id,cluster_id (- for standard output)")
	fs.Float64Var(&threshold, "threshold", match.DefaultThreshold, "match probability from which two records are the same entity")
	fs.StringVar(&statsPath, "stats", "", "also write counts and timings as JSON to this file")
	fs.StringVar(&modelPath, "model", "", "also write the estimated model (m and u per field and level) as JSON to this file")
	fs.StringVar(&explainPath, "explain", "", "also write an explanation of every matching pair, as JSON lines, to this file")
	fs.BoolVar(&withAccounts, "accounts", false, "also write each record's account (account_id: the company, from the email domain and the company name and country of each cluster's most recent values, as leadhub serve places customers; empty for none)")
	fs.BoolVar(&quiet, "quiet", false, "print nothing on standard error but errors and warnings")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if len(inputs) == 0 || idColumn == "" || output == "" || fs.NArg() != 0 {
		return usageError{fmt.Errorf("usage: leadhub %s", dedupeUsage)}
	}
	if threshold <= 0 || threshold >= 1 {
		return usageError{fmt.Errorf("--threshold must be between 0 and 1")}
	}
	mapping, err := batch.ParseMap(maps.String())
	if err != nil {
		return usageError{fmt.Errorf("--map: %w", err)}
	}
	logf := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(e.stderr, format+"\n", a...)
		}
	}
	start := time.Now()
	t := start
	var tables []*batch.Table
	for _, path := range inputs {
		tb, err := batch.ReadFile(path)
		if err != nil {
			return err
		}
		tables = append(tables, tb)
	}
	schema, err := batch.Schema(tables, idColumn, mapping)
	if err != nil {
		return usageError{err}
	}
	records, err := batch.Records(tables, idColumn, schema)
	if err != nil {
		return err
	}
	var fields []string
	for _, f := range schema {
		fields = append(fields, f.Name+"="+string(f.Kind))
	}
	logf("dedupe: %d records from %d file(s); comparing %s", len(records), len(tables), strings.Join(fields, ","))
	ds, err := match.Prepare(schema, records)
	if err != nil {
		return err
	}
	load := time.Since(t)
	if err := ctx.Err(); err != nil {
		return err
	}
	stage := time.Now()
	res, err := match.Dedupe(ds, match.Options{Threshold: threshold, Progress: func(s string) {
		logf("dedupe: %s (%.2fs)", s, time.Since(stage).Seconds())
	}})
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(e.stderr, "dedupe: warning: %s\n", w)
	}
	t = time.Now()
	var accountOf []string
	if withAccounts {
		accountOf = batchAccounts(schema, records, res.Cluster)
	}
	if err := writeClusters(output, e.stdout, ds, res, accountOf); err != nil {
		return err
	}
	write := time.Since(t)
	if explainPath != "" {
		if err := writeExplanations(explainPath, ds, res); err != nil {
			return err
		}
	}
	clusters := map[int]bool{}
	for _, c := range res.Cluster {
		clusters[c] = true
	}
	total := time.Since(start)
	tm := res.Timings
	logf("dedupe: %d candidate pairs, %d matching, %d joins refused, %d entities", res.Candidates, res.Matches, res.Rejected, len(clusters))
	logf("dedupe: load %s, block %s, compare %s, estimate %s, score %s, cluster %s, write %s; total %s",
		sec(load), sec(tm.Block), sec(tm.Compare), sec(tm.Estimate), sec(tm.Score), sec(tm.Cluster), sec(write), sec(total))
	if statsPath != "" {
		st := map[string]any{
			"records": len(records), "files": len(tables), "fields": fields,
			"candidate_pairs": res.Candidates, "matching_pairs": res.Matches, "joins_refused": res.Rejected,
			"entities": len(clusters), "patterns": res.Patterns, "em_iterations": res.EM.Iterations,
			"em_converged": res.EM.Converged, "lambda": res.EM.Lambda, "prior": res.Model.Prior,
			"cpus":     runtime.GOMAXPROCS(0),
			"seconds":  map[string]float64{"load": load.Seconds(), "block": tm.Block.Seconds(), "compare": tm.Compare.Seconds(), "estimate": tm.Estimate.Seconds(), "score": tm.Score.Seconds(), "cluster": tm.Cluster.Seconds(), "write": write.Seconds(), "total": total.Seconds()},
			"blocking": res.Blocks,
			"warnings": res.Warnings,
		}
		if err := writeJSON(statsPath, st); err != nil {
			return err
		}
	}
	if modelPath != "" {
		if err := writeJSON(modelPath, res.Model); err != nil {
			return err
		}
	}
	return nil
}

func sec(d time.Duration) string { return fmt.Sprintf("%.2fs", d.Seconds()) }

func kindNames() string {
	var s []string
	for _, k := range match.Kinds {
		s = append(s, string(k))
	}
	return strings.Join(s, ", ")
}

// batchAccounts places the clusters of a dedupe run in accounts
// (accounts.Place, in the order of each cluster's first record) and returns
// each record's account id: the id of the first record of the cluster that
// founded it, "" for none. A cluster's golden record takes, field by field,
// the value of its last record that has one (the input is taken to be in
// arrival order).
func batchAccounts(s match.Schema, records []match.Record, cluster []int) []string {
	field := func(k match.Kind) int {
		for i, f := range s {
			if f.Kind == k {
				return i
			}
		}
		return -1
	}
	email, company, country := field(match.Email), field(match.Company), field(match.Country)
	value := func(r, f int) string {
		if f < 0 || f >= len(records[r].Values) {
			return ""
		}
		return strings.TrimSpace(records[r].Values[f])
	}
	index := map[int]int{} // cluster representative → customer
	var goldens []lead.Contact
	var founders []int // customer → its cluster's representative
	for r, c := range cluster {
		i, ok := index[c]
		if !ok {
			i = len(goldens)
			index[c] = i
			goldens = append(goldens, lead.Contact{})
			founders = append(founders, c)
		}
		g := &goldens[i]
		if v := value(r, email); v != "" {
			g.Email = v
		}
		if v := value(r, company); v != "" {
			g.Company = v
		}
		if v := value(r, country); v != "" {
			g.Country = v
		}
	}
	placed := accounts.Place(goldens)
	out := make([]string, len(records))
	for r, c := range cluster {
		if a := placed[index[c]]; a >= 0 {
			out[r] = records[founders[a]].ID
		}
	}
	return out
}

func writeClusters(path string, stdout io.Writer, ds *match.Dataset, res *match.Result, accountOf []string) error {
	var w io.Writer = stdout
	var f *os.File
	if path != "-" {
		var err error
		if f, err = os.Create(path); err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	header := []string{"record_id", "cluster_id"}
	if accountOf != nil {
		header = append(header, "account_id")
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	row := make([]string, len(header))
	for i, id := range ds.IDs {
		row[0], row[1] = id, ds.IDs[res.Cluster[i]]
		if accountOf != nil {
			row[2] = accountOf[i]
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		return f.Close()
	}
	return nil
}

func writeExplanations(path string, ds *match.Dataset, res *match.Result) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	for _, p := range res.MatchPairs() {
		ex := res.Model.Explain(ds, p.I, p.J)
		if err := enc.Encode(explainLine{A: ex.A, B: ex.B, Explanation: ex}); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}

type explainLine struct {
	A string `json:"a"`
	B string `json:"b"`
	match.Explanation
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// runDedupeEval is `leadhub dedupe eval`: pairwise and B-cubed precision,
// recall and F1 of a clusters file against a ground truth.
func runDedupeEval(_ context.Context, args []string, e env) error {
	fs := newFlagSet("dedupe eval", e, dedupeUsage)
	var clustersPath, truthPath, truthID, truthEntity, fromID, label, format string
	var singletons bool
	fs.StringVar(&clustersPath, "clusters", "", "the record_id,cluster_id file written by leadhub dedupe")
	fs.StringVar(&truthPath, "truth", "", "a CSV file with the true entity of each record")
	fs.StringVar(&truthID, "truth-id", "", "the record id column of --truth")
	fs.StringVar(&truthEntity, "truth-entity", "", "the entity column of --truth")
	fs.StringVar(&fromID, "truth-from-id", "", `derive the entity from the record id: a regular expression whose first group is the entity (e.g. "^rec-(\d+)-")`)
	fs.BoolVar(&singletons, "truth-singletons", false, "a record whose --truth-entity is empty is an entity of its own (default: it is left out)")
	fs.StringVar(&label, "label", "", "a name for this evaluation, printed with the result")
	fs.StringVar(&format, "format", "text", "text, json or markdown (one table row)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	if clustersPath == "" || (truthPath == "") == (fromID == "") || fs.NArg() != 0 {
		return usageError{fmt.Errorf("usage: leadhub %s", dedupeUsage)}
	}
	ct, err := batch.ReadFile(clustersPath)
	if err != nil {
		return err
	}
	pred, err := batch.TruthFromTable(ct, "record_id", "cluster_id")
	if err != nil {
		return err
	}
	var truth map[string]string
	if fromID != "" {
		ids := make([]string, 0, len(pred))
		for id := range pred {
			ids = append(ids, id)
		}
		if truth, err = batch.TruthFromIDs(ids, fromID); err != nil {
			return usageError{fmt.Errorf("--truth-from-id: %w", err)}
		}
	} else {
		if truthID == "" || truthEntity == "" {
			return usageError{fmt.Errorf("--truth needs --truth-id and --truth-entity")}
		}
		tt, err := batch.ReadFile(truthPath)
		if err != nil {
			return err
		}
		read := batch.TruthFromTable
		if singletons {
			read = batch.TruthWithSingletons
		}
		if truth, err = read(tt, truthID, truthEntity); err != nil {
			return err
		}
	}
	m := batch.Evaluate(pred, truth)
	switch format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Label string `json:"label,omitempty"`
			batch.Metrics
		}{label, m})
	case "markdown":
		fmt.Fprintf(e.stdout, "| %s | %d | %d | %d | %.4f | %.4f | **%.4f** | %.4f | %.4f | %.4f |\n", label, m.Records,
			m.TruePairs, m.PredictedPairs, m.Precision, m.Recall, m.F1, m.BCubedPrecision, m.BCubedRecall, m.BCubedF1)
	default:
		if label != "" {
			fmt.Fprintf(e.stdout, "%s: ", label)
		}
		fmt.Fprintf(e.stdout, "%d records; %s\n", m.Records, m)
	}
	return nil
}
