package process

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

func TestAssignRoundRobinExplains(t *testing.T) {
	in := emeaTrial()
	in.Customer.AccountID, in.Account = "", nil // no key-account rule in play
	res, err := Assign(in)
	if err != nil {
		t.Fatal(err)
	}
	want := `rule "EMEA trials": action StartTestDrive, region EMEA; round-robin in team "EMEA": picked ana (bob skipped: out of office; carl skipped: 12/12 open customers)`
	if res.OwnerID != "ana" || res.TeamID != "emea" || res.Rule.ID != "r-emea-trials" {
		t.Errorf("owner %q team %q rule %q", res.OwnerID, res.TeamID, res.Rule.ID)
	}
	if res.Assignment.Reason != want {
		t.Errorf("reason\n%s\nwant\n%s", res.Assignment.Reason, want)
	}
	a := res.Assignment
	if a.RuleID != "r-emea-trials" || a.Rule != "EMEA trials" || a.By != lead.ActorSystem || !a.At.Equal(monday) {
		t.Errorf("assignment %+v", a)
	}
	if res.Policy.Target != 30*time.Minute {
		t.Errorf("policy %+v, want the rule's 30 minutes", res.Policy)
	}
}

func TestAssign(t *testing.T) {
	type check struct {
		owner, team, rule string
		reason            []string // substrings of the reason
		policy            time.Duration
	}
	cases := []struct {
		name string
		edit func(*AssignInput)
		want check
	}{
		{
			name: "a colleague goes to whoever owns the account's other people",
			edit: func(in *AssignInput) { in.AccountOwner = "bob" },
			want: check{owner: "bob", team: "emea", rule: "r-owner", policy: 2 * time.Hour,
				reason: []string{`rule "Key accounts": account acc-contoso; assigned to bob, who owns other people of the account`}},
		},
		{
			name: "account owner disabled: falls through to the next matching rule",
			edit: func(in *AssignInput) { in.AccountOwner = "eve" },
			want: check{owner: "ana", team: "emea", rule: "r-emea-trials", policy: 30 * time.Minute,
				reason: []string{`passed over rule "Key accounts" (account owner eve is disabled); rule "EMEA trials"`}},
		},
		{
			name: "nobody owns the account yet: falls through",
			edit: func(in *AssignInput) {},
			want: check{owner: "ana", team: "emea", rule: "r-emea-trials", policy: 30 * time.Minute,
				reason: []string{`passed over rule "Key accounts" (nobody owns other people of the account)`}},
		},
		{
			name: "reassignment on breach excludes the account owner and the last owner",
			edit: func(in *AssignInput) { in.AccountOwner, in.Exclude = "ana", "ana" },
			want: check{owner: "dana", team: "emea", rule: "r-emea-trials", policy: 30 * time.Minute,
				reason: []string{"account owner ana is excluded", "picked dana (bob skipped: out of office; carl skipped: 12/12 open customers; ana skipped: excluded)"}},
		},
		{
			name: "Japanese customer at 19:00 Tokyo: the team has nobody in working hours",
			edit: func(in *AssignInput) {
				in.Customer, in.Account = kenji, nil
				in.Leads = []lead.Lead{mkLead("l9", kenji, "PLT", lead.StageInterest, contosoCRM, 0)}
			},
			want: check{owner: "", team: "apac", rule: "r-apac", policy: time.Hour,
				reason: []string{`rule "APAC": region APAC; round-robin in team "APAC": nobody available, left with the team (ken skipped: outside working hours (Mon 19:00 Asia/Tokyo); eve skipped: disabled)`}},
		},
		{
			name: "the same customer at 10:00 Tokyo goes to ken",
			edit: func(in *AssignInput) {
				in.Customer, in.Account = kenji, nil
				in.Leads = []lead.Lead{mkLead("l9", kenji, "PLT", lead.StageInterest, contosoCRM, 0)}
				in.Now = time.Date(2026, 12, 8, 1, 0, 0, 0, time.UTC)
			},
			want: check{owner: "ken", team: "apac", rule: "r-apac", policy: time.Hour},
		},
		{
			name: "a Contact me from the US falls to the default rule",
			edit: func(in *AssignInput) {
				in.Customer, in.Account = maria, nil
				in.Leads = []lead.Lead{mkLead("l9", maria, "PLT", lead.StageInterest, contosoCRM, 0)}
				in.Teams[DefaultTeamID] = DefaultTeam("Europe/Berlin", []lead.User{in.Users["ana"], in.Users["eve"], in.Users["carl"]}, monday)
				in.LastAssigned[DefaultTeamID] = "ana"
			},
			want: check{owner: "carl", team: DefaultTeamID, rule: DefaultRuleID, policy: 2 * time.Hour,
				reason: []string{`rule "Everyone": every customer; round-robin in team "Everyone": picked carl`}},
		},
		{
			name: "a user target that is disabled falls through, explained",
			edit: func(in *AssignInput) {
				in.Rules = append(in.Rules, lead.AssignRule{ID: "r-bi", Name: "BI specialist", Position: 5,
					When: lead.RuleCondition{Offers: []string{"BI"}}, Target: lead.TargetUser, UserID: "eve"})
				in.Leads = append(in.Leads, mkLead("l2", in.Customer, "PLT", lead.StageInterest, contosoBI, 5))
			},
			want: check{owner: "ana", team: "emea", rule: "r-emea-trials",
				reason: []string{`passed over rule "BI specialist" (user eve is disabled)`}, policy: 30 * time.Minute},
		},
		{
			name: "a user target by offer, its team the first team it is in, the rule's policy",
			edit: func(in *AssignInput) {
				fast := lead.SLAPolicy{Target: 15 * time.Minute, AtRiskShare: 0.5}
				in.Rules = append(in.Rules, lead.AssignRule{ID: "r-bi", Name: "BI specialist", Position: 5,
					When: lead.RuleCondition{Offers: []string{"Contoso.BI"}, Sources: []string{"azuremarketplace"}}, Target: lead.TargetUser, UserID: "dana", Policy: &fast})
				in.Leads = append(in.Leads, mkLead("l2", in.Customer, "PLT", lead.StageInterest, contosoBI, 5))
			},
			want: check{owner: "dana", team: "amer", rule: "r-bi", policy: 15 * time.Minute,
				reason: []string{`rule "BI specialist": offer contoso.bi, source AzureMarketplace; assigned to dana`}},
		},
		{
			name: "country and qualification conditions; the rule's team for a user",
			edit: func(in *AssignInput) {
				in.Qualification = lead.QualSalesReady
				in.Rules = append(in.Rules, lead.AssignRule{ID: "r-dach", Name: "DACH hot", Position: 1,
					When:   lead.RuleCondition{Countries: []string{"AT", "de", "CH"}, Qualifications: []lead.QualResult{lead.QualSalesReady}},
					Target: lead.TargetUser, UserID: "dana", TeamID: "emea"})
			},
			want: check{owner: "dana", team: "emea", rule: "r-dach", policy: 2 * time.Hour,
				reason: []string{"country DE, qualification sales_ready; assigned to dana"}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := emeaTrial()
			tc.edit(&in)
			res, err := Assign(in)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			if res.OwnerID != w.owner || res.TeamID != w.team || res.Rule.ID != w.rule || res.Policy.Target != w.policy {
				t.Errorf("owner %q team %q rule %q policy %s; want %q %q %q %s\n%s", res.OwnerID, res.TeamID, res.Rule.ID, res.Policy.Target,
					w.owner, w.team, w.rule, w.policy, res.Assignment.Reason)
			}
			for _, s := range w.reason {
				if !strings.Contains(res.Assignment.Reason, s) {
					t.Errorf("reason\n%s\ndoes not say\n%s", res.Assignment.Reason, s)
				}
			}
		})
	}
}

