package api

import (
	"net/http"

	"github.com/leadhub/leadhub/internal/httpx"
)

// writeError answers with the problem for err (httpx.WriteError with the
// server's log).
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, s.log, err)
}
