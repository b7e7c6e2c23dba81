package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/process"
)

// The follow-up process over the API: a customer's process (also in
// GET /api/v1/customers/{id} as "process"), its activities, its stage,
// reassignment, a qualification override; tasks, teams and rules.

// customerAnswer is a customer with its follow-up process (null when it
// has none: a test or do-not-contact customer).
type customerAnswer struct {
	lead.CustomerDetail
	Process *lead.Process `json:"process"`
}

func (s *server) processReady(w http.ResponseWriter, r *http.Request) bool {
	if s.process == nil || s.processes == nil {
		httpx.WriteProblem(w, r, http.StatusServiceUnavailable, "unavailable", "Service Unavailable",
			"the follow-up process runs with identity resolution (serve --resolve)")
		return false
	}
	return true
}

// processOf is a customer's process, nil when it has none.
func (s *server) processOf(r *http.Request, customerID string) (*lead.Process, error) {
	if s.processes == nil {
		return nil, nil
	}
	p, err := s.processes.GetProcess(r.Context(), customerID)
	if lead.KindOf(err) == lead.KindNotFound {
		return nil, nil
	}
	return p, err
}

// readJSONBody decodes a JSON object body (64 KiB at most, no unknown field).
func readJSONBody(w http.ResponseWriter, r *http.Request, v any, example string) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxActionBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpx.WriteProblem(w, r, http.StatusRequestEntityTooLarge, "too-large", "Content Too Large", "the body exceeds 64 KiB")
		} else {
			httpx.WriteProblem(w, r, http.StatusBadRequest, "unreadable-body", "Bad Request", "the request body could not be read")
		}
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		httpx.WriteProblem(w, r, http.StatusBadRequest, "invalid", "Bad Request", "the body must be a JSON object such as "+example+": "+err.Error())
		return false
	}
	return true
}

// actingUser is the user the caller acts for; a key made before users acts
// as its own name.
func actingUser(r *http.Request) string {
	c, _ := auth.CallerFrom(r.Context())
	if c.UserID != "" {
		return c.UserID
	}
	return c.Actor()
}

func (s *server) handleGetProcess(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	p, err := s.processes.GetProcess(r.Context(), r.PathValue("id"))
	s.answer(w, r, p, err)
}

type activityRequest struct {
	Kind    string    `json:"kind"`
	Outcome string    `json:"outcome"`
	Body    string    `json:"body"`
	At      time.Time `json:"at"`
}

func (s *server) handleAddActivity(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	var req activityRequest
	if !readJSONBody(w, r, &req, `{"kind": "call", "outcome": "connected", "body": "…"}`) {
		return
	}
	if strings.TrimSpace(req.Kind) == "" {
		httpx.InvalidField(w, r, "body.kind", "is required: call, email, meeting or note")
		return
	}
	a, err := s.process.LogActivity(r.Context(), process.ActivityInput{CustomerID: r.PathValue("id"),
		Kind: lead.ActivityKind(req.Kind), Outcome: req.Outcome, Body: req.Body, At: req.At, By: actingUser(r)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, a)
}

func (s *server) handleListActivities(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	as, err := s.processes.ListActivities(r.Context(), r.PathValue("id"))
	s.answer(w, r, map[string]any{"activities": as}, err)
}

type stageRequest struct {
	Stage  string `json:"stage"`
	Reason string `json:"reason"`
}

func (s *server) handleSetStage(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	var req stageRequest
	if !readJSONBody(w, r, &req, `{"stage": "qualified", "reason": "…"}`) {
		return
	}
	p, err := s.process.SetStage(r.Context(), r.PathValue("id"), lead.ProcessStage(req.Stage), req.Reason, actingUser(r))
	s.answer(w, r, p, err)
}

type assignRequest struct {
	User   string `json:"user"`
	Team   string `json:"team"`
	Reason string `json:"reason"`
}

func (s *server) handleAssign(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	var req assignRequest
	if !readJSONBody(w, r, &req, `{"user": "USER-ID", "reason": "…"}`) {
		return
	}
	if req.User == "" {
		httpx.InvalidField(w, r, "body.user", "is required: the id of the new owner")
		return
	}
	p, err := s.process.Reassign(r.Context(), r.PathValue("id"), req.User, req.Team, req.Reason, actingUser(r))
	s.answer(w, r, p, err)
}

type overrideRequest struct {
	Result string `json:"result"`
	Reason string `json:"reason"`
}

func (s *server) handleOverride(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	var req overrideRequest
	if !readJSONBody(w, r, &req, `{"result": "sales_ready", "reason": "…"}`) {
		return
	}
	p, err := s.process.Override(r.Context(), r.PathValue("id"), lead.QualResult(req.Result), req.Reason, actingUser(r))
	s.answer(w, r, p, err)
}

func (s *server) handleListTasks(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	q := r.URL.Query()
	f := lead.TaskFilter{CustomerID: q.Get("customer"), OwnerID: q.Get("owner"), State: lead.TaskState(q.Get("state"))}
	switch f.State {
	case "", lead.TaskOpen, lead.TaskDone, lead.TaskCancelled:
	default:
		httpx.InvalidField(w, r, "state", "must be open, done or cancelled")
		return
	}
	if f.OwnerID == "me" {
		f.OwnerID = actingUser(r)
	}
	ts, err := s.processes.ListTasks(r.Context(), f)
	s.answer(w, r, map[string]any{"tasks": ts}, err)
}

func (s *server) handleListTeams(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	ts, err := s.processes.ListTeams(r.Context())
	s.answer(w, r, map[string]any{"teams": ts}, err)
}

func (s *server) handleListRules(w http.ResponseWriter, r *http.Request) {
	if !s.processReady(w, r) {
		return
	}
	rs, err := s.processes.ListAssignRules(r.Context())
	s.answer(w, r, map[string]any{"rules": rs}, err)
}
