package lead

import (
	"context"
	"encoding/json"
	"time"
)

// Customer is one person (or organisation) behind one or more leads: the
// leads identity resolution found to be the same customer. Everything but
// the id and merged_into is derived from the customer's leads and
// recomputed after every change, so that merges, splits and undos stay
// exact. A merged customer keeps the summary it had when it was merged;
// its leads are in MergedInto.
type Customer struct {
	ID string `json:"id"`
	// Stage is the furthest stage any of its leads reached: test <
	// notify_only < interest < trial < active.
	Stage Stage `json:"stage"`
	// DoNotContact is true when any of its leads is a DNC (notify_only)
	// lead; it survives every merge.
	DoNotContact bool `json:"do_not_contact"`
	// IsTest is true when all of its leads are Microsoft test leads.
	IsTest    bool      `json:"is_test"`
	Golden    Golden    `json:"golden"`
	LeadCount int       `json:"lead_count"`
	FirstSeen time.Time `json:"first_seen"` // receipt of its first lead
	LastSeen  time.Time `json:"last_seen"`  // receipt of its last lead
	// Offers are the offers of its leads ("publisherid.offerid", or the
	// title when the lead names no publisher), sorted.
	Offers     []string  `json:"offers"`
	MergedInto string    `json:"merged_into,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Golden is a customer's golden record: for each contact field, the most
// recent non-empty value among its leads, and in Sources the lead each
// value came from (by field name).
type Golden struct {
	Contact
	Sources map[string]string `json:"sources"`
}

// StageRank orders stages for a customer's furthest stage: test <
// notify_only < interest < trial < active. Unknown stages rank as interest.
func StageRank(s Stage) int {
	switch s {
	case StageTest:
		return 0
	case StageNotifyOnly:
		return 1
	case StageTrial:
		return 3
	case StageActive:
		return 4
	default:
		return 2
	}
}

// DecisionOutcome is what identity resolution did with a new lead.
type DecisionOutcome string

const (
	OutcomeJoined DecisionOutcome = "joined" // the lead joined an existing customer (probability ≥ the auto threshold)
	OutcomeReview DecisionOutcome = "review" // a new customer, queued for review as a possible duplicate of the candidate
	OutcomeNew    DecisionOutcome = "new"    // a new customer
)

// ReviewState is where a possible duplicate is in the review queue.
type ReviewState string

const (
	ReviewOpen      ReviewState = "open"      // waiting for a person
	ReviewMerged    ReviewState = "merged"    // merged (from the queue, or by another merge of the two customers)
	ReviewDismissed ReviewState = "dismissed" // kept apart
)

// Thresholds are the match probabilities that decide a new lead's fate.
type Thresholds struct {
	Auto   float64 `json:"auto"`   // from this probability the lead joins the candidate
	Review float64 `json:"review"` // from this one (below Auto) it is queued for review
}

// FieldComparison is one field's part in a decision.
type FieldComparison struct {
	Field string `json:"field"`
	// A is the new lead's normalised value, B the candidate lead's.
	A     string `json:"a"`
	B     string `json:"b"`
	Level string `json:"level"` // the comparison level, or "missing"
	// M and U are the level's probabilities among matches and
	// non-matches; Weight is log2(M/U) in bits (0 when missing).
	M      float64 `json:"m"`
	U      float64 `json:"u"`
	Weight float64 `json:"weight"`
}

// CandidateScore is one candidate customer and how well the lead matched
// its best lead.
type CandidateScore struct {
	CustomerID  string  `json:"customer_id"`
	LeadID      string  `json:"lead_id"`
	Probability float64 `json:"probability"`
}

// Explanation says why a lead went where it went.
type Explanation struct {
	// Reason is a sentence for people.
	Reason     string     `json:"reason"`
	Model      string     `json:"model"` // the model's id ("default" for the built-in priors)
	Thresholds Thresholds `json:"thresholds"`
	// Keys is how many blocking keys the lead has; Candidates are the
	// customers they found, best first (at most 10).
	Keys       int              `json:"keys"`
	Candidates []CandidateScore `json:"candidates"`
	// Candidate is the best candidate customer and CandidateLead the lead of
	// it that matched best; empty when there was none.
	Candidate     string `json:"candidate,omitempty"`
	CandidateLead string `json:"candidate_lead,omitempty"`
	// Fields compare the lead with CandidateLead, field by field.
	Fields       []FieldComparison `json:"fields"`
	NamesSwapped bool              `json:"names_swapped,omitempty"`
	PriorWeight  float64           `json:"prior_weight"`
	Weight       float64           `json:"weight"`
	Probability  float64           `json:"probability"`
	// Excluded are customers this lead may not join automatically: an
	// earlier decision to put it there was undone.
	Excluded []string `json:"excluded,omitempty"`
}

// Decision is identity resolution's decision about one lead, with its
// explanation. A review decision is also an entry of the review queue.
type Decision struct {
	ID      string          `json:"id"`
	LeadID  string          `json:"lead_id"`
	At      time.Time       `json:"at"`
	Outcome DecisionOutcome `json:"outcome"`
	// CustomerID is the customer the decision put the lead in.
	CustomerID string `json:"customer_id"`
	// CandidateID is the best candidate (for a review: the customer the
	// lead may be a duplicate of).
	CandidateID string      `json:"candidate_id,omitempty"`
	Probability float64     `json:"probability"`
	ReviewState ReviewState `json:"review_state,omitempty"`
	AuditID     string      `json:"audit_id"`
	Undone      bool        `json:"undone"`
	Explanation Explanation `json:"explanation"`
}

// ReviewItem is an open possible duplicate: the lead's customer now and
// the candidate followed through merges.
type ReviewItem struct {
	Decision
	LeadCustomerID      string `json:"lead_customer_id"`
	CandidateCustomerID string `json:"candidate_customer_id"`
}

// Resolution is a decision about an unresolved lead, made by the resolver
// and committed by the store with everything it implies.
type Resolution struct {
	Lead Lead // the lead as read; its contact and offer feed the customer's summary
	// CustomerID is the customer to join (OutcomeJoined) or the id of the
	// new customer to create (the other outcomes).
	CustomerID  string
	Outcome     DecisionOutcome
	CandidateID string
	Probability float64
	// Keys are the lead's blocking keys; they point at its customer.
	Keys        []string
	Explanation Explanation
	DecisionID  string
	AuditID     string
	At          time.Time
}

// ResolutionResult says what became of one Resolution.
type ResolutionResult string

const (
	ResolutionCommitted ResolutionResult = "committed"
	// ResolutionSkipped: the lead was resolved already (or is gone).
	ResolutionSkipped ResolutionResult = "skipped"
	// ResolutionStale: the customer to join is gone or merged; decide again.
	ResolutionStale ResolutionResult = "stale"
)

// Candidate is a customer found through a blocking key, with the leads of
// it that share a key with the new lead (their contact and customer only).
type Candidate struct {
	CustomerID string
	IsTest     bool
	Hits       int // how many of the lead's keys found it
	Leads      []Lead
}

// AuditAction is what an audit entry did.
type AuditAction string

const (
	AuditResolve AuditAction = "resolve" // the resolver decided about a new lead
	AuditMerge   AuditAction = "merge"   // one customer merged into another
	AuditSplit   AuditAction = "split"   // a lead moved out of its customer into a new one
	AuditDismiss AuditAction = "dismiss" // a possible duplicate kept apart
	AuditUndo    AuditAction = "undo"    // an earlier entry undone
)

// ActorResolver is the actor of the resolver's own decisions.
const ActorResolver = "resolver"

// AuditEntry records one decision, automatic or human, with exactly what
// it changed, so that it can be undone.
type AuditEntry struct {
	ID          string      `json:"id"`
	At          time.Time   `json:"at"`
	Actor       string      `json:"actor"`
	Action      AuditAction `json:"action"`
	Reason      string      `json:"reason"`
	CustomerIDs []string    `json:"customer_ids"`
	LeadIDs     []string    `json:"lead_ids"`
	// Payload is what changed (lead moves, customers created and merged,
	// review states before and after) and, for a resolve, the decision.
	Payload  json.RawMessage `json:"payload"`
	UndoneBy string          `json:"undone_by,omitempty"`
	Undoes   string          `json:"undoes,omitempty"`
}

// Change is the payload of an audit entry: everything needed to undo it.
type Change struct {
	Moves   []LeadMove     `json:"moves"`
	Created []string       `json:"created,omitempty"` // customers it created
	Merged  []CustomerLink `json:"merged,omitempty"`  // customers it marked merged
	Reviews []ReviewChange `json:"reviews,omitempty"`
	// KeysMoved is how many blocking keys followed the moved leads.
	KeysMoved int `json:"keys_moved"`
	// Decision is the resolver's decision (resolve entries).
	Decision string `json:"decision,omitempty"`
	// Review is the review item acted on (merge or dismiss from the queue).
	Review string `json:"review,omitempty"`
}

// LeadMove is one lead changing customer; "" is no customer (unresolved).
type LeadMove struct {
	Lead string `json:"lead"`
	From string `json:"from"`
	To   string `json:"to"`
}

// CustomerLink is a customer merged into another.
type CustomerLink struct {
	Customer string `json:"customer"`
	Into     string `json:"into"`
}

// ReviewChange is a review item's state before and after; From "" means
// the entry created it.
type ReviewChange struct {
	Decision string      `json:"decision"`
	From     ReviewState `json:"from"`
	To       ReviewState `json:"to"`
}

// CustomerFilter selects customers. Zero values mean "no filter". Merged
// customers are never listed.
type CustomerFilter struct {
	Stage        Stage
	Offer        string // a lead's offer: "publisher.offer", the offer id, or the title
	Query        string // case-insensitive substring of a lead's name, email or company
	IsTest       *bool
	DoNotContact *bool
	Limit        int
	Cursor       string
}

// CustomerPage is one page of customers, newest first.
type CustomerPage struct {
	Customers  []Customer
	NextCursor string
}

// CustomerLead is one lead of a customer with the decision that resolved it.
type CustomerLead struct {
	Lead
	Decision *Decision `json:"decision,omitempty"`
}

// CustomerDetail is a customer with its leads in time order (its journey)
// and the audit entries that concern it, newest first.
type CustomerDetail struct {
	Customer
	Leads []CustomerLead `json:"leads"`
	// LeadsTruncated is true when only the most recent MaxCustomerLeads
	// leads are listed.
	LeadsTruncated bool         `json:"leads_truncated,omitempty"`
	History        []AuditEntry `json:"history"`
}

// MaxCustomerLeads caps the leads a CustomerDetail lists.
const MaxCustomerLeads = 1000

// ReviewPage is one page of the review queue, newest first.
type ReviewPage struct {
	Items      []ReviewItem
	NextCursor string
}

// AuditFilter selects audit entries. Zero values mean "no filter".
type AuditFilter struct {
	Customer string
	Lead     string
	Action   AuditAction
	Limit    int
	Cursor   string
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries    []AuditEntry
	NextCursor string
}

// Act is who does a human action, and why.
type Act struct {
	Actor  string
	Reason string
}

// StoredModel is a trained match model kept in the database.
type StoredModel struct {
	ID        string          `json:"id"`
	CreatedAt time.Time       `json:"created_at"`
	Leads     int             `json:"leads"` // leads it was trained on
	Model     json.RawMessage `json:"model"`
	Stats     json.RawMessage `json:"stats"`
}

// CustomerStore is the persistence of identity resolution. Every change is
// one transaction that also writes its audit entry.
type CustomerStore interface {
	// PendingLeads returns up to limit unresolved leads (no customer yet),
	// in id order, skipping the ids in skip.
	PendingLeads(ctx context.Context, limit int, skip []string) ([]Lead, error)
	// UndoneDecisions returns, per lead id, the customers that undone
	// decisions had put those leads in or proposed for them.
	UndoneDecisions(ctx context.Context, leadIDs []string) (map[string][]string, error)
	// Candidates returns the customers whose leads hold any of keys (for
	// each key its perKey most recent leads), with those leads.
	Candidates(ctx context.Context, keys []string, perKey int) ([]Candidate, error)
	// CommitResolutions commits decisions in one transaction and says what
	// became of each.
	CommitResolutions(ctx context.Context, rs []Resolution) ([]ResolutionResult, error)

	ListCustomers(ctx context.Context, f CustomerFilter) (CustomerPage, error)
	GetCustomer(ctx context.Context, id string) (CustomerDetail, error)
	ListReview(ctx context.Context, limit int, cursor string) (ReviewPage, error)
	ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error)
	GetAudit(ctx context.Context, id string) (AuditEntry, error)

	// MergeCustomers moves every lead of other into into and marks other
	// merged. KindConflict when either is merged already or they are one.
	MergeCustomers(ctx context.Context, into, other string, act Act) (AuditEntry, error)
	// SplitLead moves a lead out of its customer into a new one.
	SplitLead(ctx context.Context, leadID string, act Act) (AuditEntry, error)
	// MergeReview merges the lead's customer into the candidate of an open
	// review item; DismissReview keeps them apart.
	MergeReview(ctx context.Context, decisionID string, act Act) (AuditEntry, error)
	DismissReview(ctx context.Context, decisionID string, act Act) (AuditEntry, error)
	// Undo undoes an audit entry exactly. KindConflict when a later change
	// depends on it (undo that one first) or it is undone already.
	Undo(ctx context.Context, auditID string, act Act) (AuditEntry, error)

	SaveModel(ctx context.Context, m StoredModel) error
	// LatestModel returns the most recent model; KindNotFound when none.
	LatestModel(ctx context.Context) (StoredModel, error)
	// CountLeads returns how many leads there are, and how many are resolved.
	CountLeads(ctx context.Context) (total, resolved int64, err error)
}
