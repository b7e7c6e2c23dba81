package simulate_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
	"github.com/leadhub/leadhub/internal/simulate"
)

var start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func generate(t testing.TB, cfg simulate.Config) []simulate.Event {
	t.Helper()
	if cfg.Start.IsZero() {
		cfg.Start = start
	}
	evs, err := simulate.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != cfg.Count {
		t.Fatalf("Generate made %d events, want %d", len(evs), cfg.Count)
	}
	return evs
}

func truth(t testing.TB, evs []simulate.Event) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := simulate.WriteTruth(&b, evs); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDeterministic(t *testing.T) {
	cfg := simulate.Config{Seed: 42, Start: start, Count: 3000}
	a := generate(t, cfg)
	b := generate(t, cfg)
	for i := range a {
		if !bytes.Equal(a[i].Body, b[i].Body) {
			t.Fatalf("event %d: bodies differ between runs:\n%s\n%s", i, a[i].Body, b[i].Body)
		}
		if !reflect.DeepEqual(a[i], b[i]) {
			t.Fatalf("event %d differs between runs:\n%+v\n%+v", i, a[i], b[i])
		}
		ea, _ := json.Marshal(a[i].Entity)
		eb, _ := json.Marshal(b[i].Entity)
		if !bytes.Equal(ea, eb) {
			t.Fatalf("event %d: entities differ between runs", i)
		}
	}
	if !bytes.Equal(truth(t, a), truth(t, b)) {
		t.Fatal("truth differs between runs")
	}

	// the stream gives the same events, and again when iterated again
	seq, err := simulate.Events(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		i := 0
		for ev := range seq {
			if !reflect.DeepEqual(ev, a[i]) {
				t.Fatalf("streamed event %d differs from Generate's", i)
			}
			i++
		}
		if i != len(a) {
			t.Fatalf("stream gave %d events, want %d", i, len(a))
		}
	}

	// another seed gives another run
	other := generate(t, simulate.Config{Seed: 43, Start: start, Count: 3000})
	same := 0
	for i := range other {
		if bytes.Equal(other[i].Body, a[i].Body) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 42 and 43 share %d identical bodies at the same position", same)
	}
	if bytes.Equal(truth(t, a), truth(t, other)) {
		t.Error("seeds 42 and 43 give the same truth")
	}

	// Start moves the run in time and nothing else about the people
	later := generate(t, simulate.Config{Seed: 42, Start: start.Add(24 * time.Hour), Count: 3000})
	for i := range later {
		if (!a[i].IsTest && later[i].PersonID != a[i].PersonID) || later[i].Shape != a[i].Shape || !later[i].At.Equal(a[i].At.Add(24*time.Hour)) {
			t.Fatalf("event %d: a later Start changed more than the time", i)
		}
	}
}

