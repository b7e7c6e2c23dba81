package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
)

// Jobs is the admin's view of the durable jobs (a *jobs.Runner).
type Jobs interface {
	List(ctx context.Context, f jobs.Filter) ([]jobs.Job, error)
	Retry(ctx context.Context, id int64) (jobs.Job, error)
	Cancel(ctx context.Context, id int64) (jobs.Job, error)
}

type jobList struct {
	Jobs []jobs.Job `json:"jobs"`
}

// handleListJobs lists jobs, the newest first, by ?state=, ?kind= and
// ?limit=.
func (s *server) handleListJobs(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		s.writeError(w, r, lead.Errorf(lead.KindUnavailable, "jobs are not available on this server"))
		return
	}
	q := r.URL.Query()
	f := jobs.Filter{State: q.Get("state"), Kind: q.Get("kind")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > jobs.MaxList {
			s.writeError(w, r, lead.Errorf(lead.KindInvalid, "limit must be an integer from 1 to %d", jobs.MaxList))
			return
		}
		f.Limit = n
	}
	list, err := s.jobs.List(r.Context(), f)
	if err != nil {
		s.writeError(w, r, jobError(err))
		return
	}
	httpx.WriteJSON(w, http.StatusOK, jobList{Jobs: list})
}

func (s *server) handleRetryJob(w http.ResponseWriter, r *http.Request) {
	s.jobAction(w, r, s.jobsRetry)
}

func (s *server) handleCancelJob(w http.ResponseWriter, r *http.Request) {
	s.jobAction(w, r, s.jobsCancel)
}

func (s *server) jobsRetry(ctx context.Context, id int64) (jobs.Job, error) {
	return s.jobs.Retry(ctx, id)
}

func (s *server) jobsCancel(ctx context.Context, id int64) (jobs.Job, error) {
	return s.jobs.Cancel(ctx, id)
}

// jobAction runs do on the job named by the path and answers the job as
// it is afterwards.
func (s *server) jobAction(w http.ResponseWriter, r *http.Request, do func(context.Context, int64) (jobs.Job, error)) {
	if s.jobs == nil {
		s.writeError(w, r, lead.Errorf(lead.KindUnavailable, "jobs are not available on this server"))
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.writeError(w, r, lead.Errorf(lead.KindNotFound, "no job %q; job ids are positive integers", r.PathValue("id")))
		return
	}
	j, err := do(r.Context(), id)
	if err != nil {
		s.writeError(w, r, jobError(err))
		return
	}
	s.log.Info("job changed by an admin", "job_id", j.ID, "kind", j.Kind, "state", j.State, "path", r.URL.Path)
	httpx.WriteJSON(w, http.StatusOK, j)
}

// jobError gives the runner's errors their kind.
func jobError(err error) error {
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		return lead.Errorf(lead.KindNotFound, "no such job")
	case errors.Is(err, jobs.ErrInvalidState):
		return lead.Errorf(lead.KindInvalid, "%s; states: %v", err.Error(), jobs.States)
	}
	return &lead.Error{Kind: lead.KindInternal, Op: "jobs", Message: "jobs failed", Err: err}
}
