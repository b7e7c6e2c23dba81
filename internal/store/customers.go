package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// Identity resolution: customers, their blocking keys, the resolver's
// decisions, the review queue and the audit log.
//
// Every transaction that changes who belongs to which customer takes the
// identity lock first: on PostgreSQL a transaction-scoped advisory lock, on
// SQLite the write lock that BEGIN IMMEDIATE holds already. Identity writes
// are short and so are serialised, which keeps the rules simple: no
// deadlocks, and every check made inside a transaction stays true until it
// commits.
//
// A customer's summary (stage, flags, golden record, offers, counts) is a
// fold over its leads that does not depend on their order, so adding one
// lead to it (the resolver's join) gives exactly what recomputing it from
// all the leads gives (after a merge, a split or an undo).

var (
	_ lead.ResolutionStore = (*Store)(nil)
	_ lead.ModelStore      = (*Store)(nil)
	_ lead.CustomerReader  = (*Store)(nil)
	_ lead.ReviewReader    = (*Store)(nil)
	_ lead.AuditReader     = (*Store)(nil)
	_ lead.IdentityEditor  = (*Store)(nil)
	_ lead.ResolverLocker  = (*Store)(nil)
)

// Advisory lock keys ("lhident" and "lhresol" in ASCII).
const (
	identityLockKey = 0x6c686964656e74
	resolverLockKey = 0x6c687265736f6c
)

const (
	customerColumns = `id, created_at, updated_at, merged_into, stage, do_not_contact, is_test,
 lead_count, first_seen, last_seen, golden, offers`
	selectCustomer = `SELECT ` + customerColumns + ` FROM customers WHERE id = $1`
	insertCustomer = `INSERT INTO customers (` + customerColumns + `) VALUES `
	updateSummary  = `UPDATE customers SET updated_at = $2, stage = $3, do_not_contact = $4, is_test = $5,
 lead_count = $6, first_seen = $7, last_seen = $8, golden = $9, offers = $10 WHERE id = $1`
	insertCustomerCols = 12

	// summaryColumns are the lead columns a customer's summary is made of.
	summaryColumns = `id, received_at, stage, is_test, publisher_id, offer_id, offer_title,
 first_name, last_name, email, phone, country, company, title`

	decisionColumns = `id, lead_id, at, outcome, customer_id, candidate_id, probability, review_state,
 audit_id, undone, explanation`
	insertDecisionHead = `INSERT INTO match_decisions (` + decisionColumns + `) VALUES `
	insertDecisionCols = 11

	auditColumns    = `id, at, actor, action, reason, customer_ids, lead_ids, payload, undone_by, undoes`
	insertAuditHead = `INSERT INTO audit_log (` + auditColumns + `) VALUES `
	insertAuditCols = 10
	insertRefHead   = `INSERT INTO audit_refs (ref, audit_id) VALUES `
	insertKeyHead   = `INSERT INTO customer_keys (key, lead_id, customer_id) VALUES `

	claimLead       = `UPDATE leads SET customer_id = $1 WHERE id = $2 AND customer_id IS NULL`
	selectPending   = `SELECT ` + leadColumns + ` FROM leads WHERE customer_id IS NULL ORDER BY id LIMIT $1`
	countLeads      = `SELECT count(*), count(customer_id) FROM leads`
	selectModel     = `SELECT id, created_at, leads, model, stats FROM match_models ORDER BY id DESC LIMIT 1`
	insertModel     = `INSERT INTO match_models (id, created_at, leads, model, stats) VALUES ($1, $2, $3, $4, $5)`
	selectLeadOwner = `SELECT customer_id FROM leads WHERE id = $1`
)

// maxKeyLen bounds a stored blocking key; longer keys are cut (they only
// find candidates, which are then scored).
const maxKeyLen = 256

// --- the summary of a customer ------------------------------------------------

// goldenValue is one field of a stored golden record (the golden column:
// JSON {field: {v, l, at}}): the value, its lead and the lead's receipt
// time in microseconds.
type goldenValue struct {
	V  string `json:"v"`
	L  string `json:"l"`
	At int64  `json:"at"`
}

// micros is t as stored; the zero time (a summary without leads) is 0.
func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// summaryArgs returns the summary's column values: stage, do_not_contact,
// is_test, lead_count, first_seen, last_seen, golden, offers.
func summaryArgs(s *lead.Summary) ([]any, error) {
	g := make(map[string]goldenValue, len(s.Golden))
	for f, v := range s.Golden {
		g[f] = goldenValue{V: v.Value, L: v.Lead, At: micros(v.At)}
	}
	golden, err := marshalJSON(g)
	if err != nil {
		return nil, err
	}
	offers := s.Offers
	if offers == nil {
		offers = []string{}
	}
	off, err := marshalJSON(offers)
	if err != nil {
		return nil, err
	}
	return []any{string(s.Stage), boolInt(s.DoNotContact), boolInt(s.IsTest), s.LeadCount,
		micros(s.FirstSeen), micros(s.LastSeen), golden, off}, nil
}

// addLead folds l into sum at the precision leads are stored with, so that
// adding a lead gives what recomputing from the stored leads gives.
func addLead(sum *lead.Summary, l *lead.Lead) {
	stored := *l
	stored.ReceivedAt = fromMicros(l.ReceivedAt.UnixMicro())
	sum.Add(&stored)
}

// customerRow is a customers row with its summary decoded.
type customerRow struct {
	id         string
	created    int64
	updated    int64
	mergedInto string
	sum        lead.Summary
}

func scanCustomerRow(sc scanner) (customerRow, error) {
	var (
		c                   customerRow
		merged              sql.NullString
		stage, golden, offs string
		dnc, isTest, count  int64
		first, last         int64
	)
	if err := sc.Scan(&c.id, &c.created, &c.updated, &merged, &stage, &dnc, &isTest, &count,
		&first, &last, &golden, &offs); err != nil {
		return customerRow{}, err
	}
	c.mergedInto = merged.String
	c.sum = lead.Summary{Stage: lead.Stage(stage), DoNotContact: dnc != 0, IsTest: isTest != 0, LeadCount: int(count),
		FirstSeen: fromMicros(first), LastSeen: fromMicros(last)}
	var g map[string]goldenValue
	if err := json.Unmarshal([]byte(golden), &g); err != nil {
		return customerRow{}, fmt.Errorf("customer %s: golden: %w", c.id, err)
	}
	c.sum.Golden = make(map[string]lead.GoldenValue, len(g))
	for f, v := range g {
		c.sum.Golden[f] = lead.GoldenValue{Value: v.V, Lead: v.L, At: fromMicros(v.At)}
	}
	if err := json.Unmarshal([]byte(offs), &c.sum.Offers); err != nil {
		return customerRow{}, fmt.Errorf("customer %s: offers: %w", c.id, err)
	}
	return c, nil
}

func (c *customerRow) public() lead.Customer {
	out := lead.Customer{
		ID:           c.id,
		Stage:        c.sum.Stage,
		DoNotContact: c.sum.DoNotContact,
		IsTest:       c.sum.IsTest,
		LeadCount:    c.sum.LeadCount,
		FirstSeen:    c.sum.FirstSeen,
		LastSeen:     c.sum.LastSeen,
		Offers:       c.sum.Offers,
		MergedInto:   c.mergedInto,
		CreatedAt:    fromMicros(c.created),
		UpdatedAt:    fromMicros(c.updated),
		Golden:       c.sum.Record(),
	}
	if out.Offers == nil {
		out.Offers = []string{}
	}
	return out
}

// scanSummaryLead reads summaryColumns into a lead.
func scanSummaryLead(sc scanner) (lead.Lead, error) {
	var (
		l            lead.Lead
		recv, isTest int64
		stage        string
		c            = &l.Contact
	)
	if err := sc.Scan(&l.ID, &recv, &stage, &isTest, &l.Offer.PublisherID, &l.Offer.OfferID, &l.Offer.Title,
		&c.FirstName, &c.LastName, &c.Email, &c.Phone, &c.Country, &c.Company, &c.Title); err != nil {
		return lead.Lead{}, err
	}
	l.ReceivedAt, l.Stage, l.IsTest = fromMicros(recv), lead.Stage(stage), isTest != 0
	return l, nil
}

