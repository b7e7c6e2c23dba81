package app

import (
	"context"
	"log/slog"
	"time"
)

// accountBackfiller assigns accounts to the customers from before
// accounts (store.Store.BackfillAccounts).
type accountBackfiller interface {
	BackfillAccounts(ctx context.Context, limit int) (int, error)
}

// backfillBatch is how many customers one backfill transaction places:
// small, so that the resolver's commits never wait long behind it.
const backfillBatch = 200

// backfillAccounts places the customers from before accounts, a batch at
// a time, until none is left; after an error it tries again a minute
// later.
func backfillAccounts(ctx context.Context, st accountBackfiller, log *slog.Logger) {
	total := 0
	for ctx.Err() == nil {
		n, err := st.BackfillAccounts(ctx, backfillBatch)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("assigning accounts to earlier customers failed; retrying in a minute", "error", err.Error())
			select {
			case <-ctx.Done():
			case <-time.After(time.Minute):
			}
			continue
		}
		if n == 0 {
			if total > 0 {
				log.Info("accounts assigned to earlier customers", "customers", total)
			}
			return
		}
		total += n
	}
}
