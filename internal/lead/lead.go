// Package lead is leadhub's domain: the types every other package speaks in
// (raw leads, leads, customers, decisions, audit entries, credentials,
// sources, imports, and later users, accounts, the sales process and CRM
// destinations), the one error type, and small role interfaces, each
// documenting the error kinds it returns, that the rest of the program
// depends on. Each entity has a file of its own. It imports nothing from the
// rest of leadhub.
package lead

import (
	"context"
	"encoding/json"
	"time"
)

// Stage is how far along the buying journey a single marketplace event is.
type Stage string

const (
	StageInterest   Stage = "interest"    // Contact me (PLT); also any action leadhub does not know
	StageTrial      Stage = "trial"       // Test Drive, free trial
	StageActive     Stage = "active"      // Get it now (INS), Create in the Azure portal
	StageNotifyOnly Stage = "notify_only" // DNC: stored, never contacted
	StageTest       Stage = "test"        // Microsoft's validation lead (MSFT_TEST_…)
)

// Channel is the road a raw lead arrived by.
type Channel string

const (
	ChannelHTTPS      Channel = "https"       // POST /ingest/marketplace
	ChannelAzureTable Channel = "azure_table" // polled from a publisher's Azure Table
	ChannelImport     Channel = "import"      // a CSV file imported by an operator
)

// RawStatus is where a raw lead is in its processing.
type RawStatus string

const (
	RawParsed      RawStatus = "parsed"      // a lead was made from it
	RawQuarantined RawStatus = "quarantined" // it could not be parsed; kept for reprocessing
)

// Offer is a publisher's marketplace listing as seen through a lead.
type Offer struct {
	PublisherID string `json:"publisher_id"`
	OfferID     string `json:"offer_id"`
	Title       string `json:"title"`
}

// Contact is the customer's details as typed on the marketplace.
type Contact struct {
	FirstName string `json:"first_name"`
	LastName  string `json:"last_name"`
	Email     string `json:"email"`
	Phone     string `json:"phone"`
	Country   string `json:"country"`
	Company   string `json:"company"`
	Title     string `json:"title"`
}

// Parsed is what the marketplace parser makes of one payload: everything a
// lead has except the identity and arrival facts the inbox adds.
type Parsed struct {
	Source            string            `json:"source"`
	Action            string            `json:"action"`
	Offer             Offer             `json:"offer"`
	Stage             Stage             `json:"stage"`
	IsTest            bool              `json:"is_test"`
	Contact           Contact           `json:"contact"`
	Description       string            `json:"description"`
	DescriptionParams map[string]string `json:"description_params"`
	// Extra holds top-level and contact fields leadhub does not know, as
	// received, so that nothing sent is ever dropped; and a known field
	// whose value could not be used as is (an email field that is not an
	// address, or holds several), under its key.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
	// Notes lists repairs the parser had to make (for example a missing
	// comma in the JSON, or a mailto: link read as an email) and values it
	// could not use (an email that is not an address: the lead then has
	// none), so an operator can see the input was not clean.
	Notes []string `json:"parse_notes,omitempty"`
}

// Lead is one parsed marketplace event. Its JSON form is the public API
// contract; the field names must not change.
type Lead struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Channel    Channel   `json:"channel"`
	Parsed
	// CustomerID is the customer identity resolution put the lead in; ""
	// until it is resolved (normally within a second of its arrival).
	CustomerID string `json:"customer_id"`
	// AccountID is the account of its customer; "" while the lead is
	// unresolved or when its customer has no account.
	AccountID string `json:"account_id"`
	RawBody   []byte `json:"-"`
}

// LeadFilter selects leads. Zero values mean "no filter".
type LeadFilter struct {
	Offer          string // matches "publisher.offer", the offer id alone, or the offer title
	Action         string
	Source         string
	Stage          Stage
	IsTest         *bool
	ReceivedAfter  time.Time // exclusive
	ReceivedBefore time.Time // exclusive
	Query          string    // words of name, email or company that start with the given words (see store/search.go)
	Limit          int       // 1..MaxPageSize; 0 means DefaultPageSize
	Cursor         string    // from a previous page's NextCursor
}

// Page sizes for list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// LeadPage is one page of leads, newest first.
type LeadPage struct {
	Leads      []Lead
	NextCursor string // empty on the last page
}

// LeadReader reads leads. GetLead returns KindNotFound for an unknown id;
// ListLeads returns KindInvalid for a cursor it did not hand out. Any other
// failure is KindUnavailable (the database cannot be reached) or
// KindInternal.
type LeadReader interface {
	ListLeads(ctx context.Context, f LeadFilter) (LeadPage, error)
	// GetLead returns the lead with its raw body.
	GetLead(ctx context.Context, id string) (Lead, error)
}