// --- decisions and audit entries ---------------------------------------------

func scanDecision(sc scanner) (lead.Decision, error) {
	var (
		d                    lead.Decision
		at, undone           int64
		outcome, state, expl string
	)
	if err := sc.Scan(&d.ID, &d.LeadID, &at, &outcome, &d.CustomerID, &d.CandidateID, &d.Probability,
		&state, &d.AuditID, &undone, &expl); err != nil {
		return lead.Decision{}, err
	}
	d.At, d.Outcome, d.ReviewState, d.Undone = fromMicros(at), lead.DecisionOutcome(outcome), lead.ReviewState(state), undone != 0
	if err := json.Unmarshal([]byte(expl), &d.Explanation); err != nil {
		return lead.Decision{}, fmt.Errorf("decision %s: explanation: %w", d.ID, err)
	}
	if d.Explanation.Candidates == nil {
		d.Explanation.Candidates = []lead.CandidateScore{}
	}
	if d.Explanation.Fields == nil {
		d.Explanation.Fields = []lead.FieldComparison{}
	}
	return d, nil
}

func scanAudit(sc scanner) (lead.AuditEntry, error) {
	var (
		e                    lead.AuditEntry
		at                   int64
		action, cids, lids   string
		payload              string
		undoneBy, undoesThis string
	)
	if err := sc.Scan(&e.ID, &at, &e.Actor, &action, &e.Reason, &cids, &lids, &payload, &undoneBy, &undoesThis); err != nil {
		return lead.AuditEntry{}, err
	}
	e.At, e.Action, e.UndoneBy, e.Undoes = fromMicros(at), lead.AuditAction(action), undoneBy, undoesThis
	if err := json.Unmarshal([]byte(cids), &e.CustomerIDs); err != nil {
		return lead.AuditEntry{}, fmt.Errorf("audit %s: customer_ids: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(lids), &e.LeadIDs); err != nil {
		return lead.AuditEntry{}, fmt.Errorf("audit %s: lead_ids: %w", e.ID, err)
	}
	e.Payload = json.RawMessage(payload)
	return e, nil
}

// auditArgs returns an entry's insertAuditCols values and its refs.
func auditArgs(e *lead.AuditEntry) ([]any, []any, error) {
	if e.CustomerIDs == nil {
		e.CustomerIDs = []string{}
	}
	if e.LeadIDs == nil {
		e.LeadIDs = []string{}
	}
	cids, err := marshalJSON(e.CustomerIDs)
	if err != nil {
		return nil, nil, err
	}
	lids, err := marshalJSON(e.LeadIDs)
	if err != nil {
		return nil, nil, err
	}
	payload := string(e.Payload)
	if payload == "" {
		payload = "{}"
	}
	args := []any{e.ID, e.At.UnixMicro(), clean(e.Actor), string(e.Action), clean(e.Reason), cids, lids, payload, e.UndoneBy, e.Undoes}
	var refs []any
	seen := map[string]bool{}
	for _, c := range e.CustomerIDs {
		if c != "" && !seen["c:"+c] {
			seen["c:"+c] = true
			refs = append(refs, "c:"+c, e.ID)
		}
	}
	for _, l := range e.LeadIDs {
		if l != "" && !seen["l:"+l] {
			seen["l:"+l] = true
			refs = append(refs, "l:"+l, e.ID)
		}
	}
	return args, refs, nil
}

// execRows runs head + VALUES for args, cols values a row, in chunks that
// fit the dialect.
func (s *Store) execRows(ctx context.Context, tx *sql.Tx, head string, cols int, args []any, tail string) error {
	per := s.d.rowsPerStatement(cols, 0)
	for len(args) > 0 {
		n := min(per, len(args)/cols)
		q := head + values(n, cols, 1) + tail
		var err error
		if st := inTx(ctx, s.w, tx, q); st != nil {
			_, err = st.ExecContext(ctx, args[:n*cols]...)
		} else {
			_, err = tx.ExecContext(ctx, q, args[:n*cols]...)
		}
		if err != nil {
			return err
		}
		args = args[n*cols:]
	}
	return nil
}

// --- transactions ----------------------------------------------------------------

// idTx is one identity transaction.
type idTx struct {
	s   *Store
	ctx context.Context
	tx  *sql.Tx
	now int64
}

// lazyCheckpointEvery is how often a lazy SQLite commit checkpoints the WAL.
const lazyCheckpointEvery = 512

var lazyCount sync.Map // *sql.DB → *atomic.Int64

func lazyCommits(db *sql.DB) int64 {
	v, _ := lazyCount.LoadOrStore(db, new(atomic.Int64))
	return v.(*atomic.Int64).Add(1)
}

// identity runs fn in a transaction that holds the identity lock.
func (s *Store) identity(ctx context.Context, op string, fn func(t *idTx) error) error {
	return s.identityTx(ctx, op, false, fn)
}

// identityTx is identity; with lazy, the commit does not wait for the disk
// (see CommitResolutions).
func (s *Store) identityTx(ctx context.Context, op string, lazy bool, fn func(t *idTx) error) (err error) {
	prepareWanted(ctx, s.w)
	var tx *sql.Tx
	if lazy && s.d.name == "sqlite" {
		// synchronous and wal_autocheckpoint are properties of the
		// connection: pin the writer connection, relax them for this
		// transaction only, and restore them before anyone else can use
		// the connection; a connection that cannot be restored is
		// discarded, never returned to the pool. Without the automatic
		// checkpoint, the commit that crosses the WAL's threshold is an
		// ingest batch (as it would be without the resolver), and every
		// lazyCheckpointEvery commits this one checkpoints the WAL itself,
		// so that it stays small when the resolver alone writes.
		conn, err := s.w.Conn(ctx)
		if err != nil {
			return s.fail(op, err)
		}
		defer func() {
			rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err == nil && lazyCommits(s.w)%lazyCheckpointEvery == 0 {
				_, _ = conn.ExecContext(rctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			}
			for _, q := range []string{`PRAGMA synchronous = FULL`, `PRAGMA wal_autocheckpoint = 1000`} {
				if _, rerr := conn.ExecContext(rctx, q); rerr != nil {
					_ = conn.Raw(func(any) error { return driver.ErrBadConn })
					err = errors.Join(err, s.fail(op, rerr))
					break
				}
			}
			conn.Close()
		}()
		for _, q := range []string{`PRAGMA synchronous = NORMAL`, `PRAGMA wal_autocheckpoint = 0`} {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				return s.fail(op, err)
			}
		}
		if tx, err = conn.BeginTx(ctx, nil); err != nil {
			return s.fail(op, err)
		}
	} else if tx, err = s.w.BeginTx(ctx, nil); err != nil {
		return s.fail(op, err)
	}
	defer tx.Rollback()
	if s.d.name == "postgres" {
		q := fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(identityLockKey))
		if lazy { // and, in the same round trip, SET LOCAL synchronous_commit = off
			q += `, set_config('synchronous_commit', 'off', true)`
		}
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return s.fail(op, err)
		}
	}
	t := &idTx{s: s, ctx: ctx, tx: tx, now: time.Now().UnixMicro()}
	if err := fn(t); err != nil {
		return s.fail(op, err)
	}
	return s.fail(op, tx.Commit())
}

func (t *idTx) customer(id string) (customerRow, bool, error) {
	c, err := scanCustomerRow(t.tx.QueryRowContext(t.ctx, selectCustomer, id))
	if errors.Is(err, sql.ErrNoRows) {
		return customerRow{}, false, nil
	}
	return c, err == nil, err
}

// activeCustomer returns customer id, or KindNotFound, or KindConflict when
// it was merged into another.
func (t *idTx) activeCustomer(id string) (customerRow, error) {
	c, ok, err := t.customer(id)
	if err != nil {
		return customerRow{}, err
	}
	if !ok {
		return customerRow{}, lead.Errorf(lead.KindNotFound, "store: customer %q not found", id)
	}
	if c.mergedInto != "" {
		return customerRow{}, lead.Errorf(lead.KindConflict, "store: customer %s was merged into %s", id, c.mergedInto)
	}
	return c, nil
}

