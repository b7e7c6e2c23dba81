package process

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

func TestNextMember(t *testing.T) {
	emea := teams()["emea"] // bob (out of office), carl (capacity 12), ana (30), dana
	us := users()
	load := map[string]int{"carl": 12, "ana": 3}
	for _, tc := range []struct {
		last, exclude string
		load          map[string]int
		now           time.Time
		want          string
		skipped       []string
	}{
		{last: "", load: load, now: monday, want: "ana", skipped: []string{"bob skipped: out of office", "carl skipped: 12/12 open customers"}},
		{last: "ana", load: load, now: monday, want: "dana"},
		{last: "dana", load: map[string]int{"carl": 11}, now: monday, want: "carl", skipped: []string{"bob skipped: out of office"}},
		{last: "gone", load: load, now: monday, want: "ana", skipped: []string{"bob skipped: out of office", "carl skipped: 12/12 open customers"}},
		{last: "carl", exclude: "ana", load: load, now: monday, want: "dana", skipped: []string{"ana skipped: excluded"}},
		{last: "ana", load: map[string]int{"carl": 12, "ana": 30}, exclude: "dana", now: monday, want: "",
			skipped: []string{"dana skipped: excluded", "bob skipped: out of office", "carl skipped: 12/12 open customers", "ana skipped: 30/30 open customers"}},
		// Saturday in Berlin: nobody works.
		{last: "", load: nil, now: time.Date(2026, 12, 12, 10, 0, 0, 0, time.UTC), want: "",
			skipped: []string{"bob skipped: out of office", "carl skipped: outside working hours (Sat 11:00 Europe/Berlin)",
				"ana skipped: outside working hours (Sat 11:00 Europe/Berlin)", "dana skipped: outside working hours (Sat 11:00 Europe/Berlin)"}},
	} {
		got, skipped := NextMember(emea, us, tc.load, tc.last, tc.exclude, tc.now)
		if got != tc.want || !slices.Equal(skipped, tc.skipped) {
			t.Errorf("last %q exclude %q: %q %q, want %q %q", tc.last, tc.exclude, got, skipped, tc.want, tc.skipped)
		}
	}
	if got, _ := NextMember(lead.Team{}, us, nil, "", "", monday); got != "" {
		t.Errorf("empty team gave %q", got)
	}
	withGhost := emea
	withGhost.Members = []lead.TeamMember{{UserID: "ghost"}, {UserID: "eve"}, {UserID: "ana"}}
	if got, skipped := NextMember(withGhost, us, nil, "", "", monday); got != "ana" ||
		!slices.Equal(skipped, []string{"ghost skipped: not a user", "eve skipped: disabled"}) {
		t.Errorf("unknown and disabled users: %q %q", got, skipped)
	}
}

// TestRoundRobinFair runs 1,000 assignments through random teams: the
// members who can take customers each get within one of the others, and
// the ones who cannot get none.
func TestRoundRobinFair(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 100 {
		n := 1 + rng.IntN(8)
		team := lead.Team{ID: "t", Name: "T", Calendar: lead.DefaultCalendar("Europe/Berlin")}
		us := map[string]lead.User{}
		load := map[string]int{}
		var available []string
		for i := range n {
			id := fmt.Sprintf("u%d", i)
			m := lead.TeamMember{UserID: id}
			u := lead.User{ID: id}
			switch rng.IntN(5) {
			case 0:
				m.OutOfOffice = true
			case 1:
				u.Disabled = true
			case 2:
				m.Capacity, load[id] = 10, 10
			default:
				available = append(available, id)
			}
			team.Members = append(team.Members, m)
			us[id] = u
		}
		got := map[string]int{}
		last := team.Members[rng.IntN(n)].UserID
		for range 1000 {
			id, _ := NextMember(team, us, load, last, "", monday)
			if id == "" {
				if len(available) > 0 {
					t.Fatalf("trial %d: nobody picked with %v available", trial, available)
				}
				continue
			}
			got[id]++
			last = id
		}
		lo, hi := 1000, 0
		for _, id := range available {
			lo, hi = min(lo, got[id]), max(hi, got[id])
		}
		if len(available) > 0 && hi-lo > 1 {
			t.Fatalf("trial %d: counts %v over available %v differ by %d", trial, got, available, hi-lo)
		}
		for id, k := range got {
			if !slices.Contains(available, id) {
				t.Fatalf("trial %d: unavailable %s got %d", trial, id, k)
			}
		}
	}
}

// TestCapacityNeverExceeded assigns customers one after another, each
// raising its owner's load, until the team is full: nobody goes over
// capacity and everyone ends full.
func TestCapacityNeverExceeded(t *testing.T) {
	team := teams()["emea"]
	team.Members = []lead.TeamMember{{UserID: "ana", Capacity: 5}, {UserID: "bob", Capacity: 2}, {UserID: "carl", Capacity: 7}}
	load := map[string]int{"carl": 1}
	last, given := "", 0
	for {
		id, skipped := NextMember(team, users(), load, last, "", monday)
		if id == "" {
			if len(skipped) != 3 || !strings.Contains(strings.Join(skipped, ";"), "carl skipped: 7/7 open customers") {
				t.Errorf("skipped %q", skipped)
			}
			break
		}
		load[id]++
		last = id
		if given++; given > 100 {
			t.Fatal("never full")
		}
	}
	if load["ana"] != 5 || load["bob"] != 2 || load["carl"] != 7 || given != 13 {
		t.Errorf("loads %v after %d customers", load, given)
	}
}

