package lead

import (
	"context"
	"encoding/json"
	"time"
)

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

// Contradiction is a field in which the new lead and a lead of the
// candidate (or its golden record, LeadID "golden") say they are two
// people.
type Contradiction struct {
	LeadID string `json:"lead_id"`
	Field  string `json:"field"`
	A      string `json:"a"` // the new lead's value
	B      string `json:"b"` // the other lead's
	Level  string `json:"level"`
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
	// Contradictions are the evidence against the best candidate as a
	// whole: a lead of it (or its golden record) whose given name or
	// personal mailbox says it is someone else. With one, the lead does
	// not join the candidate automatically.
	Contradictions []Contradiction `json:"contradictions,omitempty"`
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
	// Golden is the customer's golden record (its most recent value of
	// each contact field), to check the lead against the customer as a
	// whole.
	Golden Contact
}

// KeyLead is a lead found through one of the blocking keys asked for,
// with its customer's test flag and golden record.
type KeyLead struct {
	Key        string
	CustomerID string
	IsTest     bool    // the customer's
	Golden     Contact // the customer's
	Lead       Lead    // its id, receipt time, customer and contact fields
}

// KeyCustomer is a customer found through a blocking key: its test flag
// and golden record, and whether it was merged into another.
type KeyCustomer struct {
	ID     string
	IsTest bool
	Golden Contact
	Merged bool
}

// ReviewPage is one page of the review queue, newest first.
type ReviewPage struct {
	Items      []ReviewItem
	NextCursor string
}

// StoredModel is a trained match model kept in the database.
type StoredModel struct {
	ID        string          `json:"id"`
	CreatedAt time.Time       `json:"created_at"`
	Leads     int             `json:"leads"` // leads it was trained on
	Model     json.RawMessage `json:"model"`
	Stats     json.RawMessage `json:"stats"`
}

// ResolutionStore is what the resolver reads and writes. CommitResolutions
// returns KindInvalid for a resolution without its ids or with an unknown
// outcome; other errors are KindUnavailable or KindInternal, and then
// nothing was committed.
type ResolutionStore interface {
	// PendingLeads returns up to limit unresolved leads (no customer yet),
	// in id order, skipping the ids in skip.
	PendingLeads(ctx context.Context, limit int, skip []string) ([]Lead, error)
	// UndoneDecisions returns, per lead id, the customers that undone
	// decisions had put those leads in or proposed for them.
	UndoneDecisions(ctx context.Context, leadIDs []string) (map[string][]string, error)
	// KeyLeads returns, for each of keys, the perKey most recent leads
	// that hold it, with their customers: what the customers found through
	// a lead's keys are made of. The resolver asks once for all the keys
	// of a batch of leads.
	KeyLeads(ctx context.Context, keys []string, perKey int) ([]KeyLead, error)
	// KeyCustomers returns the test flag and golden record of customers by
	// id (an unknown id is left out): what a resolver that remembers the
	// index's leads reads again after the customers changed.
	KeyCustomers(ctx context.Context, ids []string) ([]KeyCustomer, error)
	// IdentityGeneration is a number that moves with every change of who
	// belongs to which customer not committed by CommitResolutions (merges,
	// splits, review decisions, undos): what a resolver remembers of the
	// index is void when it moved.
	IdentityGeneration(ctx context.Context) (int64, error)
	// CommitResolutions commits decisions in one transaction and says what
	// became of each.
	CommitResolutions(ctx context.Context, rs []Resolution) ([]ResolutionResult, error)
	// CountLeads returns how many leads there are, and how many are resolved.
	CountLeads(ctx context.Context) (total, resolved int64, err error)
}

// ModelStore keeps trained match models. SaveModel returns KindInvalid for
// a model without id or JSON; LatestModel returns KindNotFound when none
// was trained.
type ModelStore interface {
	SaveModel(ctx context.Context, m StoredModel) error
	LatestModel(ctx context.Context) (StoredModel, error)
}

// ReviewReader lists the open review items, newest first; KindInvalid for
// a bad cursor.
type ReviewReader interface {
	ListReview(ctx context.Context, limit int, cursor string) (ReviewPage, error)
}

// Lock is a lock held by this process until Release (or until its
// connection breaks, which Alive reports).
type Lock interface {
	// Alive returns an error when the lock was lost.
	Alive(ctx context.Context) error
	// Release gives the lock up; it is safe to call more than once.
	Release()
}

// ResolverLocker hands out the lock that lets one process of those sharing
// a database resolve leads. TryResolverLock returns a nil Lock and a nil
// error when another process holds it; errors are KindUnavailable or
// KindInternal.
type ResolverLocker interface {
	TryResolverLock(ctx context.Context) (Lock, error)
}
