package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// scanAudit reads auditColumns.
func scanAudit(sc scanner) (lead.AuditEntry, error) {
	var (
		e                    lead.AuditEntry
		at                   int64
		action, cids, lids   string
		payload              string
		undoneBy, undoesThis string
		aids                 string
	)
	if err := sc.Scan(&e.ID, &at, &e.Actor, &action, &e.Reason, &cids, &lids, &payload, &undoneBy, &undoesThis, &aids); err != nil {
		return lead.AuditEntry{}, err
	}
	e.At, e.Action, e.UndoneBy, e.Undoes = fromMicros(at), lead.AuditAction(action), undoneBy, undoesThis
	if err := json.Unmarshal([]byte(cids), &e.CustomerIDs); err != nil {
		return lead.AuditEntry{}, fmt.Errorf("audit %s: customer_ids: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(lids), &e.LeadIDs); err != nil {
		return lead.AuditEntry{}, fmt.Errorf("audit %s: lead_ids: %w", e.ID, err)
	}
	if err := json.Unmarshal([]byte(aids), &e.AccountIDs); err != nil {
		return lead.AuditEntry{}, fmt.Errorf("audit %s: account_ids: %w", e.ID, err)
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
	if e.AccountIDs == nil {
		e.AccountIDs = []string{}
	}
	aids, err := marshalJSON(e.AccountIDs)
	if err != nil {
		return nil, nil, err
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
	args := []any{e.ID, e.At.UnixMicro(), clean(e.Actor), string(e.Action), clean(e.Reason), cids, lids, payload, e.UndoneBy, e.Undoes, aids}
	var refs []any
	seen := map[string]bool{}
	for _, c := range e.CustomerIDs {
		if c != "" && !seen["c:"+c] {
			seen["c:"+c] = true
			refs = append(refs, "c:"+c, e.ID)
		}
	}
	for _, x := range e.AccountIDs {
		if x != "" && !seen["a:"+x] {
			seen["a:"+x] = true
			refs = append(refs, "a:"+x, e.ID)
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

// writeAudit inserts an audit entry and its refs.
func (t *idTx) writeAudit(e *lead.AuditEntry) error {
	args, refs, err := auditArgs(e)
	if err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, insertAuditHead+t.s.values(1, insertAuditCols, 1), args...); err != nil {
		return err
	}
	return t.s.execRows(t.ctx, t.tx, insertRefHead, insertRefCols, refs, "")
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

// ListAudit returns one page of audit entries, newest first.
func (s *Store) ListAudit(ctx context.Context, f lead.AuditFilter) (lead.AuditPage, error) {
	var w where
	if f.Customer != "" {
		w.add(filterAuditRef, "c:"+clean(f.Customer))
	}
	if f.Account != "" {
		w.add(filterAuditRef, "a:"+clean(f.Account))
	}
	if f.Lead != "" {
		w.add(filterAuditRef, "l:"+clean(f.Lead))
	}
	if f.Action != "" {
		w.add(filterAuditAction, clean(string(f.Action)))
	}
	if f.Actor != "" {
		w.add(filterAuditActor, clean(f.Actor))
	}
	es, next, err := readPage(ctx, s, page{op: "listing the audit log", sel: selectAudits, where: w, cursor: f.Cursor, limit: f.Limit},
		scanAudit, auditID)
	return lead.AuditPage{Entries: es, NextCursor: next}, err
}

func auditID(e lead.AuditEntry) string { return e.ID }

// GetAudit returns one audit entry.
func (s *Store) GetAudit(ctx context.Context, id string) (lead.AuditEntry, error) {
	return readOne(ctx, s, "reading audit entry", "audit entry", selectAudit, id, scanAudit)
}
