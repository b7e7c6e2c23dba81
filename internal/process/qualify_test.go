package process

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
)

// reasonsOf renders reasons as "rule:points" for compact comparison.
func reasonsOf(q lead.Qualification) string {
	var s []string
	for _, r := range q.Reasons {
		s = append(s, r.Rule+":"+itoa(r.Points))
	}
	return strings.Join(s, " ")
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestQualify(t *testing.T) {
	few := contoso
	few.PeopleCount = 1
	territory := DefaultQualRules()
	territory.Territory = []string{"DE", "AT", "CH"}
	stage := func(c lead.Customer, s lead.Stage) lead.Customer { c.Stage = s; return c }
	dnc := stage(anja, lead.StageTrial)
	dnc.DoNotContact = true
	test := stage(tom, lead.StageActive)
	test.IsTest = true

	cases := []struct {
		name      string
		rules     QualRules
		in        QualInput
		result    lead.QualResult
		fit, want int // fit and score
		reasons   string
		texts     []string // substrings of the reasons' texts
	}{
		{
			name: "director of a four-person account starts a test drive",
			in: QualInput{Customer: stage(anja, lead.StageTrial), Account: &contoso,
				Leads: []lead.Lead{mkLead("l1", anja, "StartTestDrive", lead.StageTrial, contosoCRM, 0)}},
			result: lead.QualSalesReady, fit: 45, want: 65,
			reasons: "corporate_domain:15 title:15 account_people:15 action_strength:20",
			texts:   []string{"corporate email domain contoso.com", `senior title "Director of IT"`, "4 people at Contoso GmbH", "Test Drive or free trial (StartTestDrive) on contoso.crm"},
		},
		{
			name: "engineer alone at the company asks to be contacted",
			in: QualInput{Customer: jonas, Account: &few,
				Leads: []lead.Lead{mkLead("l1", jonas, "PLT", lead.StageInterest, contosoCRM, 0)}},
			result: lead.QualNurture, fit: 15, want: 25,
			reasons: "corporate_domain:15 action_strength:10",
			texts:   []string{"corporate email domain contoso.com", "Contact me (PLT) on contoso.crm"},
		},
		{
			name: "engineer buys: Get it now from a corporate domain is sales ready",
			in: QualInput{Customer: stage(jonas, lead.StageActive), Account: &few,
				Leads: []lead.Lead{mkLead("l1", jonas, "Create", lead.StageActive, contosoCRM, 0)}},
			result: lead.QualSalesReady, fit: 15, want: 45,
			reasons: "corporate_domain:15 action_strength:30",
			texts:   []string{"Get it now (Create) on contoso.crm"},
		},
		{
			name: "free-mail student is disqualified on fit",
			in: QualInput{Customer: priya,
				Leads: []lead.Lead{mkLead("l1", priya, "PLT", lead.StageInterest, contosoCRM, 0)}},
			result: lead.QualDisqualified, fit: -25, want: -15,
			reasons: "free_mail_domain:-10 title:-15 fit_below:0 action_strength:10",
			texts:   []string{"gmail.com is a free-mail", `junior title "Student"`, "fit -25 is below -20"},
		},
		{
			name: "free-mail individual buys: nurture",
			in: QualInput{Customer: stage(tom, lead.StageActive),
				Leads: []lead.Lead{mkLead("l1", tom, "Get it now", lead.StageActive, contosoCRM, 0)}},
			result: lead.QualNurture, fit: -10, want: 20,
			reasons: "free_mail_domain:-10 action_strength:30",
			texts:   []string{"hotmail.co.uk", "Get it now on contoso.crm"},
		},
		{
			name:   "no email and no phone: nobody to call",
			in:     QualInput{Customer: stage(nobody, lead.StageActive), Account: &contoso},
			result: lead.QualDisqualified, fit: 30, want: 60,
			reasons: "no_contact:0 title:15 account_people:15 action_strength:30",
			texts:   []string{"no usable email or phone"},
		},
		{
			name:   "switchboard phone only is a usable contact",
			in:     QualInput{Customer: stage(lea, lead.StageTrial), Account: &contoso},
			result: lead.QualSalesReady, fit: 23, want: 43,
			reasons: "title:8 account_people:15 action_strength:20",
		},
		{
			name:   "in the territory (country from a German name)",
			rules:  territory,
			in:     QualInput{Customer: lea, Account: &few},
			result: lead.QualNurture, fit: 18, want: 28,
			reasons: "territory:10 title:8 action_strength:10",
			texts:   []string{"country DE is in the territory"},
		},
		{
			name:   "outside the territory",
			rules:  territory,
			in:     QualInput{Customer: stage(kenji, lead.StageActive)},
			result: lead.QualNurture, fit: 0, want: 30,
			reasons: "corporate_domain:15 territory:-30 title:15 action_strength:30",
			texts:   []string{"corporate email domain fabrikam.co.jp", "country JP is outside the territory"},
		},
		{
			name:  "country from the account when the person gives none",
			rules: territory,
			in: func() QualInput {
				c := jonas
				c.Golden.Country = ""
				return QualInput{Customer: c, Account: &few}
			}(),
			result: lead.QualNurture, fit: 25, want: 35,
			reasons: "corporate_domain:15 territory:10 action_strength:10",
		},
		{
			name: "repeat leads on two offers",
			in: QualInput{Customer: stage(jonas, lead.StageTrial), Account: &few, Leads: []lead.Lead{
				mkLead("l1", jonas, "PLT", lead.StageInterest, contosoCRM, 0),
				mkLead("l2", jonas, "StartTestDrive", lead.StageTrial, contosoCRM, 60),
				mkLead("l3", jonas, "PLT", lead.StageInterest, contosoBI, 120),
			}},
			result: lead.QualSalesReady, fit: 15, want: 50,
			reasons: "corporate_domain:15 action_strength:20 repeat_leads:10 several_offers:5",
			texts:   []string{"3 leads", "2 offers: contoso.bi, contoso.crm"},
		},
		{
			name:   "reserved documentation domain is nobody's company",
			in:     QualInput{Customer: maria},
			result: lead.QualNurture, fit: 5, want: 15,
			reasons: "free_mail_domain:-10 title:15 action_strength:10",
			texts:   []string{"example.com"},
		},
		{
			name:   "do not contact",
			in:     QualInput{Customer: dnc, Account: &contoso},
			result: lead.QualDisqualified, fit: 45, want: 65,
			reasons: "do_not_contact:0 corporate_domain:15 title:15 account_people:15 action_strength:20",
		},
		{
			name:   "Microsoft test lead has no intent",
			in:     QualInput{Customer: test},
			result: lead.QualDisqualified, fit: -10, want: -10,
			reasons: "test:0 free_mail_domain:-10",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.rules
			if r.SeniorTitles == nil {
				r = DefaultQualRules()
			}
			q := r.Qualify(tc.in)
			if q.Result != tc.result || q.Fit != tc.fit || q.Score != tc.want {
				t.Errorf("result %s fit %d score %d, want %s fit %d score %d (%s)", q.Result, q.Fit, q.Score, tc.result, tc.fit, tc.want, reasonsOf(q))
			}
			if got := reasonsOf(q); got != tc.reasons {
				t.Errorf("reasons %q, want %q", got, tc.reasons)
			}
			all := ""
			for _, rs := range q.Reasons {
				all += rs.Text + "\n"
			}
			for _, s := range tc.texts {
				if !strings.Contains(all, s) {
					t.Errorf("no reason says %q in:\n%s", s, all)
				}
			}
			if q.Override != nil {
				t.Error("Qualify set an override")
			}
		})
	}
}