// root follows merged_into from id to the customer that holds its leads
// now; "" when id does not exist.
func (t *idTx) root(id string) (string, error) {
	return rootOf(t.ctx, t.tx, id)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func rootOf(ctx context.Context, q queryer, id string) (string, error) {
	for range 64 {
		var merged sql.NullString
		err := q.QueryRowContext(ctx, `SELECT merged_into FROM customers WHERE id = $1`, id).Scan(&merged)
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil
		}
		if err != nil {
			return "", err
		}
		if !merged.Valid || merged.String == "" {
			return id, nil
		}
		id = merged.String
	}
	return "", fmt.Errorf("customer %s: merged_into chain too long", id)
}

// leadIDsOf returns the ids of a customer's leads, in id order.
func (t *idTx) leadIDsOf(customer string) ([]string, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT id FROM leads WHERE customer_id = $1 ORDER BY id`, customer)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// owners returns the current customer of each lead ("" when unresolved);
// a lead that does not exist is missing from the map.
func (t *idTx) owners(leadIDs []string) (map[string]string, error) {
	out := make(map[string]string, len(leadIDs))
	per := t.s.d.rowsPerStatement(1, 0)
	for chunk := range slices.Chunk(leadIDs, per) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := t.tx.QueryContext(t.ctx, `SELECT id, customer_id FROM leads WHERE id IN `+values(1, len(chunk), 1), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var c sql.NullString
			if err := rows.Scan(&id, &c); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = c.String
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// moveLeads moves leads from one customer to another ("" to: unresolved,
// which drops their keys) and returns how many keys followed.
func (t *idTx) moveLeads(from, to string, leadIDs []string) (int, error) {
	per := t.s.d.rowsPerStatement(1, 2)
	keys := 0
	for chunk := range slices.Chunk(leadIDs, per) {
		args := make([]any, 0, len(chunk)+2)
		var target any
		if to != "" {
			target = to
		}
		args = append(args, target, from)
		for _, id := range chunk {
			args = append(args, id)
		}
		in := values(1, len(chunk), 3)
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE leads SET customer_id = $1 WHERE customer_id = $2 AND id IN `+in, args...); err != nil {
			return 0, err
		}
		var res sql.Result
		var err error
		if to == "" {
			res, err = t.tx.ExecContext(t.ctx, `DELETE FROM customer_keys WHERE customer_id = $1 AND lead_id IN `+values(1, len(chunk), 2), args[1:]...)
		} else {
			res, err = t.tx.ExecContext(t.ctx, `UPDATE customer_keys SET customer_id = $1 WHERE customer_id = $2 AND lead_id IN `+in, args...)
		}
		if err != nil {
			return 0, err
		}
		n, _ := res.RowsAffected()
		keys += int(n)
	}
	return keys, nil
}

// recompute rebuilds a customer's summary from its leads.
func (t *idTx) recompute(id string) (lead.Summary, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT `+summaryColumns+` FROM leads WHERE customer_id = $1`, id)
	if err != nil {
		return lead.Summary{}, err
	}
	var sum lead.Summary
	for rows.Next() {
		l, err := scanSummaryLead(rows)
		if err != nil {
			rows.Close()
			return lead.Summary{}, err
		}
		sum.Add(&l)
	}
	if err := rows.Close(); err != nil {
		return lead.Summary{}, err
	}
	if err := t.writeSummary(id, &sum); err != nil {
		return lead.Summary{}, err
	}
	return sum, nil
}

func (t *idTx) writeSummary(id string, sum *lead.Summary) error {
	a, err := summaryArgs(sum)
	if err != nil {
		return err
	}
	_, err = t.exec(updateSummary, append([]any{id, t.now}, a...)...)
	return err
}

// preparedCustomer is customer with a prepared statement (the resolver's
// path).
func (t *idTx) preparedCustomer(id string) (customerRow, bool, error) {
	row, err := t.queryRow(selectCustomer, id)
	if err != nil {
		return customerRow{}, false, err
	}
	c, err := scanCustomerRow(row)
	if errors.Is(err, sql.ErrNoRows) {
		return customerRow{}, false, nil
	}
	return c, err == nil, err
}

// newCustomer inserts an empty customer.
func (t *idTx) newCustomer(id string, at int64) error {
	a, err := summaryArgs(&lead.Summary{})
	if err != nil {
		return err
	}
	args := append([]any{id, at, at, nil}, a...)
	_, err = t.tx.ExecContext(t.ctx, insertCustomer+values(1, insertCustomerCols, 1), args...)
	return err
}

func (t *idTx) decision(id string) (lead.Decision, error) {
	d, err := scanDecision(t.tx.QueryRowContext(t.ctx, `SELECT `+decisionColumns+` FROM match_decisions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.Decision{}, lead.Errorf(lead.KindNotFound, "store: review item %q not found", id)
	}
	return d, err
}

// writeAudit inserts an audit entry and its refs.
func (t *idTx) writeAudit(e *lead.AuditEntry) error {
	args, refs, err := auditArgs(e)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, insertAuditHead+values(1, insertAuditCols, 1), args...); err != nil {
		return err
	}
	return t.s.execRows(t.ctx, t.tx, insertRefHead, 2, refs, "")
}

