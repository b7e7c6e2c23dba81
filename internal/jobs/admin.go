package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// ErrNotFound is returned by Retry and Cancel for a job that does not exist
// (or was removed by the cleaner).
var ErrNotFound = errors.New("jobs: no such job")

// ErrInvalidState is returned by List for a state River does not know.
var ErrInvalidState = errors.New("jobs: unknown job state")

// States are the states a job can be in, in the order of its life.
var States = []string{
	string(rivertype.JobStateScheduled), string(rivertype.JobStateAvailable), string(rivertype.JobStateRunning),
	string(rivertype.JobStateRetryable), string(rivertype.JobStateCompleted), string(rivertype.JobStateCancelled),
	string(rivertype.JobStateDiscarded), string(rivertype.JobStatePending),
}

// Filter selects the jobs List returns.
type Filter struct {
	State string // one of States, or "" for all
	Kind  string // "" for all
	Limit int    // 1..MaxList; DefaultList when 0
}

// List page sizes.
const (
	DefaultList = 50
	MaxList     = 500
)

// Job is what an admin sees of one job.
type Job struct {
	ID          int64           `json:"id"`
	Kind        string          `json:"kind"`
	Queue       string          `json:"queue"`
	State       string          `json:"state"`
	Attempt     int             `json:"attempt"`
	MaxAttempts int             `json:"max_attempts"`
	Args        json.RawMessage `json:"args"`
	Errors      []AttemptError  `json:"errors"`
	CreatedAt   time.Time       `json:"created_at"`
	ScheduledAt time.Time       `json:"scheduled_at"`
	AttemptedAt *time.Time      `json:"attempted_at,omitempty"`
	FinalizedAt *time.Time      `json:"finalized_at,omitempty"`
}

// AttemptError is the error of one attempt.
type AttemptError struct {
	At      time.Time `json:"at"`
	Attempt int       `json:"attempt"`
	Error   string    `json:"error"`
}

// List returns the jobs f selects, the newest first.
func (r *Runner) List(ctx context.Context, f Filter) ([]Job, error) {
	limit := f.Limit
	switch {
	case limit == 0:
		limit = DefaultList
	case limit < 0 || limit > MaxList:
		return nil, fmt.Errorf("jobs: limit must be between 1 and %d", MaxList)
	}
	p := river.NewJobListParams().First(limit).OrderBy(river.JobListOrderByID, river.SortOrderDesc)
	if f.State != "" {
		if !validState(f.State) {
			return nil, fmt.Errorf("%w %q", ErrInvalidState, f.State)
		}
		p = p.States(rivertype.JobState(f.State))
	}
	if f.Kind != "" {
		p = p.Kinds(f.Kind)
	}
	res, err := r.client.JobList(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("jobs: list: %w", err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, j := range res.Jobs {
		out = append(out, jobOf(j))
	}
	return out, nil
}

func validState(s string) bool {
	for _, v := range States {
		if v == s {
			return true
		}
	}
	return false
}

// Get returns one job.
func (r *Runner) Get(ctx context.Context, id int64) (Job, error) {
	j, err := r.client.JobGet(ctx, id)
	if err != nil {
		return Job{}, notFound("get", err)
	}
	return jobOf(j), nil
}

// Retry makes a job available to run now, whatever its state (a job that
// is running is left alone); its attempts so far still count.
func (r *Runner) Retry(ctx context.Context, id int64) (Job, error) {
	j, err := r.client.JobRetry(ctx, id)
	if err != nil {
		return Job{}, notFound("retry", err)
	}
	return jobOf(j), nil
}

// Cancel cancels a job: one that waits never runs, one that runs has its
// context cancelled and is not retried. A finished job stays as it is.
func (r *Runner) Cancel(ctx context.Context, id int64) (Job, error) {
	j, err := r.client.JobCancel(ctx, id)
	if err != nil {
		return Job{}, notFound("cancel", err)
	}
	return jobOf(j), nil
}

func notFound(op string, err error) error {
	if errors.Is(err, rivertype.ErrNotFound) {
		return ErrNotFound
	}
	return fmt.Errorf("jobs: %s: %w", op, err)
}

func jobOf(j *rivertype.JobRow) Job {
	out := Job{
		ID: j.ID, Kind: j.Kind, Queue: j.Queue, State: string(j.State),
		Attempt: j.Attempt, MaxAttempts: j.MaxAttempts, Args: json.RawMessage(j.EncodedArgs),
		Errors: []AttemptError{}, CreatedAt: j.CreatedAt.UTC(), ScheduledAt: j.ScheduledAt.UTC(),
		AttemptedAt: utc(j.AttemptedAt), FinalizedAt: utc(j.FinalizedAt),
	}
	for _, e := range j.Errors {
		out.Errors = append(out.Errors, AttemptError{At: e.At.UTC(), Attempt: e.Attempt, Error: e.Error})
	}
	return out
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
