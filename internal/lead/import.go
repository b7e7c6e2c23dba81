package lead

import (
	"context"
	"time"
)

// ImportStatus is where a CSV import is.
type ImportStatus string

const (
	ImportRunning ImportStatus = "running"
	ImportDone    ImportStatus = "done"
	ImportFailed  ImportStatus = "failed" // stopped early; Error says why
)

// RowError is a row of an imported file that did not import cleanly.
type RowError struct {
	Line    int64  `json:"line"` // 1-based line number in the file (the header is line 1)
	Message string `json:"message"`
	// Outcome is what became of the row: RowFlagged, RowQuarantined or
	// RowFailed.
	Outcome RowOutcome `json:"outcome"`
	// ID is the lead (flagged) or the quarantined raw lead the row became;
	// "" when nothing was stored.
	ID string `json:"id,omitempty"`
}

// RowOutcome is what became of a row that did not import cleanly.
type RowOutcome string

const (
	// RowFlagged: a lead, with a parse note on a value that was repaired
	// or could not be used (kept aside, in the lead's extra).
	RowFlagged RowOutcome = "flagged"
	// RowQuarantined: no lead; the row is kept raw in quarantine, to be
	// corrected and reprocessed.
	RowQuarantined RowOutcome = "quarantined"
	// RowFailed: not stored at all (the database failed, or the rest of
	// the file could not be read).
	RowFailed RowOutcome = "failed"
)

// Import is one CSV import and its progress.
type Import struct {
	ID         string       `json:"id"`
	Filename   string       `json:"filename"`
	Status     ImportStatus `json:"status"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	// Every row read is counted once: when the import is done, Rows =
	// Created + Flagged + Duplicates + Quarantined + Failed.
	Rows        int64      `json:"rows"`        // data rows read so far
	Created     int64      `json:"created"`     // new leads, clean
	Flagged     int64      `json:"flagged"`     // new leads with a parse note (a value repaired or kept aside)
	Duplicates  int64      `json:"duplicates"`  // rows already imported before (or repeated in the file)
	Quarantined int64      `json:"quarantined"` // rows that cannot become leads, kept raw in quarantine
	Failed      int64      `json:"failed"`      // rows not stored at all
	Errors      []RowError `json:"errors"`      // the first MaxImportErrors rows that did not import cleanly
	Error       string     `json:"error,omitempty"`
}

// MaxImportErrors caps the row errors an Import keeps.
const MaxImportErrors = 1000

// ImportStore keeps CSV imports and their progress. UpdateImport and
// GetImport return KindNotFound for an unknown id; other errors are
// KindUnavailable or KindInternal.
type ImportStore interface {
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
}
