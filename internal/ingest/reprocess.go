package ingest

import (
	"context"

	"github.com/leadhub/leadhub/internal/lead"
)

// ReprocessResult is the outcome of reprocessing one quarantined raw lead.
type ReprocessResult struct {
	Raw  lead.RawLead
	Lead *lead.Lead // nil when the body still cannot be parsed
}

// ReprocessStore is what Reprocess reads and writes.
type ReprocessStore interface {
	lead.QuarantineStore
	lead.LeadReader
}

// Reprocess parses a quarantined raw lead again with the current parser and
// stores the result: a lead (sharing the raw lead's id) or one more failed
// attempt with the new error. The CLI and the API both use it.
func Reprocess(ctx context.Context, store ReprocessStore, id string) (ReprocessResult, error) {
	raw, err := store.GetRaw(ctx, id)
	if err != nil {
		return ReprocessResult{}, err
	}
	if raw.Status != lead.RawQuarantined {
		return ReprocessResult{}, lead.Errorf(lead.KindConflict, "raw lead %s is not in quarantine (status %s)", id, raw.Status)
	}
	parsed, perr := Decode(raw.Channel, raw.Body)
	msg := ""
	if perr != nil {
		msg, parsed = perr.Error(), nil
	}
	raw, err = store.ResolveQuarantined(ctx, id, parsed, msg)
	if err != nil {
		return ReprocessResult{}, err
	}
	res := ReprocessResult{Raw: raw}
	if parsed != nil {
		l, err := store.GetLead(ctx, id)
		if err != nil {
			return ReprocessResult{}, err
		}
		res.Lead = &l
	}
	return res, nil
}
