package lead

import "time"

// GoldenField is one field of a customer's golden record with where its
// value came from: the lead, its receipt time, channel and source. At is
// zero (and Channel and Source empty) when that lead is not among the
// leads given, as when a customer's journey was truncated.
type GoldenField struct {
	Name  string // the field's JSON name, as in Golden.Sources
	Label string // the field's name for people
	Value string
	Lead  string
	At    time.Time
	// Channel and Source are those of the lead the value came from.
	Channel Channel
	Source  string
}

// goldenLabels names the contact fields for people, by JSON name.
var goldenLabels = map[string]string{
	"first_name": "First name", "last_name": "Last name", "email": "Email", "phone": "Phone",
	"country": "Country", "company": "Company", "title": "Job title",
}

// GoldenFields returns the golden record's fields in the order of a
// Contact, each with its source found among leads (by Golden.Sources).
// Fields without a value are included, with no source, so that a record
// reads the same for every customer.
func GoldenFields(g Golden, leads []Lead) []GoldenField {
	byID := make(map[string]*Lead, len(leads))
	for i := range leads {
		byID[leads[i].ID] = &leads[i]
	}
	fs := g.Contact.fields()
	out := make([]GoldenField, 0, len(fs))
	for _, f := range fs {
		gf := GoldenField{Name: f.name, Label: goldenLabels[f.name], Value: *f.value}
		if gf.Value != "" {
			gf.Lead = g.Sources[f.name]
		}
		if l := byID[gf.Lead]; l != nil {
			gf.At, gf.Channel, gf.Source = l.ReceivedAt, l.Channel, l.Source
		}
		out = append(out, gf)
	}
	return out
}