// TestBodiesDecode checks every body, and every entity, against leadhub's
// parser: it must decode, to the event's stage, source, action and offer.
func TestBodiesDecode(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		evs := generate(t, simulate.Config{Seed: seed, Count: 4000})
		rowKeys := map[string]int{}
		for _, ev := range evs {
			p, err := marketplace.Decode(ev.Body)
			if err != nil {
				t.Fatalf("seed %d event %d (%s): %v\n%s", seed, ev.Seq, ev.Shape, err, ev.Body)
			}
			fail := func(format string, args ...any) {
				t.Helper()
				t.Fatalf("seed %d event %d (%s): %s\n%s", seed, ev.Seq, ev.Shape, fmt.Sprintf(format, args...), ev.Body)
			}
			if want := marketplace.StageOf(ev.Source, ev.Action, ev.IsTest); ev.Stage != want {
				fail("event stage %q, but its action implies %q", ev.Stage, want)
			}
			if p.Stage != ev.Stage {
				fail("decoded stage %q, want %q", p.Stage, ev.Stage)
			}
			if p.IsTest != ev.IsTest {
				fail("decoded is_test %v, want %v", p.IsTest, ev.IsTest)
			}
			checkOffer := true
			if ev.IsTest {
				if !strings.HasPrefix(p.Contact.Email, "MSFT_TEST_") || p.Offer.Title != ev.OfferTitle {
					fail("test lead decoded as %+v", p)
				}
				if ev.Shape == simulate.ShapeTestLeadFAQ && len(p.Notes) == 0 {
					fail("the documented test lead should need a repair")
				}
				checkOffer = false
			} else {
				wantAction := ev.Action
				if ev.Shape == simulate.ShapeNoActionCode {
					wantAction = ""
				}
				if p.Source != ev.Source || p.Action != wantAction {
					fail("decoded source/action %q/%q, want %q/%q", p.Source, p.Action, ev.Source, wantAction)
				}
				if p.Contact.Email == "" || p.Contact.FirstName == "" {
					fail("decoded contact lacks email or first name: %+v", p.Contact)
				}
				if len(p.Notes) != 0 {
					fail("customer body needed repairs: %v", p.Notes)
				}
				switch ev.Shape {
				case simulate.ShapeDescriptionParams, simulate.ShapeDescriptionObject:
					if len(p.DescriptionParams) == 0 {
						fail("no description params decoded")
					}
				}
			}
			if checkOffer {
				switch ev.Shape {
				case simulate.ShapeCombined, simulate.ShapeFlatSnake, simulate.ShapeTable2017, simulate.ShapeTableCombined:
					if got := p.Offer.PublisherID + "." + p.Offer.OfferID; got != ev.Offer {
						fail("decoded offer %q, want %q", got, ev.Offer)
					}
				default:
					if p.Offer.Title != ev.OfferTitle {
						fail("decoded offer title %q, want %q", p.Offer.Title, ev.OfferTitle)
					}
				}
			}

			// the entity is the same lead, and leadhub reads it the same way
			for k, v := range ev.Entity {
				if _, ok := v.(string); !ok {
					fail("entity %s is %T, not a string", k, v)
				}
			}
			if pk := ev.Entity["PartitionKey"]; pk != fmt.Sprintf("%d:2F%d:2F%d", int(ev.At.Month()), ev.At.Day(), ev.At.Year()) {
				fail("entity PartitionKey %v for %v", pk, ev.At)
			}
			rk := ev.Entity["RowKey"].(string)
			if prev, ok := rowKeys[rk]; ok {
				fail("RowKey %s repeats that of event %d", rk, prev)
			}
			rowKeys[rk] = ev.Seq
			eb, _ := json.Marshal(ev.Entity)
			ep, err := marketplace.Decode(eb)
			if err != nil {
				fail("entity does not decode: %v", err)
			}
			if ep.Stage != ev.Stage || ep.IsTest != ev.IsTest || (!ev.IsTest && (ep.Source != ev.Source || ep.Action != ev.Action)) {
				fail("entity decodes to %s/%s/%s, want %s/%s/%s", ep.Source, ep.Action, ep.Stage, ev.Source, ev.Action, ev.Stage)
			}
			if !ev.IsTest && ep.Contact != p.Contact {
				fail("entity contact %+v differs from body contact %+v", ep.Contact, p.Contact)
			}
			switch ev.EntityLayout {
			case simulate.LayoutTable2018:
				if ev.Entity["OfferDisplayName"] != ev.OfferTitle || ev.Entity["CreatedTime"] == nil {
					fail("2018 entity lacks OfferDisplayName or CreatedTime: %v", ev.Entity)
				}
			case simulate.LayoutTable2017:
				if ev.Entity["ProductIds"] != ev.Offer || ev.Entity["LeadSource"] != ev.Source {
					fail("2017 entity: %v", ev.Entity)
				}
			case simulate.LayoutTableCombined:
				if ep.Offer.PublisherID+"."+ep.Offer.OfferID != ev.Offer {
					fail("combined entity offer: %v", ev.Entity)
				}
			default:
				fail("unknown entity layout %q", ev.EntityLayout)
			}
		}
	}
}

