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

// RowError is a problem with one row of an imported file.
type RowError struct {
	Line    int64  `json:"line"` // 1-based line number in the file (the header is line 1)
	Message string `json:"message"`
}

// Import is one CSV import and its progress.
type Import struct {
	ID         string       `json:"id"`
	Filename   string       `json:"filename"`
	Status     ImportStatus `json:"status"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	Rows       int64        `json:"rows"`       // data rows read so far
	Created    int64        `json:"created"`    // new leads
	Duplicates int64        `json:"duplicates"` // rows already imported before (or repeated in the file)
	Failed     int64        `json:"failed"`     // rows with errors
	Errors     []RowError   `json:"errors"`     // the first MaxImportErrors row errors
	Error      string       `json:"error,omitempty"`
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
