package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
)

// The follow-up process (migration 0013_process): teams, assignment rules,
// one process per customer, activities and tasks. Reads use the read pool;
// the process engine changes a process inside a transaction it owns
// (Store.Write) through ProcessTx, so that the change, its audit entry and
// the jobs it schedules commit together.

var _ lead.ProcessReader = (*Store)(nil)

const (
	teamColumns    = `id, name, calendar, policy, managers, cadence, is_default, rr_last, created_at, updated_at`
	selectTeams    = `SELECT ` + teamColumns + ` FROM teams ORDER BY is_default DESC, name`
	selectTeam     = `SELECT ` + teamColumns + ` FROM teams WHERE id = $1`
	selectMembers  = `SELECT team_id, user_id, capacity, out_of_office FROM team_members ORDER BY team_id, position, user_id`
	selectMembersT = `SELECT team_id, user_id, capacity, out_of_office FROM team_members WHERE team_id = $1 ORDER BY position, user_id`
	upsertTeam     = `INSERT INTO teams (` + teamColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $8)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, calendar = excluded.calendar, policy = excluded.policy,
 managers = excluded.managers, cadence = excluded.cadence, updated_at = excluded.updated_at`
	insertTeamIfNone = `INSERT INTO teams (` + teamColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, '', $8, $8)
ON CONFLICT (id) DO NOTHING`
	deleteMembers = `DELETE FROM team_members WHERE team_id = $1`
	insertMember  = `INSERT INTO team_members (team_id, user_id, position, capacity, out_of_office) VALUES ($1, $2, $3, $4, $5)`
	deleteTeam    = `DELETE FROM teams WHERE id = $1 AND is_default = 0`
	setRRLast     = `UPDATE teams SET rr_last = $2 WHERE id = $1`

	ruleColumns = `id, name, position, rule, is_default, created_at`
	selectRules = `SELECT ` + ruleColumns + ` FROM assign_rules ORDER BY position, id`
	upsertRule  = `INSERT INTO assign_rules (` + ruleColumns + `) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (id) DO UPDATE SET name = excluded.name, position = excluded.position, rule = excluded.rule`
	insertRuleIfNone = `INSERT INTO assign_rules (` + ruleColumns + `) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`
	deleteRule       = `DELETE FROM assign_rules WHERE id = $1 AND is_default = 0`

	processColumns = `customer_id, stage, stage_reason, owner_id, team_id, assignment, milestones, qualification,
 sla_clock, sla_started_at, sla_due_at, sla_at_risk_at, sla_state, sla_first_touch, sla_working, sla_calendar, sla_policy,
 open_strength, opened_at, updated_at`
	selectProcess = `SELECT ` + processColumns + ` FROM processes WHERE customer_id = $1`
	upsertProcess = `INSERT INTO processes (` + processColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, stage_reason = excluded.stage_reason,
 owner_id = excluded.owner_id, team_id = excluded.team_id, assignment = excluded.assignment,
 milestones = excluded.milestones, qualification = excluded.qualification, sla_clock = excluded.sla_clock,
 sla_started_at = excluded.sla_started_at, sla_due_at = excluded.sla_due_at, sla_at_risk_at = excluded.sla_at_risk_at,
 sla_state = excluded.sla_state, sla_first_touch = excluded.sla_first_touch, sla_working = excluded.sla_working,
 sla_calendar = excluded.sla_calendar, sla_policy = excluded.sla_policy, open_strength = excluded.open_strength,
 opened_at = excluded.opened_at, updated_at = excluded.updated_at`
	deleteProcess = `DELETE FROM processes WHERE customer_id = $1`
	// openLoads is each owner's open customers (not won, lost,
	// disqualified or nurture), kept by triggers (0016_owner_loads).
	openLoads    = `SELECT owner_id, open FROM owner_loads WHERE open > 0`
	accountOwner = `SELECT p.owner_id FROM processes p JOIN customers c ON c.id = p.customer_id
WHERE c.account_id = $1 AND c.id <> $2 AND c.merged_into IS NULL AND p.owner_id IS NOT NULL
 AND p.stage NOT IN ('lost', 'disqualified')
ORDER BY p.opened_at DESC, p.customer_id LIMIT 1`

	selectDirty = `SELECT customer_id, mark FROM process_dirty ORDER BY customer_id LIMIT $1`
	deleteDirty = `DELETE FROM process_dirty WHERE customer_id = $1 AND mark = $2`
	countDirty  = `SELECT count(*) FROM process_dirty`

	activityColumns  = `id, customer_id, kind, outcome, body, at, by_user, created_at`
	insertActivity   = `INSERT INTO activities (` + activityColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	selectActivities = `SELECT ` + activityColumns + ` FROM activities WHERE customer_id = $1 ORDER BY at DESC, id DESC LIMIT 500`

	taskColumns     = `id, customer_id, owner_id, title, day, due_at, state, done_at, created_at`
	insertTask      = `INSERT INTO tasks (` + taskColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8)`
	selectTasks     = `SELECT ` + taskColumns + ` FROM tasks`
	selectTask      = `SELECT ` + taskColumns + ` FROM tasks WHERE id = $1`
	cancelOpenTasks = `UPDATE tasks SET state = 'cancelled', done_at = $2 WHERE customer_id = $1 AND state = 'open'`
	finishTask      = `UPDATE tasks SET state = $2, done_at = $3 WHERE id = $1 AND state = 'open'`
)

// ---- teams ----

func scanTeam(sc scanner) (lead.Team, error) {
	var (
		t                      lead.Team
		cal, pol, mgr, cad, rr string
		def                    int64
		created, updated       int64
	)
	if err := sc.Scan(&t.ID, &t.Name, &cal, &pol, &mgr, &cad, &def, &rr, &created, &updated); err != nil {
		return t, err
	}
	for _, x := range []struct {
		s string
		v any
	}{{cal, &t.Calendar}, {pol, &t.Policy}, {mgr, &t.Managers}, {cad, &t.Cadence}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return t, fmt.Errorf("team %s: %w", t.ID, err)
		}
	}
	t.Default, t.CreatedAt, t.UpdatedAt = def == 1, fromMicros(created), fromMicros(updated)
	t.Members = []lead.TeamMember{}
	return t, nil
}

// ListTeams returns every team with its members, the default team first.
func (s *Store) ListTeams(ctx context.Context) ([]lead.Team, error) {
	rows, err := s.r.QueryContext(ctx, selectTeams)
	ts, err := collect(rows, err, []lead.Team{}, scanTeam)
	if err != nil {
		return nil, s.fail("listing teams", err)
	}
	byID := map[string]*lead.Team{}
	for i := range ts {
		byID[ts[i].ID] = &ts[i]
	}
	rows, err = s.r.QueryContext(ctx, selectMembers)
	err = eachRow(rows, err, func(sc scanner) error {
		var team string
		var m lead.TeamMember
		var ooo int64
		if err := sc.Scan(&team, &m.UserID, &m.Capacity, &ooo); err != nil {
			return err
		}
		m.OutOfOffice = ooo == 1
		if t := byID[team]; t != nil {
			t.Members = append(t.Members, m)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail("listing team members", err)
	}
	return ts, nil
}

// GetTeam returns the team with id, or KindNotFound.
func (s *Store) GetTeam(ctx context.Context, id string) (*lead.Team, error) {
	t, err := readOne(ctx, s, "reading team", "team", selectTeam, id, scanTeam)
	if err != nil {
		return nil, err
	}
	rows, err := s.r.QueryContext(ctx, selectMembersT, id)
	err = eachRow(rows, err, func(sc scanner) error {
		var team string
		var m lead.TeamMember
		var ooo int64
		if err := sc.Scan(&team, &m.UserID, &m.Capacity, &ooo); err != nil {
			return err
		}
		m.OutOfOffice = ooo == 1
		t.Members = append(t.Members, m)
		return nil
	})
	if err != nil {
		return nil, s.fail("reading team members", err)
	}
	return &t, nil
}

func teamArgs(t lead.Team, now time.Time) ([]any, error) {
	if t.Managers == nil {
		t.Managers = []string{}
	}
	if t.Cadence == nil {
		t.Cadence = lead.DefaultCadence
	}
	var out []string
	for _, v := range []any{t.Calendar, t.Policy, t.Managers, t.Cadence} {
		s, err := marshalJSON(v)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return []any{t.ID, clean(t.Name), out[0], out[1], out[2], out[3], boolInt(t.Default), now.UnixMicro()}, nil
}

// PutTeam creates or replaces team t and its members (in their order).
// A name another team has is KindConflict; a member who is not a user is
// KindInvalid.
func (s *Store) PutTeam(ctx context.Context, t lead.Team) error {
	const op = "saving team"
	if t.ID == "" || strings.TrimSpace(t.Name) == "" {
		return lead.Errorf(lead.KindInvalid, "store: a team needs an id and a name")
	}
	args, err := teamArgs(t, time.Now())
	if err != nil {
		return s.fail(op, err)
	}
	err = s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, upsertTeam, args...); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, deleteMembers, t.ID); err != nil {
			return err
		}
		for i, m := range t.Members {
			if _, err := tx.ExecContext(ctx, insertMember, t.ID, m.UserID, i, m.Capacity, boolInt(m.OutOfOffice)); err != nil {
				if s.d.foreignKeyViolation(err) {
					return lead.Errorf(lead.KindInvalid, "store: team member %q is not a user", m.UserID)
				}
				return err
			}
		}
		return nil
	})
	if err != nil && s.d.uniqueViolation(err) {
		return lead.Errorf(lead.KindConflict, "store: a team named %q exists already", t.Name)
	}
	var le *lead.Error
	if errors.As(err, &le) {
		return err
	}
	return s.fail(op, err)
}

