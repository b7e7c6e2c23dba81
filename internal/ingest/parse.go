package ingest

import (
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// parsers are the channels' parsers. An Azure Table entity is stored as its
// JSON (CustomerInfo and all) and an imported row as a JSON object of
// Microsoft's field names, so the marketplace decoder reads all three; an
// imported row must also have a name, an email, a phone or a company.
var parsers = map[lead.Channel]func([]byte) (*lead.Parsed, error){
	lead.ChannelHTTPS:      marketplace.Decode,
	lead.ChannelAzureTable: marketplace.Decode,
	lead.ChannelImport:     decodeImported,
}

// decodeImported parses an imported row as the marketplace decoder does,
// and refuses one without a name, an email, a phone or a company: a title
// or a country alone is a spreadsheet's stray line, not someone to reach.
// The error then says so, with what became of the email if there was one.
func decodeImported(body []byte) (*lead.Parsed, error) {
	p, err := marketplace.Decode(body)
	if err != nil {
		return nil, err
	}
	if c := p.Contact; c.FirstName == "" && c.LastName == "" && c.Email == "" && c.Phone == "" && c.Company == "" {
		msg := "no contact details: the row has no name, email, phone or company"
		for _, n := range p.Notes {
			if strings.HasPrefix(n, marketplace.EmailNotePrefix) {
				msg += "; " + n
			}
		}
		return nil, &marketplace.DecodeError{Message: msg, Err: marketplace.ErrNoContact}
	}
	return p, nil
}

// Decode parses a body that arrived by channel with that channel's parser,
// as Receive does. Reprocessing and dry runs use it.
func Decode(ch lead.Channel, body []byte) (*lead.Parsed, error) {
	parse, ok := parsers[ch]
	if !ok {
		return nil, noParser(ch)
	}
	return parse(body)
}

func noParser(ch lead.Channel) error {
	return lead.Errorf(lead.KindInvalid, "ingest: no parser for channel %q", ch)
}
