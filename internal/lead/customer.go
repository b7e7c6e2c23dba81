package lead

import (
	"context"
	"time"
)

// Customer is one person (or organisation) behind one or more leads: the
// leads identity resolution found to be the same customer. Everything but
// the id, merged_into and the times of the record is derived from the
// customer's leads (their Summary) and recomputed after every change, so
// that merges, splits and undos stay exact. A merged customer has no leads (they are in MergedInto) and so a
// LeadCount of 0; it keeps the rest of the summary it had when it was
// merged (stage, flags, golden record, offers, first and last seen), so
// that it can still be recognised. Undoing the merge restores it exactly.
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
	Offers []string `json:"offers"`
	// AccountID is the company account it belongs to; "" when it has none
	// (a person with a free-mail address and no company). AccountPinned is
	// true when a person put it there: automatic assignment leaves it.
	AccountID     string    `json:"account_id"`
	AccountPinned bool      `json:"account_pinned"`
	MergedInto    string    `json:"merged_into,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
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

// CustomerFilter selects customers. Zero values mean "no filter". Merged
// customers are never listed.
type CustomerFilter struct {
	Stage        Stage
	Offer        string // a lead's offer: "publisher.offer", the offer id, or the title
	Source       string // a lead's source, e.g. "AzureMarketplace"
	Action       string // a lead's action, e.g. "StartTestDrive"
	Country      string // the golden record's country, ISO 3166-1 alpha-2 (any case)
	Query        string // a search of its leads' names, emails and companies: words that start with the given words (see store/search.go)
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

// CustomerReader reads customers. GetCustomer returns KindNotFound for an
// unknown id; ListCustomers returns KindInvalid for a bad cursor.
type CustomerReader interface {
	ListCustomers(ctx context.Context, f CustomerFilter) (CustomerPage, error)
	GetCustomer(ctx context.Context, id string) (CustomerDetail, error)
}
