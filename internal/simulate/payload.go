package simulate

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/marketplace"
)

// Payload shapes. Each is a body layout Microsoft is documented (or, for
// relayed Azure Table rows, known) to send; see Shapes.
const (
	ShapePascal             = "https-pascal"              // UserDetails, LeadSource (source only), ActionCode, OfferTitle, Description
	ShapeCamel              = "https-camel"               // the same in camelCase (userDetails, leadSource, ...)
	ShapeCombined           = "https-combined-leadsource" // LeadSource "Source-Action|publisherid.offerid"
	ShapeFlatSnake          = "https-flat-snake"          // flat Web-to-Lead names: first_name, lead_source, oid, encoding
	ShapeNoActionCode       = "https-2018-no-actioncode"  // the 2018 layout: OfferTitle, LeadSource, UserDetails, no ActionCode
	ShapeDescriptionParams  = "description-params"        // Description holds AppSource URL parameters as a JSON string
	ShapeDescriptionObject  = "description-object"        // Description sent as a JSON object
	ShapeTable2017          = "table-2017"                // Azure Table row, 2017 columns: ProductIds, CustomerInfo string
	ShapeTable2018          = "table-2018"                // Azure Table row, 2018 columns: OfferDisplayName, CreatedTime
	ShapeTableCombined      = "table-combined"            // Azure Table row with the combined LeadSource
	ShapeTestLead           = "test-lead"                 // Microsoft's validation lead (userDetails, MSFT_TEST_<ticks>)
	ShapeTestLeadFAQ        = "test-lead-faq-invalid"     // the validation lead as documented, missing a comma
	ShapeTestLeadSalesforce = "test-lead-salesforce"      // the validation lead with Web-to-Lead names
	ShapeTestLeadTable      = "test-lead-table"           // the validation lead as an Azure Table row
)

// Entity layouts (Event.EntityLayout).
const (
	LayoutTable2018     = "table-2018"     // CustomerInfo, LeadSource, ActionCode, OfferDisplayName, Description, CreatedTime
	LayoutTable2017     = "table-2017"     // CustomerInfo, LeadSource (source only), ActionCode, ProductIds
	LayoutTableCombined = "table-combined" // LeadSource "Source-Action|Offer", CustomerInfo
)

type shapeWeight struct {
	shape  string
	weight int
}

// realShapes weighs the shapes of customers' leads: the documented
// HTTPS body dominates, older and relayed layouts are a minority.
var realShapes = []shapeWeight{
	{ShapePascal, 340},
	{ShapeCamel, 140},
	{ShapeCombined, 200},
	{ShapeFlatSnake, 50},
	{ShapeNoActionCode, 40},
	{ShapeDescriptionParams, 100},
	{ShapeDescriptionObject, 20},
	{ShapeTable2017, 40},
	{ShapeTable2018, 40},
	{ShapeTableCombined, 30},
}

var testShapes = []shapeWeight{
	{ShapeTestLead, 50},
	{ShapeTestLeadFAQ, 15},
	{ShapeTestLeadSalesforce, 15},
	{ShapeTestLeadTable, 20},
}

// Shapes lists every payload shape the generator produces.
func Shapes() []string {
	var out []string
	for _, s := range realShapes {
		out = append(out, s.shape)
	}
	for _, s := range testShapes {
		out = append(out, s.shape)
	}
	return out
}

// shapeAllowed says whether a shape can carry a lead without changing how
// leadhub reads it: the 2018 layout has no ActionCode, so it only carries
// leads whose stage does not depend on one (Contact me, or the TestDrive
// source); AppSource URL parameters only come from the storefronts.
func shapeAllowed(shape, source, action string) bool {
	switch shape {
	case ShapeNoActionCode:
		return action == marketplace.ActionPLT || source == marketplace.SourceTestDrive && action == marketplace.ActionStartTestDrive
	case ShapeDescriptionParams, ShapeDescriptionObject:
		return source == marketplace.SourceAppSource || source == marketplace.SourceSPZA || source == marketplace.SourceAzureMarketplace
	}
	return true
}

// Ways a missing field is sent.
const (
	missingOmit  = iota // the key is left out
	missingNull         // "Phone": null, as Newtonsoft writes unset properties
	missingEmpty        // "Phone": ""
)

// draft is everything needed to write one customer lead.
type draft struct {
	seq    int
	at     time.Time
	source string
	action string
	offer  *offer
	t      typed
	p      *person
	note   string // free-text Description, or ""
	rowKey string
}