func TestEveryShapeAppears(t *testing.T) {
	evs := generate(t, simulate.Config{Seed: 7, Count: 20000})
	seen := map[string]int{}
	layouts := map[string]int{}
	sources := map[string]int{}
	actions := map[string]int{}
	for _, ev := range evs {
		seen[ev.Shape]++
		layouts[ev.EntityLayout]++
		if !ev.IsTest {
			sources[ev.Source]++
			actions[ev.Action]++
		}
	}
	for _, s := range simulate.Shapes() {
		if seen[s] == 0 {
			t.Errorf("shape %s never produced", s)
		}
	}
	if len(seen) != len(simulate.Shapes()) {
		t.Errorf("shapes produced %v, Shapes() lists %v", slices.Sorted(maps.Keys(seen)), simulate.Shapes())
	}
	for _, l := range []string{simulate.LayoutTable2018, simulate.LayoutTable2017, simulate.LayoutTableCombined} {
		if layouts[l] == 0 {
			t.Errorf("entity layout %s never produced", l)
		}
	}
	for _, s := range []string{marketplace.SourceAzureMarketplace, marketplace.SourceAzurePortal, marketplace.SourceAppSource, marketplace.SourceSPZA, marketplace.SourceTestDrive} {
		if sources[s] == 0 {
			t.Errorf("source %s never produced", s)
		}
	}
	for _, a := range []string{marketplace.ActionPLT, marketplace.ActionStartTestDrive, marketplace.ActionINS, marketplace.ActionCreate, marketplace.ActionDNC} {
		if actions[a] == 0 {
			t.Errorf("action %s never produced", a)
		}
	}
	// the big storefronts dominate, the old names are a minority
	if sources[marketplace.SourceSPZA]+sources[marketplace.SourceTestDrive] > sources[marketplace.SourceAppSource]/2 {
		t.Errorf("old sources too common: %v", sources)
	}
	t.Logf("shapes: %v", seen)
	t.Logf("sources: %v", sources)
	t.Logf("actions: %v", actions)
}

func TestTruthAndJourneys(t *testing.T) {
	const count = 5000
	evs := generate(t, simulate.Config{Seed: 11, Count: count})

	// the CSV
	csv := string(truth(t, evs))
	lines := strings.Split(strings.TrimSuffix(csv, "\n"), "\n")
	if lines[0] != "lead_seq,person_id,shape,company_id" || len(lines) != count+1 {
		t.Fatalf("truth: header %q, %d lines", lines[0], len(lines))
	}
	if want := fmt.Sprintf("%d,%s,%s,%s", evs[17].Seq, evs[17].PersonID, evs[17].Shape, evs[17].CompanyID); lines[18] != want || evs[17].CompanyID == "" {
		t.Fatalf("truth line %q, want %q", lines[18], want)
	}

	byPerson := map[string][]simulate.Event{}
	tests := 0
	for i, ev := range evs {
		if ev.Seq != i {
			t.Fatalf("event %d has Seq %d", i, ev.Seq)
		}
		if i > 0 && ev.At.Before(evs[i-1].At) {
			t.Fatalf("event %d is earlier than event %d", i, i-1)
		}
		if ev.IsTest {
			tests++
			if !strings.HasPrefix(ev.PersonID, "MSFT_TEST_") {
				t.Fatalf("test lead person %q", ev.PersonID)
			}
		}
		byPerson[ev.PersonID] = append(byPerson[ev.PersonID], ev)
	}
	if !evs[0].At.Equal(start) {
		t.Errorf("first event at %v, want Start %v", evs[0].At, start)
	}
	if tests != simulate.TestLeads(count) {
		t.Errorf("%d test leads, want %d", tests, simulate.TestLeads(count))
	}
	people := len(byPerson) - tests
	if want := (4*count + 5) / 10; people != want {
		t.Errorf("%d people, want %d (Count/2.5)", people, want)
	}
	var multi, long, insCreate, pltThenMore, crossPublisher int
	for id, list := range byPerson {
		if list[0].IsTest {
			if len(list) != 1 {
				t.Errorf("test lead person %s has %d events", id, len(list))
			}
			continue
		}
		if len(list) >= 2 {
			multi++
		}
		if len(list) >= 4 {
			long++
		}
		pubs := map[string]bool{}
		for i, ev := range list {
			pubs[strings.SplitN(ev.Offer, ".", 2)[0]] = true
			if i > 0 && list[i-1].Action == marketplace.ActionINS && ev.Action == marketplace.ActionCreate {
				insCreate++
			}
			if i == 0 && ev.Action == marketplace.ActionPLT && len(list) > 1 {
				pltThenMore++
			}
		}
		if len(pubs) > 1 {
			crossPublisher++
		}
		span := list[len(list)-1].At.Sub(list[0].At)
		if span > 400*24*time.Hour {
			t.Errorf("person %s's journey spans %v", id, span)
		}
	}
	mean := float64(count-tests) / float64(people)
	t.Logf("%d people, %.2f leads each, %d with several, %d with 4+, %d INS→Create, %d start with Contact me, %d cross-publisher",
		people, mean, multi, long, insCreate, pltThenMore, crossPublisher)
	if mean < 2.2 || mean > 2.8 {
		t.Errorf("mean leads per person %.2f, want about 2.5", mean)
	}
	if multi < people/3 || long == 0 || insCreate == 0 || pltThenMore == 0 || crossPublisher == 0 {
		t.Error("journeys lack variety")
	}

	// People is honoured exactly
	evs = generate(t, simulate.Config{Seed: 11, Count: 1000, People: 100})
	ids := map[string]bool{}
	for _, ev := range evs {
		if !ev.IsTest {
			ids[ev.PersonID] = true
		}
	}
	if len(ids) != 100 {
		t.Errorf("People: 100 gave %d people", len(ids))
	}
}

