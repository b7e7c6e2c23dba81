package ingest

import (
	"bytes"
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

// MaxFix caps an operator's correction of a quarantined body.
const MaxFix = 1 << 20

// Reprocess parses a quarantined raw lead again with its channel's current
// parser and stores the result: a lead (sharing the raw lead's id) or one
// more failed attempt with the new error. A non-nil fix is an operator's
// correction of the body: it is parsed instead, and kept with the raw lead
// (whose body as received never changes), so that a later reprocessing
// parses it again. Without one, the last correction is parsed if there is
// one, else the body as received. The CLI and the API both use it. Errors:
// KindNotFound, KindConflict (not in quarantine), KindInvalid (an empty or
// oversized fix).
func Reprocess(ctx context.Context, store ReprocessStore, id string, fix []byte) (ReprocessResult, error) {
	if fix != nil && len(bytes.TrimSpace(fix)) == 0 {
		return ReprocessResult{}, lead.Errorf(lead.KindInvalid, "the corrected body is empty")
	}
	if len(fix) > MaxFix {
		return ReprocessResult{}, lead.Errorf(lead.KindInvalid, "the corrected body is larger than %d bytes", MaxFix)
	}
	raw, err := store.GetRaw(ctx, id)
	if err != nil {
		return ReprocessResult{}, err
	}
	if raw.Status != lead.RawQuarantined {
		return ReprocessResult{}, lead.Errorf(lead.KindConflict, "raw lead %s is not in quarantine (status %s)", id, raw.Status)
	}
	body := raw.Parseable()
	if fix != nil {
		body = fix
	}
	parsed, perr := Decode(raw.Channel, body)
	msg := ""
	if perr != nil {
		msg, parsed = perr.Error(), nil
	}
	raw, err = store.ResolveQuarantined(ctx, id, fix, parsed, msg)
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
