package lead

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

var sumT0 = time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)

// at is sumT0 plus m minutes.
func at(m int) time.Time { return sumT0.Add(time.Duration(m) * time.Minute) }

// sl is a lead for the summary tests: id, minute of receipt, stage, and
// whatever else opts set.
func sl(id string, minute int, stage Stage, opts ...func(*Lead)) Lead {
	l := Lead{ID: id, ReceivedAt: at(minute), Parsed: Parsed{Stage: stage}}
	for _, o := range opts {
		o(&l)
	}
	return l
}

func isTest(l *Lead) { l.IsTest = true }

func offer(pub, id, title string) func(*Lead) {
	return func(l *Lead) { l.Offer = Offer{PublisherID: pub, OfferID: id, Title: title} }
}

func contact(c Contact) func(*Lead) { return func(l *Lead) { l.Contact = c } }

func fold(leads []Lead) Summary {
	var s Summary
	for i := range leads {
		s.Add(&leads[i])
	}
	return s
}

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		name  string
		leads []Lead
		want  Summary
	}{
		{
			name: "no leads",
			want: Summary{},
		},
		{
			name:  "stage: the furthest wins",
			leads: []Lead{sl("A", 1, StageInterest), sl("B", 2, StageActive), sl("C", 3, StageTrial)},
			want: Summary{Stage: StageActive, LeadCount: 3, FirstSeen: at(1), LastSeen: at(3),
				Golden: map[string]GoldenValue{}},
		},
		{
			name:  "stage: test < notify_only < interest",
			leads: []Lead{sl("A", 1, StageTest), sl("B", 2, StageNotifyOnly)},
			want: Summary{Stage: StageNotifyOnly, DoNotContact: true, LeadCount: 2, FirstSeen: at(1), LastSeen: at(2),
				Golden: map[string]GoldenValue{}},
		},
		{
			name:  "stage: an unknown stage is interest",
			leads: []Lead{sl("A", 1, "Something new"), sl("B", 2, StageNotifyOnly)},
			want: Summary{Stage: StageInterest, DoNotContact: true, LeadCount: 2, FirstSeen: at(1), LastSeen: at(2),
				Golden: map[string]GoldenValue{}},
		},
		{
			name:  "stage: an unknown stage alone",
			leads: []Lead{sl("A", 1, "")},
			want: Summary{Stage: StageInterest, LeadCount: 1, FirstSeen: at(1), LastSeen: at(1),
				Golden: map[string]GoldenValue{}},
		},
		{
			name:  "do not contact is sticky",
			leads: []Lead{sl("A", 1, StageActive), sl("B", 2, StageNotifyOnly), sl("C", 3, StageTrial)},
			want: Summary{Stage: StageActive, DoNotContact: true, LeadCount: 3, FirstSeen: at(1), LastSeen: at(3),
				Golden: map[string]GoldenValue{}},
		},
		{
			name:  "is_test when all leads are test leads",
			leads: []Lead{sl("A", 1, StageTest, isTest), sl("B", 2, StageTest, isTest)},
			want: Summary{Stage: StageTest, IsTest: true, LeadCount: 2, FirstSeen: at(1), LastSeen: at(2),
				Golden: map[string]GoldenValue{}},
		},
		{
			name:  "a real lead clears is_test",
			leads: []Lead{sl("A", 1, StageTest, isTest), sl("B", 2, StageInterest), sl("C", 3, StageTest, isTest)},
			want: Summary{Stage: StageInterest, LeadCount: 3, FirstSeen: at(1), LastSeen: at(3),
				Golden: map[string]GoldenValue{}},
		},
		{
			name: "offers sorted and distinct",
			leads: []Lead{
				sl("A", 1, StageInterest, offer("contoso", "crm", "CRM")),
				sl("B", 2, StageInterest, offer("contoso", "crm", "CRM again")),
				sl("C", 3, StageInterest, offer("", "erp", "ERP")),         // no publisher: the offer id
				sl("D", 4, StageInterest, offer("contoso", "", "Widget")),  // no offer id: the title
				sl("E", 5, StageInterest, offer("", "", "Title only")),     // the title
				sl("F", 6, StageInterest, offer("", "", "")),               // nothing to list
				sl("G", 7, StageInterest, offer("fabrikam", "crm", "CRM")), // another publisher's crm
			},
			want: Summary{Stage: StageInterest, LeadCount: 7, FirstSeen: at(1), LastSeen: at(7),
				Offers: []string{"Title only", "Widget", "contoso.crm", "erp", "fabrikam.crm"},
				Golden: map[string]GoldenValue{}},
		},
		{
			name: "golden record: the latest non-empty value of each field, with its lead",
			leads: []Lead{
				sl("A", 1, StageInterest, contact(Contact{FirstName: "Ann", LastName: "Lee", Email: "ann@contoso.com", Company: "Contoso"})),
				sl("B", 3, StageInterest, contact(Contact{FirstName: "Annie", Email: "  ", Phone: "+1 617 555 0100"})),
				sl("C", 2, StageInterest, contact(Contact{FirstName: "Ann", LastName: "Lee", Email: "ann.lee@gmail.com", Country: "US", Title: "CTO"})),
			},
			want: Summary{Stage: StageInterest, LeadCount: 3, FirstSeen: at(1), LastSeen: at(3),
				Golden: map[string]GoldenValue{
					"first_name": {"Annie", "B", at(3)},
					"last_name":  {"Lee", "C", at(2)},
					"email":      {"ann.lee@gmail.com", "C", at(2)}, // B's is blank
					"phone":      {"+1 617 555 0100", "B", at(3)},
					"country":    {"US", "C", at(2)},
					"company":    {"Contoso", "A", at(1)},
					"title":      {"CTO", "C", at(2)},
				}},
		},
		{
			name: "golden record: at the same time the larger lead id wins",
			leads: []Lead{
				sl("01B", 5, StageInterest, contact(Contact{Email: "b@x.com", Phone: "2"})),
				sl("01C", 5, StageInterest, contact(Contact{Email: "c@x.com"})),
				sl("01A", 5, StageInterest, contact(Contact{Email: "a@x.com", Phone: "1", Company: "A"})),
			},
			want: Summary{Stage: StageInterest, LeadCount: 3, FirstSeen: at(5), LastSeen: at(5),
				Golden: map[string]GoldenValue{
					"email":   {"c@x.com", "01C", at(5)},
					"phone":   {"2", "01B", at(5)},
					"company": {"A", "01A", at(5)},
				}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fold(tc.leads); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
			// Any order gives the same.
			permute(tc.leads, func(p []Lead) {
				if got := fold(p); !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("order %v:\n got %+v\nwant %+v", ids(p), got, tc.want)
				}
			})
		})
	}
}

