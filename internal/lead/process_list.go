package lead

import (
	"context"
	"time"
)

// ProcessFilter selects open processes (stage new, contacted, engaged,
// qualified or opportunity) for a queue or a board. Zero values mean "no
// filter".
type ProcessFilter struct {
	OwnerID string
	Unowned bool // only the processes nobody owns
	TeamID  string
	// States keeps the processes whose first-touch clock is in one of
	// these states and still untouched (at_risk, breached, on_track).
	States []SLAStatus
	Limit  int // 200 when 0; 500 at most
}

// ProcessRow is an open process with what a list shows of its customer.
type ProcessRow struct {
	Process
	Customer Customer `json:"customer"`
}

// Urgent reports whether the row's first-touch clock runs untouched.
func (r ProcessRow) Urgent() bool {
	return r.SLA.FirstTouchAt == nil && !r.SLA.DueAt.IsZero()
}

// Workload is one owner's open customers in one team, with how many of
// their clocks are at risk or breached (untouched), and how many of their
// follow-up tasks are overdue.
type Workload struct {
	OwnerID      string `json:"owner"`
	TeamID       string `json:"team"`
	Open         int    `json:"open"`
	AtRisk       int    `json:"at_risk"`
	Breached     int    `json:"breached"`
	OverdueTasks int    `json:"overdue_tasks"`
}

// ProcessLister lists open processes by urgency (untouched clocks,
// breached first, then at risk, then by due time; then the rest by last
// change) and the owners' workloads at now.
type ProcessLister interface {
	ListProcesses(ctx context.Context, f ProcessFilter) ([]ProcessRow, error)
	Workloads(ctx context.Context, now time.Time) ([]Workload, error)
}
