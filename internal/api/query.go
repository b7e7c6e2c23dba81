package api

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// query reads a request's query parameters and collects every invalid one,
// so that a 400 lists them all rather than the first.
type query struct {
	v    url.Values
	errs []httpx.FieldError
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) bad(name, msg string) {
	q.errs = append(q.errs, httpx.FieldError{Location: "query." + name, Message: msg})
}

// str returns a text parameter of at most max bytes.
func (q *query) str(name string, max int) string {
	v := q.v.Get(name)
	if len(v) > max {
		q.bad(name, "must be at most "+strconv.Itoa(max)+" bytes")
	}
	return v
}

// oneOf returns a parameter that must be empty or one of valid.
func (q *query) oneOf(name string, valid ...string) string {
	v := q.v.Get(name)
	if v != "" && !slices.Contains(valid, v) {
		q.bad(name, "must be one of "+strings.Join(valid, ", "))
	}
	return v
}

// boolean returns a true/false parameter (nil when absent).
func (q *query) boolean(name string) *bool {
	v := q.v.Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		q.bad(name, "must be true or false")
		return nil
	}
	return &b
}

// time returns an RFC 3339 time parameter (zero when absent).
func (q *query) time(name string) time.Time {
	v := q.v.Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		q.bad(name, "must be an RFC 3339 time such as 2026-01-31T09:00:00Z")
	}
	return t
}

// limit returns the page size (0 when absent: the default).
func (q *query) limit() int {
	v := q.v.Get("limit")
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > lead.MaxPageSize {
		q.bad("limit", "must be an integer from 1 to "+strconv.Itoa(lead.MaxPageSize))
		return 0
	}
	return n
}

// page returns the page size and the cursor.
func (q *query) page() (int, string) { return q.limit(), q.str("cursor", 512) }

// ok answers 400 with every invalid parameter and returns false, or
// returns true when there is none.
func (q *query) ok(w http.ResponseWriter, r *http.Request) bool {
	if len(q.errs) == 0 {
		return true
	}
	httpx.BadRequest(w, r, "invalid query parameters", q.errs)
	return false
}

// stages and auditActions are the values the filters accept.
var (
	stages       = []string{string(lead.StageInterest), string(lead.StageTrial), string(lead.StageActive), string(lead.StageNotifyOnly), string(lead.StageTest)}
	auditActions = []string{string(lead.AuditResolve), string(lead.AuditMerge), string(lead.AuditSplit), string(lead.AuditDismiss), string(lead.AuditUndo),
		string(lead.AuditAccountMove), string(lead.AuditAccountMerge), string(lead.AuditAccountSplit), string(lead.AuditAccounts), string(lead.AuditProcess)}
)

// answer writes v as 200 JSON, or the problem for err.
func (s *server) answer(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}