// settleReviews marks merged the open review items whose lead and
// candidate are now one customer (root), and returns the changes.
func (t *idTx) settleReviews(root string) ([]lead.ReviewChange, error) {
	rows, err := t.tx.QueryContext(t.ctx, `SELECT d.id, d.candidate_id FROM match_decisions d JOIN leads l ON l.id = d.lead_id
WHERE d.review_state = 'open' AND d.undone = 0 AND l.customer_id = $1 ORDER BY d.id`, root)
	if err != nil {
		return nil, err
	}
	type item struct{ id, cand string }
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.cand); err != nil {
			rows.Close()
			return nil, err
		}
		items = append(items, it)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	var out []lead.ReviewChange
	for _, it := range items {
		r, err := t.root(it.cand)
		if err != nil {
			return nil, err
		}
		if r != root {
			continue
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE match_decisions SET review_state = 'merged' WHERE id = $1`, it.id); err != nil {
			return nil, err
		}
		out = append(out, lead.ReviewChange{Decision: it.id, From: lead.ReviewOpen, To: lead.ReviewMerged})
	}
	return out, nil
}

func checkAct(act lead.Act) error {
	if strings.TrimSpace(act.Actor) == "" {
		return lead.Errorf(lead.KindInvalid, "store: who is acting? an actor is required")
	}
	if len(act.Actor) > 200 || len(act.Reason) > 2000 {
		return lead.Errorf(lead.KindInvalid, "store: actor (200 bytes) or reason (2000 bytes) too long")
	}
	return nil
}

func newAudit(action lead.AuditAction, act lead.Act, at int64) lead.AuditEntry {
	return lead.AuditEntry{ID: ulid.Make().String(), At: fromMicros(at), Actor: act.Actor, Action: action, Reason: act.Reason}
}

func payload(ch lead.Change) (json.RawMessage, error) {
	if ch.Moves == nil {
		ch.Moves = []lead.LeadMove{}
	}
	s, err := marshalJSON(ch)
	return json.RawMessage(s), err
}

// --- prepared statements ---------------------------------------------------------

// The resolver runs the same few statements for every lead. Parsing one
// costs more than running it (SQLite parses a statement anew on every
// call unless it is prepared), so they are prepared once per pool and
// reused; inside a transaction through Tx.StmtContext, which reuses the
// statement prepared on the transaction's connection.
type stmtKey struct {
	db *sql.DB
	q  string
}

var (
	stmts  sync.Map // stmtKey → *sql.Stmt
	wanted sync.Map // stmtKey → true: to prepare before the next transaction
)

func prepared(ctx context.Context, db *sql.DB, q string) (*sql.Stmt, error) {
	k := stmtKey{db, q}
	if v, ok := stmts.Load(k); ok {
		return v.(*sql.Stmt), nil
	}
	st, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	if v, loaded := stmts.LoadOrStore(k, st); loaded {
		st.Close()
		return v.(*sql.Stmt), nil
	}
	return st, nil
}

// query runs a prepared read on the reader pool.
func (s *Store) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := prepared(ctx, s.r, q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// inTx returns q prepared for use in tx, or nil when it is not prepared
// yet: a statement cannot be prepared on the writer pool while a
// transaction holds its (on SQLite only) connection, so it is noted and
// prepared before the next transaction begins.
func inTx(ctx context.Context, db *sql.DB, tx *sql.Tx, q string) *sql.Stmt {
	k := stmtKey{db, q}
	if v, ok := stmts.Load(k); ok {
		return tx.StmtContext(ctx, v.(*sql.Stmt))
	}
	wanted.Store(k, true)
	return nil
}

// prepareWanted prepares the statements transactions asked for.
func prepareWanted(ctx context.Context, db *sql.DB) {
	wanted.Range(func(k, _ any) bool {
		if sk := k.(stmtKey); sk.db == db {
			if _, err := prepared(ctx, db, sk.q); err == nil {
				wanted.Delete(k)
			}
		}
		return true
	})
}

// exec runs q in t's transaction, prepared when it can be.
func (t *idTx) exec(q string, args ...any) (sql.Result, error) {
	if st := inTx(t.ctx, t.s.w, t.tx, q); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

// queryRow runs a one-row query in t's transaction, prepared when it can be.
func (t *idTx) queryRow(q string, args ...any) (*sql.Row, error) {
	if st := inTx(t.ctx, t.s.w, t.tx, q); st != nil {
		return st.QueryRowContext(t.ctx, args...), nil
	}
	return t.tx.QueryRowContext(t.ctx, q, args...), nil
}

// --- the resolver's side ---------------------------------------------------------

// PendingLeads returns up to limit unresolved leads in id order, without
// the ids in skip.
func (s *Store) PendingLeads(ctx context.Context, limit int, skip []string) ([]lead.Lead, error) {
	if limit <= 0 {
		return []lead.Lead{}, nil
	}
	rows, err := s.query(ctx, selectPending, limit+len(skip))
	if err != nil {
		return nil, s.fail("reading unresolved leads", err)
	}
	defer rows.Close()
	out := []lead.Lead{}
	for rows.Next() {
		l, err := scanLead(rows, false)
		if err != nil {
			return nil, s.fail("reading unresolved leads", err)
		}
		if slices.Contains(skip, l.ID) || len(out) == limit {
			continue
		}
		out = append(out, l)
	}
	return out, s.fail("reading unresolved leads", rows.Err())
}

// UndoneDecisions returns, for each lead, the customers that its undone
// decisions had put it in (joins) or proposed (reviews).
func (s *Store) UndoneDecisions(ctx context.Context, leadIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	per := s.d.rowsPerStatement(1, 0)
	for chunk := range slices.Chunk(leadIDs, per) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.query(ctx, `SELECT lead_id, outcome, customer_id, candidate_id FROM match_decisions
WHERE undone = 1 AND lead_id IN `+values(1, len(chunk), 1)+` ORDER BY id`, args...)
		if err != nil {
			return nil, s.fail("reading undone decisions", err)
		}
		for rows.Next() {
			var l, outcome, c, cand string
			if err := rows.Scan(&l, &outcome, &c, &cand); err != nil {
				rows.Close()
				return nil, s.fail("reading undone decisions", err)
			}
			switch lead.DecisionOutcome(outcome) {
			case lead.OutcomeJoined:
				out[l] = append(out[l], c)
			case lead.OutcomeReview:
				out[l] = append(out[l], cand)
			}
		}
		if err := rows.Close(); err != nil {
			return nil, s.fail("reading undone decisions", err)
		}
	}
	return out, nil
}

// Candidates returns the customers whose leads hold any of keys: for each
// key its perKey most recent leads, read with their contact fields (the
// new lead is compared with exactly the leads it shares a key with), and
// for each customer how many keys found it. One statement: a primary-key
// range per key, then a customer and a lead by primary key per row.
func (s *Store) Candidates(ctx context.Context, keys []string, perKey int) ([]lead.Candidate, error) {
	const op = "finding candidates"
	keys = cleanKeys(keys)
	if len(keys) == 0 || perKey <= 0 {
		return []lead.Candidate{}, nil
	}
	var b strings.Builder
	b.WriteString(`SELECT u.k, u.customer_id, c.is_test, l.id, l.received_at,
 l.first_name, l.last_name, l.email, l.phone, l.country, l.company, l.title FROM (`)
	args := make([]any, len(keys))
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		fmt.Fprintf(&b, `SELECT * FROM (SELECT %d AS k, lead_id, customer_id FROM customer_keys WHERE key = $%d ORDER BY lead_id DESC LIMIT %d) AS k%d`, i, i+1, perKey, i)
		args[i] = k
	}
	b.WriteString(`) AS u JOIN customers c ON c.id = u.customer_id JOIN leads l ON l.id = u.lead_id`)
	rows, err := s.query(ctx, b.String(), args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	idx := map[string]int{}
	seenKey := map[[2]any]bool{}
	seenLead := map[string]bool{}
	out := []lead.Candidate{}
	for rows.Next() {
		var (
			k       int64
			cust    string
			isTest  int64
			l       lead.Lead
			recv    int64
			contact = &l.Contact
		)
		if err := rows.Scan(&k, &cust, &isTest, &l.ID, &recv, &contact.FirstName, &contact.LastName, &contact.Email,
			&contact.Phone, &contact.Country, &contact.Company, &contact.Title); err != nil {
			return nil, s.fail(op, err)
		}
		l.CustomerID, l.ReceivedAt = cust, fromMicros(recv)
		i, ok := idx[cust]
		if !ok {
			i = len(out)
			idx[cust] = i
			out = append(out, lead.Candidate{CustomerID: cust, IsTest: isTest != 0})
		}
		if kk := [2]any{k, cust}; !seenKey[kk] {
			seenKey[kk] = true
			out[i].Hits++
		}
		if !seenLead[l.ID] {
			seenLead[l.ID] = true
			out[i].Leads = append(out[i].Leads, l)
		}
	}
	return out, s.fail(op, rows.Err())
}

// cleanKeys cuts, cleans and deduplicates blocking keys, keeping their order.
func cleanKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		k = clean(k)
		if len(k) > maxKeyLen {
			k = strings.ToValidUTF8(k[:maxKeyLen], "")
		}
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, k)
	}
	return out
}

// CommitResolutions commits the resolver's decisions in one transaction.
// For each: the lead is claimed (only if it is still unresolved, so a
// decision is never applied twice), the customer created or joined (only
// if it is still there and not merged), the lead's keys, the decision and
// its audit entry written, and the customer's summary updated.
//
// The commit does not wait for the disk (SQLite: synchronous=NORMAL for
// this transaction; PostgreSQL: synchronous_commit=off). It survives a
// crash of the process, is never torn, and is made durable by the next
// commit that waits (any ingest batch, any human decision), which cannot
// overtake it. Only a power loss or an operating system crash can undo the
// last decisions, and then their leads are unresolved again and resolved
// again: decisions are derived from the leads, which are always durable.
func (s *Store) CommitResolutions(ctx context.Context, rs []lead.Resolution) ([]lead.ResolutionResult, error) {
	out := make([]lead.ResolutionResult, len(rs))
	if len(rs) == 0 {
		return out, nil
	}
	for i := range rs {
		r := &rs[i]
		switch {
		case r.Lead.ID == "" || r.CustomerID == "" || r.DecisionID == "" || r.AuditID == "":
			return nil, lead.Errorf(lead.KindInvalid, "store: resolution %d lacks a lead, customer, decision or audit id", i)
		case r.Outcome != lead.OutcomeJoined && r.Outcome != lead.OutcomeReview && r.Outcome != lead.OutcomeNew:
			return nil, lead.Errorf(lead.KindInvalid, "store: resolution %d: unknown outcome %q", i, r.Outcome)
		}
	}
	err := s.identityTx(ctx, "committing resolutions", true, func(t *idTx) error {
		sums := map[string]*customerRow{} // customers joined or created here
		dirty := map[string]bool{}
		var created []*customerRow
		var keyArgs, decArgs, auditRows, refRows []any
		for i := range rs {
			r := &rs[i]
			at := r.At.UnixMicro()
			if r.At.IsZero() {
				at = t.now
			}
			c, known := sums[r.CustomerID]
			if r.Outcome == lead.OutcomeJoined && !known {
				row, ok, err := t.preparedCustomer(r.CustomerID)
				if err != nil {
					return err
				}
				if !ok || row.mergedInto != "" {
					out[i] = lead.ResolutionStale
					continue
				}
				c = &row
				sums[r.CustomerID] = c
			}
			if r.Outcome != lead.OutcomeJoined && known {
				return fmt.Errorf("resolution %d creates customer %s twice", i, r.CustomerID)
			}
			res, err := t.exec(claimLead, r.CustomerID, r.Lead.ID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n == 0 {
				out[i] = lead.ResolutionSkipped
				continue
			}
			out[i] = lead.ResolutionCommitted
			ch := lead.Change{Moves: []lead.LeadMove{{Lead: r.Lead.ID, To: r.CustomerID}}, Decision: r.DecisionID}
			state := ""
			if r.Outcome == lead.OutcomeJoined {
				addLead(&c.sum, &r.Lead)
				dirty[r.CustomerID] = true
			} else {
				c = &customerRow{id: r.CustomerID, created: at, updated: at}
				addLead(&c.sum, &r.Lead)
				sums[r.CustomerID] = c
				created = append(created, c)
				ch.Created = []string{r.CustomerID}
				if r.Outcome == lead.OutcomeReview {
					state = string(lead.ReviewOpen)
					ch.Reviews = []lead.ReviewChange{{Decision: r.DecisionID, To: lead.ReviewOpen}}
				}
			}
			keys := cleanKeys(r.Keys)
			for _, k := range keys {
				keyArgs = append(keyArgs, k, r.Lead.ID, r.CustomerID)
			}
			ch.KeysMoved = len(keys)
			expl, err := marshalJSON(r.Explanation)
			if err != nil {
				return err
			}
			decArgs = append(decArgs, r.DecisionID, r.Lead.ID, at, string(r.Outcome), r.CustomerID, r.CandidateID,
				r.Probability, state, r.AuditID, 0, expl)
			p, err := payload(ch)
			if err != nil {
				return err
			}
			cids := []string{r.CustomerID}
			if r.CandidateID != "" && r.CandidateID != r.CustomerID {
				cids = append(cids, r.CandidateID)
			}
			e := lead.AuditEntry{ID: r.AuditID, At: fromMicros(at), Actor: lead.ActorResolver, Action: lead.AuditResolve,
				Reason: r.Explanation.Reason, CustomerIDs: cids, LeadIDs: []string{r.Lead.ID}, Payload: p}
			a, refs, err := auditArgs(&e)
			if err != nil {
				return err
			}
			auditRows = append(auditRows, a...)
			refRows = append(refRows, refs...)
		}
		var custArgs []any
		for _, c := range created {
			a, err := summaryArgs(&c.sum)
			if err != nil {
				return err
			}
			custArgs = append(custArgs, c.id, c.created, c.created, nil)
			custArgs = append(custArgs, a...)
			delete(dirty, c.id)
		}
		if err := s.execRows(ctx, t.tx, insertCustomer, insertCustomerCols, custArgs, ""); err != nil {
			return err
		}
		ids := make([]string, 0, len(dirty))
		for id := range dirty {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			if err := t.writeSummary(id, &sums[id].sum); err != nil {
				return err
			}
		}
		for _, x := range []struct {
			head string
			cols int
			args []any
			tail string
		}{
			{insertKeyHead, 3, keyArgs, " ON CONFLICT (key, lead_id) DO UPDATE SET customer_id = excluded.customer_id"},
			{insertDecisionHead, insertDecisionCols, decArgs, ""},
			{insertAuditHead, insertAuditCols, auditRows, ""},
			{insertRefHead, 2, refRows, " ON CONFLICT (ref, audit_id) DO NOTHING"},
		} {
			if err := s.execRows(ctx, t.tx, x.head, x.cols, x.args, x.tail); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// --- reading ---------------------------------------------------------------------

// ListCustomers returns one page of active (not merged) customers, newest
// first.
func (s *Store) ListCustomers(ctx context.Context, f lead.CustomerFilter) (lead.CustomerPage, error) {
	const op = "listing customers"
	limit := pageSize(f.Limit)
	var w where
	w.add(`merged_into IS NULL`, nil)
	if f.Cursor != "" {
		id, err := decodeCursor(f.Cursor)
		if err != nil {
			return lead.CustomerPage{}, err
		}
		w.add(filterBeforeID, id)
	}
	if f.Stage != "" {
		w.add(`stage = $#`, clean(string(f.Stage)))
	}
	if f.IsTest != nil {
		w.add(`is_test = $#`, boolInt(*f.IsTest))
	}
	if f.DoNotContact != nil {
		w.add(`do_not_contact = $#`, boolInt(*f.DoNotContact))
	}
	if f.Offer != "" {
		w.add(`id IN (SELECT customer_id FROM leads WHERE `+filterOffer+`)`, clean(f.Offer))
	}
	if f.Query != "" {
		w.add(`id IN (SELECT customer_id FROM leads WHERE `+filterQuery+`)`, likeContains(strings.ToLower(clean(f.Query))))
	}
	q, args := w.sql(`SELECT `+customerColumns+` FROM customers`, orderNewestFirst, limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return lead.CustomerPage{}, s.fail(op, err)
	}
	defer rows.Close()
	page := lead.CustomerPage{Customers: []lead.Customer{}}
	for rows.Next() {
		c, err := scanCustomerRow(rows)
		if err != nil {
			return lead.CustomerPage{}, s.fail(op, err)
		}
		page.Customers = append(page.Customers, c.public())
	}
	if err := rows.Err(); err != nil {
		return lead.CustomerPage{}, s.fail(op, err)
	}
	if len(page.Customers) > limit {
		page.Customers = page.Customers[:limit]
		page.NextCursor = encodeCursor(page.Customers[limit-1].ID)
	}
	return page, nil
}