// DeleteTeam removes a team that is not the default one and owns no
// process (KindConflict otherwise; KindNotFound if there is none).
func (s *Store) DeleteTeam(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, deleteTeam, id)
	if err != nil {
		if s.d.foreignKeyViolation(err) {
			return lead.Errorf(lead.KindConflict, "store: team %q still has customers; reassign them first", id)
		}
		return s.fail("deleting team", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lead.Errorf(lead.KindNotFound, "store: no team %q that can be deleted (the default team cannot)", id)
	}
	return nil
}

// EnsureDefaults creates team and rules when they do not exist yet (by
// id), so that a fresh install routes every actionable customer somewhere.
// A rule's Default marks it as one that cannot be deleted.
func (s *Store) EnsureDefaults(ctx context.Context, team lead.Team, rules []lead.AssignRule) error {
	targs, err := teamArgs(team, time.Now())
	if err != nil {
		return s.fail("default team", err)
	}
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertTeamIfNone, targs...); err != nil {
			return s.fail("default team", err)
		}
		for _, r := range rules {
			body, err := marshalJSON(r)
			if err != nil {
				return s.fail("default rule", err)
			}
			if _, err := tx.ExecContext(ctx, insertRuleIfNone, r.ID, clean(r.Name), r.Position, body, boolInt(r.Default), time.Now().UnixMicro()); err != nil {
				return s.fail("default rule", err)
			}
		}
		return nil
	})
}