// TestAssignRoundRobinThroughRules runs 1,000 EMEA trials through Assign,
// keeping LastAssigned as a caller would: ana and dana alternate.
func TestAssignRoundRobinThroughRules(t *testing.T) {
	in := emeaTrial()
	in.Customer.AccountID, in.Account = "", nil
	got := map[string]int{}
	for range 1000 {
		res, err := Assign(in)
		if err != nil {
			t.Fatal(err)
		}
		got[res.OwnerID]++
		in.LastAssigned[res.TeamID] = res.OwnerID
	}
	if got["ana"] != 500 || got["dana"] != 500 || len(got) != 2 {
		t.Errorf("owners %v", got)
	}
}

func TestDefaults(t *testing.T) {
	us := users()
	list := []lead.User{us["ana"], us["eve"], us["bob"]}
	team := DefaultTeam("Europe/Berlin", list, monday)
	if err := ValidateTeam(team); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range team.Members {
		ids = append(ids, m.UserID)
	}
	if !slices.Equal(ids, []string{"ana", "bob"}) || !team.Default || team.ID != "default" || team.Name != "Everyone" ||
		team.Calendar.TimeZone != "Europe/Berlin" || team.Policy != lead.DefaultSLAPolicy() || !team.CreatedAt.Equal(monday) {
		t.Errorf("default team %+v", team)
	}
	team.Cadence[0] = 99
	if lead.DefaultCadence[0] == 99 {
		t.Error("the default team shares lead.DefaultCadence")
	}
	r := DefaultRule()
	if err := ValidateRule(r, map[string]lead.Team{"default": team}, us); err != nil {
		t.Fatal(err)
	}
	if ok, _ := RuleMatches(r, AssignInput{Customer: priya}); !ok || !r.Default || r.Target != lead.TargetTeam || r.Position < 1<<30 {
		t.Errorf("default rule %+v", r)
	}
}

func TestValidateTeam(t *testing.T) {
	bad := lead.Team{Calendar: lead.Calendar{TimeZone: "Mars/Olympus"}, Policy: lead.SLAPolicy{Target: time.Second, AtRiskShare: 2},
		Members:  []lead.TeamMember{{UserID: "ana"}, {UserID: "ana"}, {UserID: ""}, {UserID: "bob", Capacity: -1}},
		Managers: []string{" "}, Cadence: []int{1, 3, 3}}
	err := ValidateTeam(bad)
	if lead.KindOf(err) != lead.KindInvalid {
		t.Fatalf("kind %s (%v)", lead.KindOf(err), err)
	}
	for _, want := range []string{"an id is required", "a name is required", `unknown time zone "Mars/Olympus"`, "no working time",
		"target (1s)", "at-risk share (2)", "user ana is a member twice", "member 3 has no user", "member bob: capacity -1",
		"manager 1 is empty", "cadence [1 3 3]"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %q: %v", want, err)
		}
	}
	if err := ValidateTeam(teams()["emea"]); err != nil {
		t.Errorf("EMEA team: %v", err)
	}
}

func TestValidateRule(t *testing.T) {
	ts, us := teams(), users()
	for _, r := range rules() {
		ts["default"] = DefaultTeam("UTC", nil, monday)
		if err := ValidateRule(r, ts, us); err != nil {
			t.Errorf("%s: %v", r.ID, err)
		}
	}
	bad := []struct {
		r    lead.AssignRule
		want []string
	}{
		{lead.AssignRule{Target: "queue"}, []string{"an id is required", "a name is required", `unknown target "queue"`}},
		{lead.AssignRule{ID: "a", Name: "A", Target: lead.TargetUser}, []string{"a user target needs a user"}},
		{lead.AssignRule{ID: "a", Name: "A", Target: lead.TargetUser, UserID: "zed", TeamID: "nope"}, []string{"user zed does not exist", "team nope does not exist"}},
		{lead.AssignRule{ID: "a", Name: "A", Target: lead.TargetTeam, UserID: "ana"}, []string{"a team target needs a team", "only a user target names a user (ana)"}},
		{lead.AssignRule{ID: "a", Name: "A", Target: lead.TargetAccountOwner, Policy: &lead.SLAPolicy{},
			When: lead.RuleCondition{Offers: []string{""}, Countries: []string{"Germany", "DE", "ZZ"}, Regions: []string{"LATAM", "emea"},
				Qualifications: []lead.QualResult{"hot", lead.QualNurture}}},
			[]string{"offers: entry 1 is empty", `country "Germany"`, `country "ZZ"`, `region "LATAM"`, `qualification "hot"`, "target (0s)"}},
	}
	for _, tc := range bad {
		err := ValidateRule(tc.r, ts, us)
		if lead.KindOf(err) != lead.KindInvalid {
			t.Errorf("%+v: kind %s (%v)", tc.r, lead.KindOf(err), err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error does not name %q: %v", w, err)
			}
		}
		for _, ok := range []string{`"DE"`, `"emea"`, `"nurture"`} {
			if strings.Contains(err.Error(), ok) {
				t.Errorf("error names valid %s: %v", ok, err)
			}
		}
	}
}