func TestSummaryRecord(t *testing.T) {
	s := fold([]Lead{
		sl("A", 1, StageInterest, contact(Contact{FirstName: "Ann", Email: "ann@contoso.com"})),
		sl("B", 2, StageInterest, contact(Contact{FirstName: "Annie", Title: "CTO"})),
	})
	want := Golden{
		Contact: Contact{FirstName: "Annie", Email: "ann@contoso.com", Title: "CTO"},
		Sources: map[string]string{"first_name": "B", "email": "A", "title": "B"},
	}
	if got := s.Record(); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	var empty Summary
	if got := empty.Record(); !reflect.DeepEqual(got, Golden{Sources: map[string]string{}}) {
		t.Errorf("empty record %+v", got)
	}
}

// TestSummaryOrderIndependent folds random small sets of leads, built to
// collide on times, values, stages and offers, in every order.
func TestSummaryOrderIndependent(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	stages := []Stage{StageTest, StageNotifyOnly, StageInterest, StageTrial, StageActive, "unknown"}
	values := []string{"", " ", "x", "y"}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	for round := range 40 {
		leads := make([]Lead, 2+rng.IntN(5))
		for i := range leads {
			l := sl(fmt.Sprintf("L%02d", rng.IntN(100)*10+i), rng.IntN(3), stages[rng.IntN(len(stages))])
			l.IsTest = rng.IntN(3) == 0
			l.Offer = Offer{PublisherID: pick([]string{"", "p"}), OfferID: pick([]string{"", "o", "q"}), Title: pick(values)}
			l.Contact = Contact{FirstName: pick(values), Email: pick(values), Phone: pick(values)}
			leads[i] = l
		}
		want := fold(leads)
		if want.LeadCount != len(leads) {
			t.Fatalf("round %d: %d leads counted as %d", round, len(leads), want.LeadCount)
		}
		permute(leads, func(p []Lead) {
			if got := fold(p); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, order %v:\n got %+v\nwant %+v", round, ids(p), got, want)
			}
		})
	}
}

// permute calls fn with every permutation of leads (Heap's algorithm).
func permute(leads []Lead, fn func([]Lead)) {
	p := append([]Lead(nil), leads...)
	var gen func(k int)
	gen = func(k int) {
		if k <= 1 {
			fn(p)
			return
		}
		for i := range k {
			gen(k - 1)
			if k%2 == 0 {
				p[i], p[k-1] = p[k-1], p[i]
			} else {
				p[0], p[k-1] = p[k-1], p[0]
			}
		}
	}
	gen(len(p))
}

func ids(ls []Lead) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.ID
	}
	return out
}
