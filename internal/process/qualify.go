// Package process holds the rules of the follow-up process: qualification
// (is a customer worth sales time?), sales regions, and assignment (who
// follows a customer up, in which team, under which first-touch policy).
// It is pure: no I/O, no database, no goroutines. Callers read what it
// needs, call it, and store what it returns.
package process

import (
	"fmt"
	"slices"
	"strings"

	"github.com/leadhub/leadhub/internal/identity/accounts"
	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/lead"
)

// QualInput is what qualification looks at: a customer, its account (nil:
// none) and its leads.
type QualInput struct {
	Customer lead.Customer
	Account  *lead.Account
	Leads    []lead.Lead
}

// QualRules is a declarative qualification: points for fit (who the
// customer is) and for intent (what it did on the marketplace), and the
// thresholds that turn the score into a result. It is plain JSON, kept as
// a setting.
//
// The split into a fit and an intent (engagement) score, points per rule
// with a cap per group, and thresholds on the total follow HubSpot's lead
// scoring (https://www.iv-lead.com/hubspot-by-iv-lead/a-guide-to-hubspots-lead-scoring-tool)
// and Mautic's points (points per action, triggers at thresholds). The
// defaults keep the total within 100, HubSpot Professional's cap.
type QualRules struct {
	// Territory lists the ISO 3166-1 alpha-2 countries the publisher sells
	// in; empty: everywhere (no territory rule).
	Territory []string `json:"territory,omitempty"`
	// SeniorTitles, ManagerTitles and JuniorTitles are words or phrases of
	// a job title (compared after normalize.Words: case, accents and
	// punctuation ignored, whole words only). The first list that matches,
	// in that order, decides; a title matching none is an individual
	// contributor (no points).
	SeniorTitles  []string `json:"senior_titles"`
	ManagerTitles []string `json:"manager_titles"`
	JuniorTitles  []string `json:"junior_titles"`

	// Fit points.
	CorporateDomain  int `json:"corporate_domain"`  // an email at a company's own domain
	FreeMailDomain   int `json:"free_mail_domain"`  // free-mail, ISP, disposable or reserved domain (usually negative)
	InTerritory      int `json:"in_territory"`      // country in Territory
	OutsideTerritory int `json:"outside_territory"` // country known and outside Territory (usually negative)
	SeniorTitle      int `json:"senior_title"`
	ManagerTitle     int `json:"manager_title"`
	JuniorTitle      int `json:"junior_title"` // usually negative
	// PerColleague is given for each other person of the customer's
	// account (several people of one company make a stronger account), up
	// to ColleaguesCap.
	PerColleague  int `json:"per_colleague"`
	ColleaguesCap int `json:"colleagues_cap"`

	// Intent points for the strongest action of the customer's leads, by
	// lead.ActionStrength: Contact me, Test Drive or free trial, Get it
	// now or Create.
	ContactMe int `json:"contact_me"`
	Trial     int `json:"trial"`
	GetItNow  int `json:"get_it_now"`
	// PerRepeatLead is given for each lead after the first, up to
	// RepeatLeadsCap; PerExtraOffer for each offer after the first, up to
	// ExtraOffersCap.
	PerRepeatLead  int `json:"per_repeat_lead"`
	RepeatLeadsCap int `json:"repeat_leads_cap"`
	PerExtraOffer  int `json:"per_extra_offer"`
	ExtraOffersCap int `json:"extra_offers_cap"`

	// SalesReadyAt is the score (fit + intent) from which a customer is
	// sales ready; a fit below DisqualifyBelow disqualifies it.
	SalesReadyAt    int `json:"sales_ready_at"`
	DisqualifyBelow int `json:"disqualify_below"`
}

// DefaultQualRules are the rules a fresh install starts with. Intent
// weighs most: the marketplace action says how far the buyer went
// (Microsoft's lead stages: Contact me < Test Drive/trial < Get it now,
// https://learn.microsoft.com/en-us/partner-center/marketplace-offers/partner-center-portal/commercial-marketplace-get-customer-leads).
// Authority (the title) is BANT's A and CHAMP's
// (https://resources.rework.com/libraries/lead-management/lead-qualification-frameworks).
// With these numbers a trial from a corporate address is nurture until a
// manager, a colleague or another lead adds to it; a Get it now from a
// corporate address is sales ready; a free-mail student is disqualified.
func DefaultQualRules() QualRules {
	return QualRules{
		SeniorTitles: []string{"ceo", "cto", "cio", "cfo", "coo", "cmo", "cro", "cdo", "ciso", "chief",
			"president", "vp", "svp", "evp", "vice president", "director", "head", "founder", "cofounder",
			"business owner", "partner", "managing director", "general manager"},
		ManagerTitles: []string{"manager", "mgr", "lead", "team lead", "supervisor"},
		JuniorTitles:  []string{"student", "intern", "internship", "trainee", "apprentice", "graduate", "phd candidate"},

		CorporateDomain: 15, FreeMailDomain: -10,
		InTerritory: 10, OutsideTerritory: -30,
		SeniorTitle: 15, ManagerTitle: 8, JuniorTitle: -15,
		PerColleague: 5, ColleaguesCap: 15,

		ContactMe: 10, Trial: 20, GetItNow: 30,
		PerRepeatLead: 5, RepeatLeadsCap: 15,
		PerExtraOffer: 5, ExtraOffersCap: 10,

		SalesReadyAt: 40, DisqualifyBelow: -20,
	}
}

