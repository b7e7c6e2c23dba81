package store

import (
	"context"

	"github.com/leadhub/leadhub/internal/lead"
)

// BackfillAccounts assigns accounts to up to limit of the customers that
// existed before accounts did (migration 0006 lists them), in one identity
// transaction whose audit entry (the resolver's, action "accounts")
// records every placement, so that it can be undone like any other. It
// returns how many customers it took off the list; 0 when none is left.
func (s *Store) BackfillAccounts(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		return 0, nil
	}
	n := 0
	err := s.identityTx(ctx, "assigning accounts", false, func(t *idTx) error {
		rows, err := t.tx.QueryContext(t.ctx, selectBackfill, limit)
		ids, err := collect(rows, err, nil, scanString)
		if err != nil {
			return err
		}
		n = len(ids)
		for _, id := range ids {
			if _, err := t.exec(deleteBackfill, id); err != nil {
				return err
			}
		}
		ch := lead.Change{}
		if err := t.settleAccounts(ids, &ch); err != nil {
			return err
		}
		if len(ch.AccountMoves) == 0 {
			return nil
		}
		e := newAudit(lead.AuditAccounts, lead.Act{Actor: lead.ActorResolver}, t.now)
		e.Reason = "accounts for the customers from before accounts"
		for _, m := range ch.AccountMoves {
			e.CustomerIDs = append(e.CustomerIDs, m.Customer)
		}
		e.AccountIDs = accountIDs(&ch)
		if e.Payload, err = payload(ch); err != nil {
			return err
		}
		return t.writeAudit(&e)
	})
	return n, err
}
