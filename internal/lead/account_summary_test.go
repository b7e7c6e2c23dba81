package lead

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

func TestAccountSummaryIsOrderIndependent(t *testing.T) {
	at := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	members := []AccountMember{
		{Customer: "a", Company: "Contoso Ltd", Country: "GB", Domain: "contoso.com", Stage: StageInterest, LeadCount: 2,
			Offers: []string{"p.x"}, FirstSeen: at(3), LastSeen: at(5)},
		{Customer: "b", Company: "Contoso", Country: "GB", Domain: "contoso.co.uk", Stage: StageActive, LeadCount: 1,
			Offers: []string{"p.y"}, FirstSeen: at(1), LastSeen: at(1)},
		{Customer: "c", Company: "Contoso", Country: "US", Stage: StageTrial, LeadCount: 4,
			Offers: []string{"p.x", "p.z"}, FirstSeen: at(2), LastSeen: at(9)},
		{Customer: "d", Company: "Contoso Ltd", Stage: StageTest, LeadCount: 1, FirstSeen: at(4), LastSeen: at(4)},
	}
	var want AccountSummary
	for _, m := range members {
		want.Add(m)
	}
	if want.Name != "Contoso" || want.Country != "GB" || want.PeopleCount != 4 || want.LeadCount != 8 ||
		want.Stage != StageActive || !want.FirstSeen.Equal(at(1)) || !want.LastSeen.Equal(at(9)) ||
		!reflect.DeepEqual(want.Domains, []string{"contoso.co.uk", "contoso.com"}) ||
		!reflect.DeepEqual(want.Offers, []string{"p.x", "p.y", "p.z"}) {
		t.Fatalf("summary: %+v", want)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		var got AccountSummary
		for _, m := range members {
			got.Add(m)
		}
		want2 := want
		got.names, got.countries, want2.names, want2.countries = nil, nil, nil, nil
		if !reflect.DeepEqual(got, want2) {
			t.Fatalf("order %v: %+v, want %+v", members, got, want2)
		}
	}
}

func TestAccountNameVote(t *testing.T) {
	at := func(d int) time.Time { return time.Date(2026, 1, d, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct {
		name    string
		members []AccountMember
		want    string
	}{
		{"most common", []AccountMember{{Company: "A"}, {Company: "B"}, {Company: "B"}}, "B"},
		{"tie: seen last", []AccountMember{{Company: "A", LastSeen: at(2)}, {Company: "B", LastSeen: at(1)}}, "A"},
		{"tie: smallest", []AccountMember{{Company: "B", LastSeen: at(1)}, {Company: "A", LastSeen: at(1)}}, "A"},
		{"empty ignored", []AccountMember{{Company: ""}, {Company: ""}, {Company: "A"}}, "A"},
		{"none", []AccountMember{{}}, ""},
	} {
		var s AccountSummary
		for _, m := range c.members {
			s.Add(m)
		}
		if s.Name != c.want {
			t.Errorf("%s: %q, want %q", c.name, s.Name, c.want)
		}
	}
}
