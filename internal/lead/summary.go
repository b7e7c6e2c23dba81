package lead

import (
	"slices"
	"strings"
	"time"
)

// Summary is everything about a customer that its leads determine: a fold
// over the leads. Add folds in one lead, and adding the same leads in any
// order gives the same Summary, so that adding a lead to a customer (the
// resolver's join) gives exactly what recomputing it from all of the
// customer's leads gives (after a merge, a split or an undo).
type Summary struct {
	// Stage is the furthest stage of the leads by StageRank; a stage leadhub
	// does not know counts as interest, as the parser would classify it.
	Stage Stage
	// DoNotContact is true when any lead is a DNC (notify_only) lead.
	DoNotContact bool
	// IsTest is true when every lead is a Microsoft test lead.
	IsTest    bool
	LeadCount int
	FirstSeen time.Time // receipt of the first lead
	LastSeen  time.Time // receipt of the last lead
	// Offers are the leads' offers, sorted and distinct: "publisherid.offerid",
	// the offer id when the lead names no publisher, or the title when it
	// names no offer id.
	Offers []string
	// Golden holds, for each contact field by its JSON name (as in
	// Golden.Sources), the most recent non-empty value among the leads.
	Golden map[string]GoldenValue
}

// GoldenValue is one field of a golden record: the value, the lead it came
// from and that lead's receipt time. Of two values the one received later
// wins; at the same time, the one from the larger lead id.
type GoldenValue struct {
	Value string
	Lead  string
	At    time.Time
}

// Add folds one lead into the summary.
func (s *Summary) Add(l *Lead) {
	at := l.ReceivedAt
	stage := canonicalStage(l.Stage)
	if s.LeadCount == 0 {
		s.Stage, s.IsTest, s.FirstSeen, s.LastSeen = stage, l.IsTest, at, at
	} else {
		if StageRank(stage) > StageRank(s.Stage) {
			s.Stage = stage
		}
		s.IsTest = s.IsTest && l.IsTest
		if at.Before(s.FirstSeen) {
			s.FirstSeen = at
		}
		if at.After(s.LastSeen) {
			s.LastSeen = at
		}
	}
	s.LeadCount++
	if stage == StageNotifyOnly {
		s.DoNotContact = true
	}
	if ref := offerRef(l.Offer); ref != "" {
		if i, found := slices.BinarySearch(s.Offers, ref); !found {
			s.Offers = slices.Insert(s.Offers, i, ref)
		}
	}
	if s.Golden == nil {
		s.Golden = map[string]GoldenValue{}
	}
	for _, f := range l.Contact.fields() {
		if strings.TrimSpace(*f.value) == "" {
			continue
		}
		cur, ok := s.Golden[f.name]
		if !ok || at.After(cur.At) || (at.Equal(cur.At) && l.ID > cur.Lead) {
			s.Golden[f.name] = GoldenValue{Value: *f.value, Lead: l.ID, At: at}
		}
	}
}

// Record returns the golden record as a Customer shows it.
func (s *Summary) Record() Golden {
	g := Golden{Sources: map[string]string{}}
	for _, f := range g.Contact.fields() {
		if v, ok := s.Golden[f.name]; ok {
			*f.value = v.Value
			g.Sources[f.name] = v.Lead
		}
	}
	return g
}

// contactField is one field of a Contact by its JSON name.
type contactField struct {
	name  string
	value *string
}

// fields returns the contact's fields, in order.
func (c *Contact) fields() [7]contactField {
	return [...]contactField{
		{"first_name", &c.FirstName}, {"last_name", &c.LastName}, {"email", &c.Email}, {"phone", &c.Phone},
		{"country", &c.Country}, {"company", &c.Company}, {"title", &c.Title},
	}
}

// canonicalStage maps a lead's stage to one of the five; anything unknown
// is interest.
func canonicalStage(s Stage) Stage {
	switch s {
	case StageTest, StageNotifyOnly, StageInterest, StageTrial, StageActive:
		return s
	}
	return StageInterest
}

// offerRef names a lead's offer as a customer lists it.
func offerRef(o Offer) string {
	switch {
	case o.PublisherID != "" && o.OfferID != "":
		return o.PublisherID + "." + o.OfferID
	case o.OfferID != "":
		return o.OfferID
	}
	return o.Title
}
