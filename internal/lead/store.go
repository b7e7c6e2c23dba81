package lead

import (
	"context"
	"time"
)

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

// LeadFilter selects leads. Zero values mean "no filter".
type LeadFilter struct {
	Offer          string // matches "publisher.offer", the offer id alone, or the offer title
	Action         string
	Source         string
	Stage          Stage
	IsTest         *bool
	ReceivedAfter  time.Time // exclusive
	ReceivedBefore time.Time // exclusive
	Query          string    // case-insensitive substring of name, email or company
	Limit          int       // 1..MaxPageSize; 0 means DefaultPageSize
	Cursor         string    // from a previous page's NextCursor
}

// Page sizes for list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// LeadPage is one page of leads, newest first.
type LeadPage struct {
	Leads      []Lead
	NextCursor string // empty on the last page
}

// RawPage is one page of raw leads, newest first.
type RawPage struct {
	Raws       []RawLead
	NextCursor string
}

// CredentialKind tells ingest tokens and API keys apart.
type CredentialKind string

const (
	CredentialIngest CredentialKind = "ingest" // the `code` in the marketplace URL
	CredentialAPI    CredentialKind = "api"    // Authorization: Bearer for /api/v1
)

// SourceActivity is what the store knows of one source's traffic: derived
// from the raw leads it delivered and from the results its poller recorded.
type SourceActivity struct {
	Source       string
	LastReceived time.Time      // zero when nothing arrived yet
	Total        int64          // raw leads ever received
	PerDay       map[string]int // "2006-01-02" (UTC) → raw leads, for the days asked
	LastError    string
	LastErrorAt  time.Time
	LastOKAt     time.Time // last successful poll or delivery
	Failures     int       // consecutive failed attempts
}

// Credential is a stored secret, by its hash. The secret itself is shown
// once at creation and never stored.
type Credential struct {
	ID        string         `json:"id"`
	Kind      CredentialKind `json:"kind"`
	Name      string         `json:"name"`
	Hint      string         `json:"hint"` // first characters, to recognise it in a list
	Hash      string         `json:"-"`    // hex sha256 of the secret
	CreatedAt time.Time      `json:"created_at"`
	RevokedAt *time.Time     `json:"revoked_at,omitempty"`
}

// Store is leadhub's persistence seam. Implementations: internal/store on
// SQLite and PostgreSQL. Errors are *Error with KindNotFound for a missing
// id and KindInvalid for a bad cursor; anything else is KindInternal or
// KindUnavailable.
type Store interface {
	// CommitBatch durably commits a batch of incoming payloads in one
	// transaction: each is either stored (raw lead, plus its lead when
	// parsed) or recognised as a duplicate of an earlier one with the same
	// DedupKey that had not expired when this one was received. Outcomes
	// are in the order of in. When it returns nil, every outcome is durable.
	CommitBatch(ctx context.Context, in []Incoming) ([]Outcome, error)

	ListLeads(ctx context.Context, f LeadFilter) (LeadPage, error)
	// GetLead returns the lead with its raw body.
	GetLead(ctx context.Context, id string) (Lead, error)

	ListQuarantine(ctx context.Context, limit int, cursor string) (RawPage, error)
	GetRaw(ctx context.Context, id string) (RawLead, error)
	// ResolveQuarantined turns a quarantined raw lead into a lead (parsed
	// non-nil) or records another failed attempt (parseErr). It returns
	// KindConflict when the raw lead is not quarantined.
	ResolveQuarantined(ctx context.Context, id string, parsed *Parsed, parseErr string) (RawLead, error)
	CountQuarantined(ctx context.Context) (int, error)

	CreateCredential(ctx context.Context, c Credential) error
	ListCredentials(ctx context.Context, kind CredentialKind) ([]Credential, error)
	// RevokeCredential revokes by id or by hint prefix; KindNotFound if none.
	RevokeCredential(ctx context.Context, kind CredentialKind, idOrHint string) (Credential, error)
	// ActiveCredentialHashes returns hashes of unrevoked credentials.
	ActiveCredentialHashes(ctx context.Context, kind CredentialKind) ([]string, error)

	// GetCheckpoint returns a source's saved progress ("" when none).
	GetCheckpoint(ctx context.Context, source string) (string, error)
	// SetCheckpoint saves a source's progress durably.
	SetCheckpoint(ctx context.Context, source, value string) error
	// RecordSourceResult notes a poll or import outcome: errText "" is a
	// success (it resets the failure count).
	RecordSourceResult(ctx context.Context, source, errText string, at time.Time) error
	// SourceActivity lists every source that delivered or recorded
	// something, with per-day counts from since (UTC days) on.
	SourceActivity(ctx context.Context, since time.Time) ([]SourceActivity, error)

	CreateImport(ctx context.Context, im Import) error
	// UpdateImport saves an import's progress (by ID).
	UpdateImport(ctx context.Context, im Import) error
	GetImport(ctx context.Context, id string) (Import, error)
	// ListImports returns the most recent imports, newest first.
	ListImports(ctx context.Context, limit int) ([]Import, error)
	// FailStaleImports marks running imports whose progress has not been
	// saved since before as failed with reason (their server died), and
	// returns how many it marked.
	FailStaleImports(ctx context.Context, before time.Time, reason string) (int, error)

	Ping(ctx context.Context) error
	Close() error
}