// GetCustomer returns a customer with its leads in time order (the most
// recent MaxCustomerLeads), each with the decision that resolved it, and the
// audit entries that concern it.
func (s *Store) GetCustomer(ctx context.Context, id string) (lead.CustomerDetail, error) {
	const op = "reading customer"
	c, err := scanCustomerRow(s.r.QueryRowContext(ctx, selectCustomer, clean(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.CustomerDetail{}, lead.Errorf(lead.KindNotFound, "store: customer %q not found", id)
	}
	if err != nil {
		return lead.CustomerDetail{}, s.fail(op, err)
	}
	d := lead.CustomerDetail{Customer: c.public(), Leads: []lead.CustomerLead{}, History: []lead.AuditEntry{}}
	rows, err := s.r.QueryContext(ctx, `SELECT `+leadColumns+` FROM leads WHERE customer_id = $1
ORDER BY received_at DESC, id DESC LIMIT $2`, c.id, lead.MaxCustomerLeads+1)
	if err != nil {
		return lead.CustomerDetail{}, s.fail(op, err)
	}
	var leads []lead.Lead
	for rows.Next() {
		l, err := scanLead(rows, false)
		if err != nil {
			rows.Close()
			return lead.CustomerDetail{}, s.fail(op, err)
		}
		leads = append(leads, l)
	}
	if err := rows.Close(); err != nil {
		return lead.CustomerDetail{}, s.fail(op, err)
	}
	if len(leads) > lead.MaxCustomerLeads {
		leads, d.LeadsTruncated = leads[:lead.MaxCustomerLeads], true
	}
	slices.Reverse(leads)
	ids := make([]string, len(leads))
	for i, l := range leads {
		ids[i] = l.ID
	}
	decisions, err := s.latestDecisions(ctx, ids)
	if err != nil {
		return lead.CustomerDetail{}, s.fail(op, err)
	}
	for _, l := range leads {
		cl := lead.CustomerLead{Lead: l}
		if dec, ok := decisions[l.ID]; ok {
			cl.Decision = &dec
		}
		d.Leads = append(d.Leads, cl)
	}
	hist, err := s.ListAudit(ctx, lead.AuditFilter{Customer: c.id, Limit: 50})
	if err != nil {
		return lead.CustomerDetail{}, err
	}
	d.History = hist.Entries
	return d, nil
}

// latestDecisions returns each lead's latest decision that was not undone.
func (s *Store) latestDecisions(ctx context.Context, leadIDs []string) (map[string]lead.Decision, error) {
	out := map[string]lead.Decision{}
	per := s.d.rowsPerStatement(1, 0)
	for chunk := range slices.Chunk(leadIDs, per) {
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.r.QueryContext(ctx, `SELECT `+decisionColumns+` FROM match_decisions
WHERE undone = 0 AND lead_id IN `+values(1, len(chunk), 1)+` ORDER BY id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			dec, err := scanDecision(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[dec.LeadID] = dec
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ListReview returns one page of open review items, newest first.
func (s *Store) ListReview(ctx context.Context, limit int, cursor string) (lead.ReviewPage, error) {
	const op = "listing the review queue"
	limit = pageSize(limit)
	var w where
	w.add(`review_state = 'open' AND undone = 0`, nil)
	if cursor != "" {
		id, err := decodeCursor(cursor)
		if err != nil {
			return lead.ReviewPage{}, err
		}
		w.add(filterBeforeID, id)
	}
	q, args := w.sql(`SELECT `+decisionColumns+` FROM match_decisions`, orderNewestFirst, limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return lead.ReviewPage{}, s.fail(op, err)
	}
	page := lead.ReviewPage{Items: []lead.ReviewItem{}}
	for rows.Next() {
		d, err := scanDecision(rows)
		if err != nil {
			rows.Close()
			return lead.ReviewPage{}, s.fail(op, err)
		}
		page.Items = append(page.Items, lead.ReviewItem{Decision: d})
	}
	if err := rows.Close(); err != nil {
		return lead.ReviewPage{}, s.fail(op, err)
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = encodeCursor(page.Items[limit-1].ID)
	}
	for i := range page.Items {
		it := &page.Items[i]
		var owner sql.NullString
		if err := s.r.QueryRowContext(ctx, selectLeadOwner, it.LeadID).Scan(&owner); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return lead.ReviewPage{}, s.fail(op, err)
		}
		it.LeadCustomerID = owner.String
		if it.CandidateCustomerID, err = rootOf(ctx, s.r, it.CandidateID); err != nil {
			return lead.ReviewPage{}, s.fail(op, err)
		}
	}
	return page, nil
}

// ListAudit returns one page of audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f lead.AuditFilter) (lead.AuditPage, error) {
	const op = "listing the audit log"
	limit := pageSize(f.Limit)
	var w where
	if f.Cursor != "" {
		id, err := decodeCursor(f.Cursor)
		if err != nil {
			return lead.AuditPage{}, err
		}
		w.add(filterBeforeID, id)
	}
	if f.Customer != "" {
		w.add(`id IN (SELECT audit_id FROM audit_refs WHERE ref = $#)`, "c:"+clean(f.Customer))
	}
	if f.Lead != "" {
		w.add(`id IN (SELECT audit_id FROM audit_refs WHERE ref = $#)`, "l:"+clean(f.Lead))
	}
	if f.Action != "" {
		w.add(`action = $#`, clean(string(f.Action)))
	}
	q, args := w.sql(`SELECT `+auditColumns+` FROM audit_log`, orderNewestFirst, limit+1)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return lead.AuditPage{}, s.fail(op, err)
	}
	defer rows.Close()
	page := lead.AuditPage{Entries: []lead.AuditEntry{}}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return lead.AuditPage{}, s.fail(op, err)
		}
		page.Entries = append(page.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return lead.AuditPage{}, s.fail(op, err)
	}
	if len(page.Entries) > limit {
		page.Entries = page.Entries[:limit]
		page.NextCursor = encodeCursor(page.Entries[limit-1].ID)
	}
	return page, nil
}

// GetAudit returns one audit entry.
func (s *Store) GetAudit(ctx context.Context, id string) (lead.AuditEntry, error) {
	e, err := scanAudit(s.r.QueryRowContext(ctx, `SELECT `+auditColumns+` FROM audit_log WHERE id = $1`, clean(id)))
	if errors.Is(err, sql.ErrNoRows) {
		return lead.AuditEntry{}, lead.Errorf(lead.KindNotFound, "store: audit entry %q not found", id)
	}
	if err != nil {
		return lead.AuditEntry{}, s.fail("reading audit entry", err)
	}
	return e, nil
}

// --- human decisions ---------------------------------------------------------------

// MergeCustomers moves every lead of other (and its keys) into into, marks
// other merged into into (it is never deleted), settles the review items
// the merge answers, and records exactly what moved.
func (s *Store) MergeCustomers(ctx context.Context, into, other string, act lead.Act) (lead.AuditEntry, error) {
	if err := checkAct(act); err != nil {
		return lead.AuditEntry{}, err
	}
	var e lead.AuditEntry
	err := s.identity(ctx, "merging customers", func(t *idTx) error {
		var err error
		e, err = t.merge(clean(into), clean(other), act, "")
		return err
	})
	return e, err
}

func (t *idTx) merge(into, other string, act lead.Act, review string) (lead.AuditEntry, error) {
	if into == other {
		return lead.AuditEntry{}, lead.Errorf(lead.KindConflict, "store: a customer cannot be merged into itself")
	}
	if _, err := t.activeCustomer(into); err != nil {
		return lead.AuditEntry{}, err
	}
	if _, err := t.activeCustomer(other); err != nil {
		return lead.AuditEntry{}, err
	}
	moved, err := t.leadIDsOf(other)
	if err != nil {
		return lead.AuditEntry{}, err
	}
	ch := lead.Change{Review: review, Merged: []lead.CustomerLink{{Customer: other, Into: into}}}
	for _, id := range moved {
		ch.Moves = append(ch.Moves, lead.LeadMove{Lead: id, From: other, To: into})
	}
	if ch.KeysMoved, err = t.moveLeads(other, into, moved); err != nil {
		return lead.AuditEntry{}, err
	}
	if _, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET merged_into = $2, updated_at = $3 WHERE id = $1`, other, into, t.now); err != nil {
		return lead.AuditEntry{}, err
	}
	if ch.Reviews, err = t.settleReviews(into); err != nil {
		return lead.AuditEntry{}, err
	}
	if _, err := t.recompute(into); err != nil {
		return lead.AuditEntry{}, err
	}
	e := newAudit(lead.AuditMerge, act, t.now)
	e.CustomerIDs, e.LeadIDs = []string{into, other}, moved
	if e.Payload, err = payload(ch); err != nil {
		return lead.AuditEntry{}, err
	}
	return e, t.writeAudit(&e)
}

// SplitLead moves a lead (and its keys) out of its customer into a new
// customer of its own.
func (s *Store) SplitLead(ctx context.Context, leadID string, act lead.Act) (lead.AuditEntry, error) {
	if err := checkAct(act); err != nil {
		return lead.AuditEntry{}, err
	}
	leadID = clean(leadID)
	var e lead.AuditEntry
	err := s.identity(ctx, "splitting lead", func(t *idTx) error {
		var owner sql.NullString
		err := t.tx.QueryRowContext(t.ctx, selectLeadOwner, leadID).Scan(&owner)
		if errors.Is(err, sql.ErrNoRows) {
			return lead.Errorf(lead.KindNotFound, "store: lead %q not found", leadID)
		}
		if err != nil {
			return err
		}
		from := owner.String
		if from == "" {
			return lead.Errorf(lead.KindConflict, "store: lead %s is not resolved yet; it has no customer to leave", leadID)
		}
		ids, err := t.leadIDsOf(from)
		if err != nil {
			return err
		}
		if len(ids) < 2 {
			return lead.Errorf(lead.KindConflict, "store: lead %s is the only lead of customer %s; there is nothing to split", leadID, from)
		}
		to := ulid.Make().String()
		if err := t.newCustomer(to, t.now); err != nil {
			return err
		}
		ch := lead.Change{Moves: []lead.LeadMove{{Lead: leadID, From: from, To: to}}, Created: []string{to}}
		if ch.KeysMoved, err = t.moveLeads(from, to, []string{leadID}); err != nil {
			return err
		}
		for _, id := range []string{from, to} {
			if _, err := t.recompute(id); err != nil {
				return err
			}
		}
		e = newAudit(lead.AuditSplit, act, t.now)
		e.CustomerIDs, e.LeadIDs = []string{from, to}, []string{leadID}
		if e.Payload, err = payload(ch); err != nil {
			return err
		}
		return t.writeAudit(&e)
	})
	return e, err
}

// openReview returns an open review item.
func (t *idTx) openReview(id string) (lead.Decision, error) {
	d, err := t.decision(id)
	if err != nil {
		return lead.Decision{}, err
	}
	if d.Outcome != lead.OutcomeReview {
		return lead.Decision{}, lead.Errorf(lead.KindNotFound, "store: review item %q not found (decision %s was %s)", id, id, d.Outcome)
	}
	if d.Undone {
		return lead.Decision{}, lead.Errorf(lead.KindConflict, "store: review item %s was undone", id)
	}
	if d.ReviewState != lead.ReviewOpen {
		return lead.Decision{}, lead.Errorf(lead.KindConflict, "store: review item %s is %s already", id, d.ReviewState)
	}
	return d, nil
}

// MergeReview merges the customer of an open review item's lead into the
// candidate (followed through merges).
func (s *Store) MergeReview(ctx context.Context, decisionID string, act lead.Act) (lead.AuditEntry, error) {
	if err := checkAct(act); err != nil {
		return lead.AuditEntry{}, err
	}
	var e lead.AuditEntry
	err := s.identity(ctx, "merging review item", func(t *idTx) error {
		d, err := t.openReview(clean(decisionID))
		if err != nil {
			return err
		}
		var owner sql.NullString
		if err := t.tx.QueryRowContext(t.ctx, selectLeadOwner, d.LeadID).Scan(&owner); err != nil {
			return err
		}
		into, err := t.root(d.CandidateID)
		if err != nil {
			return err
		}
		switch {
		case into == "":
			return lead.Errorf(lead.KindConflict, "store: the candidate customer %s of review item %s no longer exists", d.CandidateID, d.ID)
		case owner.String == "":
			return lead.Errorf(lead.KindConflict, "store: the lead %s of review item %s is not resolved", d.LeadID, d.ID)
		case owner.String == into:
			return lead.Errorf(lead.KindConflict, "store: the lead of review item %s is in customer %s already", d.ID, into)
		}
		e, err = t.merge(into, owner.String, act, d.ID)
		return err
	})
	return e, err
}

// DismissReview keeps an open review item's customers apart.
func (s *Store) DismissReview(ctx context.Context, decisionID string, act lead.Act) (lead.AuditEntry, error) {
	if err := checkAct(act); err != nil {
		return lead.AuditEntry{}, err
	}
	var e lead.AuditEntry
	err := s.identity(ctx, "dismissing review item", func(t *idTx) error {
		d, err := t.openReview(clean(decisionID))
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE match_decisions SET review_state = 'dismissed' WHERE id = $1`, d.ID); err != nil {
			return err
		}
		var owner sql.NullString
		if err := t.tx.QueryRowContext(t.ctx, selectLeadOwner, d.LeadID).Scan(&owner); err != nil {
			return err
		}
		ch := lead.Change{Review: d.ID, Reviews: []lead.ReviewChange{{Decision: d.ID, From: lead.ReviewOpen, To: lead.ReviewDismissed}}}
		e = newAudit(lead.AuditDismiss, act, t.now)
		e.CustomerIDs, e.LeadIDs = []string{owner.String, d.CandidateID}, []string{d.LeadID}
		if e.Payload, err = payload(ch); err != nil {
			return err
		}
		return t.writeAudit(&e)
	})
	return e, err
}

