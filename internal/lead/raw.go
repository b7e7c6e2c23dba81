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
	// ImportID is the CSV import the raw lead is a row of ("" for the other
	// channels).
	ImportID string `json:"import_id,omitempty"`
	Body     []byte `json:"-"` // as received, always
	// FixedBody is the body as last corrected by an operator (nil until
	// then); reprocessing parses it instead of Body, which stays as received.
	FixedBody []byte `json:"-"`
}

// Parseable returns the body the parser reads: the operator's correction
// when there is one, else the body as received.
func (r *RawLead) Parseable() []byte {
	if r.FixedBody != nil {
		return r.FixedBody
	}
	return r.Body
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
	// ImportID names the CSV import a row came from.
	ImportID string
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

// QuarantineFilter selects quarantined raw leads. Zero values mean "no
// filter".
type QuarantineFilter struct {
	ImportID string // the rows of one CSV import
	Limit    int    // 1..MaxPageSize; 0 means DefaultPageSize
	Cursor   string // from a previous page's NextCursor
}

// QuarantineStore keeps the raw leads that could not be parsed. GetRaw and
// ResolveQuarantined return KindNotFound for an unknown id;
// ResolveQuarantined returns KindConflict when the raw lead is not
// quarantined; ListQuarantine returns KindInvalid for a bad cursor.
type QuarantineStore interface {
	ListQuarantine(ctx context.Context, f QuarantineFilter) (RawPage, error)
	GetRaw(ctx context.Context, id string) (RawLead, error)
	// ResolveQuarantined turns a quarantined raw lead into a lead (parsed
	// non-nil) or records another failed attempt (parseErr). A non-nil
	// fixed is an operator's correction of the body, which parsed or
	// parseErr is the result of: it is kept as the raw lead's FixedBody
	// (whether or not it parsed), and the body as received is unchanged.
	ResolveQuarantined(ctx context.Context, id string, fixed []byte, parsed *Parsed, parseErr string) (RawLead, error)
	CountQuarantined(ctx context.Context) (int, error)
}
