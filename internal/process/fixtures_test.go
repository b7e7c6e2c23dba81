package process

import (
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// monday is Monday 7 December 2026, 10:00 UTC: 11:00 in Munich, 05:00 in
// New York, 19:00 in Tokyo.
var monday = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// contosoSwitchboard is the phone every Contoso person types.
const contosoSwitchboard = "+49 89 1234 0"

var contosoCRM = lead.Offer{PublisherID: "contoso", OfferID: "crm", Title: "Contoso CRM"}
var contosoBI = lead.Offer{PublisherID: "contoso", OfferID: "bi", Title: "Contoso BI"}

// person is a customer with a golden record.
func person(id, first, last, email, phone, country, company, title string) lead.Customer {
	return lead.Customer{
		ID: id, Stage: lead.StageInterest, LeadCount: 1,
		Golden: lead.Golden{Contact: lead.Contact{FirstName: first, LastName: last, Email: email, Phone: phone,
			Country: country, Company: company, Title: title}},
	}
}

// mkLead is a lead of customer c with the action and stage the marketplace
// gives, received minutes after monday.
func mkLead(id string, c lead.Customer, action string, stage lead.Stage, offer lead.Offer, minutes int) lead.Lead {
	return lead.Lead{
		ID: id, ReceivedAt: monday.Add(time.Duration(minutes) * time.Minute), Channel: lead.ChannelHTTPS,
		CustomerID: c.ID, AccountID: c.AccountID,
		Parsed: lead.Parsed{Source: "AzureMarketplace", Action: action, Offer: offer, Stage: stage, Contact: c.Golden.Contact},
	}
}

// The Contoso people: four people of one company sharing the domain, the
// company name, the country and the switchboard.
var (
	contoso = lead.Account{ID: "acc-contoso", Name: "Contoso GmbH", Domains: []string{"contoso.com"},
		Country: "DE", PeopleCount: 4, LeadCount: 6, Stage: lead.StageTrial}
	anja   = withAccount(person("c-anja", "Anja", "Keller", "anja.keller@contoso.com", contosoSwitchboard, "Germany", "Contoso GmbH", "Director of IT"))
	jonas  = withAccount(person("c-jonas", "Jonas", "Weber", "jonas.weber@mail.contoso.com", contosoSwitchboard, "DE", "Contoso", "Software Engineer"))
	lea    = withAccount(person("c-lea", "Lea", "Schmidt", "", contosoSwitchboard, "Deutschland", "Contoso GmbH", "IT Manager"))
	nobody = withAccount(person("c-nobody", "Max", "Braun", "", "", "", "Contoso GmbH", "Head of Sales"))
)

func withAccount(c lead.Customer) lead.Customer {
	c.AccountID = contoso.ID
	return c
}

// Free-mail individuals, without an account.
var (
	priya = person("c-priya", "Priya", "Nair", "priya.nair@gmail.com", "", "India", "", "Student")
	tom   = person("c-tom", "Tom", "Baker", "tom.baker1982@hotmail.co.uk", "+44 7700 900123", "UK", "", "")
	kenji = person("c-kenji", "Kenji", "Sato", "k.sato@fabrikam.co.jp", "", "Japan", "Fabrikam", "CTO")
	maria = person("c-maria", "Maria", "Lopez", "maria@example.com", "", "US", "", "VP Marketing")
)

// Users: ana, bob, carl and dana sell; eve is disabled.
func users() map[string]lead.User {
	m := map[string]lead.User{}
	for _, u := range []lead.User{
		{ID: "ana", Email: "ana@publisher.example", TimeZone: "Europe/Berlin", Role: lead.RoleRep},
		{ID: "bob", Email: "bob@publisher.example", TimeZone: "Europe/Berlin", Role: lead.RoleRep},
		{ID: "carl", Email: "carl@publisher.example", TimeZone: "Europe/Berlin", Role: lead.RoleRep},
		{ID: "dana", Email: "dana@publisher.example", TimeZone: "America/New_York", Role: lead.RoleManager},
		{ID: "eve", Email: "eve@publisher.example", TimeZone: "Asia/Tokyo", Role: lead.RoleRep, Disabled: true},
		{ID: "ken", Email: "ken@publisher.example", TimeZone: "Asia/Tokyo", Role: lead.RoleRep},
	} {
		m[u.ID] = u
	}
	return m
}

// teams: EMEA in Berlin (bob out of office, carl full at 12), APAC in
// Tokyo, AMER in New York.
func teams() map[string]lead.Team {
	emea := lead.Team{ID: "emea", Name: "EMEA", Calendar: lead.DefaultCalendar("Europe/Berlin"), Policy: lead.DefaultSLAPolicy(),
		Members: []lead.TeamMember{{UserID: "bob", OutOfOffice: true}, {UserID: "carl", Capacity: 12}, {UserID: "ana", Capacity: 30}, {UserID: "dana"}}}
	apac := lead.Team{ID: "apac", Name: "APAC", Calendar: lead.DefaultCalendar("Asia/Tokyo"),
		Policy:  lead.SLAPolicy{Target: time.Hour, AtRiskShare: 0.5},
		Members: []lead.TeamMember{{UserID: "ken"}, {UserID: "eve"}}}
	amer := lead.Team{ID: "amer", Name: "AMER", Calendar: lead.DefaultCalendar("America/New_York"), Policy: lead.DefaultSLAPolicy(),
		Members: []lead.TeamMember{{UserID: "dana"}}}
	return map[string]lead.Team{"emea": emea, "apac": apac, "amer": amer}
}

// rules: key accounts to their owner, EMEA trials round-robin, a user for
// APAC, the default.
func rules() []lead.AssignRule {
	fast := lead.SLAPolicy{Target: 30 * time.Minute, CalendarCap: 4 * time.Hour, AtRiskShare: 0.5}
	return []lead.AssignRule{
		DefaultRule(),
		{ID: "r-apac", Name: "APAC", Position: 30, When: lead.RuleCondition{Regions: []string{"APAC"}}, Target: lead.TargetTeam, TeamID: "apac"},
		{ID: "r-emea-trials", Name: "EMEA trials", Position: 20, When: lead.RuleCondition{Actions: []string{"StartTestDrive"}, Regions: []string{"EMEA"}},
			Target: lead.TargetTeam, TeamID: "emea", Policy: &fast},
		{ID: "r-owner", Name: "Key accounts", Position: 10, When: lead.RuleCondition{AccountIDs: []string{"acc-contoso"}}, Target: lead.TargetAccountOwner},
	}
}

// emeaTrial is an assignment input for Jonas's test drive on Monday.
func emeaTrial() AssignInput {
	c := jonas
	c.Stage = lead.StageTrial
	return AssignInput{
		Customer: c, Account: &contoso, Qualification: lead.QualNurture,
		Leads: []lead.Lead{mkLead("l-1", c, "StartTestDrive", lead.StageTrial, contosoCRM, 0)},
		Rules: rules(), Teams: teams(), Users: users(),
		Load:         map[string]int{"carl": 12, "ana": 3},
		LastAssigned: map[string]string{"emea": "dana"},
		Now:          monday,
	}
}
