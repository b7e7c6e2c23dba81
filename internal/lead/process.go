package lead

import (
	"context"
	"time"
)

// ProcessStage is where a customer (a person) stands in the publisher's
// follow-up process. It is a different thing from Stage, how far the
// customer went on the marketplace.
type ProcessStage string

const (
	ProcessNew          ProcessStage = "new"          // actionable, nobody has touched it yet
	ProcessContacted    ProcessStage = "contacted"    // first touch made
	ProcessEngaged      ProcessStage = "engaged"      // the customer answered
	ProcessQualified    ProcessStage = "qualified"    // worth sales time
	ProcessOpportunity  ProcessStage = "opportunity"  // a deal is being worked
	ProcessWon          ProcessStage = "won"          // closed, won
	ProcessLost         ProcessStage = "lost"         // closed, lost
	ProcessDisqualified ProcessStage = "disqualified" // not a fit (with a reason)
	ProcessNurture      ProcessStage = "nurture"      // not now: marketing keeps in touch
)

// ProcessStages lists the stages in their default order.
var ProcessStages = []ProcessStage{ProcessNew, ProcessContacted, ProcessEngaged, ProcessQualified,
	ProcessOpportunity, ProcessWon, ProcessLost, ProcessDisqualified, ProcessNurture}

// Closed reports whether s ends the follow-up: a newer, stronger lead
// reopens a customer in lost, disqualified or nurture (won stays won).
func (s ProcessStage) Closed() bool {
	return s == ProcessLost || s == ProcessDisqualified || s == ProcessNurture
}

// ParseProcessStage returns the stage named s, or a KindInvalid error.
func ParseProcessStage(s string) (ProcessStage, error) {
	for _, st := range ProcessStages {
		if string(st) == s {
			return st, nil
		}
	}
	return "", Errorf(KindInvalid, "lead: unknown process stage %q (one of new, contacted, engaged, qualified, opportunity, won, lost, disqualified, nurture)", s)
}

// MilestoneKind names a milestone of the process.
type MilestoneKind string

const (
	MilestoneFirstTouch   MilestoneKind = "first_touch"
	MilestoneFirstMeeting MilestoneKind = "first_meeting"
	MilestoneQualified    MilestoneKind = "qualified"
	MilestoneOpportunity  MilestoneKind = "opportunity"
	MilestoneWon          MilestoneKind = "won"
	MilestoneLost         MilestoneKind = "lost"
)

// Milestone is a step reached, when and by whom (a user id, or "system").
type Milestone struct {
	Kind MilestoneKind `json:"kind"`
	At   time.Time     `json:"at"`
	By   string        `json:"by"`
}

// ActionStrength orders marketplace actions by the intent they show:
// Get it now / Create (3) > Test Drive / free trial (2) > Contact me (1).
// DNC and test leads have none (0). A newer lead with a greater strength
// than the one that opened a closed process reopens it.
func ActionStrength(s Stage) int {
	switch s {
	case StageActive:
		return 3
	case StageTrial:
		return 2
	case StageInterest:
		return 1
	}
	return 0
}

// Actionable reports whether a customer should be followed up: not a
// test customer, not do-not-contact, and merged into nobody.
func (c Customer) Actionable() bool {
	return !c.IsTest && !c.DoNotContact && c.MergedInto == "" && ActionStrength(c.Stage) > 0
}

// QualResult is the outcome of qualification.
type QualResult string

const (
	QualSalesReady   QualResult = "sales_ready"
	QualNurture      QualResult = "nurture"
	QualDisqualified QualResult = "disqualified"
	QualNotQualified QualResult = "" // not evaluated yet
)

// QualReason is one rule's contribution to a qualification.
type QualReason struct {
	Rule   string `json:"rule"`   // e.g. "corporate_domain", "action_strength"
	Kind   string `json:"kind"`   // "fit" or "intent"
	Points int    `json:"points"` // may be negative
	Text   string `json:"text"`   // for people
}

// QualOverride is a manager's decision over the rules.
type QualOverride struct {
	Result QualResult `json:"result"`
	By     string     `json:"by"`
	Reason string     `json:"reason"`
	At     time.Time  `json:"at"`
}

// Qualification is what the rules made of a customer, and a manager's
// override. Result is the override's when there is one.
type Qualification struct {
	Result   QualResult    `json:"result"`
	Score    int           `json:"score"`
	Fit      int           `json:"fit"`
	Intent   int           `json:"intent"`
	Reasons  []QualReason  `json:"reasons"`
	Override *QualOverride `json:"override,omitempty"`
}

