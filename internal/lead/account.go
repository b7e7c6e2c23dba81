package lead

import (
	"context"
	"time"
)

// Account is the company behind one or more customers: the customers that
// account resolution (internal/identity/accounts) found to work for the
// same organisation, by their corporate email domain and their company
// name with country. Everything but the id, merged_into and the times of
// the record is derived from its active customers (an AccountSummary) and
// recomputed after every change. A merged account has no customers (they
// are in MergedInto) and counts none; it keeps the rest of its summary.
type Account struct {
	ID string `json:"id"`
	// Name is the spelling of the company most of its people use (of two
	// equally common ones, the one seen last).
	Name string `json:"name"`
	// Domains are the corporate email domains of its people (registrable
	// domains: mail.contoso.com counts as contoso.com), sorted.
	Domains []string `json:"domains"`
	// Country is the ISO 3166-1 alpha-2 country most of its people give;
	// "" when none does.
	Country     string    `json:"country"`
	PeopleCount int       `json:"people_count"`
	LeadCount   int       `json:"lead_count"`
	Offers      []string  `json:"offers"`
	Stage       Stage     `json:"stage"` // the furthest stage of its people
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	MergedInto  string    `json:"merged_into,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// AccountFilter selects accounts. Zero values mean "no filter". Merged and
// empty accounts are never listed.
type AccountFilter struct {
	Query   string // case-insensitive substring of the name or a domain
	Offer   string // an offer of the account (as Account.Offers names them)
	Stage   Stage  // its furthest stage
	Country string // ISO 3166-1 alpha-2
	Limit   int
	Cursor  string
}

// AccountPage is one page of accounts, newest first.
type AccountPage struct {
	Accounts   []Account
	NextCursor string
}

// AccountPerson is a customer of an account with its journey (its leads
// in time order, the most recent MaxCustomerLeads) and the account keys
// that place it there.
type AccountPerson struct {
	Customer
	// Keys are the customer's account keys ("d:contoso.com",
	// "n:contoso|US"): what it shares with the account's other people.
	Keys  []string `json:"keys"`
	Leads []Lead   `json:"leads"`
}

// AccountDetail is an account with its people (most recently seen first)
// and the audit entries that concern it, newest first.
type AccountDetail struct {
	Account
	People []AccountPerson `json:"people"`
	// PeopleTruncated is true when only MaxAccountPeople are listed.
	PeopleTruncated bool         `json:"people_truncated,omitempty"`
	History         []AuditEntry `json:"history"`
}

// MaxAccountPeople caps the people an AccountDetail lists.
const MaxAccountPeople = 200

// AccountMove is one customer changing account; "" is no account. Pinned
// is whether the customer is pinned to its account before (PinFrom) and
// after (PinTo): a customer a person placed stays where they put it, and
// automatic assignment never moves it. Because names the account keys
// the customer shares with its new account ("" when it got a new one of
// its own).
type AccountMove struct {
	Customer string   `json:"customer"`
	From     string   `json:"from"`
	To       string   `json:"to"`
	PinFrom  bool     `json:"pin_from,omitempty"`
	PinTo    bool     `json:"pin_to,omitempty"`
	Because  []string `json:"because,omitempty"`
}

// AccountLink is an account merged into another.
type AccountLink struct {
	Account string `json:"account"`
	Into    string `json:"into"`
}

// AccountReader reads accounts. GetAccount returns KindNotFound for an
// unknown id; ListAccounts returns KindInvalid for a bad cursor.
type AccountReader interface {
	ListAccounts(ctx context.Context, f AccountFilter) (AccountPage, error)
	GetAccount(ctx context.Context, id string) (AccountDetail, error)
}

// AccountEditor makes the human account decisions. Each is one identity
// transaction that writes its audit entry (undone with
// IdentityEditor.Undo), which it returns. Every method returns KindInvalid
// when act has no actor (or a too long one) or an argument is missing,
// KindNotFound for an unknown account or customer, and KindConflict when
// the change does not fit the current state (described below for each).
type AccountEditor interface {
	// MoveCustomerAccount moves an active customer into an active account
	// and pins it there. KindConflict when either is merged or the
	// customer is there already.
	MoveCustomerAccount(ctx context.Context, customerID, accountID string, act Act) (AuditEntry, error)
	// MergeAccounts moves every customer of other into into (pinned) and
	// marks other merged. KindConflict when either is merged or they are
	// one.
	MergeAccounts(ctx context.Context, into, other string, act Act) (AuditEntry, error)
	// SplitAccount moves the given customers of an account into a new
	// account (pinned). KindConflict when the account is merged, a
	// customer is not one of its own, or they are all of its people.
	SplitAccount(ctx context.Context, accountID string, customerIDs []string, act Act) (AuditEntry, error)
}