// ---- assignment rules ----

func scanRule(sc scanner) (lead.AssignRule, error) {
	var (
		r                lead.AssignRule
		id, name, body   string
		pos, def, create int64
	)
	if err := sc.Scan(&id, &name, &pos, &body, &def, &create); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		return r, fmt.Errorf("rule %s: %w", id, err)
	}
	r.ID, r.Name, r.Position, r.Default, r.CreatedAt = id, name, int(pos), def == 1, fromMicros(create)
	return r, nil
}

// ListAssignRules returns the rules in the order they are tried.
func (s *Store) ListAssignRules(ctx context.Context) ([]lead.AssignRule, error) {
	rows, err := s.r.QueryContext(ctx, selectRules)
	rs, err := collect(rows, err, []lead.AssignRule{}, scanRule)
	if err != nil {
		return nil, s.fail("listing rules", err)
	}
	return rs, nil
}

// PutAssignRule creates or replaces rule r.
func (s *Store) PutAssignRule(ctx context.Context, r lead.AssignRule) error {
	if r.ID == "" || strings.TrimSpace(r.Name) == "" {
		return lead.Errorf(lead.KindInvalid, "store: a rule needs an id and a name")
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = time.Now()
	}
	body, err := marshalJSON(r)
	if err != nil {
		return s.fail("saving rule", err)
	}
	_, err = s.w.ExecContext(ctx, upsertRule, r.ID, clean(r.Name), r.Position, body, boolInt(r.Default), r.CreatedAt.UnixMicro())
	return s.fail("saving rule", err)
}

