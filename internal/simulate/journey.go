package simulate

import (
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/marketplace"
)

// Offer kinds decide which buttons a listing has and where it is listed.
const (
	kindAppSource  = iota // Dynamics 365, Power Platform, Teams apps: AppSource only
	kindSaaS              // SaaS: AppSource and Azure Marketplace, subscribe in the portal
	kindAzure             // virtual machines, managed apps: Azure Marketplace and the portal
	kindConsulting        // consulting services: Contact me only
)

type offer struct {
	ref       string // publisherid.offerid
	publisher string
	title     string
	kind      int
	weight    int
	// oid is the Salesforce organisation id in Web-to-Lead style bodies.
	oid string
}

// defaultOffers are six offers over three publishers.
var defaultOffers = []struct {
	ref, title string
	kind       int
	weight     int
}{
	{"contoso.crm-connector", "Contoso CRM Connector", kindAppSource, 25},
	{"contoso.analytics-saas", "Contoso Analytics", kindSaaS, 20},
	{"relecloud.backup-appliance", "Relecloud Backup Appliance", kindAzure, 15},
	{"relecloud.secure-gateway-byol", "Relecloud Secure Gateway (BYOL)", kindAzure, 10},
	{"tailwindtraders.erp-cloud", "Tailwind ERP Cloud", kindSaaS, 20},
	{"tailwindtraders.cloud-migration-assessment", "Cloud Migration Assessment: 2-Week Workshop", kindConsulting, 10},
}

// DefaultOffers returns the offers used when Config.Offers is nil.
func DefaultOffers() []string {
	out := make([]string, len(defaultOffers))
	for i, o := range defaultOffers {
		out[i] = o.ref
	}
	return out
}

// buildOffers turns publisherid.offerid references into offers. Offers
// that are not among the defaults get a title made from their id and a kind
// guessed from words in it.
func buildOffers(refs []string, seed uint64) []*offer {
	r := newRNG(seed, streamOffers)
	out := make([]*offer, 0, len(refs))
	for i, ref := range refs {
		pub, id := marketplace.SplitOffer(ref)
		o := &offer{ref: strings.TrimSpace(ref), publisher: pub}
		found := false
		for _, d := range defaultOffers {
			if d.ref == o.ref {
				o.title, o.kind, o.weight, found = d.title, d.kind, d.weight, true
			}
		}
		if !found {
			o.title = titleFromID(pub, id)
			o.kind = kindFromID(id)
			o.weight = 60/(i+1) + 5
		}
		o.oid = "00D" + alnum(r, 12)
		out = append(out, o)
	}
	return out
}

func alnum(r *rng, n int) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.n(len(chars))]
	}
	return string(b)
}

var acronyms = map[string]string{
	"crm": "CRM", "erp": "ERP", "ai": "AI", "sql": "SQL", "vm": "VM", "api": "API", "byol": "(BYOL)",
	"saas": "SaaS", "hr": "HR", "bi": "BI", "iot": "IoT", "d365": "D365", "paas": "PaaS", "sap": "SAP",
}

