package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/lead"
)

// CommitBatch commits a batch in one transaction with a handful of
// multi-row statements:
//
//  1. identical bodies inside the batch are collapsed in Go: the first one
//     stands for the others;
//  2. the distinct idempotency keys are claimed in ingest_dedup, sorted so
//     that concurrent writers lock rows in the same order and cannot
//     deadlock;
//  3. raw leads (and leads, for parsed items) are inserted for the keys
//     that came back as new;
//  4. the stored raw leads behind the duplicate keys are read back.
func (s *Store) CommitBatch(ctx context.Context, in []lead.Incoming) ([]lead.Outcome, error) {
	if len(in) == 0 {
		return []lead.Outcome{}, nil
	}
	now := time.Now().UnixMicro()
	recv := make([]int64, len(in)) // arrival times; an item without one arrives now

	keys := make([]string, len(in))
	firstOf := make(map[string]int, len(in)) // key -> index of its first item
	distinct := make([]int, 0, len(in))      // indexes of first items
	for i := range in {
		it := &in[i]
		if it.ID == "" || it.SHA256 == "" {
			return nil, lead.Errorf(lead.KindInvalid, "store: batch item %d has no id or no sha256", i)
		}
		recv[i] = now
		if !it.ReceivedAt.IsZero() {
			recv[i] = it.ReceivedAt.UnixMicro()
		}
		keys[i] = clean(it.DedupKey)
		if keys[i] == "" {
			keys[i] = it.SHA256
		}
		if _, seen := firstOf[keys[i]]; !seen {
			firstOf[keys[i]] = i
			distinct = append(distinct, i)
		}
	}
	slices.SortFunc(distinct, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })

	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, s.fail("committing batch", err)
	}
	defer tx.Rollback()

	fresh, err := s.claimKeys(ctx, tx, in, keys, recv, distinct)
	if err != nil {
		return nil, s.fail("committing batch", err)
	}
	var newItems, dupItems []int
	for _, i := range distinct {
		if fresh[keys[i]] {
			newItems = append(newItems, i)
		} else {
			dupItems = append(dupItems, i)
		}
	}
	slices.Sort(newItems) // insert in arrival order
	if err := s.insertRaws(ctx, tx, in, recv, newItems, now); err != nil {
		return nil, s.fail("committing batch", err)
	}
	if err := s.insertLeads(ctx, tx, in, recv, newItems); err != nil {
		return nil, s.fail("committing batch", err)
	}
	existing, err := s.lookupDuplicates(ctx, tx, keys, dupItems)
	if err != nil {
		return nil, s.fail("committing batch", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, s.fail("committing batch", err)
	}

	out := make([]lead.Outcome, len(in))
	for i := range in {
		first := firstOf[keys[i]]
		var o lead.Outcome
		if fresh[keys[i]] {
			f := &in[first]
			o = lead.Outcome{ID: f.ID, Status: lead.RawParsed}
			if f.Parsed == nil {
				o.Status, o.Error = lead.RawQuarantined, clean(f.ParseErr)
			}
		} else {
			o = existing[keys[i]]
			o.Duplicate = true
		}
		if i != first {
			o.Duplicate = true
		}
		out[i] = o
	}
	return out, nil
}

// neverExpires is the expiry of a key that counts for ever.
const neverExpires = math.MaxInt64