// DeleteAssignRule removes a rule other than the default one.
func (s *Store) DeleteAssignRule(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, deleteRule, id)
	if err != nil {
		return s.fail("deleting rule", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lead.Errorf(lead.KindNotFound, "store: no rule %q that can be deleted (the default rule cannot)", id)
	}
	return nil
}

// ---- processes ----

func scanProcess(sc scanner) (lead.Process, error) {
	var (
		p                                lead.Process
		stage, state                     string
		owner, team                      sql.NullString
		asg, ms, qual, pol               string
		started, due, risk, working, cal int64
		touch                            sql.NullInt64
		opened, updated, strength, clock int64
	)
	if err := sc.Scan(&p.CustomerID, &stage, &p.StageReason, &owner, &team, &asg, &ms, &qual,
		&clock, &started, &due, &risk, &state, &touch, &working, &cal, &pol, &strength, &opened, &updated); err != nil {
		return p, err
	}
	for _, x := range []struct {
		s string
		v any
	}{{asg, &p.Assignment}, {ms, &p.Milestones}, {qual, &p.Qualification}, {pol, &p.SLA.Policy}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return p, fmt.Errorf("process %s: %w", p.CustomerID, err)
		}
	}
	if p.Milestones == nil {
		p.Milestones = []lead.Milestone{}
	}
	p.Stage, p.OwnerID, p.TeamID = lead.ProcessStage(stage), owner.String, team.String
	p.SLA.Clock, p.SLA.State = int(clock), lead.SLAStatus(state)
	p.SLA.StartedAt, p.SLA.DueAt, p.SLA.AtRiskAt = fromMicros(started), fromMicros(due), fromMicros(risk)
	if touch.Valid {
		t := fromMicros(touch.Int64)
		p.SLA.FirstTouchAt = &t
	}
	p.SLA.WorkingToTouch, p.SLA.CalendarToTouch = time.Duration(working)*time.Microsecond, time.Duration(cal)*time.Microsecond
	p.OpenStrength, p.OpenedAt, p.UpdatedAt = int(strength), fromMicros(opened), fromMicros(updated)
	return p, nil
}

