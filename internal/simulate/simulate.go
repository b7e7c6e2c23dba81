// Package simulate produces marketplace traffic as Microsoft would, for
// demos, load tests and identity-resolution tests.
//
// A run is a sequence of leads (events) made by a population of people.
// Each person follows a buying journey over days — Contact me on AppSource,
// a test drive, Get it now, Create in the Azure portal — on one or more
// offers, and retypes their details on every form with the variations real
// people produce (nicknames, swapped names, dropped accents, Gmail dots and
// +tags, phone and country spellings, company suffixes, typos, missing
// fields, a personal instead of a work address). Each lead is written in
// one of the payload shapes Microsoft has sent over the years, and as the
// Azure Table entity of the same lead. Every event carries its ground
// truth: which person made it, with what action on which offer.
//
// Output is deterministic: the same Config, Seed included, yields
// byte-identical events on any machine. All randomness comes from PCG
// streams derived from the seed through integer arithmetic only; nothing
// depends on map iteration order or the clock.
//
// Events streams a run in flat memory (only people in the middle of a
// journey are held); Generate collects it. Send posts a run to an ingest
// URL.
package simulate

import (
	"bytes"
	"container/heap"
	"errors"
	"fmt"
	"hash/fnv"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// Config describes a run.
type Config struct {
	Seed  uint64
	Start time.Time // timestamp of the first event; events spread over days after it
	Count int       // number of leads (events) to produce
	// People is the number of distinct people; 0 means about Count/2.5.
	// It is capped at the number of customer leads (Count minus
	// Microsoft's test leads), as everyone makes at least one.
	People int
	// Offers are publisherid.offerid references; nil means DefaultOffers:
	// six offers over three publishers.
	Offers []string
	// Days is the span over which people make their first lead; journeys
	// run on for up to a few weeks after. 0 picks about 20 new people a
	// day, at least 7 days and at most a year, unless that would mean
	// more than 1000 a day.
	Days int
	// B2B, when set, makes a run of colleagues at companies (see
	// B2BConfig); Event.CompanyID is then the ground truth of accounts.
	B2B *B2BConfig
}

// Event is one lead as Microsoft would send it, with its ground truth.
type Event struct {
	Seq      int       // 0..Count-1
	At       time.Time // when the customer acted (UTC, non-decreasing in Seq order)
	PersonID string    // ground truth: events with the same PersonID are the same human
	// CompanyID is the ground truth of the account: the company the person
	// acted for ("" for an individual, and for test leads). Outside B2B
	// mode it is the domain of the person's company.
	CompanyID string
	Shape     string // the payload shape of Body (see Shapes)
	Body      []byte // the HTTPS JSON body Microsoft would POST
	// Entity is the same lead as an Azure Table entity; every value is a
	// string. PartitionKey is the date of At as "M:2Fd:2Fyyyy"; RowKey is
	// unique within the run.
	Entity       map[string]any
	EntityLayout string // LayoutTable2018, LayoutTable2017 or LayoutTableCombined

	// What the customer did, as sent.
	Source     string // e.g. "AppSource (SPZA)"
	Action     string // INS, PLT, DNC, Create or StartTestDrive
	Offer      string // publisherid.offerid
	OfferTitle string
	// Stage is how leadhub classifies the lead: marketplace.StageOf of
	// Source, Action and IsTest.
	Stage  lead.Stage
	IsTest bool // Microsoft's validation lead (MSFT_TEST_<ticks>)
	// Variations names what differs from the person's usual way of
	// filling in the form, in this order when several apply:
	//
	//	names:   native-script, english-name, nickname, middle-initial,
	//	         one-surname, accents-dropped, name-case, name-typo,
	//	         swapped-name, missing-last-name
	//	e-mail:  other-email (personal instead of work or back), gmail-dots,
	//	         gmail-plus, googlemail, email-case, email-typo
	//	other:   missing-phone, phone-format, missing-country,
	//	         country-variant, missing-company, company-variant,
	//	         company-case, company-typo, missing-title, title-variant,
	//	         whitespace
	//
	// followed by the quirks of the payload: unknown-fields, phone-number
	// (sent as a JSON number), null-fields or empty-fields (how missing
	// fields were sent), ascii-escaped (non-ASCII as \uXXXX), indented.
	Variations []string
}

// Validate reports what is wrong with a Config.
func (c Config) Validate() error {
	var errs []error
	if c.Count < 0 {
		errs = append(errs, errors.New("simulate: Count must not be negative"))
	}
	if c.People < 0 {
		errs = append(errs, errors.New("simulate: People must not be negative"))
	}
	if c.Days < 0 {
		errs = append(errs, errors.New("simulate: Days must not be negative"))
	}
	if c.B2B != nil {
		if err := c.B2B.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Start.IsZero() {
		errs = append(errs, errors.New("simulate: Start is required"))
	}
	if c.Offers != nil && len(c.Offers) == 0 {
		errs = append(errs, errors.New("simulate: Offers is empty (use nil for the default offers)"))
	}
	for i, o := range c.Offers {
		if p, _ := marketplace.SplitOffer(o); p == "" {
			errs = append(errs, fmt.Errorf("simulate: offer %q is not publisherid.offerid", o))
		}
		for _, prev := range c.Offers[:i] {
			if strings.TrimSpace(prev) == strings.TrimSpace(o) {
				errs = append(errs, fmt.Errorf("simulate: offer %q is listed twice", o))
			}
		}
	}
	return errors.Join(errs...)
}

// Generate produces a whole run.
func Generate(cfg Config) ([]Event, error) {
	seq, err := Events(cfg)
	if err != nil {
		return nil, err
	}
	out := make([]Event, 0, cfg.Count)
	for ev := range seq {
		out = append(out, ev)
	}
	return out, nil
}

// Events streams a run. Memory stays flat however large Count is: only the
// people in the middle of a journey are held (in B2B mode, also the
// companies and a small record of who each person is). Each iteration of the
// sequence produces the same events again.
func Events(cfg Config) (iter.Seq[Event], error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return func(yield func(Event) bool) {
		g := newGenerator(cfg)
		for seq := range cfg.Count {
			if !yield(g.next(seq)) {
				return
			}
		}
	}, nil
}

// TestLeads returns how many of count events are Microsoft's test leads:
// one in 200, and at least one in any run of 50 or more.
func TestLeads(count int) int {
	n := count / 200
	if n == 0 && count >= 50 {
		n = 1
	}
	return n
}

type generator struct {
	cfg    Config
	start  time.Time
	offers []*offer
	offerW []int
	main   *rng
	cs     []cultureState
	world  *world // B2B mode only

	people    int // people to admit
	admitted  int
	realLeft  int // customer leads not yet given to a person
	arrival   time.Time
	gap       time.Duration // mean time between two people's first leads
	queue     queue
	rowMask   uint64
	lastAt    time.Time
	nTest     int
	stride    int
	testsDone int
	nextTest  int // seq of the next test lead, or -1
	lastTicks int64
}

func newGenerator(cfg Config) *generator {
	refs := cfg.Offers
	if refs == nil {
		refs = DefaultOffers()
	}
	g := &generator{cfg: cfg, start: cfg.Start.UTC(), main: newRNG(cfg.Seed, streamMain)}
	g.offers = buildOffers(refs, cfg.Seed)
	for _, o := range g.offers {
		g.offerW = append(g.offerW, o.weight)
	}
	g.rowMask = g.main.u64()
	g.cs = make([]cultureState, len(cultures))
	for i, c := range cultures {
		pairs := make([]int32, len(c.first)*len(c.last))
		for j := range pairs {
			pairs[j] = int32(j)
		}
		shuffle(g.main, pairs)
		g.cs[i].pairs = pairs
	}

	g.nTest = TestLeads(cfg.Count)
	g.realLeft = cfg.Count - g.nTest
	g.nextTest = -1
	if g.nTest > 0 {
		g.stride = cfg.Count / g.nTest
		g.nextTest = 0
	}
	g.people = cfg.People
	if g.people == 0 {
		g.people = int((4*int64(cfg.Count) + 5) / 10)
	}
	g.people = max(1, min(g.people, g.realLeft))
	if g.realLeft == 0 {
		g.people = 0
	}
	days := cfg.Days
	if days == 0 && g.people > 0 {
		days = min(max((g.people+19)/20, 7), 365)
		if g.people/days > 1000 {
			days = (g.people + 999) / 1000
		}
	}
	if cfg.B2B != nil {
		g.world = newWorld(cfg.Seed, *cfg.B2B, g.people)
	}
	if g.people > 0 {
		g.gap = time.Duration(int64(days) * int64(day) / int64(g.people))
	}
	g.arrival = g.start
	if g.nextTest == 0 {
		// the publisher validates the connection, then goes live
		g.arrival = g.start.Add(2*hour + time.Duration(g.main.n64(uint64(70*hour)))/100*100)
	}
	g.lastAt = g.start
	return g
}

// next produces event seq.
func (g *generator) next(seq int) Event {
	if seq == g.nextTest {
		return g.testEvent(seq)
	}
	g.admit()
	p := heap.Pop(&g.queue).(*person)
	ev := g.realEvent(seq, p)
	p.next++
	if p.next < len(p.steps) {
		heap.Push(&g.queue, p)
	}
	g.lastAt = ev.At
	return ev
}

// admit lets in every person whose first lead comes no later than the
// earliest pending lead.
func (g *generator) admit() {
	for g.admitted < g.people && (len(g.queue) == 0 || !g.arrival.After(g.queue[0].steps[g.queue[0].next].at)) {
		j := g.admitted
		r := newRNG(g.cfg.Seed, streamPerson+uint64(j))
		var p *person
		if g.world != nil {
			p = g.world.newPerson(r, fmt.Sprintf("p%06d", j+1), j)
		} else {
			ci := r.weighted(cultureWeights)
			p = newPerson(r, fmt.Sprintf("p%06d", j+1), cultures[ci], &g.cs[ci])
		}
		p.order = j

		// journey length: geometric with the mean that still gives every
		// remaining person at least one lead and uses up exactly realLeft
		left := g.people - j
		n := g.realLeft
		if left > 1 {
			n = 1
			for n < g.realLeft-(left-1) && g.main.n64(uint64(g.realLeft)) < uint64(g.realLeft-left) {
				n++
			}
		}
		g.realLeft -= n
		p.steps = planJourney(r, g.offers, g.offerW, n, g.arrival)
		if p.b2b != nil {
			p.b2b.planMove(r, len(p.steps))
		}
		heap.Push(&g.queue, p)
		g.admitted++
		g.arrival = g.arrival.Add(time.Duration(g.main.n64(uint64(2*g.gap)+1)) / 100 * 100)
	}
}

// Per-event payload quirk rates, in basis points.
const (
	rateUnknownFields = 300
	ratePhoneNumber   = 500
	rateASCIIEscaped  = 2000
	rateIndented      = 3000
)

func (g *generator) realEvent(seq int, p *person) Event {
	st := p.steps[p.next]
	r := p.rng
	if p.b2b != nil {
		p.b2b.step(p, g.world)
	}
	ev := Event{
		Seq: seq, At: st.at, PersonID: p.id, CompanyID: p.companyID(),
		Source: st.source, Action: st.action, Offer: st.offer.ref, OfferTitle: st.offer.title,
		Stage: marketplace.StageOf(st.source, st.action, false),
	}
	for attempt := 0; ; attempt++ {
		var vars []string
		d := &draft{seq: seq, at: st.at, source: st.source, action: st.action, offer: st.offer, p: p, rowKey: g.rowKey(r, seq)}
		d.t = p.fill(r, st.source, &vars)
		d.note = drawNote(r, p.culture, st.action)
		if attempt >= 8 {
			// the same person sent the same thing before: say so
			d.note = strings.TrimSpace(d.note + fmt.Sprintf(" (request %d)", p.next+1))
		}
		shape := g.shape(r, st)
		if shape == ShapeTable2017 || shape == ShapeTableCombined {
			d.note = "" // those columns have no Description
			if attempt >= 8 {
				shape = ShapePascal
				d.note = fmt.Sprintf("(request %d)", p.next+1)
			}
		}
		o := payloadOpts{
			missing: r.weighted([]int{60, 25, 15}),
			phoneNo: r.chance(ratePhoneNumber),
			unknown: r.chance(rateUnknownFields),
		}
		if r.chance(rateIndented) {
			o.style.indent = "  "
		}
		o.style.ascii = r.chance(rateASCIIEscaped)
		body, entity, layout := g.body(r, d, shape, o, &vars)
		h := fnv.New64a()
		h.Write(body)
		sum := h.Sum64()
		if slices.Contains(p.seen, sum) && attempt < 9 {
			continue
		}
		p.seen = append(p.seen, sum)
		vars = payloadQuirks(vars, body, o, shape)
		ev.Shape, ev.Body, ev.Entity, ev.EntityLayout, ev.Variations = shape, body, entity, layout, vars
		return ev
	}
}

// payloadQuirks names the quirks that show in the body.
func payloadQuirks(vars []string, body []byte, o payloadOpts, shape string) []string {
	switch shape {
	case ShapePascal, ShapeCamel, ShapeCombined, ShapeNoActionCode, ShapeDescriptionParams, ShapeDescriptionObject:
		if o.phoneNo && containsPhoneNumber(body) {
			vars = append(vars, "phone-number")
		}
	}
	switch {
	case bytes.Contains(body, []byte(": null")) || bytes.Contains(body, []byte(":null")):
		vars = append(vars, "null-fields")
	case bytes.Contains(body, []byte(`: ""`)) || bytes.Contains(body, []byte(`:""`)):
		vars = append(vars, "empty-fields")
	}
	if o.style.ascii && bytes.Contains(body, []byte(`\u`)) {
		vars = append(vars, "ascii-escaped")
	}
	if o.style.indent != "" {
		vars = append(vars, "indented")
	}
	return vars
}

// containsPhoneNumber reports whether the phone key holds a JSON number.
func containsPhoneNumber(body []byte) bool {
	s := string(body)
	for _, k := range []string{`"Phone":`, `"phone":`} {
		i := strings.Index(s, k)
		if i < 0 {
			continue
		}
		rest := strings.TrimLeft(s[i+len(k):], " ")
		return rest != "" && rest[0] >= '0' && rest[0] <= '9'
	}
	return false
}

// shape chooses the payload shape of a customer lead.
func (g *generator) shape(r *rng, st step) string {
	w := make([]int, len(realShapes))
	for i, s := range realShapes {
		if shapeAllowed(s.shape, st.source, st.action) {
			w[i] = s.weight
		}
	}
	return realShapes[r.weighted(w)].shape
}

// rowKey is a random-looking UUID whose last 48 bits are the sequence
// number masked with a per-run value, so row keys never repeat in a run.
func (g *generator) rowKey(r *rng, seq int) string {
	var b [16]byte
	a, c := r.u64(), r.u64()
	for i := range 8 {
		b[i] = byte(a >> (8 * i))
	}
	b[8], b[9] = byte(c), byte(c>>8)
	s := uint64(seq) ^ g.rowMask
	for i := range 6 {
		b[10+i] = byte(s >> (8 * (5 - i)))
	}
	return formatUUID(b)
}

// testEvent produces Microsoft's validation lead: sent when the publisher
// validates or republishes an offer's lead destination.
func (g *generator) testEvent(seq int) Event {
	i := g.testsDone
	r := newRNG(g.cfg.Seed, streamTest+uint64(i))
	at := g.start
	if seq > 0 {
		next := g.lastAt.Add(time.Hour)
		g.admit()
		if len(g.queue) > 0 {
			next = g.queue[0].steps[g.queue[0].next].at
		}
		at = g.lastAt.Add(time.Duration(r.n64(uint64(next.Sub(g.lastAt))+1)) / 100 * 100)
	}
	ticks := dotnetTicks(at)
	if ticks <= g.lastTicks {
		ticks = g.lastTicks + 1
	}
	g.lastTicks = ticks
	marker := fmt.Sprintf("MSFT_TEST_%d", ticks)
	off := g.offers[i%len(g.offers)]
	if i >= len(g.offers) {
		off = g.offers[r.n(len(g.offers))]
	}
	w := make([]int, len(testShapes))
	for j, s := range testShapes {
		w[j] = s.weight
	}
	shape := testShapes[r.weighted(w)].shape
	body, entity := testBody(r, shape, marker, off.title, off.oid, at, g.rowKey(r, seq))

	g.testsDone++
	g.nextTest = -1
	if g.testsDone < g.nTest {
		nr := newRNG(g.cfg.Seed, streamTestSeq+uint64(g.testsDone))
		g.nextTest = g.testsDone*g.stride + nr.n(g.stride)
		if g.nextTest <= seq {
			g.nextTest = seq + 1
		}
	}
	g.lastAt = at
	return Event{
		Seq: seq, At: at, PersonID: marker, Shape: shape, Body: body,
		Entity: entity, EntityLayout: LayoutTable2018,
		Source: marketplace.SourceAzureMarketplace, Action: marketplace.ActionINS,
		Offer: off.ref, OfferTitle: off.title,
		Stage: marketplace.StageOf(marketplace.SourceAzureMarketplace, marketplace.ActionINS, true), IsTest: true,
	}
}

// queue orders people by the time of their next lead, then by arrival.
type queue []*person

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	a, b := q[i].steps[q[i].next].at, q[j].steps[q[j].next].at
	if !a.Equal(b) {
		return a.Before(b)
	}
	return q[i].order < q[j].order
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*person)) }
func (q *queue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return p
}
