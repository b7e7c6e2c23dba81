package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// maxKeyLen bounds a stored blocking key; longer keys are cut (they only
// find candidates, which are then scored).
const maxKeyLen = 256

// PendingLeads returns up to limit unresolved leads in id order, without
// the ids in skip.
func (s *Store) PendingLeads(ctx context.Context, limit int, skip []string) ([]lead.Lead, error) {
	if limit <= 0 {
		return []lead.Lead{}, nil
	}
	rows, err := s.query(ctx, selectPending, limit+len(skip))
	out := []lead.Lead{}
	err = eachRow(rows, err, func(sc scanner) error {
		l, err := scanListedLead(sc)
		if err == nil && !slices.Contains(skip, l.ID) && len(out) < limit {
			out = append(out, l)
		}
		return err
	})
	if err != nil {
		return nil, s.fail("reading unresolved leads", err)
	}
	return out, nil
}

// UndoneDecisions returns, for each lead, the customers that its undone
// decisions had put it in (joins) or proposed (reviews).
func (s *Store) UndoneDecisions(ctx context.Context, leadIDs []string) (map[string][]string, error) {
	out := map[string][]string{}
	for chunk := range slices.Chunk(leadIDs, s.d.rowsPerStatement(1, 0)) {
		rows, err := s.query(ctx, selectUndoneIn+s.values(1, len(chunk), 1)+orderByID, anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			var l, outcome, c, cand string
			if err := sc.Scan(&l, &outcome, &c, &cand); err != nil {
				return err
			}
			switch lead.DecisionOutcome(outcome) {
			case lead.OutcomeJoined:
				out[l] = append(out[l], c)
			case lead.OutcomeReview:
				out[l] = append(out[l], cand)
			}
			return nil
		})
		if err != nil {
			return nil, s.fail("reading undone decisions", err)
		}
	}
	return out, nil
}

// keyLeadsChunk is how many keys one KeyLeads statement asks for: a
// fixed number (the last key repeated), so that the statement is prepared
// once.
const keyLeadsChunk = 16

// keyLeadsLateralChunk is how many keys one KeyLeads statement asks for on
// PostgreSQL.
const keyLeadsLateralChunk = 1000

// KeyLeads returns, for each key, its perKey most recent leads with their
// customers (test flag, golden record) and contact fields: per key a
// primary-key range of customer_keys, then a customer and a lead by
// primary key per row, keyLeadsChunk keys a statement, all in one read
// transaction so that the pages the keys share are read once.
func (s *Store) KeyLeads(ctx context.Context, keys []string, perKey int) ([]lead.KeyLead, error) {
	const op = "finding candidates"
	keys = cleanKeys(keys)
	if len(keys) == 0 || perKey <= 0 {
		return []lead.KeyLead{}, nil
	}
	q, per := s.keyLeadsQuery(perKey), keyLeadsChunk
	if s.d.name == enginePostgres {
		q, per = selectCandidatesLateral, keyLeadsLateralChunk
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer tx.Rollback()
	st, err := s.rs.prepared(ctx, q)
	if err != nil {
		return nil, s.fail(op, err)
	}
	st = tx.StmtContext(ctx, st)
	goldens := map[string]lead.Contact{}
	out := []lead.KeyLead{}
	for chunk := range slices.Chunk(keys, per) {
		var args []any
		if s.d.name == enginePostgres {
			args = []any{chunk, perKey}
		} else {
			args = make([]any, keyLeadsChunk)
			for i := range args {
				args[i] = chunk[min(i, len(chunk)-1)]
			}
		}
		rows, err := st.QueryContext(ctx, args...)
		err = eachRow(rows, err, func(sc scanner) error {
			var (
				k       int64
				kl      lead.KeyLead
				isTest  int64
				golden  []byte
				recv    int64
				l       = &kl.Lead
				contact = &l.Contact
			)
			if err := sc.Scan(&k, &kl.CustomerID, &isTest, &golden, &l.ID, &recv, &contact.FirstName, &contact.LastName, &contact.Email,
				&contact.Phone, &contact.Country, &contact.Company, &contact.Title); err != nil {
				return err
			}
			if int(k) >= len(chunk) {
				return nil // a repeat of the last key
			}
			g, ok := goldens[kl.CustomerID]
			if !ok {
				var err error
				if g, err = goldenContact(golden); err != nil {
					return fmt.Errorf("customer %s: golden: %w", kl.CustomerID, err)
				}
				goldens[kl.CustomerID] = g
			}
			kl.Key, kl.IsTest, kl.Golden = chunk[k], isTest != 0, g
			l.CustomerID, l.ReceivedAt = kl.CustomerID, fromMicros(recv)
			out = append(out, kl)
			return nil
		})
		if err != nil {
			return nil, s.fail(op, err)
		}
	}
	return out, nil
}

// KeyCustomers returns the test flag and golden record of the customers
// with the given ids, and which of them are merged; an unknown id is left
// out.
func (s *Store) KeyCustomers(ctx context.Context, ids []string) ([]lead.KeyCustomer, error) {
	out := make([]lead.KeyCustomer, 0, len(ids))
	for chunk := range slices.Chunk(ids, s.d.rowsPerStatement(1, 0)) {
		rows, err := s.query(ctx, selectKeyCustomersIn+s.values(1, len(chunk), 1), anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			var (
				c      lead.KeyCustomer
				isTest int64
				golden []byte
				merged string
			)
			if err := sc.Scan(&c.ID, &isTest, &golden, &merged); err != nil {
				return err
			}
			g, err := goldenContact(golden)
			if err != nil {
				return fmt.Errorf("customer %s: golden: %w", c.ID, err)
			}
			c.IsTest, c.Golden, c.Merged = isTest != 0, g, merged != ""
			out = append(out, c)
			return nil
		})
		if err != nil {
			return nil, s.fail("reading candidate customers", err)
		}
	}
	return out, nil
}