// TestQualifySums checks, on random customers, that the score is the sum
// of fit and intent, each the sum of its reasons; that fit reasons come
// first; and that the order of the leads does not matter.
func TestQualifySums(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	people := []lead.Customer{anja, jonas, lea, nobody, priya, tom, kenji, maria}
	actions := []struct {
		a string
		s lead.Stage
	}{{"PLT", lead.StageInterest}, {"StartTestDrive", lead.StageTrial}, {"Create", lead.StageActive}, {"INS", lead.StageNotifyOnly}}
	offers := []lead.Offer{contosoCRM, contosoBI, {OfferID: "sql-pack"}, {Title: "Fabrikam Sync"}}
	r := DefaultQualRules()
	r.Territory = []string{"DE", "US"}
	for i := range 500 {
		c := people[rng.IntN(len(people))]
		var leads []lead.Lead
		for j := range rng.IntN(5) {
			a := actions[rng.IntN(len(actions))]
			leads = append(leads, mkLead("l"+itoa(j), c, a.a, a.s, offers[rng.IntN(len(offers))], rng.IntN(1000)))
		}
		var acc *lead.Account
		if c.AccountID != "" {
			a := contoso
			a.PeopleCount = 1 + rng.IntN(6)
			acc = &a
		}
		q := r.Qualify(QualInput{Customer: c, Account: acc, Leads: leads})
		fit, intent, sawIntent := 0, 0, false
		for _, rs := range q.Reasons {
			switch rs.Kind {
			case KindFit:
				if sawIntent {
					t.Fatalf("case %d: fit reason %s after an intent reason", i, rs.Rule)
				}
				fit += rs.Points
			case KindIntent:
				sawIntent = true
				intent += rs.Points
			default:
				t.Fatalf("case %d: reason kind %q", i, rs.Kind)
			}
		}
		if q.Fit != fit || q.Intent != intent || q.Score != fit+intent {
			t.Fatalf("case %d: fit %d intent %d score %d, reasons sum to %d and %d", i, q.Fit, q.Intent, q.Score, fit, intent)
		}
		shuffled := append([]lead.Lead(nil), leads...)
		rng.Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if q2 := r.Qualify(QualInput{Customer: c, Account: acc, Leads: shuffled}); !reflect.DeepEqual(q, q2) {
			t.Fatalf("case %d: the order of the leads changed the qualification:\n%+v\n%+v", i, q, q2)
		}
		// One more lead never lowers intent.
		more := append(leads, mkLead("extra", c, "Create", lead.StageActive, offers[rng.IntN(len(offers))], 5000))
		if q3 := r.Qualify(QualInput{Customer: c, Account: acc, Leads: more}); q3.Intent < q.Intent && !c.IsTest {
			t.Fatalf("case %d: a Get it now lowered intent from %d to %d", i, q.Intent, q3.Intent)
		}
	}
}