func TestAssignNoRule(t *testing.T) {
	in := emeaTrial()
	in.Rules = in.Rules[1:2] // APAC only
	_, err := Assign(in)
	if lead.KindOf(err) != lead.KindNotFound || !strings.Contains(err.Error(), "no assignment rule matches customer c-jonas") {
		t.Fatalf("err %v", err)
	}
	in.Rules = []lead.AssignRule{{ID: "r", Name: "Ghost", Target: lead.TargetTeam, TeamID: "gone"}}
	if _, err := Assign(in); !strings.Contains(lead.MessageOf(err), `passed over rule "Ghost" (team gone does not exist)`) {
		t.Fatalf("err %v", err)
	}
}

func TestRuleMatches(t *testing.T) {
	in := emeaTrial()
	for _, tc := range []struct {
		when lead.RuleCondition
		ok   bool
		why  string
	}{
		{lead.RuleCondition{}, true, "every customer"},
		{lead.RuleCondition{Offers: []string{"crm"}}, true, "offer crm"},
		{lead.RuleCondition{Offers: []string{"CONTOSO.CRM"}}, true, "offer contoso.crm"},
		{lead.RuleCondition{Offers: []string{"contoso.bi"}}, false, "offer contoso.crm/crm is not one of contoso.bi"},
		{lead.RuleCondition{Actions: []string{"Create", "INS"}}, false, "action StartTestDrive is not one of Create, INS"},
		{lead.RuleCondition{Countries: []string{"FR"}}, false, "country DE is not one of FR"},
		{lead.RuleCondition{Regions: []string{"emea"}, AccountIDs: []string{"acc-contoso"}}, true, "region EMEA, account acc-contoso"},
		{lead.RuleCondition{Regions: []string{"EMEA"}, AccountIDs: []string{"acc-fabrikam"}}, false, "account acc-contoso is not one of acc-fabrikam"},
		{lead.RuleCondition{Qualifications: []lead.QualResult{lead.QualSalesReady}}, false, "qualification nurture is not one of sales_ready"},
	} {
		ok, why := RuleMatches(lead.AssignRule{When: tc.when}, in)
		if ok != tc.ok || why != tc.why {
			t.Errorf("%+v: %v %q, want %v %q", tc.when, ok, why, tc.ok, tc.why)
		}
	}
	// Without leads, the customer's offers stand in; an unqualified
	// customer matches no qualification.
	in.Leads = nil
	in.Customer.Offers = []string{"contoso.bi"}
	in.Qualification = lead.QualNotQualified
	if ok, why := RuleMatches(lead.AssignRule{When: lead.RuleCondition{Offers: []string{"Contoso.BI"}}}, in); !ok {
		t.Errorf("customer offers: %s", why)
	}
	if ok, why := RuleMatches(lead.AssignRule{When: lead.RuleCondition{Qualifications: []lead.QualResult{lead.QualNurture}}}, in); ok || why != "qualification (none) is not one of nurture" {
		t.Errorf("unqualified: %v %s", ok, why)
	}
}

