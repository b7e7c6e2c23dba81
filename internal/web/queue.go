package web

import (
	"net/http"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// My queue (a rep's open customers by first-touch urgency, with their open
// follow-up tasks) and the Team board (a manager's view: breached and at
// risk first, then each rep's workload).

// boardList is how many customers each list of the board shows.
const boardList = 50

type queueData struct {
	User  *lead.User
	Ready bool
	Rows  []lead.ProcessRow
	Tasks []queueTask
	Names map[string]string
	Now   time.Time
}

// queueTask is an open follow-up task with its customer's name.
type queueTask struct {
	lead.Task
	Customer string
	Overdue  bool
}

// queue shows the signed-in user's open customers, the most urgent first,
// and their open follow-up tasks.
func (s *server) queue(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	d := queueData{User: &u, Ready: s.Process != nil, Now: s.Now()}
	var err error
	if d.Rows, err = s.Store.ListProcesses(ctx, lead.ProcessFilter{OwnerID: u.ID}); err != nil {
		s.fail(w, r, err)
		return
	}
	tasks, err := s.Store.ListTasks(ctx, lead.TaskFilter{OwnerID: u.ID, State: lead.TaskOpen, Limit: 200})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, row := range d.Rows {
		names[row.CustomerID] = personName(row.Customer)
	}
	for _, t := range tasks {
		n, ok := names[t.CustomerID]
		if !ok {
			n = "customer " + t.CustomerID
		}
		d.Tasks = append(d.Tasks, queueTask{Task: t, Customer: n, Overdue: t.DueAt.Before(d.Now)})
	}
	if d.Names, _, err = s.names(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "queue", d)
}

type boardData struct {
	User                      *lead.User
	Ready                     bool
	Team                      string // the team shown ("": every team)
	Teams                     []lead.Team
	Breached, AtRisk, OnTrack []lead.ProcessRow
	Unowned                   []lead.ProcessRow
	Loads                     []boardLoad
	Names                     map[string]string
	Now                       time.Time
	OpenTotal, BreachedTotal  int
	AtRiskTotal, OverdueTotal int
}

// boardLoad is a rep's workload in a team, with the rep's capacity there.
type boardLoad struct {
	lead.Workload
	Capacity    int // 0: no limit
	OutOfOffice bool
	Full        bool // at or over capacity
}

// board shows a manager the customers whose first touch is breached or at
// risk, the next ones due, and each rep's workload.
func (s *server) board(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	d := boardData{User: &u, Ready: s.Process != nil, Now: s.Now(), Team: r.URL.Query().Get("team")}
	var err error
	if d.Teams, err = s.Store.ListTeams(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	members := map[[2]string]lead.TeamMember{}
	known := d.Team == ""
	for _, t := range d.Teams {
		known = known || t.ID == d.Team
		for _, m := range t.Members {
			members[[2]string{t.ID, m.UserID}] = m
		}
	}
	if !known {
		s.message(w, http.StatusNotFound, "Not found", "There is no team "+d.Team+".", "/board", "Every team")
		return
	}
	list := func(st lead.SLAStatus) []lead.ProcessRow {
		if err != nil {
			return nil
		}
		var rows []lead.ProcessRow
		rows, err = s.Store.ListProcesses(ctx, lead.ProcessFilter{TeamID: d.Team, States: []lead.SLAStatus{st}, Limit: boardList})
		return rows
	}
	d.Breached, d.AtRisk, d.OnTrack = list(lead.SLABreached), list(lead.SLAAtRisk), list(lead.SLAOnTrack)
	if err == nil {
		d.Unowned, err = s.Store.ListProcesses(ctx, lead.ProcessFilter{TeamID: d.Team, Unowned: true, Limit: boardList})
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loads, err := s.Store.Workloads(ctx, d.Now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, l := range loads {
		if d.Team != "" && l.TeamID != d.Team {
			continue
		}
		d.OverdueTotal += l.OverdueTasks
		m := members[[2]string{l.TeamID, l.OwnerID}]
		d.Loads = append(d.Loads, boardLoad{Workload: l, Capacity: m.Capacity, OutOfOffice: m.OutOfOffice,
			Full: m.Capacity > 0 && l.Open >= m.Capacity})
		d.OpenTotal += l.Open
		d.BreachedTotal += l.Breached
		d.AtRiskTotal += l.AtRisk
	}
	if d.Names, _, err = s.names(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "board", d)
}