// normalizeEmail folds an address to its mailbox: case, and for Gmail the
// dots and +tag, which Gmail ignores.
func normalizeEmail(e string) string {
	e = strings.ToLower(e)
	local, domain, _ := strings.Cut(e, "@")
	if domain == "gmail.com" || domain == "googlemail.com" {
		local, _, _ = strings.Cut(local, "+")
		local = strings.ReplaceAll(local, ".", "")
		domain = "gmail.com"
	}
	return local + "@" + domain
}

// TestIdentityIsFair checks the truth is achievable: no mailbox is shared
// by two people, and a person's leads are linked by something they share.
func TestIdentityIsFair(t *testing.T) {
	evs := generate(t, simulate.Config{Seed: 5, Count: 30000})
	owner := map[string]string{}
	byPerson := map[string][]*lead.Contact{}
	for _, ev := range evs {
		if ev.IsTest {
			continue
		}
		p, err := marketplace.Decode(ev.Body)
		if err != nil {
			t.Fatal(err)
		}
		byPerson[ev.PersonID] = append(byPerson[ev.PersonID], &p.Contact)
		if slices.Contains(ev.Variations, "email-typo") {
			continue
		}
		m := normalizeEmail(p.Contact.Email)
		if o, ok := owner[m]; ok && o != ev.PersonID {
			t.Errorf("mailbox %s used by %s and %s", m, o, ev.PersonID)
		}
		owner[m] = ev.PersonID
	}
	digits := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if unicode.IsDigit(r) {
				b.WriteRune(r)
			}
		}
		d := b.String()
		return d[max(0, len(d)-7):]
	}
	linked, pairs := 0, 0
	for _, cs := range byPerson {
		for i := 1; i < len(cs); i++ {
			a, b := cs[0], cs[i]
			pairs++
			if normalizeEmail(a.Email) == normalizeEmail(b.Email) ||
				(a.Phone != "" && digits(a.Phone) == digits(b.Phone)) ||
				(strings.EqualFold(a.LastName, b.LastName) && a.LastName != "") ||
				strings.EqualFold(a.LastName, b.FirstName) {
				linked++
			}
		}
	}
	t.Logf("%d of %d lead pairs of the same person share an e-mail, phone or surname", linked, pairs)
	if linked < pairs*95/100 {
		t.Errorf("only %d of %d pairs of the same person are linked", linked, pairs)
	}
	if linked == pairs {
		t.Error("every pair is trivially linked: variations too weak")
	}
}