// Undo undoes an audit entry exactly: every lead it moved goes back (with
// its keys), customers it created are removed, customers it merged are
// restored, review items return to their earlier state and its decision is
// marked undone. It refuses (KindConflict) when the state it left has
// changed since: a later change depends on it and must be undone first.
func (s *Store) Undo(ctx context.Context, auditID string, act lead.Act) (lead.AuditEntry, error) {
	if err := checkAct(act); err != nil {
		return lead.AuditEntry{}, err
	}
	var u lead.AuditEntry
	err := s.identity(ctx, "undoing", func(t *idTx) error {
		e, err := scanAudit(t.tx.QueryRowContext(t.ctx, `SELECT `+auditColumns+` FROM audit_log WHERE id = $1`, clean(auditID)))
		if errors.Is(err, sql.ErrNoRows) {
			return lead.Errorf(lead.KindNotFound, "store: audit entry %q not found", auditID)
		}
		if err != nil {
			return err
		}
		switch {
		case e.Action == lead.AuditUndo:
			return lead.Errorf(lead.KindConflict, "store: entry %s is an undo, which cannot be undone; do the change again instead", e.ID)
		case e.UndoneBy != "":
			return lead.Errorf(lead.KindConflict, "store: entry %s was undone already by %s", e.ID, e.UndoneBy)
		}
		var ch lead.Change
		if err := json.Unmarshal(e.Payload, &ch); err != nil {
			return fmt.Errorf("audit %s: payload: %w", e.ID, err)
		}
		if err := t.checkUndo(&e, &ch); err != nil {
			return err
		}
		return t.applyUndo(&e, &ch, act, &u)
	})
	return u, err
}

