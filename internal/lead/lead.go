// Package lead holds leadhub's domain types — raw leads, parsed leads,
// quarantine entries and credentials — and the small interfaces the rest of
// the program depends on. It imports nothing from the rest of leadhub.
package lead

import (
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
	// received, so that nothing sent is ever dropped.
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
	// Notes lists repairs the parser had to make (for example a missing
	// comma in the JSON), so an operator can see the input was not clean.
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
	RawBody    []byte `json:"-"`
}

// RawLead is a payload exactly as received, with its processing status.
type RawLead struct {
	ID         string    `json:"id"`
	ReceivedAt time.Time `json:"received_at"`
	Channel    Channel   `json:"channel"`
	Source     string    `json:"source"` // e.g. "https", "azure_table:account/table", "import"
	Status     RawStatus `json:"status"`
	Error      string    `json:"error,omitempty"`
	Attempts   int       `json:"attempts"`
	SHA256     string    `json:"sha256"`
	Size       int       `json:"size"`
	Body       []byte    `json:"-"`
}

// ImportStatus is where a CSV import is.
type ImportStatus string

const (
	ImportRunning ImportStatus = "running"
	ImportDone    ImportStatus = "done"
	ImportFailed  ImportStatus = "failed" // stopped early; Error says why
)

// RowError is a problem with one row of an imported file.
type RowError struct {
	Line    int64  `json:"line"` // 1-based line number in the file (the header is line 1)
	Message string `json:"message"`
}

// Import is one CSV import and its progress.
type Import struct {
	ID         string       `json:"id"`
	Filename   string       `json:"filename"`
	Status     ImportStatus `json:"status"`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
	FinishedAt *time.Time   `json:"finished_at,omitempty"`
	Rows       int64        `json:"rows"`       // data rows read so far
	Created    int64        `json:"created"`    // new leads
	Duplicates int64        `json:"duplicates"` // rows already imported before (or repeated in the file)
	Failed     int64        `json:"failed"`     // rows with errors
	Errors     []RowError   `json:"errors"`     // the first MaxImportErrors row errors
	Error      string       `json:"error,omitempty"`
}

// MaxImportErrors caps the row errors an Import keeps.
const MaxImportErrors = 1000
