package cli

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/leadhub/leadhub/internal/azuretable"
	"github.com/leadhub/leadhub/internal/simulate"
)

// tableBatch is how many entities are written per call.
const tableBatch = 100

// simulateToTable writes events into an Azure Table as Microsoft's Azure
// Table destination does, at the configured rate.
func simulateToTable(ctx context.Context, c simulateConfig, events iter.Seq[simulate.Event], e env) error {
	acct, err := azuretable.ParseConnectionString(c.azureTable)
	if err != nil {
		return usageError{fmt.Errorf("--azure-table: %w", err)}
	}
	progress := countPrinter(e.stderr, "entities written")
	defer progress(-1)
	start := time.Now()
	written := 0
	batch := make([]map[string]any, 0, tableBatch)
	flush := func(ctx context.Context) error {
		if len(batch) == 0 {
			return nil
		}
		if err := azuretable.InsertEntities(ctx, acct, c.azureTableName, batch); err != nil {
			return err
		}
		written += len(batch)
		batch = batch[:0]
		progress(written)
		return nil
	}
	for ev := range events {
		if c.rate > 0 {
			// Pace by the schedule, not by sleeps after each write.
			due := start.Add(time.Duration(float64(written+len(batch)) / float64(c.rate) * float64(time.Second)))
			if wait := time.Until(due); wait > 0 {
				if err := flush(ctx); err != nil {
					return err
				}
				select {
				case <-time.After(wait):
				case <-ctx.Done():
				}
			}
		}
		if ctx.Err() != nil {
			break
		}
		batch = append(batch, ev.Entity)
		if len(batch) == tableBatch {
			if err := flush(ctx); err != nil {
				return err
			}
		}
	}
	// What was generated is written even when --duration ended the run.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := flush(fctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %d leads to table %s of %s\n", written, c.azureTableName, acct)
	if err := ctx.Err(); err != nil && !(c.duration > 0 && errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	return nil
}