// later is the conflict of an undo that a later change stands in the way of.
func later(e *lead.AuditEntry, format string, args ...any) error {
	return lead.Errorf(lead.KindConflict, "store: cannot undo %s: %s; undo the later change first", e.ID, fmt.Sprintf(format, args...))
}

// checkUndo verifies that everything e changed is still as e left it.
func (t *idTx) checkUndo(e *lead.AuditEntry, ch *lead.Change) error {
	ids := make([]string, len(ch.Moves))
	for i, m := range ch.Moves {
		ids[i] = m.Lead
	}
	owners, err := t.owners(ids)
	if err != nil {
		return err
	}
	for _, m := range ch.Moves {
		cur, ok := owners[m.Lead]
		if !ok {
			return later(e, "lead %s no longer exists", m.Lead)
		}
		if cur != m.To {
			return later(e, "lead %s has moved from %s to %s since", m.Lead, orNone(m.To), orNone(cur))
		}
	}
	unmerged := map[string]bool{}
	for _, m := range ch.Merged {
		c, ok, err := t.customer(m.Customer)
		if err != nil {
			return err
		}
		if !ok || c.mergedInto != m.Into {
			return later(e, "customer %s is no longer merged into %s", m.Customer, m.Into)
		}
		unmerged[m.Customer] = true
	}
	created := map[string]bool{}
	for _, id := range ch.Created {
		created[id] = true
		c, ok, err := t.customer(id)
		if err != nil {
			return err
		}
		if !ok {
			return later(e, "customer %s no longer exists", id)
		}
		if c.mergedInto != "" {
			return later(e, "customer %s was merged into %s", id, c.mergedInto)
		}
		mine := 0
		for _, m := range ch.Moves {
			if m.To == id {
				mine++
			}
		}
		var n, merged, reviews int64
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM leads WHERE customer_id = $1`, id).Scan(&n); err != nil {
			return err
		}
		if int(n) != mine {
			return later(e, "customer %s has leads that later changes put there", id)
		}
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM customers WHERE merged_into = $1`, id).Scan(&merged); err != nil {
			return err
		}
		if merged > 0 {
			return later(e, "other customers were merged into %s", id)
		}
		if err := t.tx.QueryRowContext(t.ctx, `SELECT count(*) FROM match_decisions
WHERE candidate_id = $1 AND outcome = 'review' AND undone = 0`, id).Scan(&reviews); err != nil {
			return err
		}
		if reviews > 0 {
			return later(e, "later leads are in review as possible duplicates of %s", id)
		}
	}
	for _, m := range ch.Moves {
		if m.From == "" || unmerged[m.From] || created[m.From] {
			continue
		}
		c, ok, err := t.customer(m.From)
		if err != nil {
			return err
		}
		if !ok {
			return later(e, "customer %s no longer exists", m.From)
		}
		if c.mergedInto != "" {
			return later(e, "customer %s was merged into %s since", m.From, c.mergedInto)
		}
	}
	for _, r := range ch.Reviews {
		d, err := t.decision(r.Decision)
		if err != nil {
			return err
		}
		if d.Undone || d.ReviewState != r.To {
			return later(e, "review item %s is %s now", r.Decision, d.ReviewState)
		}
	}
	if ch.Decision != "" {
		d, err := t.decision(ch.Decision)
		if err != nil {
			return err
		}
		if d.Undone {
			return later(e, "decision %s was undone", ch.Decision)
		}
	}
	return nil
}

