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

// accountSettler sums the accounts the resolver touched
// (store.Store.SettleAccounts).
type accountSettler interface {
	SettleAccounts(ctx context.Context, limit int) (int, error)
}

// settleInterval is how long an account's summary may trail its
// customers while leads arrive; settleBatch how many accounts one
// transaction sums.
const (
	settleInterval = 500 * time.Millisecond
	settleBatch    = 500
)

// settleAccounts sums the accounts the resolver marked, every
// settleInterval, until ctx ends; errors are logged and tried again.
func settleAccounts(ctx context.Context, st accountSettler, log *slog.Logger) {
	t := time.NewTicker(settleInterval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for ctx.Err() == nil {
			n, err := st.SettleAccounts(ctx, settleBatch)
			if err != nil {
				if ctx.Err() == nil && !failing {
					log.Warn("summing accounts failed; retrying", "error", err.Error())
				}
				failing = true
				break
			}
			if failing {
				log.Info("summing accounts works again")
				failing = false
			}
			if n < settleBatch {
				break
			}
		}
	}
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