type payloadOpts struct {
	style   jsonStyle
	missing int
	phoneNo bool // send an all-digit phone as a JSON number
	unknown bool // add fields leadhub does not know
}

var (
	pascalKeys = [numContactFields]string{"FirstName", "LastName", "Email", "Phone", "Country", "Company", "Title"}
	camelKeys  = [numContactFields]string{"firstName", "lastName", "email", "phone", "country", "company", "title"}
	snakeKeys  = [numContactFields]string{"first_name", "last_name", "email", "phone", "country", "company", "title"}
	// alphabetical order of the 2018 sample
	alphaOrder = [numContactFields]int{fCompany, fCountry, fEmail, fFirst, fLast, fPhone, fTitle}
	docOrder   = [numContactFields]int{fFirst, fLast, fEmail, fPhone, fCountry, fCompany, fTitle}
)

// contact writes the customer's details as an object.
func contact(t typed, keys [numContactFields]string, order [numContactFields]int, o payloadOpts, numbers bool) obj {
	out := make(obj, 0, numContactFields+2)
	for _, f := range order {
		if t.missing[f] {
			switch o.missing {
			case missingNull:
				out = append(out, kv{keys[f], null{}})
			case missingEmpty:
				out = append(out, kv{keys[f], ""})
			}
			continue
		}
		if f == fPhone && numbers && o.phoneNo && t.phoneDigits {
			out = append(out, kv{keys[f], num(t.v[f])})
			continue
		}
		out = append(out, kv{keys[f], t.v[f]})
	}
	return out
}

// optional appends key: value, or handles an absent value like a missing
// field.
func optional(o obj, key, value string, opts payloadOpts) obj {
	if value != "" {
		return append(o, kv{key, value})
	}
	switch opts.missing {
	case missingNull:
		return append(o, kv{key, null{}})
	case missingEmpty:
		return append(o, kv{key, ""})
	}
	return o
}

// combinedLeadSource writes "Source-Action|publisherid.offerid" with one of
// the separators seen in the documentation.
func combinedLeadSource(r *rng, source, action, ref string) string {
	sep := []string{"|", " | ", "&#124;"}[r.weighted([]int{80, 12, 8})]
	return source + "-" + action + sep + ref
}

// partitionKey is the date of t as Microsoft writes it in table rows:
// M/d/yyyy with "/" escaped as ":2F".
func partitionKey(t time.Time) string {
	return fmt.Sprintf("%d:2F%d:2F%d", int(t.Month()), t.Day(), t.Year())
}

// createdTime is t in .NET's en-US general format.
func createdTime(t time.Time) string { return t.Format("1/2/2006 3:04:05 PM") }

// tableTimestamp is when the row was written, shortly after the event.
func tableTimestamp(r *rng, t time.Time) string {
	t = t.Add(time.Duration(50+r.n(2000)) * time.Millisecond).Add(time.Duration(r.n(10000)) * 100)
	return t.Format("2006-01-02T15:04:05.0000000Z")
}

// customerInfo is the CustomerInfo column: the contact as a JSON string,
// compact or indented as in the rows Microsoft writes.
func customerInfo(t typed, o payloadOpts, indented bool) string {
	st := jsonStyle{}
	if indented {
		st.indent = "  "
	}
	return string(encodeJSON(contact(t, pascalKeys, docOrder, o, false), st))
}

