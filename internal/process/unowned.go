package process

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/leadhub/leadhub/internal/lead"
)

// Customers nobody owns: when a customer comes and its team has nobody
// who can take it (no member yet, everyone out of office or at capacity),
// it opens without an owner, its clock already running, and its team's
// managers are told. A periodic job looks for such customers every minute
// (an indexed query on the processes without an owner: nothing is scanned
// when there are none) and gives each to whoever the rules give it to now,
// keeping its clock: the customer has been waiting since it came.

// UnownedArgs is the job of one minute.
type UnownedArgs struct {
	Minute time.Time `json:"minute"`
}

// Kind is the job kind.
func (UnownedArgs) Kind() string { return "process.unowned" }

// InsertOpts makes the job unique by its minute.
func (UnownedArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// unownedEvery is the period of the job; unownedBatch how many customers
// one run looks at.
const (
	unownedEvery = time.Minute
	unownedBatch = 100
)

// UnownedWorker works UnownedArgs.
type UnownedWorker struct {
	river.WorkerDefaults[UnownedArgs]
	E *Engine
}

// Work assigns the customers nobody owns.
func (w *UnownedWorker) Work(ctx context.Context, _ *river.Job[UnownedArgs]) error {
	_, err := w.E.AssignUnowned(ctx)
	return err
}

// AssignUnowned gives the open customers nobody owns to whoever the rules
// give them to now, and returns how many found an owner.
func (e *Engine) AssignUnowned(ctx context.Context) (int, error) {
	// One at a time in this process, and not during a drain (which may
	// take long after a bulk import): the next minute's run tries again.
	if !e.mu.TryLock() {
		return 0, nil
	}
	defer e.mu.Unlock()
	rows, err := e.d.Store.ListProcesses(ctx, lead.ProcessFilter{Unowned: true, Limit: unownedBatch})
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	w, err := e.load(ctx)
	if err != nil {
		return 0, err
	}
	assigned := 0
	for _, r := range rows {
		in, err := e.d.Store.ReadProcessInput(ctx, r.CustomerID)
		if lead.KindOf(err) == lead.KindNotFound {
			continue
		}
		if err != nil {
			return assigned, err
		}
		var done bool
		err = e.d.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			done, err = e.giveOwner(ctx, tx, w, in)
			return err
		})
		if err != nil {
			return assigned, fmt.Errorf("customer %s: %w", r.CustomerID, err)
		}
		if done {
			assigned++
		}
	}
	return assigned, nil
}

// giveOwner assigns a customer that is open and still unowned in tx.
func (e *Engine) giveOwner(ctx context.Context, tx *sql.Tx, w *world, in lead.ProcessInput) (bool, error) {
	t := e.d.TxOf(ctx, tx)
	p, err := t.Process(in.Customer.ID)
	if err != nil || p == nil || p.OwnerID != "" || p.Stage.Closed() || p.Stage == lead.ProcessWon {
		return false, err
	}
	now := e.d.Now()
	res, err := e.assign(t, w, in, p.Qualification.Effective(), "", now)
	if err != nil || res.OwnerID == "" {
		return false, err
	}
	p.OwnerID, p.TeamID, p.Assignment, p.UpdatedAt = res.OwnerID, res.TeamID, res.Assignment, now
	p.Assignment.Reason = "nobody could take the customer when it came; now: " + res.Assignment.Reason
	if err := t.PutProcess(*p); err != nil {
		return false, err
	}
	if err := t.Audit(p.CustomerID, lead.ActorSystem, p.Assignment.Reason, map[string]any{
		"what": "assigned", "from": "", "to": p.OwnerID, "team": p.TeamID, "due_at": p.SLA.DueAt}); err != nil {
		return false, err
	}
	e.stats.Assigned++
	return true, e.notifyAssigned(ctx, tx, w, *p, in.Customer)
}
