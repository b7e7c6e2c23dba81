package lead

import (
	"context"
	"encoding/json"
	"time"
)

// AuditAction is what an audit entry did.
type AuditAction string

const (
	AuditResolve AuditAction = "resolve" // the resolver decided about a new lead
	AuditMerge   AuditAction = "merge"   // one customer merged into another
	AuditSplit   AuditAction = "split"   // a lead moved out of its customer into a new one
	AuditDismiss AuditAction = "dismiss" // a possible duplicate kept apart
	AuditUndo    AuditAction = "undo"    // an earlier entry undone

	AuditAccountMove  AuditAction = "account_move"  // a customer moved to another account by a person
	AuditAccountMerge AuditAction = "account_merge" // one account merged into another
	AuditAccountSplit AuditAction = "account_split" // customers moved out of an account into a new one
	AuditAccounts     AuditAction = "accounts"      // accounts assigned to customers from before accounts existed

	// AuditProcess is a change of a customer's follow-up process (opened,
	// assigned, stage, first touch, clock, qualification override). It is
	// never undone: a person changes the stage or the owner again instead.
	AuditProcess AuditAction = "process"
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
	AccountIDs  []string    `json:"account_ids"`
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
	// AccountMoves are the customers that changed account (by the rules
	// after a change of their leads, or by a person), AccountsCreated the
	// accounts it created and AccountsMerged those it marked merged.
	AccountMoves    []AccountMove `json:"account_moves,omitempty"`
	AccountsCreated []string      `json:"accounts_created,omitempty"`
	AccountsMerged  []AccountLink `json:"accounts_merged,omitempty"`
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

// AuditFilter selects audit entries. Zero values mean "no filter".
type AuditFilter struct {
	Customer string
	Lead     string
	Account  string
	Action   AuditAction
	Actor    string // exactly as recorded, e.g. "user:Pat (u-1)" or "resolver"
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

// AuditReader reads the audit log. GetAudit returns KindNotFound for an
// unknown id; ListAudit returns KindInvalid for a bad cursor.
type AuditReader interface {
	ListAudit(ctx context.Context, f AuditFilter) (AuditPage, error)
	GetAudit(ctx context.Context, id string) (AuditEntry, error)
}

// IdentityEditor makes the human identity decisions. Each is one
// transaction that also writes its audit entry, which it returns. Every
// method returns KindInvalid when act has no actor (or a too long one),
// KindNotFound for an unknown customer, lead, review item or entry, and
// KindConflict when the change does not fit the current state (described
// below for each).
type IdentityEditor interface {
	// MergeCustomers moves every lead of other into into and marks other
	// merged. KindConflict when either is merged already or they are one.
	MergeCustomers(ctx context.Context, into, other string, act Act) (AuditEntry, error)
	// SplitLead moves a lead out of its customer into a new one.
	// KindConflict when the lead is unresolved or its customer's only lead.
	SplitLead(ctx context.Context, leadID string, act Act) (AuditEntry, error)
	// MergeReview merges the lead's customer into the candidate of an open
	// review item; DismissReview keeps them apart. KindConflict when the
	// item is not open.
	MergeReview(ctx context.Context, decisionID string, act Act) (AuditEntry, error)
	DismissReview(ctx context.Context, decisionID string, act Act) (AuditEntry, error)
	// Undo undoes an audit entry exactly. KindConflict when a later change
	// depends on it (undo that one first) or it is undone already.
	Undo(ctx context.Context, auditID string, act Act) (AuditEntry, error)
}
