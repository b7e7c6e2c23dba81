package process

import (
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

// intent scores the customer's leads: the strongest action, repeat leads
// and several offers. Test and do-not-contact leads (strength 0) count
// for nothing. Without leads, the customer's summary stands in for them.
func (r QualRules) intent(c lead.Customer, leads []lead.Lead, add addFunc) {
	var best *lead.Lead
	count := 0
	offers := map[string]bool{}
	for i := range leads {
		l := &leads[i]
		s := lead.ActionStrength(l.Stage)
		if s == 0 || l.IsTest {
			continue
		}
		count++
		if ref := offerRef(l.Offer); ref != "" {
			offers[strings.ToLower(ref)] = true
		}
		if best == nil || s > lead.ActionStrength(best.Stage) ||
			(s == lead.ActionStrength(best.Stage) && (l.ReceivedAt.After(best.ReceivedAt) ||
				(l.ReceivedAt.Equal(best.ReceivedAt) && l.ID > best.ID))) {
			best = l
		}
	}
	var stage lead.Stage // none when every lead given is a test or do-not-contact one
	where := ""
	if best != nil {
		stage, where = best.Stage, offerRef(best.Offer)
	} else if len(leads) == 0 {
		stage, count = c.Stage, c.LeadCount
		for _, o := range c.Offers {
			offers[strings.ToLower(o)] = true
		}
		if len(c.Offers) == 1 {
			where = c.Offers[0]
		}
	}
	if s := lead.ActionStrength(stage); s > 0 && !c.IsTest {
		points := [...]int{0, r.ContactMe, r.Trial, r.GetItNow}[s]
		text := actionLabel(s)
		if best != nil && best.Action != "" && !strings.EqualFold(best.Action, text) {
			text += " (" + best.Action + ")"
		}
		if where != "" {
			text += " on " + where
		}
		add("action_strength", KindIntent, points, "%s", text)
	}
	if count > 1 && r.PerRepeatLead > 0 {
		add("repeat_leads", KindIntent, capped((count-1)*r.PerRepeatLead, r.RepeatLeadsCap), "%d leads", count)
	}
	if len(offers) > 1 && r.PerExtraOffer > 0 {
		names := make([]string, 0, len(offers))
		for o := range offers {
			names = append(names, o)
		}
		slices.Sort(names)
		add("several_offers", KindIntent, capped((len(offers)-1)*r.PerExtraOffer, r.ExtraOffersCap),
			"%d offers: %s", len(offers), strings.Join(names, ", "))
	}
}

// actionLabel names an action strength the way the marketplace shows it.
func actionLabel(strength int) string {
	switch strength {
	case 3:
		return "Get it now"
	case 2:
		return "Test Drive or free trial"
	}
	return "Contact me"
}

// offerRef names a lead's offer as a customer lists it: "publisher.offer",
// the offer id, or the title.
func offerRef(o lead.Offer) string {
	switch {
	case o.PublisherID != "" && o.OfferID != "":
		return o.PublisherID + "." + o.OfferID
	case o.OfferID != "":
		return o.OfferID
	}
	return o.Title
}
