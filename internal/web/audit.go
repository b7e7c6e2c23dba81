package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// The audit log: every identity decision, newest first, with what it
// changed and an Undo button.

// auditActions are the actions the audit log's filter offers.
var auditActions = []lead.AuditAction{lead.AuditResolve, lead.AuditMerge, lead.AuditSplit, lead.AuditDismiss, lead.AuditUndo,
	lead.AuditAccountMove, lead.AuditAccountMerge, lead.AuditAccountSplit, lead.AuditAccounts, lead.AuditProcess}

// auditRow is one entry as the pages show it: the entry, what its
// payload says it changed, and whether it may still be undone.
type auditRow struct {
	lead.AuditEntry
	// ActorLink lists the actor's entries.
	ActorLink string
	Change    lead.Change
	Undoable  bool
	// Process lists, for an entry of the follow-up process, what it
	// recorded (what changed, from and to, due times), sorted by name.
	Process []auditField
}

type auditField struct{ Name, Value string }

func newAuditRow(e lead.AuditEntry) auditRow {
	row := auditRow{AuditEntry: e, Undoable: e.UndoneBy == "" && e.Action != lead.AuditUndo && e.Action != lead.AuditProcess,
		ActorLink: "/audit?" + url.Values{"actor": {e.Actor}}.Encode()}
	if len(e.Payload) > 0 {
		_ = json.Unmarshal(e.Payload, &row.Change) // what does not read shows no details
	}
	if e.Action == lead.AuditProcess {
		var m map[string]any
		if json.Unmarshal(e.Payload, &m) == nil {
			for k, v := range m {
				val := fmt.Sprint(v)
				if _, ok := v.(string); !ok {
					if b, err := json.Marshal(v); err == nil {
						val = string(b)
					}
				}
				row.Process = append(row.Process, auditField{k, val})
			}
			slices.SortFunc(row.Process, func(a, b auditField) int { return strings.Compare(a.Name, b.Name) })
		}
	}
	return row
}

type auditData struct {
	User    *lead.User
	Entries []auditRow
	Actions []lead.AuditAction
	// The filter as asked; Next is the query of the next page.
	Customer, Lead, Account, Actor string
	Action                         lead.AuditAction
	Next                           string
	Error                          string
}

// auditLog lists the audit entries, newest first, a page at a time,
// filtered by customer, lead, account, action or actor.
func (s *server) auditLog(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	q := r.URL.Query()
	d := auditData{User: &u, Actions: auditActions,
		Customer: bounded(q.Get("customer"), maxID), Lead: bounded(q.Get("lead"), maxID), Account: bounded(q.Get("account"), maxID),
		Actor: bounded(q.Get("actor"), 256)}
	if a := lead.AuditAction(q.Get("action")); slices.Contains(auditActions, a) {
		d.Action = a
	}
	page, err := s.Store.ListAudit(r.Context(), lead.AuditFilter{Customer: d.Customer, Lead: d.Lead, Account: d.Account,
		Action: d.Action, Actor: d.Actor, Limit: pageSize, Cursor: bounded(q.Get("cursor"), 512)})
	if err != nil {
		if lead.KindOf(err) != lead.KindInvalid {
			s.fail(w, r, err)
			return
		}
		d.Error = "This page of the audit log does not exist (the link is broken); start again from the first page."
	}
	for _, e := range page.Entries {
		d.Entries = append(d.Entries, newAuditRow(e))
	}
	if page.NextCursor != "" {
		next := url.Values{"cursor": {page.NextCursor}}
		for k, v := range map[string]string{"customer": d.Customer, "lead": d.Lead, "account": d.Account, "action": string(d.Action), "actor": d.Actor} {
			if v != "" {
				next.Set(k, v)
			}
		}
		d.Next = "/audit?" + next.Encode()
	}
	s.render(w, http.StatusOK, "audit", d)
}

type auditEntryData struct {
	User  *lead.User
	Entry auditRow
	// Payload is the entry's payload, indented for people.
	Payload string
	Error   string
	Notice  string
}

// auditEntry shows one entry with everything it changed.
func (s *server) auditEntry(w http.ResponseWriter, r *http.Request) {
	e, err := s.Store.GetAudit(r.Context(), r.PathValue("entry"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := s.auditEntryData(r, e)
	if r.URL.Query().Get("done") == "undo" {
		d.Notice = "Undone."
	}
	s.render(w, http.StatusOK, "audit-entry", d)
}

func (s *server) auditEntryData(r *http.Request, e lead.AuditEntry) auditEntryData {
	u := userFrom(r.Context())
	d := auditEntryData{User: &u, Entry: newAuditRow(e), Payload: string(e.Payload)}
	var v any
	if json.Unmarshal(e.Payload, &v) == nil {
		if b, err := json.MarshalIndent(v, "", "  "); err == nil {
			d.Payload = string(b)
		}
	}
	return d
}

// reasonForm reads a small form whose one field is a reason; on failure
// it has answered the request.
func (s *server) reasonForm(w http.ResponseWriter, r *http.Request) (string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		s.message(w, http.StatusBadRequest, "Bad Request", "The form could not be read.", "/", "Back to leadhub")
		return "", false
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if len(reason) > maxReason {
		s.message(w, http.StatusBadRequest, "Bad Request", "The reason is too long (at most 2000 characters).", "/", "Back to leadhub")
		return "", false
	}
	return reason, true
}

// bounded returns s, or "" when it is longer than n bytes.
func bounded(s string, n int) string {
	if len(s) > n {
		return ""
	}
	return strings.TrimSpace(s)
}

// statusOf is the HTTP status of err's kind.
func statusOf(err error) int {
	status, _ := httpx.StatusOf(lead.KindOf(err))
	return status
}
