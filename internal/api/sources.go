package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/sources"
)

// Poller is a source the server polls (an Azure Table).
type Poller interface {
	// Source is its key, e.g. "azure_table:account/table".
	Source() string
	// Sync polls now and returns when that poll has finished.
	Sync(ctx context.Context) error
}

type sourceList struct {
	Sources []sources.Status `json:"sources"`
}

func (s *server) handleListSources(w http.ResponseWriter, r *http.Request) {
	sts, err := s.sources.Statuses(r.Context())
	s.answer(w, r, sourceList{Sources: sts}, err)
}

// syncResult is the outcome of one source's poll.
type syncResult struct {
	Source string `json:"source"`
	OK     bool   `json:"ok"`
	Error  string `json:"error,omitempty"`
}

type syncAnswer struct {
	Results []syncResult `json:"results"`
}

// syncTimeout bounds how long POST /api/v1/sources/sync waits for polls.
const syncTimeout = 5 * time.Minute

// handleSyncSources polls every polled source now (or the one named by
// ?source=) and answers when the polls have finished.
func (s *server) handleSyncSources(w http.ResponseWriter, r *http.Request) {
	want := r.URL.Query().Get("source")
	var targets []Poller
	for _, p := range s.pollers {
		if want == "" || p.Source() == want {
			targets = append(targets, p)
		}
	}
	if want != "" && len(targets) == 0 {
		s.writeError(w, r, lead.Errorf(lead.KindNotFound, "no polled source %q; see GET /api/v1/sources", want))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), syncTimeout)
	defer cancel()
	results := make([]syncResult, len(targets))
	var wg sync.WaitGroup
	for i, p := range targets {
		wg.Go(func() {
			results[i] = syncResult{Source: p.Source(), OK: true}
			if err := p.Sync(ctx); err != nil {
				results[i] = syncResult{Source: p.Source(), Error: err.Error()}
			}
		})
	}
	wg.Wait()
	httpx.WriteJSON(w, http.StatusOK, syncAnswer{Results: results})
}
