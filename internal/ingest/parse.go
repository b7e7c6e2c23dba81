package ingest

import (
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// parsers are the channels' parsers. An Azure Table entity is stored as its
// JSON (CustomerInfo and all) and an imported row as a JSON object of
// Microsoft's field names, so the marketplace decoder reads all three.
var parsers = map[lead.Channel]func([]byte) (*lead.Parsed, error){
	lead.ChannelHTTPS:      marketplace.Decode,
	lead.ChannelAzureTable: marketplace.Decode,
	lead.ChannelImport:     marketplace.Decode,
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