// claimKeys upserts the distinct keys into ingest_dedup and returns the set
// that is new (or whose earlier claim had expired).
func (s *Store) claimKeys(ctx context.Context, tx *sql.Tx, in []lead.Incoming, keys []string, recv []int64, distinct []int) (map[string]bool, error) {
	fresh := make(map[string]bool, len(distinct))
	per := s.d.rowsPerStatement(upsertDedupCols, 0)
	for chunk := range slices.Chunk(distinct, per) {
		args := make([]any, 0, len(chunk)*upsertDedupCols)
		for _, i := range chunk {
			it := &in[i]
			expires := int64(neverExpires)
			if !it.DedupUntil.IsZero() {
				expires = it.DedupUntil.UnixMicro()
			}
			args = append(args, keys[i], it.ID, recv[i], expires)
		}
		q := upsertDedupHead + s.values(len(chunk), upsertDedupCols, 1) + upsertDedupTail
		rows, err := tx.QueryContext(ctx, q, args...)
		err = eachRow(rows, err, func(sc scanner) error {
			h, err := scanString(sc)
			if err == nil {
				fresh[h] = true
			}
			return err
		})
		if err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

func (s *Store) insertRaws(ctx context.Context, tx *sql.Tx, in []lead.Incoming, recv []int64, items []int, now int64) error {
	per := s.d.rowsPerStatement(insertRawCols, 0)
	for chunk := range slices.Chunk(items, per) {
		args := make([]any, 0, len(chunk)*insertRawCols)
		for _, i := range chunk {
			it := &in[i]
			status, errText := lead.RawParsed, ""
			if it.Parsed == nil {
				status, errText = lead.RawQuarantined, it.ParseErr
			}
			body := it.Body
			if body == nil {
				body = []byte{}
			}
			source := clean(it.Source)
			if source == "" {
				source = clean(string(it.Channel))
			}
			args = append(args, it.ID, clean(string(it.Channel)), source, recv[i], body, it.SHA256,
				len(body), string(status), clean(errText), 1, now, clean(it.ImportID))
		}
		if _, err := tx.ExecContext(ctx, insertRawHead+s.values(len(chunk), insertRawCols, 1), args...); err != nil {
			return err
		}
	}
	return s.countSourceDays(ctx, tx, in, recv, items)
}

// countSourceDays adds the raw leads of items to source_days: one row per
// source and day, in a random one of sourceDayShards shards.
func (s *Store) countSourceDays(ctx context.Context, tx *sql.Tx, in []lead.Incoming, recv []int64, items []int) error {
	type key struct {
		source string
		day    int64
	}
	type count struct{ n, last int64 }
	counts := map[key]*count{}
	var order []key
	for _, i := range items {
		src := clean(in[i].Source)
		if src == "" {
			src = clean(string(in[i].Channel))
		}
		k := key{src, recv[i] / microsPerDay}
		c := counts[k]
		if c == nil {
			c = &count{}
			counts[k] = c
			order = append(order, k)
		}
		c.n++
		c.last = max(c.last, recv[i])
	}
	if len(order) == 0 {
		return nil
	}
	shard := rand.IntN(sourceDayShards)
	args := make([]any, 0, len(order)*5)
	for _, k := range order {
		args = append(args, k.source, k.day, shard, counts[k].n, counts[k].last)
	}
	_, err := tx.ExecContext(ctx, insertSourceDayHead+s.values(len(order), 5, 1)+onConflictSourceDay, args...)
	return err
}

const (
	microsPerDay        = 86_400_000_000
	sourceDayShards     = 8
	insertSourceDayHead = `INSERT INTO source_days (source, day, shard, leads, last_received) VALUES `
	onConflictSourceDay = ` ON CONFLICT (source, day, shard) DO UPDATE SET leads = source_days.leads + excluded.leads,
 last_received = CASE WHEN excluded.last_received > source_days.last_received THEN excluded.last_received ELSE source_days.last_received END`
)

func (s *Store) insertLeads(ctx context.Context, tx *sql.Tx, in []lead.Incoming, recv []int64, items []int) error {
	parsed := make([]int, 0, len(items))
	for _, i := range items {
		if in[i].Parsed != nil {
			parsed = append(parsed, i)
		}
	}
	per := s.d.rowsPerStatement(insertLeadCols, 0)
	for chunk := range slices.Chunk(parsed, per) {
		args := make([]any, 0, len(chunk)*insertLeadCols)
		for _, i := range chunk {
			it := &in[i]
			var err error
			args, err = appendLeadArgs(args, it.ID, recv[i], it.Channel, it.Parsed)
			if err != nil {
				return fmt.Errorf("lead %s: %w", it.ID, err)
			}
		}
		if _, err := tx.ExecContext(ctx, insertLeadHead+s.values(len(chunk), insertLeadCols, 1), args...); err != nil {
			return err
		}
	}
	return nil
}

// lookupDuplicates reads, for each duplicate key, the raw lead that holds
// it.
func (s *Store) lookupDuplicates(ctx context.Context, tx *sql.Tx, keys []string, items []int) (map[string]lead.Outcome, error) {
	found := make(map[string]lead.Outcome, len(items))
	per := s.d.rowsPerStatement(1, 0)
	for chunk := range slices.Chunk(items, per) {
		args := make([]any, 0, len(chunk))
		for _, i := range chunk {
			args = append(args, keys[i])
		}
		rows, err := tx.QueryContext(ctx, selectDedupHead+s.values(1, len(chunk), 1), args...)
		err = eachRow(rows, err, func(sc scanner) error {
			var h, id, status, errText string
			if err := sc.Scan(&h, &id, &status, &errText); err != nil {
				return err
			}
			o := lead.Outcome{ID: id, Duplicate: true, Status: lead.RawStatus(status)}
			if o.Status == lead.RawQuarantined {
				o.Error = errText
			}
			found[h] = o
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	for _, i := range items {
		if _, ok := found[keys[i]]; !ok {
			return nil, fmt.Errorf("no stored raw lead for duplicate key %s", keys[i])
		}
	}
	return found, nil
}

// appendLeadArgs appends the insertLeadCols values of one lead row.
func appendLeadArgs(args []any, id string, receivedAt int64, ch lead.Channel, p *lead.Parsed) ([]any, error) {
	params, err := marshalParams(p.DescriptionParams)
	if err != nil {
		return nil, err
	}
	extra, err := marshalExtra(p.Extra)
	if err != nil {
		return nil, err
	}
	notes, err := marshalNotes(p.Notes)
	if err != nil {
		return nil, err
	}
	c := &p.Contact
	return append(args,
		id, receivedAt, clean(string(ch)), clean(p.Source), clean(p.Action),
		clean(p.Offer.PublisherID), clean(p.Offer.OfferID), clean(p.Offer.Title), clean(string(p.Stage)), boolInt(p.IsTest),
		clean(c.FirstName), clean(c.LastName), clean(c.Email), clean(c.Phone), clean(c.Country), clean(c.Company), clean(c.Title),
		clean(p.Description), params, extra, notes, searchText(c),
	), nil
}

// clean makes s storable as TEXT on both engines: PostgreSQL rejects NUL
// and invalid UTF-8, which would fail a whole batch. Both become U+FFFD,
// on SQLite too, so that the engines store the same values.
func clean(s string) string {
	if utf8.ValidString(s) && !strings.ContainsRune(s, 0) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func marshalParams(m map[string]string) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	return marshalJSON(m)
}

func marshalExtra(m map[string]json.RawMessage) (string, error) {
	if len(m) == 0 {
		return "{}", nil
	}
	s, err := marshalJSON(m)
	if err != nil {
		return "", fmt.Errorf("extra fields: %w", err)
	}
	return s, nil
}

func marshalNotes(n []string) (string, error) {
	if len(n) == 0 {
		return "[]", nil
	}
	return marshalJSON(n)
}

// marshalJSON is json.Marshal without escaping <, > and &, so that values
// kept as received come back byte for byte (up to insignificant spaces).
func marshalJSON(v any) (string, error) {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