// titleFromID makes a display title: "contoso", "crm-connector" →
// "Contoso CRM Connector".
func titleFromID(pub, id string) string {
	words := []string{capitalize(pub)}
	for w := range strings.FieldsFuncSeq(id, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		if a, ok := acronyms[strings.ToLower(w)]; ok {
			words = append(words, a)
		} else {
			words = append(words, capitalize(w))
		}
	}
	return strings.Join(words, " ")
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func kindFromID(id string) int {
	id = strings.ToLower(id)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(id, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("consult", "assessment", "workshop", "migration", "implementation", "briefing", "poc"):
		return kindConsulting
	case has("vm", "byol", "appliance", "gateway", "firewall", "image", "cluster", "managed-app"):
		return kindAzure
	case has("teams", "dynamics", "d365", "crm", "powerbi", "power-bi", "sharepoint", "outlook", "excel"):
		return kindAppSource
	default:
		return kindSaaS
	}
}

// actions in the order used by the tables below.
const (
	actPLT = iota
	actTestDrive
	actINS
	actCreate
	numActs
)

var actionCodes = [numActs]string{
	marketplace.ActionPLT, marketplace.ActionStartTestDrive, marketplace.ActionINS, marketplace.ActionCreate,
}

// allowed says which buttons each kind of offer has.
var allowed = [4][numActs]bool{
	kindAppSource:  {true, true, true, false},
	kindSaaS:       {true, true, true, true},
	kindAzure:      {true, true, true, true},
	kindConsulting: {true, false, false, false},
}

// firstAction weighs the first button a person presses.
var firstAction = [numActs]int{45, 15, 22, 18}

// nextAction weighs the next button after each one: contact me is often
// followed by a test drive or a purchase, Get it now on Azure Marketplace
// by Create in the portal.
var nextAction = [numActs][numActs]int{
	actPLT:       {15, 35, 35, 15},
	actTestDrive: {25, 10, 45, 20},
	actINS:       {25, 10, 15, 50},
	actCreate:    {35, 10, 25, 30},
}

// step is one lead of a journey.
type step struct {
	at     time.Time
	offer  *offer
	source string
	action string // action code as sent
}

// storefront is where a button is pressed, with its weight.
type storefront struct {
	source string
	w      int
}

// Storefront weights shared by several actions and kinds of offer.
var (
	appSourceMostly      = []storefront{{marketplace.SourceAppSource, 92}, {marketplace.SourceSPZA, 8}}
	azureMarketplaceOnly = []storefront{{marketplace.SourceAzureMarketplace, 100}}
	trialAnywhere        = []storefront{{marketplace.SourceAzureMarketplace, 45}, {marketplace.SourceAppSource, 40}, {marketplace.SourceTestDrive, 15}}
	purchaseAnywhere     = []storefront{{marketplace.SourceAzureMarketplace, 55}, {marketplace.SourceAppSource, 45}}
)

// storefronts weighs the storefronts each button is pressed in, by action
// and kind of offer. Create is always pressed in the Azure portal.
var storefronts = [numActs][4][]storefront{
	actPLT: {
		kindAppSource:  appSourceMostly,
		kindSaaS:       {{marketplace.SourceAppSource, 55}, {marketplace.SourceAzureMarketplace, 40}, {marketplace.SourceSPZA, 5}},
		kindAzure:      azureMarketplaceOnly,
		kindConsulting: {{marketplace.SourceAppSource, 50}, {marketplace.SourceAzureMarketplace, 50}},
	},
	actTestDrive: {
		kindAppSource:  {{marketplace.SourceAppSource, 85}, {marketplace.SourceTestDrive, 15}},
		kindSaaS:       trialAnywhere,
		kindAzure:      {{marketplace.SourceAzureMarketplace, 75}, {marketplace.SourceTestDrive, 25}},
		kindConsulting: trialAnywhere,
	},
	actINS: {
		kindAppSource:  appSourceMostly,
		kindSaaS:       purchaseAnywhere,
		kindAzure:      azureMarketplaceOnly,
		kindConsulting: purchaseAnywhere,
	},
}

// sourceFor chooses the storefront of an action on an offer.
func sourceFor(r *rng, kind, act int) string {
	if act == actCreate {
		return marketplace.SourceAzurePortal
	}
	opts := storefronts[act][kind]
	w := make([]int, len(opts))
	for i, o := range opts {
		w[i] = o.w
	}
	return opts[r.weighted(w)].source
}

// Delay buckets: [from, to) and weight.
type bucket struct {
	from, to time.Duration
	w        int
}

var (
	minute = time.Minute
	hour   = time.Hour
	day    = 24 * time.Hour

	delayCreateAfterINS = []bucket{{minute, 30 * minute, 80}, {30 * minute, 6 * hour, 12}, {6 * hour, 3 * day, 8}}
	delayTrialAfterPLT  = []bucket{{10 * minute, 2 * hour, 25}, {2 * hour, day, 35}, {day, 4 * day, 30}, {4 * day, 14 * day, 10}}
	delayDefault        = []bucket{{30 * minute, 6 * hour, 15}, {6 * hour, day, 20}, {day, 3 * day, 30}, {3 * day, 10 * day, 25}, {10 * day, 30 * day, 10}}
)

func drawDelay(r *rng, bs []bucket) time.Duration {
	w := make([]int, len(bs))
	for i, b := range bs {
		w[i] = b.w
	}
	b := bs[r.weighted(w)]
	d := b.from + time.Duration(r.n64(uint64(b.to-b.from)))
	return d / 100 * 100 // .NET ticks are 100 ns
}

// planJourney lays out n leads of one person from arrival on: a first
// offer chosen by popularity, buttons following the transition table, now
// and then another offer of the same or another publisher, and about 2% of
// leads turned into Do Not Contact notices.
func planJourney(r *rng, offers []*offer, offerW []int, n int, arrival time.Time) []step {
	steps := make([]step, 0, n)
	cur := offers[r.weighted(offerW)]
	at := arrival
	prevAct := -1
	for i := range n {
		if i > 0 {
			// switch offers now and then, or when the same button on the
			// same offer would be pressed again
			if len(offers) > 1 && r.chance(2800) {
				cur = otherOffer(r, offers, offerW, cur)
			}
		}
		var w [numActs]int
		if prevAct < 0 {
			w = firstAction
		} else {
			w = nextAction[prevAct]
		}
		ok := false
		for a := range numActs {
			if !allowed[cur.kind][a] {
				w[a] = 0
			}
			ok = ok || w[a] > 0
		}
		if !ok {
			w[actPLT] = 1
		}
		act := r.weighted(w[:])
		if i > 0 && act == prevAct && steps[i-1].offer == cur && len(offers) > 1 && !r.chance(1500) {
			cur = otherOffer(r, offers, offerW, cur)
			if !allowed[cur.kind][act] {
				act = actPLT
			}
		}
		if i > 0 {
			switch {
			case prevAct == actINS && act == actCreate && steps[i-1].offer == cur:
				at = at.Add(drawDelay(r, delayCreateAfterINS))
			case prevAct == actPLT && act == actTestDrive:
				at = at.Add(drawDelay(r, delayTrialAfterPLT))
			default:
				at = at.Add(drawDelay(r, delayDefault))
			}
		}
		source := sourceFor(r, cur.kind, act)
		code := actionCodes[act]
		if r.chance(200) {
			code = marketplace.ActionDNC
			if source != marketplace.SourceAzureMarketplace {
				source = marketplace.SourceAppSource
			}
		}
		steps = append(steps, step{at: at, offer: cur, source: source, action: code})
		prevAct = act
	}
	return steps
}

// otherOffer returns an offer other than cur: of the same publisher 60% of
// the time when it has one.
func otherOffer(r *rng, offers []*offer, offerW []int, cur *offer) *offer {
	var same []*offer
	for _, o := range offers {
		if o != cur && o.publisher == cur.publisher {
			same = append(same, o)
		}
	}
	if len(same) > 0 && r.chance(6000) {
		return pick(r, same)
	}
	w := make([]int, len(offers))
	copy(w, offerW)
	for i, o := range offers {
		if o == cur {
			w[i] = 0
		}
	}
	return offers[r.weighted(w)]
}