func TestVariations(t *testing.T) {
	evs := generate(t, simulate.Config{Seed: 2026, Count: 2000})
	counts := map[string]int{}
	var dnc, tests int
	countries := map[string]bool{}
	var gmailPlus, nonASCII bool
	for _, ev := range evs {
		for _, v := range ev.Variations {
			counts[v]++
		}
		if ev.Action == marketplace.ActionDNC {
			dnc++
			if ev.Stage != lead.StageNotifyOnly {
				t.Errorf("DNC event with stage %s", ev.Stage)
			}
		}
		if ev.IsTest {
			tests++
		}
		p, err := marketplace.Decode(ev.Body)
		if err != nil {
			t.Fatal(err)
		}
		countries[p.Contact.Country] = true
		if strings.Contains(p.Contact.Email, "+") && strings.Contains(strings.ToLower(p.Contact.Email), "gmail") {
			gmailPlus = true
		}
		if strings.ContainsFunc(p.Contact.FirstName+p.Contact.LastName, func(r rune) bool { return r > unicode.MaxASCII }) {
			nonASCII = true
		}
	}
	t.Logf("variations in 2000 events: %v", counts)
	t.Logf("DNC %d, test leads %d", dnc, tests)
	for _, v := range []string{
		"gmail-dots", "gmail-plus", "nickname", "swapped-name", "country-variant", "accents-dropped",
		"phone-format", "company-variant", "other-email", "name-typo", "missing-phone", "missing-title",
		"whitespace", "name-case", "email-case", "title-variant", "one-surname", "middle-initial",
		"english-name", "native-script", "phone-number", "unknown-fields", "null-fields", "empty-fields",
		"ascii-escaped", "indented",
	} {
		if counts[v] == 0 {
			t.Errorf("variation %q never appears in 2000 events", v)
		}
	}
	if dnc < 10 || dnc > 90 {
		t.Errorf("%d DNC leads in 2000, want about 2%%", dnc)
	}
	if tests != 10 {
		t.Errorf("%d test leads in 2000, want 10", tests)
	}
	for _, c := range []string{"US", "USA", "United States", "Brasil", "Germany", "India", "UK"} {
		if !countries[c] {
			t.Errorf("country written %q never appears", c)
		}
	}
	if !gmailPlus || !nonASCII {
		t.Errorf("gmail +tag seen %v, accented names seen %v", gmailPlus, nonASCII)
	}
	// Gmail variations only on Gmail
	for _, ev := range evs {
		if slices.Contains(ev.Variations, "gmail-dots") || slices.Contains(ev.Variations, "gmail-plus") {
			p, _ := marketplace.Decode(ev.Body)
			if d := strings.ToLower(p.Contact.Email); !strings.HasSuffix(d, "@gmail.com") && !strings.HasSuffix(d, "@googlemail.com") {
				t.Errorf("gmail variation on %s", p.Contact.Email)
			}
		}
	}
	// a test lead in any run of 50
	for seed := range uint64(20) {
		evs := generate(t, simulate.Config{Seed: seed, Count: 50})
		if !slices.ContainsFunc(evs, func(ev simulate.Event) bool { return ev.IsTest }) {
			t.Errorf("seed %d: no test lead in 50 events", seed)
		}
	}
}

func TestBodiesDistinct(t *testing.T) {
	for _, cfg := range []simulate.Config{
		{Seed: 1, Count: 30000},
		{Seed: 9, Count: 3000, People: 20},                                    // long journeys
		{Seed: 3, Count: 2000, People: 5, Offers: []string{"contoso.single"}}, // one offer, many repeats
	} {
		evs := generate(t, cfg)
		seen := make(map[string]int, len(evs))
		for _, ev := range evs {
			if prev, ok := seen[string(ev.Body)]; ok {
				t.Fatalf("seed %d: events %d and %d have identical bodies:\n%s", cfg.Seed, prev, ev.Seq, ev.Body)
			}
			seen[string(ev.Body)] = ev.Seq
		}
	}
}