// GetProcess returns the process of a customer, or KindNotFound when it
// has none (a test or do-not-contact customer, or one from before the
// process existed that no lead has touched since).
func (s *Store) GetProcess(ctx context.Context, customerID string) (*lead.Process, error) {
	p, err := readOne(ctx, s, "reading process", "process of customer", selectProcess, customerID, scanProcess)
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// ProcessTx is the process engine's view of one write transaction.
type ProcessTx struct {
	s   *Store
	ctx context.Context
	Tx  *sql.Tx
}

// ProcessTx wraps tx (from Store.Write) for the process engine.
func (s *Store) ProcessTx(ctx context.Context, tx *sql.Tx) *ProcessTx {
	return &ProcessTx{s: s, ctx: ctx, Tx: tx}
}

// Process reads a customer's process in the transaction (nil, nil when it
// has none), locking it on PostgreSQL.
func (t *ProcessTx) Process(customerID string) (*lead.Process, error) {
	p, err := scanProcess(t.Tx.QueryRowContext(t.ctx, selectProcess+t.s.d.forUpdate, customerID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, t.s.fail("reading process", err)
	}
	return &p, nil
}

func nullIf(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// PutProcess writes p.
func (t *ProcessTx) PutProcess(p lead.Process) error {
	if p.Milestones == nil {
		p.Milestones = []lead.Milestone{}
	}
	if p.Qualification.Reasons == nil {
		p.Qualification.Reasons = []lead.QualReason{}
	}
	var js []string
	for _, v := range []any{p.Assignment, p.Milestones, p.Qualification, p.SLA.Policy} {
		s, err := marshalJSON(v)
		if err != nil {
			return t.s.fail("writing process", err)
		}
		js = append(js, s)
	}
	var touch any
	if p.SLA.FirstTouchAt != nil {
		touch = p.SLA.FirstTouchAt.UnixMicro()
	}
	_, err := t.Tx.ExecContext(t.ctx, upsertProcess, p.CustomerID, string(p.Stage), clean(p.StageReason), nullIf(p.OwnerID), nullIf(p.TeamID),
		js[0], js[1], js[2], p.SLA.Clock, p.SLA.StartedAt.UnixMicro(), p.SLA.DueAt.UnixMicro(), p.SLA.AtRiskAt.UnixMicro(),
		string(p.SLA.State), touch, p.SLA.WorkingToTouch.Microseconds(), p.SLA.CalendarToTouch.Microseconds(), js[3],
		p.OpenStrength, p.OpenedAt.UnixMicro(), p.UpdatedAt.UnixMicro())
	if err != nil && t.s.d.foreignKeyViolation(err) {
		return lead.Errorf(lead.KindInvalid, "store: process of %s: unknown customer, owner or team", p.CustomerID)
	}
	return t.s.fail("writing process", err)
}

// DeleteProcess removes a customer's process (a customer merged into
// another: the survivor's process goes on).
func (t *ProcessTx) DeleteProcess(customerID string) error {
	_, err := t.Tx.ExecContext(t.ctx, deleteProcess, customerID)
	return t.s.fail("deleting process", err)
}

// Loads returns how many open customers each owner has.
func (t *ProcessTx) Loads() (map[string]int, error) {
	out := map[string]int{}
	rows, err := t.Tx.QueryContext(t.ctx, openLoads)
	err = eachRow(rows, err, func(sc scanner) error {
		var u string
		var n int
		if err := sc.Scan(&u, &n); err != nil {
			return err
		}
		out[u] = n
		return nil
	})
	return out, t.s.fail("counting open customers", err)
}

// AccountOwner returns who owns the most recently opened process of
// another person of account ("" when nobody does).
func (t *ProcessTx) AccountOwner(accountID, customerID string) (string, error) {
	if accountID == "" {
		return "", nil
	}
	var u string
	err := t.Tx.QueryRowContext(t.ctx, accountOwner, accountID, customerID).Scan(&u)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return u, t.s.fail("reading account owner", err)
}

// SetRoundRobin records the member a team's round-robin picked last.
func (t *ProcessTx) SetRoundRobin(teamID, userID string) error {
	_, err := t.Tx.ExecContext(t.ctx, setRRLast, teamID, userID)
	return t.s.fail("saving round-robin", err)
}

// RoundRobin returns the member each team's round-robin picked last.
func (t *ProcessTx) RoundRobin() (map[string]string, error) {
	out := map[string]string{}
	rows, err := t.Tx.QueryContext(t.ctx, `SELECT id, rr_last FROM teams`)
	err = eachRow(rows, err, func(sc scanner) error {
		var id, u string
		if err := sc.Scan(&id, &u); err != nil {
			return err
		}
		out[id] = u
		return nil
	})
	return out, t.s.fail("reading round-robin", err)
}

// Audit writes an audit entry of a process change (never undone: a person
// changes the stage or the owner again instead).
func (t *ProcessTx) Audit(customerID, actor, reason string, what any) error {
	body, err := json.Marshal(what)
	if err != nil {
		return t.s.fail("auditing process", err)
	}
	e := lead.AuditEntry{ID: ulid.Make().String(), At: time.Now(), Actor: actor, Action: lead.AuditProcess,
		Reason: reason, CustomerIDs: []string{customerID}, Payload: body}
	args, refs, err := auditArgs(&e)
	if err != nil {
		return t.s.fail("auditing process", err)
	}
	if _, err := t.Tx.ExecContext(t.ctx, insertAuditHead+t.s.values(1, insertAuditCols, 1), args...); err != nil {
		return t.s.fail("auditing process", err)
	}
	return t.s.fail("auditing process", t.s.execRows(t.ctx, t.Tx, insertRefHead, insertRefCols, refs, ""))
}

// ---- the engine's queue ----

// DirtyProcesses returns up to limit customers whose leads changed since
// the engine last looked at them.
func (s *Store) DirtyProcesses(ctx context.Context, limit int) ([]lead.DirtyMark, error) {
	rows, err := s.r.QueryContext(ctx, selectDirty, limit)
	out, err := collect(rows, err, []lead.DirtyMark{}, func(sc scanner) (lead.DirtyMark, error) {
		var m lead.DirtyMark
		return m, sc.Scan(&m.CustomerID, &m.Mark)
	})
	return out, s.fail("reading the process queue", err)
}

// CountDirtyProcesses returns how many customers wait for the engine.
func (s *Store) CountDirtyProcesses(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRowContext(ctx, countDirty).Scan(&n)
	return n, s.fail("counting the process queue", err)
}

// ClearDirty claims m: it removes m from the queue and reports whether it
// was there with that mark. false means another replica took it, or the
// customer was marked again (a later drain looks at it again). On
// PostgreSQL the delete locks the row, so two replicas never both claim it.
func (t *ProcessTx) ClearDirty(m lead.DirtyMark) (bool, error) {
	res, err := t.Tx.ExecContext(t.ctx, deleteDirty, m.CustomerID, m.Mark)
	if err != nil {
		return false, t.s.fail("clearing the process queue", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ---- activities and tasks ----

// AddActivity stores a.
func (t *ProcessTx) AddActivity(a lead.Activity) error {
	_, err := t.Tx.ExecContext(t.ctx, insertActivity, a.ID, a.CustomerID, string(a.Kind), clean(a.Outcome), clean(a.Body),
		a.At.UnixMicro(), clean(a.By), a.CreatedAt.UnixMicro())
	if err != nil && t.s.d.foreignKeyViolation(err) {
		return lead.Errorf(lead.KindNotFound, "store: no customer %q", a.CustomerID)
	}
	return t.s.fail("adding activity", err)
}

func scanActivity(sc scanner) (lead.Activity, error) {
	var a lead.Activity
	var kind string
	var at, created int64
	err := sc.Scan(&a.ID, &a.CustomerID, &kind, &a.Outcome, &a.Body, &at, &a.By, &created)
	a.Kind, a.At, a.CreatedAt = lead.ActivityKind(kind), fromMicros(at), fromMicros(created)
	return a, err
}

// ListActivities returns a customer's activities, newest first (500 at most).
func (s *Store) ListActivities(ctx context.Context, customerID string) ([]lead.Activity, error) {
	rows, err := s.r.QueryContext(ctx, selectActivities, customerID)
	as, err := collect(rows, err, []lead.Activity{}, scanActivity)
	return as, s.fail("listing activities", err)
}

// AddTask stores task.
func (t *ProcessTx) AddTask(k lead.Task) error {
	_, err := t.Tx.ExecContext(t.ctx, insertTask, k.ID, k.CustomerID, nullIf(k.OwnerID), clean(k.Title), k.Day,
		k.DueAt.UnixMicro(), string(k.State), k.CreatedAt.UnixMicro())
	return t.s.fail("adding task", err)
}

// CancelOpenTasks cancels a customer's open tasks and returns how many.
func (t *ProcessTx) CancelOpenTasks(customerID string, at time.Time) (int64, error) {
	res, err := t.Tx.ExecContext(t.ctx, cancelOpenTasks, customerID, at.UnixMicro())
	if err != nil {
		return 0, t.s.fail("cancelling tasks", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// Task reads one task in the transaction (nil, nil when there is none).
func (t *ProcessTx) Task(id string) (*lead.Task, error) {
	k, err := scanTask(t.Tx.QueryRowContext(t.ctx, selectTask, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &k, t.s.fail("reading task", err)
}

// FinishTask marks an open task done or cancelled; false if it was not open.
func (t *ProcessTx) FinishTask(id string, state lead.TaskState, at time.Time) (bool, error) {
	res, err := t.Tx.ExecContext(t.ctx, finishTask, id, string(state), at.UnixMicro())
	if err != nil {
		return false, t.s.fail("finishing task", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

func scanTask(sc scanner) (lead.Task, error) {
	var (
		k            lead.Task
		owner        sql.NullString
		state        string
		day          int64
		due, created int64
		done         sql.NullInt64
	)
	err := sc.Scan(&k.ID, &k.CustomerID, &owner, &k.Title, &day, &due, &state, &done, &created)
	k.OwnerID, k.Day, k.DueAt, k.State, k.CreatedAt = owner.String, int(day), fromMicros(due), lead.TaskState(state), fromMicros(created)
	if done.Valid {
		d := fromMicros(done.Int64)
		k.DoneAt = &d
	}
	return k, err
}

// ListTasks returns tasks by due time (then id), 500 at most.
func (s *Store) ListTasks(ctx context.Context, f lead.TaskFilter) ([]lead.Task, error) {
	var w where
	if f.CustomerID != "" {
		w.add(`customer_id = $#`, f.CustomerID)
	}
	if f.OwnerID != "" {
		w.add(`owner_id = $#`, f.OwnerID)
	}
	if f.State != "" {
		w.add(`state = $#`, string(f.State))
	}
	if !f.DueBefore.IsZero() {
		w.add(`due_at < $#`, f.DueBefore.UnixMicro())
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	q, args := w.sql(selectTasks, " ORDER BY due_at, id LIMIT $#", limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	ts, err := collect(rows, err, []lead.Task{}, scanTask)
	return ts, s.fail("listing tasks", err)
}

// ---- what the engine reads about a customer ----

// ReadProcessInput reads a customer, its recent leads and its account.
func (s *Store) ReadProcessInput(ctx context.Context, customerID string) (lead.ProcessInput, error) {
	var in lead.ProcessInput
	c, err := readOne(ctx, s, "reading customer", "customer", selectCustomer, customerID, scanCustomer)
	if err != nil {
		return in, err
	}
	in.Customer = c
	rows, err := s.r.QueryContext(ctx, selectCustomerJourney, customerID, 100)
	in.Leads, err = collect(rows, err, []lead.Lead{}, func(sc scanner) (lead.Lead, error) { return scanLead(sc, false) })
	if err != nil {
		return in, s.fail("reading customer leads", err)
	}
	sort.SliceStable(in.Leads, func(i, j int) bool { return in.Leads[i].ReceivedAt.Before(in.Leads[j].ReceivedAt) })
	if c.AccountID != "" {
		a, err := readOne(ctx, s, "reading account", "account", selectAccount, c.AccountID, scanAccount)
		if err != nil && lead.KindOf(err) != lead.KindNotFound {
			return in, err
		}
		if err == nil {
			in.Account = &a
		}
	}
	return in, nil
}