// IdentityGeneration returns the identity generation: a number that moves
// with every change of who belongs to which customer that the resolver did
// not commit itself.
func (s *Store) IdentityGeneration(ctx context.Context) (int64, error) {
	var g int64
	if err := s.r.QueryRowContext(ctx, selectIdentityGeneration).Scan(&g); err != nil {
		return 0, s.fail("reading the identity generation", err)
	}
	return g, nil
}

// keyLeadsQuery is the KeyLeads statement for perKey leads a key.
func (s *Store) keyLeadsQuery(perKey int) string {
	var b strings.Builder
	b.WriteString(selectCandidatesHead)
	for i := range keyLeadsChunk {
		if i > 0 {
			b.WriteString(selectCandidatesUnion)
		}
		fmt.Fprintf(&b, selectCandidatesKey, i, i+1, perKey)
	}
	b.WriteString(selectCandidatesTail)
	return b.String()
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
		// The audit entries wait for the account assignment, which the
		// entry of the last resolution that touched a customer records.
		var entries []lead.AuditEntry
		var changes []lead.Change
		last := map[string]int{}
		// One read of the customers the batch joins and of which of its
		// leads are still unresolved; the identity lock keeps both as read
		// until the commit. The claims are written together below.
		existing, unresolved, err := t.resolutionState(rs)
		if err != nil {
			return err
		}
		var claims []any
		for i := range rs {
			r := &rs[i]
			at := r.At.UnixMicro()
			if r.At.IsZero() {
				at = t.now
			}
			c, known := sums[r.CustomerID]
			if r.Outcome == lead.OutcomeJoined && !known {
				row, ok := existing[r.CustomerID]
				if !ok || row.mergedInto != "" {
					out[i] = lead.ResolutionStale
					continue
				}
				c = row
				sums[r.CustomerID] = c
			}
			if r.Outcome != lead.OutcomeJoined && known {
				return fmt.Errorf("resolution %d creates customer %s twice", i, r.CustomerID)
			}
			if !unresolved[r.Lead.ID] {
				out[i] = lead.ResolutionSkipped
				continue
			}
			delete(unresolved, r.Lead.ID)
			claims = append(claims, r.Lead.ID, r.CustomerID)
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
			cids := []string{r.CustomerID}
			if r.CandidateID != "" && r.CandidateID != r.CustomerID {
				cids = append(cids, r.CandidateID)
			}
			last[r.CustomerID] = len(entries)
			changes = append(changes, ch)
			entries = append(entries, lead.AuditEntry{ID: r.AuditID, At: fromMicros(at), Actor: lead.ActorResolver,
				Action: lead.AuditResolve, Reason: r.Explanation.Reason, CustomerIDs: cids, LeadIDs: []string{r.Lead.ID}})
		}
		if err := t.claimLeads(claims); err != nil {
			return err
		}
		// Accounts first: the new customers are inserted with theirs.
		fresh := make(map[string]bool, len(created))
		for _, c := range created {
			fresh[c.id] = true
		}
		if err := t.assignResolved(sums, last, changes, fresh); err != nil {
			return err
		}
		var custArgs []any
		for _, c := range created {
			a, err := summaryArgs(&c.sum)
			if err != nil {
				return err
			}
			var account any
			if c.account != "" {
				account = c.account
			}
			custArgs = append(custArgs, c.id, c.created, c.created, nil)
			custArgs = append(custArgs, a...)
			custArgs = append(custArgs, account, 0)
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
		for i := range entries {
			e := &entries[i]
			var err error
			if e.Payload, err = payload(changes[i]); err != nil {
				return err
			}
			e.AccountIDs = accountIDs(&changes[i])
			a, refs, err := auditArgs(e)
			if err != nil {
				return err
			}
			auditRows = append(auditRows, a...)
			refRows = append(refRows, refs...)
		}
		for _, x := range []struct {
			head string
			cols int
			args []any
			tail string
		}{
			{insertKeyHead, insertKeyCols, keyArgs, insertKeyTail},
			{insertDecisionHead, insertDecisionCols, decArgs, ""},
			{insertAuditHead, insertAuditCols, auditRows, ""},
			{insertRefHead, insertRefCols, refRows, insertRefTail},
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

// resolutionState reads, for a batch of resolutions, the customers it
// joins that exist (by id) and which of its leads have no customer yet.
func (t *idTx) resolutionState(rs []lead.Resolution) (map[string]*customerRow, map[string]bool, error) {
	var joined, leads []string
	for i := range rs {
		if rs[i].Outcome == lead.OutcomeJoined && !slices.Contains(joined, rs[i].CustomerID) {
			joined = append(joined, rs[i].CustomerID)
		}
		leads = append(leads, rs[i].Lead.ID)
	}
	existing := make(map[string]*customerRow, len(joined))
	per := t.s.d.rowsPerStatement(1, 0)
	for chunk := range slices.Chunk(joined, per) {
		rows, err := t.tx.QueryContext(t.ctx, selectCustomersIn+t.s.values(1, len(chunk), 1), anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			c, err := scanCustomerRow(sc)
			if err == nil {
				existing[c.id] = &c
			}
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	unresolved := make(map[string]bool, len(leads))
	for chunk := range slices.Chunk(leads, per) {
		rows, err := t.tx.QueryContext(t.ctx, selectUnresolvedIn+t.s.values(1, len(chunk), 1), anyArgs(chunk)...)
		err = eachRow(rows, err, func(sc scanner) error {
			var id string
			err := sc.Scan(&id)
			unresolved[id] = true
			return err
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return existing, unresolved, nil
}

// claimLeads gives leads their customers (args: lead, customer pairs),
// each only if it has none yet, which resolutionState checked under the
// same lock.
func (t *idTx) claimLeads(args []any) error {
	per := t.s.d.rowsPerStatement(2, 0)
	for len(args) > 0 {
		n := min(per, len(args)/2)
		res, err := t.tx.ExecContext(t.ctx, claimLeadsHead+t.s.values(n, 2, 1)+claimLeadsTail, args[:2*n]...)
		if err != nil {
			return err
		}
		if got, err := res.RowsAffected(); err != nil {
			return err
		} else if got != int64(n) {
			return fmt.Errorf("claimed %d of %d unresolved leads", got, n)
		}
		args = args[2*n:]
	}
	return nil
}