// TestAssignDeterministic checks that the order in which rules and teams
// come does not change the assignment, and that the rules' order is by
// position, then id.
func TestAssignDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	base := emeaTrial()
	base.Rules = append(base.Rules,
		lead.AssignRule{ID: "r-b", Name: "Tie B", Position: 15, When: lead.RuleCondition{Regions: []string{"EMEA"}}, Target: lead.TargetUser, UserID: "carl"},
		lead.AssignRule{ID: "r-a", Name: "Tie A", Position: 15, When: lead.RuleCondition{Regions: []string{"EMEA"}}, Target: lead.TargetUser, UserID: "dana"})
	want, err := Assign(base)
	if err != nil {
		t.Fatal(err)
	}
	if want.Rule.ID != "r-a" || want.OwnerID != "dana" {
		t.Fatalf("rule %s owner %s, want r-a (position 15, id before r-b) and dana", want.Rule.ID, want.OwnerID)
	}
	for range 200 {
		in := emeaTrial()
		in.Rules = append([]lead.AssignRule(nil), base.Rules...)
		rng.Shuffle(len(in.Rules), func(i, j int) { in.Rules[i], in.Rules[j] = in.Rules[j], in.Rules[i] })
		got, err := Assign(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled rules gave %+v (%v), want %+v", got, err, want)
		}
	}
}

func TestTeamOfAccountOwner(t *testing.T) {
	in := emeaTrial()
	in.AccountOwner = "ken" // in APAC only
	res, err := Assign(in)
	if err != nil || res.TeamID != "apac" || res.Policy.Target != time.Hour {
		t.Fatalf("team %q policy %s (%v)", res.TeamID, res.Policy.Target, err)
	}
	in.Users["zoe"] = lead.User{ID: "zoe", Email: "zoe@publisher.example", Role: lead.RoleRep}
	in.AccountOwner = "zoe" // in no team
	in.Teams["default"] = DefaultTeam("UTC", nil, monday)
	res, err = Assign(in)
	if err != nil || res.OwnerID != "zoe" || res.TeamID != "default" {
		t.Fatalf("owner %q team %q (%v)", res.OwnerID, res.TeamID, err)
	}
}