// body writes the HTTPS body of a customer lead in a shape and returns it
// with the table entity of the same lead and its layout.
func (g *generator) body(r *rng, l *draft, shape string, o payloadOpts, vars *[]string) ([]byte, map[string]any, string) {
	t := l.t
	title := l.offer.title
	var b obj
	layout := ""
	switch shape {
	case ShapePascal:
		b = obj{{"UserDetails", contact(t, pascalKeys, docOrder, o, true)}, {"LeadSource", l.source}, {"ActionCode", l.action}, {"OfferTitle", title}}
		b = optional(b, "Description", l.note, o)
	case ShapeCamel:
		b = obj{{"userDetails", contact(t, camelKeys, docOrder, o, true)}, {"leadSource", l.source}, {"actionCode", l.action}, {"offerTitle", title}}
		b = optional(b, "description", l.note, o)
	case ShapeCombined:
		b = obj{{"UserDetails", contact(t, pascalKeys, docOrder, o, true)}, {"LeadSource", combinedLeadSource(r, l.source, l.action, l.offer.ref)}}
		if r.chance(3000) {
			b = append(b, kv{"OfferTitle", title})
		}
		if l.note != "" {
			b = append(b, kv{"Description", l.note})
		}
	case ShapeFlatSnake:
		// Web-to-Lead forms post empty strings, never nulls
		fo := o
		if fo.missing == missingNull {
			fo.missing = missingEmpty
		}
		c := contact(t, snakeKeys, alphaOrder, fo, false)
		get := func(k string) (kv, bool) {
			for _, m := range c {
				if m.k == k {
					return m, true
				}
			}
			return kv{}, false
		}
		b = obj{}
		for _, k := range []string{"company", "country"} {
			if m, ok := get(k); ok {
				b = append(b, m)
			}
		}
		b = optional(b, "description", l.note, fo)
		if m, ok := get("email"); ok {
			b = append(b, m)
		}
		b = append(b, kv{"encoding", "UTF-8"})
		for _, k := range []string{"first_name", "last_name"} {
			if m, ok := get(k); ok {
				b = append(b, m)
			}
		}
		b = append(b, kv{"lead_source", l.source + "-" + l.action + "|" + l.offer.ref}, kv{"oid", l.offer.oid})
		for _, k := range []string{"phone", "title"} {
			if m, ok := get(k); ok {
				b = append(b, m)
			}
		}
	case ShapeNoActionCode:
		b = obj{{"OfferTitle", title}, {"LeadSource", l.source}, {"UserDetails", contact(t, pascalKeys, alphaOrder, o, true)}}
	case ShapeDescriptionParams, ShapeDescriptionObject:
		params := urlParams(r)
		var desc any = string(encodeJSON(params, jsonStyle{}))
		if shape == ShapeDescriptionObject {
			desc = params
		}
		if shape == ShapeDescriptionParams && r.n(3) == 0 {
			b = obj{{"userDetails", contact(t, camelKeys, docOrder, o, true)}, {"leadSource", l.source}, {"actionCode", l.action}, {"offerTitle", title}, {"description", desc}}
		} else {
			b = obj{{"UserDetails", contact(t, pascalKeys, docOrder, o, true)}, {"LeadSource", l.source}, {"ActionCode", l.action}, {"OfferTitle", title}, {"Description", desc}}
		}
	case ShapeTable2017:
		layout = LayoutTable2017
	case ShapeTable2018:
		layout = LayoutTable2018
	case ShapeTableCombined:
		layout = LayoutTableCombined
	}

	var entity map[string]any
	if layout != "" {
		// a relayed table row: the body is the entity, with the system
		// columns a reader sees
		entity = g.entity(r, l, layout, o)
		b = entityBody(r, l, layout, entity)
	} else {
		layout = []string{LayoutTable2018, LayoutTable2017, LayoutTableCombined}[r.weighted([]int{60, 25, 15})]
		entity = g.entity(r, l, layout, o)
	}
	if o.unknown {
		b = addUnknown(r, l, b)
		*vars = append(*vars, "unknown-fields")
	}
	return encodeJSON(b, o.style), entity, layout
}

// entity writes the lead as an Azure Table entity; every value is a string.
func (g *generator) entity(r *rng, l *draft, layout string, o payloadOpts) map[string]any {
	e := map[string]any{
		"PartitionKey": partitionKey(l.at),
		"RowKey":       l.rowKey,
	}
	switch layout {
	case LayoutTable2017:
		e["ProductIds"] = l.offer.ref
		e["CustomerInfo"] = customerInfo(l.t, o, false)
		e["LeadSource"] = l.source
		e["ActionCode"] = l.action
	case LayoutTableCombined:
		e["LeadSource"] = combinedLeadSource(r, l.source, l.action, l.offer.ref)
		e["CustomerInfo"] = customerInfo(l.t, o, false)
	default:
		e["ActionCode"] = l.action
		e["CreatedTime"] = createdTime(l.at)
		e["CustomerInfo"] = customerInfo(l.t, o, true)
		if l.note != "" {
			e["Description"] = l.note
		}
		e["LeadSource"] = l.source
		e["OfferDisplayName"] = l.offer.title
	}
	return e
}

