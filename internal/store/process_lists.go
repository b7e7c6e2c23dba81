package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// The lists of the web app's queue and board: open processes by urgency,
// and each owner's workload.

const (
	// openStage keeps the processes still being worked.
	openStage = `stage IN ('new', 'contacted', 'engaged', 'qualified', 'opportunity')`
	// urgency orders untouched breached clocks first, then at risk, then
	// on track, then the rest; each by due time.
	urgency = ` ORDER BY CASE WHEN sla_first_touch IS NOT NULL THEN 3 WHEN sla_state = 'breached' THEN 0
 WHEN sla_state = 'at_risk' THEN 1 WHEN sla_state = 'on_track' THEN 2 ELSE 3 END, sla_due_at, customer_id LIMIT $#`
	byDue           = ` ORDER BY sla_due_at, customer_id LIMIT $#`
	selectProcesses = `SELECT ` + processColumns + ` FROM processes`
	workloads       = `SELECT owner_id, team_id, count(*),
 sum(CASE WHEN sla_first_touch IS NULL AND sla_state = 'at_risk' THEN 1 ELSE 0 END),
 sum(CASE WHEN sla_first_touch IS NULL AND sla_state = 'breached' THEN 1 ELSE 0 END)
FROM processes WHERE owner_id IS NOT NULL AND ` + openStage + ` GROUP BY owner_id, team_id ORDER BY owner_id, team_id`
	overdueTasks = `SELECT owner_id, count(*) FROM tasks WHERE owner_id IS NOT NULL AND state = 'open' AND due_at < $1 GROUP BY owner_id`
)

// ListProcesses returns open processes by urgency, each with its customer.
func (s *Store) ListProcesses(ctx context.Context, f lead.ProcessFilter) ([]lead.ProcessRow, error) {
	w := where{}
	w.add(openStage, nil)
	if f.OwnerID != "" {
		w.add(`owner_id = $#`, f.OwnerID)
	}
	if f.Unowned {
		w.add(`owner_id IS NULL`, nil)
	}
	if f.TeamID != "" {
		w.add(`team_id = $#`, f.TeamID)
	}
	order := urgency
	if len(f.States) == 1 {
		// Untouched clocks of one state: the urgency is the due time
		// alone, read in order from processes_team or processes_state
		// (0017) instead of sorting every matching row.
		w.add(`sla_first_touch IS NULL AND sla_state = $#`, string(f.States[0]))
		order = byDue
	} else if len(f.States) > 0 {
		var in []string
		for _, st := range f.States {
			w.args = append(w.args, string(st))
			in = append(in, "$"+strconv.Itoa(len(w.args)))
		}
		w.add(`sla_first_touch IS NULL AND sla_state IN (`+strings.Join(in, ", ")+`)`, nil)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 200
	}
	limit = min(limit, 500)
	q, args := w.sql(selectProcesses, order, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	ps, err := collect(rows, err, []lead.Process{}, scanProcess)
	if err != nil {
		return nil, s.fail("listing processes", err)
	}
	out := make([]lead.ProcessRow, 0, len(ps))
	if len(ps) == 0 {
		return out, nil
	}
	ids := make([]any, len(ps))
	marks := make([]string, len(ps))
	for i, p := range ps {
		ids[i], marks[i] = p.CustomerID, "$"+strconv.Itoa(i+1)
	}
	rows, err = s.r.QueryContext(ctx, `SELECT `+customerColumns+` FROM customers WHERE id IN (`+strings.Join(marks, ", ")+`)`, ids...)
	cs, err := collect(rows, err, []lead.Customer{}, scanCustomer)
	if err != nil {
		return nil, s.fail("listing the customers of processes", err)
	}
	byID := make(map[string]lead.Customer, len(cs))
	for _, c := range cs {
		byID[c.ID] = c
	}
	for _, p := range ps {
		c, ok := byID[p.CustomerID]
		if !ok {
			c = lead.Customer{ID: p.CustomerID}
		}
		out = append(out, lead.ProcessRow{Process: p, Customer: c})
	}
	return out, nil
}

// Workloads returns each owner's open customers per team, with the clocks
// at risk or breached and the follow-up tasks overdue at now.
func (s *Store) Workloads(ctx context.Context, now time.Time) ([]lead.Workload, error) {
	rows, err := s.r.QueryContext(ctx, workloads)
	ws, err := collect(rows, err, []lead.Workload{}, func(sc scanner) (lead.Workload, error) {
		var (
			w                      lead.Workload
			team                   *string
			open, atRisk, breached int64
		)
		err := sc.Scan(&w.OwnerID, &team, &open, &atRisk, &breached)
		if team != nil {
			w.TeamID = *team
		}
		w.Open, w.AtRisk, w.Breached = int(open), int(atRisk), int(breached)
		return w, err
	})
	if err != nil {
		return nil, s.fail("counting workloads", err)
	}
	overdue := map[string]int{}
	rows, err = s.r.QueryContext(ctx, overdueTasks, now.UnixMicro())
	err = eachRow(rows, err, func(sc scanner) error {
		var (
			owner string
			n     int64
		)
		if err := sc.Scan(&owner, &n); err != nil {
			return err
		}
		overdue[owner] = int(n)
		return nil
	})
	if err != nil {
		return nil, s.fail("counting overdue tasks", err)
	}
	// An owner's overdue tasks are told on their first row.
	seen := map[string]bool{}
	for i := range ws {
		if !seen[ws[i].OwnerID] {
			ws[i].OverdueTasks, seen[ws[i].OwnerID] = overdue[ws[i].OwnerID], true
		}
	}
	for owner, n := range overdue {
		if !seen[owner] {
			ws = append(ws, lead.Workload{OwnerID: owner, OverdueTasks: n})
		}
	}
	slices.SortStableFunc(ws, func(a, b lead.Workload) int { return strings.Compare(a.OwnerID, b.OwnerID) })
	return ws, nil
}