func TestConfig(t *testing.T) {
	for _, bad := range []simulate.Config{
		{Start: start, Count: -1},
		{Start: start, Count: 10, People: -1},
		{Count: 10},
		{Start: start, Count: 10, Offers: []string{}},
		{Start: start, Count: 10, Offers: []string{"no-dot"}},
		{Start: start, Count: 10, Offers: []string{"a.b", "a.b"}},
		{Start: start, Count: 10, Days: -2},
	} {
		if _, err := simulate.Generate(bad); err == nil {
			t.Errorf("Generate(%+v) succeeded", bad)
		}
		if _, err := simulate.Events(bad); err == nil {
			t.Errorf("Events(%+v) succeeded", bad)
		}
	}
	if evs := generate(t, simulate.Config{Count: 0}); len(evs) != 0 {
		t.Errorf("Count 0 gave %d events", len(evs))
	}
	one := generate(t, simulate.Config{Count: 1, Seed: 3})
	if one[0].IsTest || !one[0].At.Equal(start) {
		t.Errorf("single event: %+v", one[0])
	}
	// more people than leads: one lead each
	few := generate(t, simulate.Config{Count: 30, People: 1000})
	ids := map[string]bool{}
	for _, ev := range few {
		ids[ev.PersonID] = true
	}
	if len(ids) != 30 {
		t.Errorf("30 events for 1000 people gave %d people", len(ids))
	}
	// custom offers are used, with titles and kinds guessed from their ids
	evs := generate(t, simulate.Config{Count: 500, Seed: 4, Offers: []string{"adatum.hr-saas", "adatum.sql-vm-byol", "woodgrove.teams-approvals"}})
	offers := map[string]bool{}
	for _, ev := range evs {
		offers[ev.Offer] = true
		if ev.Offer == "adatum.sql-vm-byol" && ev.OfferTitle != "Adatum SQL VM (BYOL)" {
			t.Errorf("title %q", ev.OfferTitle)
		}
		if ev.Offer == "woodgrove.teams-approvals" && ev.Action == marketplace.ActionCreate {
			t.Error("an AppSource-only offer got an Azure portal Create")
		}
	}
	if len(offers) != 3 {
		t.Errorf("offers used: %v", offers)
	}
	// stopping early
	seq, _ := simulate.Events(simulate.Config{Count: 100, Start: start})
	n := 0
	for range seq {
		n++
		if n == 5 {
			break
		}
	}
	if n != 5 {
		t.Errorf("early stop after %d", n)
	}
	if got := simulate.DefaultOffers(); len(got) != 6 {
		t.Errorf("DefaultOffers: %v", got)
	}
}

func TestTruthWriter(t *testing.T) {
	var b bytes.Buffer
	if err := simulate.WriteTruth(&b, nil); err != nil || b.String() != "lead_seq,person_id,shape,company_id\n" {
		t.Fatalf("empty truth %q, %v", b.String(), err)
	}
	b.Reset()
	tw := simulate.NewTruthWriter(&b)
	tw.Write(simulate.Event{Seq: 0, PersonID: "p000001", Shape: simulate.ShapePascal, CompanyID: "c00001"})
	tw.Write(simulate.Event{Seq: 1, PersonID: "MSFT_TEST_1", Shape: simulate.ShapeTestLead})
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if want := "lead_seq,person_id,shape,company_id\n0,p000001,https-pascal,c00001\n1,MSFT_TEST_1,test-lead,\n"; b.String() != want {
		t.Errorf("truth %q, want %q", b.String(), want)
	}
}

// BenchmarkEvents measures generation speed.
func BenchmarkEvents(b *testing.B) {
	seq, err := simulate.Events(simulate.Config{Seed: 1, Start: start, Count: b.N})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n, size := 0, 0
	for ev := range seq {
		n++
		size += len(ev.Body)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	if n > 0 {
		b.ReportMetric(float64(size)/float64(n), "B/body")
	}
}