func TestQualRulesValidate(t *testing.T) {
	if err := DefaultQualRules().Validate(); err != nil {
		t.Fatalf("default rules: %v", err)
	}
	r := DefaultQualRules()
	r.Territory = []string{"DE", "Germany", "ZZ"}
	r.JuniorTitles = append(r.JuniorTitles, "Director", " ")
	r.FreeMailDomain = 5
	r.SeniorTitle = -1
	r.Trial = 40
	err := r.Validate()
	if lead.KindOf(err) != lead.KindInvalid {
		t.Fatalf("kind %s (%v)", lead.KindOf(err), err)
	}
	for _, want := range []string{`"Germany"`, `"ZZ"`, `"Director" is in both senior titles and junior titles`,
		"junior titles: entry", "free_mail_domain (5) must be 0 or less", "senior_title (-1) must be 0 or more", "trial 40"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"DE"`) {
		t.Errorf("error names a valid territory: %v", err)
	}
}

func TestQualRulesJSON(t *testing.T) {
	r := DefaultQualRules()
	r.Territory = []string{"DE", "AT"}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var back QualRules
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r, back) {
		t.Fatalf("round trip changed the rules:\n%+v\n%+v", r, back)
	}
	if !strings.Contains(string(b), `"sales_ready_at":40`) {
		t.Errorf("JSON names: %s", b)
	}
}

// TestQualifyOnlyDNCLeads checks that a customer whose leads are all
// do-not-contact shows no intent, whatever its summary says.
func TestQualifyOnlyDNCLeads(t *testing.T) {
	c := jonas
	c.Stage, c.DoNotContact = lead.StageTrial, true
	q := DefaultQualRules().Qualify(QualInput{Customer: c,
		Leads: []lead.Lead{mkLead("l1", c, "StartTestDrive", lead.StageNotifyOnly, contosoCRM, 0)}})
	if q.Intent != 0 || q.Result != lead.QualDisqualified {
		t.Errorf("intent %d result %s (%s)", q.Intent, q.Result, reasonsOf(q))
	}
}