func orNone(c string) string {
	if c == "" {
		return "no customer"
	}
	return c
}

// applyUndo reverses ch and records the undo entry in u.
func (t *idTx) applyUndo(e *lead.AuditEntry, ch *lead.Change, act lead.Act, u *lead.AuditEntry) error {
	type pair struct{ from, to string }
	groups := map[pair][]string{}
	var order []pair
	touched := map[string]bool{}
	inverse := lead.Change{}
	for i := len(ch.Moves) - 1; i >= 0; i-- {
		m := ch.Moves[i]
		p := pair{m.To, m.From}
		if _, ok := groups[p]; !ok {
			order = append(order, p)
		}
		groups[p] = append(groups[p], m.Lead)
		inverse.Moves = append(inverse.Moves, lead.LeadMove{Lead: m.Lead, From: m.To, To: m.From})
		touched[m.From], touched[m.To] = true, true
	}
	for _, p := range order {
		n, err := t.moveLeads(p.from, p.to, groups[p])
		if err != nil {
			return err
		}
		inverse.KeysMoved += n
	}
	for _, m := range ch.Merged {
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE customers SET merged_into = NULL, updated_at = $2 WHERE id = $1`, m.Customer, t.now); err != nil {
			return err
		}
		touched[m.Customer] = true
	}
	for _, r := range ch.Reviews {
		var err error
		if r.From == "" { // created by e: its decision is undone below
			_, err = t.tx.ExecContext(t.ctx, `UPDATE match_decisions SET undone = 1 WHERE id = $1`, r.Decision)
		} else {
			_, err = t.tx.ExecContext(t.ctx, `UPDATE match_decisions SET review_state = $2 WHERE id = $1`, r.Decision, string(r.From))
		}
		if err != nil {
			return err
		}
		inverse.Reviews = append(inverse.Reviews, lead.ReviewChange{Decision: r.Decision, From: r.To, To: r.From})
	}
	if ch.Decision != "" {
		if _, err := t.tx.ExecContext(t.ctx, `UPDATE match_decisions SET undone = 1 WHERE id = $1`, ch.Decision); err != nil {
			return err
		}
		inverse.Decision = ch.Decision
	}
	for _, id := range ch.Created {
		if _, err := t.tx.ExecContext(t.ctx, `DELETE FROM customers WHERE id = $1`, id); err != nil {
			return err
		}
		delete(touched, id)
	}
	delete(touched, "")
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		c, ok, err := t.customer(id)
		if err != nil {
			return err
		}
		if !ok || c.mergedInto != "" {
			continue
		}
		sum, err := t.recompute(id)
		if err != nil {
			return err
		}
		if sum.LeadCount == 0 {
			return later(e, "customer %s would be left without leads", id)
		}
	}
	*u = newAudit(lead.AuditUndo, act, t.now)
	u.Undoes, u.CustomerIDs, u.LeadIDs = e.ID, e.CustomerIDs, e.LeadIDs
	var err error
	if u.Payload, err = payload(inverse); err != nil {
		return err
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE audit_log SET undone_by = $2 WHERE id = $1 AND undone_by = ''`, e.ID, u.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return lead.Errorf(lead.KindConflict, "store: entry %s was undone already", e.ID)
	}
	return t.writeAudit(u)
}

// --- models and counts ----------------------------------------------------------------

// SaveModel stores a trained model.
func (s *Store) SaveModel(ctx context.Context, m lead.StoredModel) error {
	if m.ID == "" || len(m.Model) == 0 {
		return lead.Errorf(lead.KindInvalid, "store: a model needs an id and its JSON")
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = time.Now()
	}
	stats := string(m.Stats)
	if stats == "" {
		stats = "{}"
	}
	_, err := s.w.ExecContext(ctx, insertModel, m.ID, m.CreatedAt.UnixMicro(), m.Leads, string(m.Model), stats)
	return s.fail("saving model", err)
}

// LatestModel returns the most recently trained model.
func (s *Store) LatestModel(ctx context.Context) (lead.StoredModel, error) {
	var m lead.StoredModel
	var at, n int64
	var model, stats string
	err := s.r.QueryRowContext(ctx, selectModel).Scan(&m.ID, &at, &n, &model, &stats)
	if errors.Is(err, sql.ErrNoRows) {
		return lead.StoredModel{}, lead.Errorf(lead.KindNotFound, "store: no trained model")
	}
	if err != nil {
		return lead.StoredModel{}, s.fail("reading model", err)
	}
	m.CreatedAt, m.Leads, m.Model, m.Stats = fromMicros(at), int(n), json.RawMessage(model), json.RawMessage(stats)
	return m, nil
}

// CountLeads returns how many leads there are and how many are resolved.
func (s *Store) CountLeads(ctx context.Context) (int64, int64, error) {
	var total, resolved int64
	if err := s.r.QueryRowContext(ctx, countLeads).Scan(&total, &resolved); err != nil {
		return 0, 0, s.fail("counting leads", err)
	}
	return total, resolved, nil
}

// --- the resolver's lock --------------------------------------------------------------

// ResolverLock is held by the one process that resolves leads. On
// PostgreSQL it is a session advisory lock on a connection of its own, so
// that of several replicas one resolves and the others stand by; it is
// released when the connection ends, however the process ends. On SQLite
// there is one process per database file, and the lock is nominal.
type ResolverLock struct {
	conn *sql.Conn
}

// TryResolverLock takes the resolver lock if no other process holds it;
// it returns nil, nil when one does.
func (s *Store) TryResolverLock(ctx context.Context) (lead.Lock, error) {
	if s.d.name != "postgres" {
		return &ResolverLock{}, nil
	}
	conn, err := s.w.Conn(ctx)
	if err != nil {
		return nil, s.fail("taking the resolver lock", err)
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(`+strconv.FormatInt(resolverLockKey, 10)+`)`).Scan(&ok); err != nil {
		conn.Close()
		return nil, s.fail("taking the resolver lock", err)
	}
	if !ok {
		conn.Close()
		return nil, nil
	}
	return &ResolverLock{conn: conn}, nil
}

// Alive reports an error when the lock was lost (its connection broke).
func (l *ResolverLock) Alive(ctx context.Context) error {
	if l == nil || l.conn == nil {
		return nil
	}
	return l.conn.PingContext(ctx)
}

// Release gives the lock up.
func (l *ResolverLock) Release() {
	if l == nil || l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = l.conn.ExecContext(ctx, `SELECT pg_advisory_unlock(`+strconv.FormatInt(resolverLockKey, 10)+`)`)
	l.conn.Close()
	l.conn = nil
}