// entityBody writes an entity in the column order of the documented rows,
// with the system columns a reader sees.
func entityBody(r *rng, l *draft, layout string, e map[string]any) obj {
	col := func(k string) kv { return kv{k, e[k].(string)} }
	switch layout {
	case LayoutTable2017:
		return obj{col("ProductIds"), col("CustomerInfo"), col("LeadSource"), col("ActionCode")}
	case LayoutTableCombined:
		b := obj{}
		if r.n(2) == 0 {
			b = append(b, col("PartitionKey"), col("RowKey"), kv{"Timestamp", tableTimestamp(r, l.at)})
		}
		return append(b, col("LeadSource"), col("CustomerInfo"))
	default:
		b := obj{col("PartitionKey"), col("RowKey"), kv{"Timestamp", tableTimestamp(r, l.at)}, col("ActionCode"), col("CreatedTime"), col("CustomerInfo")}
		if _, ok := e["Description"]; ok {
			b = append(b, col("Description"))
		}
		return append(b, col("LeadSource"), col("OfferDisplayName"))
	}
}

var (
	campaigns = []string{"blog_q3", "linkedin-2025", "newsletter_nov", "partner-webinar", "1234", "ms-ignite", "spring-promo", "entra-tutorial", "build-recap", "emea_retarget"}
	utmSource = []string{"linkedin", "google", "newsletter", "bing", "partner", "youtube"}
	utmMedium = []string{"cpc", "email", "social", "referral"}
)

// urlParams are the query parameters of the AppSource or Azure Marketplace
// link the customer followed, as Microsoft forwards them in Description.
func urlParams(r *rng) obj {
	var p obj
	if r.chance(9000) {
		p = append(p, kv{"mktcmpid", pick(r, campaigns)})
	}
	if r.chance(6000) {
		p = append(p, kv{"partnerid", r.digits(5 + r.n(3))})
	}
	if r.chance(3000) {
		p = append(p, kv{"utm_source", pick(r, utmSource)}, kv{"utm_medium", pick(r, utmMedium)}, kv{"utm_campaign", pick(r, campaigns)})
	}
	if r.chance(1500) || len(p) == 0 {
		p = append(p, kv{"ocid", "AID" + r.digits(7)})
	}
	return p
}

// addUnknown adds fields leadhub does not know, at the top level or in the
// contact, as a newer or relaying sender might.
func addUnknown(r *rng, l *draft, b obj) obj {
	top := []kv{
		{"LeadId", r.uuid()},
		{"CreatedDateTime", l.at.Format(time.RFC3339)},
		{"Consent", obj{{"ConsentToContact", true}, {"ConsentToShareInfoWithOthers", r.n(2) == 0}}},
		{"Language", l.p.culture.locale},
		{"CustomerTenantId", r.uuid()},
		{"Tags", []any{"marketplace", strings.ToLower(l.source)}},
	}
	user := []kv{
		{"PreferredLanguage", l.p.culture.locale},
		{"JobRole", pick(r, []string{"Decision maker", "Influencer", "Evaluator", "End user"})},
	}
	n := 1 + r.n(2)
	for range n {
		if r.n(3) == 0 && addToContact(b, pick(r, user)) {
			continue
		}
		b = append(b, pick(r, top))
	}
	return dedupKeys(b)
}

// addToContact adds a member to the contact object of b, if b has one.
func addToContact(b obj, m kv) bool {
	for i, x := range b {
		if sub, ok := x.v.(obj); ok && (x.k == "UserDetails" || x.k == "userDetails") {
			b[i].v = append(append(obj(nil), sub...), m)
			return true
		}
	}
	return false
}

// dedupKeys drops repeated keys (the same extra field drawn twice).
func dedupKeys(b obj) obj {
	out := b[:0:0]
	for _, m := range b {
		dup := false
		for _, x := range out {
			if x.k == m.k {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, m)
		}
	}
	return out
}

// notes are what customers write in the Contact me form.
var notes = map[string][]string{
	"": {
		"Please call me about pricing.",
		"We have %d users and would like a quote.",
		"Interested in a demo for our team of %d.",
		"Can you send me licensing details for %d seats?",
		"Looking to replace our current solution before the end of the quarter.",
		"Do you offer a discount for nonprofits?",
		"Need help with the deployment in our Azure tenant.",
		"Please contact me after 3pm.",
		"Evaluating options for %d sites.",
		"What is the difference between the Standard and Premium plans?",
		"Is there a trial longer than 30 days?",
		"We need SSO with Entra ID. Is that supported?",
		"Requesting a callback regarding an enterprise agreement.",
		"Our partner recommended this offer.",
		"Budget approved for Q%d, need a proposal.",
		"Can this run in a private VNet?",
		"Please email rather than call.",
	},
	"pt": {"Gostaria de uma demonstração para %d usuários.", "Favor entrar em contato por WhatsApp.", "Preciso de uma proposta comercial."},
	"es": {"Me gustaría recibir una cotización para %d usuarios.", "¿Tienen soporte en español?", "Por favor contáctenme por la tarde."},
	"de": {"Bitte um Rückruf bezüglich Preisen.", "Wir benötigen ein Angebot für %d Lizenzen.", "Ist das DSGVO-konform?"},
	"fr": {"Merci de me recontacter pour une démo.", "Nous sommes %d utilisateurs, quel est le tarif ?"},
	"pl": {"Proszę o kontakt w sprawie wyceny dla %d użytkowników."},
	"ja": {"見積もりをお願いします。", "デモを希望します。"},
	"zh": {"请联系我了解价格。", "我们有%d个用户，需要报价。"},
}

