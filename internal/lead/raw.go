package lead

import (
	"context"
	"time"
)

// RawLead is a payload exactly as received, with its processing status.
type RawLead struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Channel    Channel   `json:"channel"`
	Source     string    `json:"source"` // e.g. "https", "azure_table:account/table", "import"
	Status     RawStatus `json:"status"`
	Error      string    `json:"error,omitempty"`
	Attempts   int       `json:"attempts"`
	SHA256     string    `json:"sha256"`
	Size       int       `json:"size"`
	Body       []byte    `json:"-"`
}

// Incoming is one payload handed to the inbox. The inbox parses it, assigns
// an id and commits it (raw body first) before anyone acknowledges it.
type Incoming struct {
	ID         string // assigned by the inbox; a ULID
	Channel    Channel
	Source     string // the source it came from, e.g. "https" or "azure_table:account/table"
	ReceivedAt time.Time
	Body       []byte
	SHA256     string // hex of sha256(Body)
	// DedupKey is the idempotency key: an Incoming whose key was stored
	// before, and has not expired, is a duplicate. Empty means SHA256.
	DedupKey string
	// DedupUntil is when the key stops counting (the HTTPS endpoint uses 24
	// hours after receipt); zero means never.
	DedupUntil time.Time
	// Exactly one of Parsed and ParseErr is set.
	Parsed   *Parsed
	ParseErr string
}

// Outcome says what happened to one Incoming in a committed batch.
type Outcome struct {
	// ID is the raw lead's id: the new one, or the earlier one for a duplicate.
	// A parsed raw lead and its lead share this id.
	ID        string
	Duplicate bool      // the same body was received within the idempotency window
	Status    RawStatus // status of the stored raw lead (earlier one for a duplicate)
	Error     string    // parse error of the stored raw lead, when quarantined
}

// RawPage is one page of raw leads, newest first.
type RawPage struct {
	Raws       []RawLead
	NextCursor string
}

// BatchCommitter is the inbox's one write: CommitBatch durably commits a
// batch of incoming payloads in one transaction. Each is either stored
// (raw lead, plus its lead when parsed) or recognised as a duplicate of an
// earlier one with the same DedupKey that had not expired when this one was
// received. Outcomes are in the order of in; when it returns nil, every
// outcome is durable. Errors: KindInvalid for an item without an id or
// hash; KindUnavailable or KindInternal when nothing was committed.
type BatchCommitter interface {
	CommitBatch(ctx context.Context, in []Incoming) ([]Outcome, error)
}

// QuarantineStore keeps the raw leads that could not be parsed. GetRaw and
// ResolveQuarantined return KindNotFound for an unknown id;
// ResolveQuarantined returns KindConflict when the raw lead is not
// quarantined; ListQuarantine returns KindInvalid for a bad cursor.
type QuarantineStore interface {
	ListQuarantine(ctx context.Context, limit int, cursor string) (RawPage, error)
	GetRaw(ctx context.Context, id string) (RawLead, error)
	// ResolveQuarantined turns a quarantined raw lead into a lead (parsed
	// non-nil) or records another failed attempt (parseErr).
	ResolveQuarantined(ctx context.Context, id string, parsed *Parsed, parseErr string) (RawLead, error)
	CountQuarantined(ctx context.Context) (int, error)
}