// Effective is the result that counts: the override's, else the rules'.
func (q Qualification) Effective() QualResult {
	if q.Override != nil {
		return q.Override.Result
	}
	return q.Result
}

// SLA is a customer's first-touch clock as stored: computed once per
// change (start, policy, calendar), with its state moved by the jobs
// scheduled at its at-risk and due instants and by the first touch.
type SLA struct {
	// Clock counts the clocks a customer has had: a reopen or a
	// reassignment on breach starts a new one, and a job of an older clock
	// does nothing.
	Clock        int        `json:"clock"`
	StartedAt    time.Time  `json:"started_at"`
	DueAt        time.Time  `json:"due_at"`
	AtRiskAt     time.Time  `json:"at_risk_at"`
	State        SLAStatus  `json:"state"`
	FirstTouchAt *time.Time `json:"first_touch_at"`
	// WorkingToTouch and CalendarToTouch are the working and calendar
	// time from start to the first touch, once there is one.
	WorkingToTouch  time.Duration `json:"working_to_touch,omitempty"`
	CalendarToTouch time.Duration `json:"calendar_to_touch,omitempty"`
	Policy          SLAPolicy     `json:"policy"`
}

// Process is a customer's follow-up: stage, owner, team, milestones,
// qualification and first-touch clock.
type Process struct {
	CustomerID  string       `json:"customer_id"`
	Stage       ProcessStage `json:"stage"`
	StageReason string       `json:"stage_reason,omitempty"` // why disqualified or lost
	OwnerID     string       `json:"owner"`                  // a user id; "" while unassigned
	TeamID      string       `json:"team"`
	// Assignment explains the last assignment: the rule that fired (or
	// "manual" with the person's reason).
	Assignment    Assignment    `json:"assignment"`
	Milestones    []Milestone   `json:"milestones"`
	Qualification Qualification `json:"qualification"`
	SLA           SLA           `json:"sla"`
	// OpenStrength is the action strength of the lead that opened (or
	// last reopened) the process.
	OpenStrength int       `json:"open_strength"`
	OpenedAt     time.Time `json:"opened_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Assignment is why a customer has its owner.
type Assignment struct {
	RuleID string    `json:"rule_id,omitempty"` // "" for a manual assignment
	Rule   string    `json:"rule"`              // the rule's name, or "manual"
	Reason string    `json:"reason"`            // what matched, or the person's reason
	By     string    `json:"by"`                // "system" or a user id
	At     time.Time `json:"at"`
}

// ActorSystem is the actor of the process's own changes.
const ActorSystem = "system"

// TeamMember is a user in a team, with their capacity (the most open
// customers they may own; 0: no limit) and an out-of-office flag.
type TeamMember struct {
	UserID      string `json:"user_id"`
	Capacity    int    `json:"capacity"`
	OutOfOffice bool   `json:"out_of_office"`
}

// Team is a group of users with a working calendar, a first-touch policy,
// follow-up cadence and managers (who hear of breaches).
type Team struct {
	ID       string       `json:"id"`
	Name     string       `json:"name"`
	Calendar Calendar     `json:"calendar"`
	Policy   SLAPolicy    `json:"policy"`
	Members  []TeamMember `json:"members"`
	// Managers are the user ids told of a breach; none means the team's
	// members with the manager or admin role.
	Managers []string `json:"managers"`
	// Cadence is the working days after the first touch on which follow-up
	// tasks fall (default 1, 3, 7, 14).
	Cadence []int `json:"cadence"`
	// Default marks the team every install starts with (every user).
	Default   bool      `json:"default"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// DefaultCadence is the follow-up days after a first touch.
var DefaultCadence = []int{1, 3, 7, 14}

// RuleTargetKind is whom an assignment rule assigns to.
type RuleTargetKind string

const (
	TargetUser         RuleTargetKind = "user"          // one user
	TargetTeam         RuleTargetKind = "team"          // round-robin among the team's available members
	TargetAccountOwner RuleTargetKind = "account_owner" // whoever owns the account's other people
)

// RuleCondition is what a customer must have for a rule to fire. Every
// non-empty list must contain the customer's value (any of its leads'
// offers, actions and sources; its country; its account; its
// qualification); empty lists match anything.
type RuleCondition struct {
	Offers         []string     `json:"offers,omitempty"`
	Actions        []string     `json:"actions,omitempty"`
	Sources        []string     `json:"sources,omitempty"`
	Countries      []string     `json:"countries,omitempty"` // ISO 3166-1 alpha-2
	Regions        []string     `json:"regions,omitempty"`   // e.g. "EMEA", "AMER", "APAC"
	AccountIDs     []string     `json:"account_ids,omitempty"`
	Qualifications []QualResult `json:"qualifications,omitempty"`
}

// AssignRule is one ordered, declarative assignment rule.
type AssignRule struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Position int            `json:"position"` // lower fires first
	When     RuleCondition  `json:"when"`
	Target   RuleTargetKind `json:"target"`
	UserID   string         `json:"user_id,omitempty"` // TargetUser
	TeamID   string         `json:"team_id,omitempty"` // TargetTeam; and the team of a TargetUser or TargetAccountOwner assignment
	// Policy overrides the team's first-touch policy for what this rule
	// assigns; nil: the team's.
	Policy *SLAPolicy `json:"policy,omitempty"`
	// ReassignOnBreach hands a breached customer to the next available
	// member of the team, with a new clock.
	ReassignOnBreach bool      `json:"reassign_on_breach"`
	Default          bool      `json:"default"` // the rule every install starts with
	CreatedAt        time.Time `json:"created_at"`
}

