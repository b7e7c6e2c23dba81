package store

import (
	"context"
	"slices"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// The account decisions of people: move a customer, merge two accounts,
// split one. Every customer they place is pinned, so that the rules never
// move it back; each records exactly what it changed, for Undo.

// MoveCustomerAccount moves a customer into an account and pins it there.
func (s *Store) MoveCustomerAccount(ctx context.Context, customerID, accountID string, act lead.Act) (lead.AuditEntry, error) {
	customerID, accountID = clean(customerID), clean(accountID)
	return s.change(ctx, "moving customer to account", act, func(t *idTx, e *lead.AuditEntry) error {
		if customerID == "" || accountID == "" {
			return lead.Errorf(lead.KindInvalid, "store: a customer and an account are required")
		}
		c, err := t.activeCustomer(customerID)
		if err != nil {
			return err
		}
		if _, err := t.activeAccount(accountID); err != nil {
			return err
		}
		if c.account == accountID {
			return lead.Errorf(lead.KindConflict, "store: customer %s is in account %s already", customerID, accountID)
		}
		ch := lead.Change{}
		if err := t.placeCustomers([]customerRow{c}, accountID, &ch); err != nil {
			return err
		}
		return t.writeAccountAudit(e, lead.AuditAccountMove, act, &ch, []string{customerID})
	})
}

// MergeAccounts moves every active customer of other into into (pinned)
// and marks other merged into into.
func (s *Store) MergeAccounts(ctx context.Context, into, other string, act lead.Act) (lead.AuditEntry, error) {
	into, other = clean(into), clean(other)
	return s.change(ctx, "merging accounts", act, func(t *idTx, e *lead.AuditEntry) error {
		if into == "" || other == "" {
			return lead.Errorf(lead.KindInvalid, "store: two accounts are required")
		}
		if into == other {
			return lead.Errorf(lead.KindConflict, "store: an account cannot be merged into itself")
		}
		if _, err := t.activeAccount(into); err != nil {
			return err
		}
		if _, err := t.activeAccount(other); err != nil {
			return err
		}
		members, err := t.members(other)
		if err != nil {
			return err
		}
		// Marked first, so that it keeps its summary (recomputing would empty it).
		if _, err := t.exec(markAccountMerged, other, into, t.now); err != nil {
			return err
		}
		ch := lead.Change{AccountsMerged: []lead.AccountLink{{Account: other, Into: into}}}
		if err := t.placeCustomers(members, into, &ch); err != nil {
			return err
		}
		return t.writeAccountAudit(e, lead.AuditAccountMerge, act, &ch, memberIDs(members))
	})
}

// SplitAccount moves some customers of an account into a new account
// (pinned).
func (s *Store) SplitAccount(ctx context.Context, accountID string, customerIDs []string, act lead.Act) (lead.AuditEntry, error) {
	accountID = clean(accountID)
	ids := make([]string, 0, len(customerIDs))
	for _, id := range customerIDs {
		if id = clean(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return s.change(ctx, "splitting account", act, func(t *idTx, e *lead.AuditEntry) error {
		if accountID == "" || len(ids) == 0 {
			return lead.Errorf(lead.KindInvalid, "store: an account and the customers to split off are required")
		}
		if _, err := t.activeAccount(accountID); err != nil {
			return err
		}
		members, err := t.members(accountID)
		if err != nil {
			return err
		}
		var out []customerRow
		for _, id := range ids {
			i := slices.IndexFunc(members, func(c customerRow) bool { return c.id == id })
			if i < 0 {
				if _, err := t.activeCustomer(id); err != nil {
					return err
				}
				return lead.Errorf(lead.KindConflict, "store: customer %s is not in account %s", id, accountID)
			}
			out = append(out, members[i])
		}
		if len(out) == len(members) {
			return lead.Errorf(lead.KindConflict, "store: these are all the people of account %s; there is nothing to split", accountID)
		}
		to := ulid.Make().String()
		if _, err := t.exec(insertAccount, to, t.now); err != nil {
			return err
		}
		ch := lead.Change{AccountsCreated: []string{to}}
		if err := t.placeCustomers(out, to, &ch); err != nil {
			return err
		}
		return t.writeAccountAudit(e, lead.AuditAccountSplit, act, &ch, ids)
	})
}

// members returns the active customers of an account, in id order.
func (t *idTx) members(account string) ([]customerRow, error) {
	rows, err := t.tx.QueryContext(t.ctx, selectAccountMembers, account)
	return collect(rows, err, nil, scanCustomerRow)
}

func memberIDs(cs []customerRow) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.id
	}
	return out
}

// placeCustomers moves customers into an account, pinned, records the
// moves in ch and recomputes the accounts involved.
func (t *idTx) placeCustomers(cs []customerRow, to string, ch *lead.Change) error {
	touched := map[string]bool{to: true}
	for _, c := range cs {
		if err := t.setAccount(c.id, to, true); err != nil {
			return err
		}
		ch.AccountMoves = append(ch.AccountMoves, lead.AccountMove{Customer: c.id, From: c.account, To: to,
			PinFrom: c.pinned, PinTo: true})
		touched[c.account] = true
	}
	return t.recomputeAccounts(touched)
}

// writeAccountAudit records a person's account decision.
func (t *idTx) writeAccountAudit(e *lead.AuditEntry, action lead.AuditAction, act lead.Act, ch *lead.Change, customers []string) error {
	*e = newAudit(action, act, t.now)
	e.CustomerIDs, e.AccountIDs = customers, accountIDs(ch)
	var err error
	if e.Payload, err = payload(*ch); err != nil {
		return err
	}
	return t.writeAudit(e)
}
