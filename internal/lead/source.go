package lead

import (
	"context"
	"time"
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

// SourceProgress is what a polling source keeps between polls: its
// checkpoint and the outcome of each poll or import. Errors are
// KindUnavailable or KindInternal.
type SourceProgress interface {
	// GetCheckpoint returns a source's saved progress ("" when none).
	GetCheckpoint(ctx context.Context, source string) (string, error)
	// SetCheckpoint saves a source's progress durably.
	SetCheckpoint(ctx context.Context, source, value string) error
	SourceRecorder
}

// SourceRecorder notes the outcome of a poll or an import: errText "" is
// a success (it resets the failure count). Errors are KindUnavailable or
// KindInternal.
type SourceRecorder interface {
	RecordSourceResult(ctx context.Context, source, errText string, at time.Time) error
}

// SourceActivityReader lists every source that delivered or recorded
// something, with per-day counts from since (UTC days) on. Errors are
// KindUnavailable or KindInternal.
type SourceActivityReader interface {
	SourceActivity(ctx context.Context, since time.Time) ([]SourceActivity, error)
}