// Validate returns a KindInvalid error naming every problem: a territory
// entry that is not an ISO alpha-2 country, an empty title word, a word in
// two title lists, a negative cap, or a rule whose points have the wrong
// sign (a bonus below zero or a penalty above it).
func (r QualRules) Validate() error {
	var problems []string
	for i, c := range r.Territory {
		if strings.TrimSpace(c) != c || len(c) != 2 || regionOf[strings.ToUpper(c)] == "" {
			problems = append(problems, fmt.Sprintf("territory entry %d (%q) is not an ISO 3166-1 alpha-2 country code", i+1, c))
		}
	}
	seen := map[string]string{}
	for _, l := range []struct {
		name  string
		words []string
	}{{"senior titles", r.SeniorTitles}, {"manager titles", r.ManagerTitles}, {"junior titles", r.JuniorTitles}} {
		for i, w := range l.words {
			n := normalize.Words(w)
			if n == "" {
				problems = append(problems, fmt.Sprintf("%s: entry %d is empty", l.name, i+1))
				continue
			}
			if other, ok := seen[n]; ok && other != l.name {
				problems = append(problems, fmt.Sprintf("%q is in both %s and %s", w, other, l.name))
			}
			seen[n] = l.name
		}
	}
	for _, p := range []struct {
		name string
		v    int
		sign int // +1: must be ≥ 0; -1: must be ≤ 0
	}{
		{"corporate_domain", r.CorporateDomain, 1}, {"free_mail_domain", r.FreeMailDomain, -1},
		{"in_territory", r.InTerritory, 1}, {"outside_territory", r.OutsideTerritory, -1},
		{"senior_title", r.SeniorTitle, 1}, {"manager_title", r.ManagerTitle, 1}, {"junior_title", r.JuniorTitle, -1},
		{"per_colleague", r.PerColleague, 1}, {"colleagues_cap", r.ColleaguesCap, 1},
		{"contact_me", r.ContactMe, 1}, {"trial", r.Trial, 1}, {"get_it_now", r.GetItNow, 1},
		{"per_repeat_lead", r.PerRepeatLead, 1}, {"repeat_leads_cap", r.RepeatLeadsCap, 1},
		{"per_extra_offer", r.PerExtraOffer, 1}, {"extra_offers_cap", r.ExtraOffersCap, 1},
	} {
		if p.v*p.sign < 0 {
			want := "0 or more"
			if p.sign < 0 {
				want = "0 or less"
			}
			problems = append(problems, fmt.Sprintf("%s (%d) must be %s", p.name, p.v, want))
		}
	}
	if r.ContactMe > r.Trial || r.Trial > r.GetItNow {
		problems = append(problems, fmt.Sprintf("action points must not fall as intent grows (contact_me %d ≤ trial %d ≤ get_it_now %d)", r.ContactMe, r.Trial, r.GetItNow))
	}
	if len(problems) > 0 {
		return lead.Errorf(lead.KindInvalid, "process: qualification rules: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Qualify applies the rules to a customer. It never sets Override. The
// reasons come fit first, then intent, each in the order of the rules
// above; the result is:
//
//   - disqualified when a hard rule says so: a Microsoft test customer, a
//     do-not-contact one, one without a usable email or phone, or a fit
//     below DisqualifyBelow;
//   - sales_ready when the score (fit + intent) is SalesReadyAt or more;
//   - nurture otherwise.
func (r QualRules) Qualify(in QualInput) lead.Qualification {
	q := lead.Qualification{Reasons: []lead.QualReason{}}
	add := func(rule, kind string, points int, format string, args ...any) {
		q.Reasons = append(q.Reasons, lead.QualReason{Rule: rule, Kind: kind, Points: points, Text: fmt.Sprintf(format, args...)})
		if kind == KindFit {
			q.Fit += points
		} else {
			q.Intent += points
		}
	}
	c := in.Customer
	contact := c.Golden.Contact

	var hard []string
	if c.IsTest {
		add("test", KindFit, 0, "Microsoft test lead")
		hard = append(hard, "test")
	}
	if c.DoNotContact {
		add("do_not_contact", KindFit, 0, "asked not to be contacted")
		hard = append(hard, "do_not_contact")
	}
	r.fitEmail(contact.Email, add)
	if !usableContact(contact) {
		add("no_contact", KindFit, 0, "no usable email or phone")
		hard = append(hard, "no_contact")
	}
	r.fitTerritory(customerCountry(c, in.Account), add)
	r.fitTitle(contact.Title, add)
	if a := in.Account; a != nil && a.PeopleCount > 1 && r.PerColleague > 0 {
		others := a.PeopleCount - 1
		name := a.Name
		if name == "" && len(a.Domains) > 0 {
			name = a.Domains[0]
		}
		add("account_people", KindFit, capped(others*r.PerColleague, r.ColleaguesCap),
			"%d %s at %s", a.PeopleCount, plural(a.PeopleCount, "person", "people"), name)
	}
	r.intent(c, in.Leads, add)

	q.Score = q.Fit + q.Intent
	switch {
	case len(hard) > 0:
		q.Result = lead.QualDisqualified
	case q.Fit < r.DisqualifyBelow:
		q.Result = lead.QualDisqualified
		q.Reasons = append(q.Reasons, lead.QualReason{Rule: "fit_below", Kind: KindFit,
			Text: fmt.Sprintf("fit %d is below %d", q.Fit, r.DisqualifyBelow)})
	case q.Score >= r.SalesReadyAt:
		q.Result = lead.QualSalesReady
	default:
		q.Result = lead.QualNurture
	}
	slices.SortStableFunc(q.Reasons, func(a, b lead.QualReason) int { return kindOrder(a.Kind) - kindOrder(b.Kind) })
	return q
}

// Kinds of a qualification reason.
const (
	KindFit    = "fit"
	KindIntent = "intent"
)

func kindOrder(k string) int {
	if k == KindFit {
		return 0
	}
	return 1
}

type addFunc func(rule, kind string, points int, format string, args ...any)

// fitEmail scores the email's domain the way accounts decides that a
// customer has a corporate domain (accounts.Domain).
func (r QualRules) fitEmail(email string, add addFunc) {
	e, ok := normalize.Email(email)
	if !ok {
		return
	}
	if d := accounts.Domain(email); d != "" {
		add("corporate_domain", KindFit, r.CorporateDomain, "corporate email domain %s", d)
		return
	}
	add("free_mail_domain", KindFit, r.FreeMailDomain, "email domain %s is a free-mail, ISP or disposable one, not a company's", e.Domain)
}

// usableContact reports whether there is a way to reach the person: an
// email that is an address, or a phone with enough digits to dial (5, the
// shortest number normalize.Phone reads).
func usableContact(c lead.Contact) bool {
	if _, ok := normalize.Email(c.Email); ok {
		return true
	}
	return len(normalize.Digits(c.Phone)) >= 5
}

// customerCountry is the customer's country (ISO alpha-2): its golden
// record's, else its account's; "" when neither is known.
func customerCountry(c lead.Customer, a *lead.Account) string {
	if cc := isoCountry(c.Golden.Country); cc != "" {
		return cc
	}
	if a != nil {
		return isoCountry(a.Country)
	}
	return ""
}

func (r QualRules) fitTerritory(country string, add addFunc) {
	if len(r.Territory) == 0 || country == "" {
		return
	}
	for _, t := range r.Territory {
		if strings.EqualFold(t, country) {
			add("territory", KindFit, r.InTerritory, "country %s is in the territory", country)
			return
		}
	}
	add("territory", KindFit, r.OutsideTerritory, "country %s is outside the territory", country)
}

func (r QualRules) fitTitle(title string, add addFunc) {
	t := normalize.Words(title)
	if t == "" {
		return
	}
	switch {
	case hasPhrase(t, r.SeniorTitles):
		add("title", KindFit, r.SeniorTitle, "senior title %q", strings.TrimSpace(title))
	case hasPhrase(t, r.ManagerTitles):
		add("title", KindFit, r.ManagerTitle, "manager title %q", strings.TrimSpace(title))
	case hasPhrase(t, r.JuniorTitles):
		add("title", KindFit, r.JuniorTitle, "junior title %q", strings.TrimSpace(title))
	}
}

// hasPhrase reports whether the normalised words w contain one of the
// phrases as whole words.
func hasPhrase(w string, phrases []string) bool {
	padded := " " + w + " "
	for _, p := range phrases {
		if n := normalize.Words(p); n != "" && strings.Contains(padded, " "+n+" ") {
			return true
		}
	}
	return false
}

func capped(v, max int) int { return min(v, max) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