// noteRate is the chance (basis points) that a lead carries notes, per
// action: Contact me forms invite them, the other buttons rarely do.
var noteRate = map[string]int{
	marketplace.ActionPLT:            4500,
	marketplace.ActionStartTestDrive: 1000,
	marketplace.ActionINS:            600,
	marketplace.ActionCreate:         400,
}

func drawNote(r *rng, c *culture, action string) string {
	if !r.chance(noteRate[action]) {
		return ""
	}
	list := notes[""]
	if loc, ok := notes[c.code]; ok && r.chance(4000) {
		list = loc
	}
	s := pick(r, list)
	if strings.Contains(s, "%d") {
		n := 5 * (1 + r.n(100))
		if strings.Contains(s, "Q%d") {
			n = 1 + r.n(4)
		}
		s = strings.Replace(s, "%d", strconv.Itoa(n), 1)
	}
	return s
}

// dotnetTicks is t as .NET DateTime ticks (100 ns since 0001-01-01 UTC).
func dotnetTicks(t time.Time) int64 {
	return (t.Unix()+62135596800)*10_000_000 + int64(t.Nanosecond()/100)
}

// testBody writes Microsoft's validation lead for an offer.
func testBody(r *rng, shape, marker, title, oid string, at time.Time, rowKey string) ([]byte, map[string]any) {
	email := marker + "@test.com"
	ci := obj{{"FirstName", marker}, {"LastName", marker}, {"Email", email}, {"Phone", "1234567890"}, {"Country", "US"}, {"Company", marker}, {"Title", marker}}
	entity := map[string]any{
		"PartitionKey":     partitionKey(at),
		"RowKey":           rowKey,
		"ActionCode":       marketplace.ActionINS,
		"CreatedTime":      createdTime(at),
		"CustomerInfo":     string(encodeJSON(ci, jsonStyle{indent: "  "})),
		"Description":      marker,
		"LeadSource":       marketplace.SourceAzureMarketplace,
		"OfferDisplayName": title,
	}
	var body []byte
	switch shape {
	case ShapeTestLeadFAQ:
		// as in Microsoft's FAQ, including the missing comma
		t := string(appendString(nil, title, false))
		body = []byte(`{
    "userDetails": {
      "FirstName": "` + marker + `",
      "LastName": "` + marker + `",
      "Email": "` + email + `",
      "Phone": "1234567890",
      "Country": "US",
      "Company": "` + marker + `",
      "Title": "` + marker + `"
    },
    "LeadSource": "AzureMarketplace",
    "ActionCode": "INS",
    "OfferTitle": ` + t + `
    "Description": "` + marker + `"
}`)
	case ShapeTestLeadSalesforce:
		body = encodeJSON(obj{
			{"company", marker}, {"country", "US"}, {"description", marker}, {"email", email},
			{"encoding", "UTF-8"}, {"encoding", "UTF-8"}, {"first_name", marker}, {"last_name", marker},
			{"lead_source", marker + "-" + marker + "|" + title}, {"oid", oid}, {"phone", "1234567890"}, {"title", marker},
		}, jsonStyle{indent: "  "})
	case ShapeTestLeadTable:
		e := func(k string) kv { return kv{k, entity[k].(string)} }
		body = encodeJSON(obj{
			e("PartitionKey"), e("RowKey"), {"Timestamp", tableTimestamp(r, at)}, e("ActionCode"), e("CreatedTime"),
			e("CustomerInfo"), e("Description"), e("LeadSource"), e("OfferDisplayName"),
		}, jsonStyle{indent: "  "})
	default:
		body = encodeJSON(obj{
			{"userDetails", ci}, {"LeadSource", marketplace.SourceAzureMarketplace}, {"ActionCode", marketplace.ActionINS},
			{"OfferTitle", title}, {"Description", marker},
		}, jsonStyle{indent: "    "})
	}
	return body, entity
}