// ActivityKind is what a person did with a customer.
type ActivityKind string

const (
	ActivityCall    ActivityKind = "call"
	ActivityEmail   ActivityKind = "email"
	ActivityMeeting ActivityKind = "meeting"
	ActivityNote    ActivityKind = "note"
)

// Touches reports whether an activity of kind k is a touch of the
// customer (stops the first-touch clock): a call, an email or a meeting.
func (k ActivityKind) Touches() bool {
	return k == ActivityCall || k == ActivityEmail || k == ActivityMeeting
}

// ParseActivityKind returns the kind named s, or a KindInvalid error.
func ParseActivityKind(s string) (ActivityKind, error) {
	switch k := ActivityKind(s); k {
	case ActivityCall, ActivityEmail, ActivityMeeting, ActivityNote:
		return k, nil
	}
	return "", Errorf(KindInvalid, "lead: unknown activity kind %q (one of call, email, meeting, note)", s)
}

// Activity is a call (with its outcome), an email, a meeting or a note.
type Activity struct {
	ID         string       `json:"id"`
	CustomerID string       `json:"customer_id"`
	Kind       ActivityKind `json:"kind"`
	Outcome    string       `json:"outcome,omitempty"` // a call's: connected, voicemail, no_answer, …
	Body       string       `json:"body"`
	At         time.Time    `json:"at"` // when it happened
	By         string       `json:"by"` // a user id
	CreatedAt  time.Time    `json:"created_at"`
}

// TaskState is where a follow-up task is.
type TaskState string

const (
	TaskOpen      TaskState = "open"
	TaskDone      TaskState = "done"
	TaskCancelled TaskState = "cancelled" // the customer got engaged, qualified or disqualified first
)

// Task is a follow-up to make on a working day after the first touch.
type Task struct {
	ID         string     `json:"id"`
	CustomerID string     `json:"customer_id"`
	OwnerID    string     `json:"owner"`
	Title      string     `json:"title"`
	Day        int        `json:"day"` // working days after the first touch
	DueAt      time.Time  `json:"due_at"`
	State      TaskState  `json:"state"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// ProcessReader reads processes, teams and rules. Get* return KindNotFound
// for an unknown id.
type ProcessReader interface {
	GetProcess(ctx context.Context, customerID string) (*Process, error)
	ListTeams(ctx context.Context) ([]Team, error)
	GetTeam(ctx context.Context, id string) (*Team, error)
	ListAssignRules(ctx context.Context) ([]AssignRule, error)
	ListActivities(ctx context.Context, customerID string) ([]Activity, error)
	ListTasks(ctx context.Context, f TaskFilter) ([]Task, error)
}

// TaskFilter selects tasks. Zero values mean "no filter".
type TaskFilter struct {
	CustomerID string
	OwnerID    string
	State      TaskState
	DueBefore  time.Time
	Limit      int
}

// DirtyMark is a customer whose leads changed since the process engine
// last looked at it; Mark tells a later change from the one looked at.
type DirtyMark struct {
	CustomerID string
	Mark       int64
}

// ProcessInput is what qualification and assignment look at: a customer,
// its most recent leads (oldest first) and its account (nil: none).
type ProcessInput struct {
	Customer Customer
	Leads    []Lead
	Account  *Account
}
