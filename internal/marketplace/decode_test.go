package marketplace_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// want is what a fixture must decode to. Empty fields are asserted empty.
type want struct {
	source, action string
	publisherID    string
	offerID        string
	title          string
	stage          lead.Stage
	isTest         bool
	contact        lead.Contact
	description    string
	params         map[string]string // nil means empty
	extraKeys      []string
	extraValues    map[string]string // raw JSON of selected extra keys
	notes          []string
	// err, when set, is the start of the error the body must give instead
	// of a result.
	err string
}

var (
	johnSmith = lead.Contact{FirstName: "John", LastName: "Smith", Email: "jsmith@microsoft.com", Phone: "1234567890", Country: "US", Company: "Microsoft", Title: "CTO"}
	someOne   = lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com", Phone: "16175555555", Country: "USA", Company: "Contoso", Title: "Esquire"}
	faqTest   = lead.Contact{
		FirstName: "MSFT_TEST_636573304831318844", LastName: "MSFT_TEST_636573304831318844",
		Email: "MSFT_TEST_636573304831318844@test.com", Phone: "1234567890", Country: "US",
		Company: "MSFT_TEST_636573304831318844", Title: "MSFT_TEST_636573304831318844",
	}
	tableTest = lead.Contact{
		FirstName: "MSFT_TEST_636737558587117715", LastName: "MSFT_TEST_636737558587117715",
		Email: "MSFT_TEST_636737558587117715@test.com", Phone: "1234567890", Country: "US",
		Company: "MSFT_TEST_636737558587117715", Title: "MSFT_TEST_636737558587117715",
	}
)

// combined is the expectation for a combined-<source>-<action>.json fixture:
// John Smith with LeadSource "<source>-<action>|<publisher>.<offer>".
func combined(source, action, publisher, offer string, stage lead.Stage) want {
	return want{source: source, action: action, publisherID: publisher, offerID: offer, stage: stage, contact: johnSmith}
}

var fixtures = map[string]want{
	"ch20-https-sample.json": {
		source: "AzureMarketplace", action: "INS", title: "Test Microsoft", stage: lead.StageActive,
		contact: someOne, description: "Test run through Power Automate",
	},
	"ch18-https-sample.json": {
		source: "Test run through MS Flow", title: "Test Microsoft", stage: lead.StageInterest, contact: someOne,
	},
	"faq-test-lead-invalid.json": {
		source: "AzureMarketplace", action: "INS", title: "Contoso Test", stage: lead.StageTest, isTest: true,
		contact: faqTest, description: "MSFT_TEST_636573304831318844",
		notes: []string{"repaired: missing comma at line 14, column 5"},
	},
	"camelcase.json": {
		source: "AppSource (SPZA)", action: "PLT", title: "Contoso CRM Connector", stage: lead.StageInterest,
		contact: johnSmith, description: "Please call me about pricing.",
	},
	"spza-bare.json": {
		source: "SPZA", action: "PLT", publisherID: "checkpoint", offerID: "check-point-r77-10sg-byol",
		stage: lead.StageInterest, contact: johnSmith,
	},
	"testdrive-bare.json": {
		source: "TestDrive", action: "StartTestDrive", title: "Check Point R77 BYOL", stage: lead.StageTrial, contact: johnSmith,
	},
	"salesforce-flat-test-lead.json": {
		source: "MSFT_TEST_636573304831318844", action: "MSFT_TEST_636573304831318844", title: "<Offer Name>",
		stage: lead.StageTest, isTest: true, contact: faqTest, description: "MSFT_TEST_636573304831318844",
		extraKeys:   []string{"encoding", "oid"},
		extraValues: map[string]string{"encoding": `"UTF-8"`, "oid": `"00Do0000000ZHog"`},
	},
	"table-2017-customerinfo-string.json": {
		source: "AzureMarketplace", action: "INS", publisherID: "checkpoint", offerID: "check-point-r77-10sg-byol",
		stage: lead.StageActive, contact: johnSmith,
	},
	"table-2018-offerdisplayname.json": {
		source: "AzureMarketplace", action: "INS", title: "Contoso Test", stage: lead.StageTest, isTest: true,
		contact: tableTest, description: "MSFT_TEST_636737558587117715",
		extraKeys:   []string{"CreatedTime", "PartitionKey", "RowKey", "Timestamp"},
		extraValues: map[string]string{"PartitionKey": `"9:2F28:2F2018"`, "CreatedTime": `"9/28/2018 6:24:18 PM"`},
	},
	"description-free-text.json": {
		source: "AppSource (SPZA)", action: "PLT", title: "Contoso CRM Connector", stage: lead.StageInterest,
		contact:     lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com", Country: "USA", Company: "Contoso"},
		description: "We have 40 seats; {call} after 3pm, please.",
	},
	"description-json-string.json": {
		source: "AppSource (SPZA)", action: "PLT", title: "Contoso CRM Connector", stage: lead.StageInterest,
		contact:     lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com", Country: "USA", Company: "Contoso"},
		description: `{"mktcmpid":"1234","partnerid":"98765"}`,
		params:      map[string]string{"mktcmpid": "1234", "partnerid": "98765"},
	},
	"description-object.json": {
		source: "AppSource (SPZA)", action: "PLT", title: "Contoso CRM Connector", stage: lead.StageInterest,
		contact:     lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com"},
		description: `{"mktcmpid":"1234","partnerid":98765,"utm":{"source":"newsletter"},"ref":null}`,
		params:      map[string]string{"mktcmpid": "1234", "partnerid": "98765", "utm": `{"source":"newsletter"}`, "ref": "null"},
	},
	"phone-number.json": {
		source: "AzureMarketplace", action: "INS", title: "Test Microsoft", stage: lead.StageActive,
		contact: lead.Contact{
			FirstName: "Some", LastName: "One", Email: "someone@contoso.com", Phone: "16175555555",
			Country: "USA", Company: "12345678901234567890123", Title: "true",
		},
	},
	"nulls.json":        {err: "no contact details"},
	"empty-object.json": {err: "no contact details"},
	"unknown-fields.json": {
		source: "AzureMarketplace", action: "INS", title: "Test Microsoft", stage: lead.StageActive,
		contact:   lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com"},
		extraKeys: []string{"Consent", "LeadId", "Score", "Tags", "UserDetails.Address", "UserDetails.MiddleName"},
		extraValues: map[string]string{
			"Score":                  `42.50`,
			"Tags":                   `["saas", "trial"]`,
			"UserDetails.Address":    `{ "City": "Boston", "PostalCode": "02110" }`,
			"UserDetails.MiddleName": `"Q"`,
		},
	},
	"mixed-case-keys.json": {
		source: "AzurePortal", action: "Create", title: "Test Microsoft", stage: lead.StageActive,
		contact: someOne, description: "mixed case keys",
	},
	"bom-trailing-comma.json": {
		source: "AzureMarketplace", action: "INS", title: "Test Microsoft", stage: lead.StageActive,
		contact: lead.Contact{Email: "someone@contoso.com"},
		notes: []string{
			"repaired: trailing comma at line 5, column 50",
			"repaired: trailing comma at line 5, column 53",
		},
	},
	"nested-and-flat.json": {
		source: "AzureMarketplace", action: "INS", publisherID: "bitnami", offerID: "openedxcypress", stage: lead.StageActive,
		contact:     lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com"},
		extraKeys:   []string{"ActionCode", "email"},
		extraValues: map[string]string{"email": `"some.one@fabrikam.com"`, "ActionCode": `"PLT"`},
		notes: []string{
			`conflicting values: kept UserDetails.Email, moved email to extra as "email"`,
			`conflicting values: kept the action in LeadSource, moved ActionCode to extra as "ActionCode"`,
		},
	},

	"combined-azuremarketplace-ins.json":            combined("AzureMarketplace", "INS", "bitnami", "openedxcypress", lead.StageActive),
	"combined-azuremarketplace-plt.json":            combined("AzureMarketplace", "PLT", "bitnami", "openedxcypress", lead.StageInterest),
	"combined-azuremarketplace-dnc.json":            combined("AzureMarketplace", "DNC", "bitnami", "openedxcypress", lead.StageNotifyOnly),
	"combined-azuremarketplace-create.json":         combined("AzureMarketplace", "Create", "bitnami", "openedxcypress", lead.StageActive),
	"combined-azuremarketplace-starttestdrive.json": combined("AzureMarketplace", "StartTestDrive", "bitnami", "openedxcypress", lead.StageTrial),
	"combined-azureportal-ins.json":                 combined("AzurePortal", "INS", "checkpoint", "check-point-r77-10sg-byol", lead.StageActive),
	"combined-azureportal-plt.json":                 combined("AzurePortal", "PLT", "checkpoint", "check-point-r77-10sg-byol", lead.StageInterest),
	"combined-azureportal-dnc.json":                 combined("AzurePortal", "DNC", "checkpoint", "check-point-r77-10sg-byol", lead.StageNotifyOnly),
	"combined-azureportal-create.json":              combined("AzurePortal", "Create", "checkpoint", "check-point-r77-10sg-byol", lead.StageActive),
	"combined-azureportal-starttestdrive.json":      combined("AzurePortal", "StartTestDrive", "checkpoint", "check-point-r77-10sg-byol", lead.StageTrial),
	"combined-appsource-ins.json":                   combined("AppSource (SPZA)", "INS", "contoso", "crm-connector", lead.StageActive),
	"combined-appsource-plt.json":                   combined("AppSource (SPZA)", "PLT", "contoso", "crm-connector", lead.StageInterest),
	"combined-appsource-dnc.json":                   combined("AppSource (SPZA)", "DNC", "contoso", "crm-connector", lead.StageNotifyOnly),
	"combined-appsource-create.json":                combined("AppSource (SPZA)", "Create", "contoso", "crm-connector", lead.StageActive),
	"combined-appsource-starttestdrive.json":        combined("AppSource (SPZA)", "StartTestDrive", "contoso", "crm-connector", lead.StageTrial),
	"combined-spza-ins.json":                        combined("SPZA", "INS", "docusign", "3701c77e-1cfa-4c56-91e6-3ed0b622145", lead.StageActive),
	"combined-spza-plt.json":                        combined("SPZA", "PLT", "docusign", "3701c77e-1cfa-4c56-91e6-3ed0b622145", lead.StageInterest),
	"combined-spza-dnc.json":                        combined("SPZA", "DNC", "docusign", "3701c77e-1cfa-4c56-91e6-3ed0b622145", lead.StageNotifyOnly),
	"combined-spza-create.json":                     combined("SPZA", "Create", "docusign", "3701c77e-1cfa-4c56-91e6-3ed0b622145", lead.StageActive),
	"combined-spza-starttestdrive.json":             combined("SPZA", "StartTestDrive", "docusign", "3701c77e-1cfa-4c56-91e6-3ed0b622145", lead.StageTrial),
	"combined-testdrive-ins.json":                   combined("TestDrive", "INS", "bitnami", "openedxcypress", lead.StageTrial),
	"combined-testdrive-plt.json":                   combined("TestDrive", "PLT", "bitnami", "openedxcypress", lead.StageTrial),
	"combined-testdrive-dnc.json":                   combined("TestDrive", "DNC", "bitnami", "openedxcypress", lead.StageNotifyOnly),
	"combined-testdrive-create.json":                combined("TestDrive", "Create", "bitnami", "openedxcypress", lead.StageTrial),
	"combined-testdrive-starttestdrive.json":        combined("TestDrive", "StartTestDrive", "bitnami", "openedxcypress", lead.StageTrial),
}

const payloadDir = "testdata/payloads"

func TestDecodeFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(payloadDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[string]bool)
	for _, path := range files {
		name := filepath.Base(path)
		seen[name] = true
		t.Run(strings.TrimSuffix(name, ".json"), func(t *testing.T) {
			w, ok := fixtures[name]
			if !ok {
				t.Fatalf("no expectation for fixture %s", name)
			}
			body, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := marketplace.Decode(body)
			if w.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), w.err) {
					t.Fatalf("Decode: %+v, %v; want the error %q", p, err, w.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			check(t, p, w)
		})
	}
	for name := range fixtures {
		if !seen[name] {
			t.Errorf("expectation for missing fixture %s", name)
		}
	}
}

func check(t *testing.T, p *lead.Parsed, w want) {
	t.Helper()
	eq := func(what, got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %q, want %q", what, got, want)
		}
	}
	eq("Source", p.Source, w.source)
	eq("Action", p.Action, w.action)
	eq("Offer.PublisherID", p.Offer.PublisherID, w.publisherID)
	eq("Offer.OfferID", p.Offer.OfferID, w.offerID)
	eq("Offer.Title", p.Offer.Title, w.title)
	eq("Stage", string(p.Stage), string(w.stage))
	if p.IsTest != w.isTest {
		t.Errorf("IsTest = %v, want %v", p.IsTest, w.isTest)
	}
	if p.Contact != w.contact {
		t.Errorf("Contact = %+v,\nwant      %+v", p.Contact, w.contact)
	}
	eq("Description", p.Description, w.description)
	if p.DescriptionParams == nil {
		t.Error("DescriptionParams is nil")
	}
	wantParams := w.params
	if wantParams == nil {
		wantParams = map[string]string{}
	}
	if !mapsEqual(p.DescriptionParams, wantParams) {
		t.Errorf("DescriptionParams = %q, want %q", p.DescriptionParams, wantParams)
	}
	var keys []string
	for k := range p.Extra {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, w.extraKeys) {
		t.Errorf("Extra keys = %q, want %q", keys, w.extraKeys)
	}
	for k, v := range w.extraValues {
		eq("Extra["+k+"]", string(p.Extra[k]), v)
	}
	if !slices.Equal(p.Notes, w.notes) {
		t.Errorf("Notes = %q, want %q", p.Notes, w.notes)
	}
	if _, err := json.Marshal(p); err != nil {
		t.Errorf("json.Marshal(result): %v", err)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestDecodeCases(t *testing.T) {
	tests := []struct {
		name string
		body string
		want want
	}{
		{
			name: "flat CH20 names",
			body: `{"FirstName":"Some","LastName":"One","Email":"someone@contoso.com","LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"Test Microsoft"}`,
			want: want{source: "AzureMarketplace", action: "INS", title: "Test Microsoft", stage: lead.StageActive,
				contact: lead.Contact{FirstName: "Some", LastName: "One", Email: "someone@contoso.com"}},
		},
		{
			name: "dotted display title is not an offer reference",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"Contoso.AI Platform"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "INS", title: "Contoso.AI Platform", stage: lead.StageActive},
		},
		{
			name: "dotted title without spaces is not an offer reference either",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"Contoso.AI"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "INS", title: "Contoso.AI", stage: lead.StageActive},
		},
		{
			name: "title that is an offer reference",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"contoso.crm-connector"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "INS", publisherID: "contoso", offerID: "crm-connector",
				title: "contoso.crm-connector", stage: lead.StageActive},
		},
		{
			name: "CustomerInfo as object",
			body: `{"CustomerInfo":{"FirstName":"John","Email":"jsmith@microsoft.com"},"LeadSource":"AzurePortal","ActionCode":"Create"}`,
			want: want{source: "AzurePortal", action: "Create", stage: lead.StageActive,
				contact: lead.Contact{FirstName: "John", Email: "jsmith@microsoft.com"}},
		},
		{
			name: "CustomerInfo string needing repair",
			body: `{"CustomerInfo":"{\"FirstName\":\"John\" \"LastName\":\"Smith\",}"}`,
			want: want{stage: lead.StageInterest, contact: lead.Contact{FirstName: "John", LastName: "Smith"},
				notes: []string{
					"repaired CustomerInfo: missing comma at line 1, column 21",
					"repaired CustomerInfo: trailing comma at line 1, column 39",
				}},
		},
		{
			name: "CustomerInfo string that is not JSON",
			body: `{"Email":"a@contoso.com","CustomerInfo":"John Smith, CTO"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, extraKeys: []string{"CustomerInfo"},
				extraValues: map[string]string{"CustomerInfo": `"John Smith, CTO"`},
				notes:       []string{"CustomerInfo is a string that does not hold a JSON object; kept in extra"}},
		},
		{
			name: "UserDetails as array",
			body: `{"Email":"a@contoso.com","UserDetails":[{"FirstName":"John"}]}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, extraKeys: []string{"UserDetails"},
				notes: []string{"UserDetails is a JSON array, not an object; kept in extra"}},
		},
		{
			name: "UserDetails null and empty string",
			body: `{"Email":"a@contoso.com","UserDetails":null,"CustomerInfo":"  "}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest},
		},
		{
			name: "values trimmed",
			body: `{"UserDetails":{"FirstName":"  John\t","Email":" jsmith@microsoft.com\n"},"LeadSource":"  AzureMarketplace ","ActionCode":" ins "}`,
			want: want{source: "AzureMarketplace", action: "INS", stage: lead.StageActive,
				contact: lead.Contact{FirstName: "John", Email: "jsmith@microsoft.com"}},
		},
		{
			name: "numbers kept as written",
			body: `{"Phone":1.6175555555e10,"Country":-0.0,"Company":12345678901234567890123456789}`,
			want: want{stage: lead.StageInterest,
				contact: lead.Contact{Phone: "1.6175555555e10", Country: "-0.0", Company: "12345678901234567890123456789"}},
		},
		{
			name: "object where a string is expected",
			body: `{"UserDetails":{"Company":{"Name":"Contoso", "Size": 50}},"OfferTitle":["a","b"]}`,
			want: want{stage: lead.StageInterest, title: `["a","b"]`,
				contact: lead.Contact{Company: `{"Name":"Contoso","Size":50}`}},
		},
		{
			name: "test lead by email only",
			body: `{"UserDetails":{"Email":"msft_test_1@test.com"},"LeadSource":"AzureMarketplace","ActionCode":"DNC"}`,
			want: want{source: "AzureMarketplace", action: "DNC", stage: lead.StageTest, isTest: true,
				contact: lead.Contact{Email: "msft_test_1@test.com"}},
		},
		{
			name: "test lead by LeadSource only",
			body: `{"Email":"a@contoso.com","LeadSource":"MSFT_TEST_636573304831318844-MSFT_TEST_636573304831318844|<Offer Name>"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "MSFT_TEST_636573304831318844", action: "MSFT_TEST_636573304831318844",
				title: "<Offer Name>", stage: lead.StageTest, isTest: true},
		},
		{
			name: "ActionCode fills an empty combined action",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace-|bitnami.openedxcypress","ActionCode":"ins","OfferTitle":"Open edX"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "INS", publisherID: "bitnami", offerID: "openedxcypress",
				title: "Open edX", stage: lead.StageActive},
		},
		{
			name: "same action twice is no conflict",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace-INS|bitnami.openedxcypress","ActionCode":"ins"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "INS", publisherID: "bitnami", offerID: "openedxcypress", stage: lead.StageActive},
		},
		{
			name: "combined offer is a title, ProductIds has the id",
			body: `{"Email":"a@contoso.com","LeadSource":"AppSource (SPZA)-PLT|Contoso CRM","ProductIds":"contoso.crm; contoso.other"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AppSource (SPZA)", action: "PLT", publisherID: "contoso", offerID: "crm", title: "Contoso CRM", stage: lead.StageInterest},
		},
		{
			name: "ProductIds as array",
			body: `{"Email":"a@contoso.com","ProductIds":["", "contoso.crm", "contoso.other"],"OfferDisplayName":"Contoso CRM"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, publisherID: "contoso", offerID: "crm", title: "Contoso CRM", stage: lead.StageInterest},
		},
		{
			name: "ProductId singular, not an id",
			body: `{"Email":"a@contoso.com","ProductId":"Contoso CRM"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, title: "Contoso CRM", stage: lead.StageInterest},
		},
		{
			name: "OfferTitle wins over OfferDisplayName",
			body: `{"Email":"a@contoso.com","OfferDisplayName":"Display","OfferTitle":"Title"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, title: "Title", stage: lead.StageInterest},
		},
		{
			name: "free trial action",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace","ActionCode":"FreeTrial"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "FreeTrial", stage: lead.StageTrial},
		},
		{
			name: "unknown action",
			body: `{"Email":"a@contoso.com","LeadSource":"AzureMarketplace","ActionCode":"Subscribe"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzureMarketplace", action: "Subscribe", stage: lead.StageInterest},
		},
		{
			name: "description JSON string with spaces and non-string values",
			body: `{"Email":"a@contoso.com","Description":"  {\"mktcmpid\": \"1234\", \"n\": 5, \"b\": false}  "}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, description: `{"mktcmpid": "1234", "n": 5, "b": false}`,
				params: map[string]string{"mktcmpid": "1234", "n": "5", "b": "false"}},
		},
		{
			name: "description that only looks like JSON",
			body: `{"Email":"a@contoso.com","Description":"{not json}"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, description: "{not json}"},
		},
		{
			name: "description array",
			body: `{"Email":"a@contoso.com","Description":["a", 1]}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, description: `["a",1]`},
		},
		{
			name: "invalid UTF-8 replaced",
			body: "{\"UserDetails\":{\"FirstName\":\"Jo\xffhn\",\"Nick\":\"\xfe\"},\"X\":\"\xc3\"}",
			want: want{stage: lead.StageInterest, contact: lead.Contact{FirstName: "Jo\uFFFDhn"},
				extraKeys:   []string{"UserDetails.Nick", "X"},
				extraValues: map[string]string{"UserDetails.Nick": "\"\uFFFD\"", "X": "\"\uFFFD\""}},
		},
		{
			name: "escaped key names",
			body: `{"Email":"a@contoso.com","Lead\u0053ource":"AzurePortal","\u0041ctionCode":"Create"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, source: "AzurePortal", action: "Create", stage: lead.StageActive},
		},
		{
			name: "duplicate unknown keys with different values are all kept",
			body: `{"Email":"a@contoso.com","oid":"a","oid":"b","oid":"a"}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, extraKeys: []string{"oid", "oid#2"},
				extraValues: map[string]string{"oid": `"a"`, "oid#2": `"b"`}},
		},
		{
			name: "duplicate known key: first non-empty wins",
			body: `{"Email":"","Email":"a@contoso.com","EmailAddress":"b@contoso.com"}`,
			want: want{stage: lead.StageInterest, contact: lead.Contact{Email: "a@contoso.com"},
				extraKeys: []string{"EmailAddress"},
				notes:     []string{`conflicting values: kept Email, moved EmailAddress to extra as "EmailAddress"`}},
		},
		{
			name: "array element missing comma repaired",
			body: "{\"Email\":\"a@contoso.com\",\"Tags\": [\"a\"\n \"b\" 3 {} []]}",
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, extraKeys: []string{"Tags"},
				extraValues: map[string]string{"Tags": "[\"a\",\n \"b\", 3, {}, []]"},
				notes: []string{
					"repaired: missing comma at line 2, column 2",
					"repaired: missing comma at line 2, column 6",
					"repaired: missing comma at line 2, column 8",
					"repaired: missing comma at line 2, column 11",
				}},
		},
		{
			name: "deep valid nesting beyond the repair limit",
			body: `{"Email":"a@contoso.com","X":` + strings.Repeat("[", 200) + strings.Repeat("]", 200) + `}`,
			want: want{contact: lead.Contact{Email: "a@contoso.com"}, stage: lead.StageInterest, extraKeys: []string{"X"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := marketplace.Decode([]byte(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			check(t, p, tt.want)
		})
	}
}

func TestDecodeManyRepairsCapped(t *testing.T) {
	body := `{"Email":"a@contoso.com","a":[` + strings.Repeat("1 ", 30) + `1]}`
	p, err := marketplace.Decode([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Notes) != 11 || p.Notes[10] != "repaired: 20 more repairs" {
		t.Errorf("Notes = %q, want 10 repairs and a count of the rest", p.Notes)
	}
}

func TestDecodeManyConflictsCapped(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 100 {
		fmt.Fprintf(&b, `"Email":"a%d@contoso.com",`, i)
	}
	b.WriteString(`"oid":1}`)
	p, err := marketplace.Decode([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if p.Contact.Email != "a0@contoso.com" {
		t.Errorf("Email = %q, want the first one", p.Contact.Email)
	}
	if len(p.Extra) != 100 || string(p.Extra["Email#99"]) != `"a99@contoso.com"` {
		t.Errorf("Extra has %d keys, Email#99 = %s; want 100 keys and every conflicting value", len(p.Extra), p.Extra["Email#99"])
	}
	if len(p.Notes) != 33 || p.Notes[32] != "67 more notes" {
		t.Errorf("Notes has %d entries ending %q, want 32 and a count of the rest", len(p.Notes), p.Notes[len(p.Notes)-1])
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		want      string // exact message, or "" to skip
		contains  []string
		line, col int
	}{
		{name: "empty body", body: "", want: "body is empty"},
		{name: "only BOM", body: "\xef\xbb\xbf", want: "body is empty"},
		{name: "only white space", body: " \r\n\t ", want: "body is empty (it holds only white space)"},
		{
			name: "not JSON", body: "hello",
			want: "body is not JSON: invalid character 'h' looking for beginning of value at line 1, column 1", line: 1, col: 1,
		},
		{
			name: "not JSON after white space", body: "\n  x",
			want: "body is not JSON: invalid character 'x' looking for beginning of value at line 2, column 3", line: 2, col: 3,
		},
		{
			name: "form encoded", body: "first_name=John&last_name=Smith",
			contains: []string{"body is not JSON", "invalid character 'i' in literal false", "line 1, column 2"},
		},
		{name: "JSON array", body: `[{"LeadSource":"AzureMarketplace"}]`, want: "body is a JSON array, not a JSON object"},
		{name: "JSON string", body: `"AzureMarketplace"`, want: "body is a JSON string, not a JSON object"},
		{name: "JSON number", body: ` 42 `, want: "body is a JSON number, not a JSON object"},
		{name: "JSON boolean", body: `true`, want: "body is a JSON boolean, not a JSON object"},
		{name: "JSON null", body: `null`, want: "body is JSON null, not a JSON object"},
		{name: "repaired array is still an array", body: `[1 2]`, want: "body is a JSON array, not a JSON object"},
		{
			name: "truncated object", body: "{\"LeadSource\": \"AzureMarketplace\",\n \"UserDetails\": {\"FirstName\": \"So",
			want: "body is not JSON: unexpected end of JSON input at line 2, column 34 (the body is truncated or a bracket is never closed)",
			line: 2, col: 34,
		},
		{name: "truncated after comma", body: `{"a":1,`, contains: []string{"unexpected end of JSON input", "truncated"}},
		{
			name: "unquoted key", body: `{LeadSource: "AzureMarketplace"}`,
			want: "body is not JSON: invalid character 'L' looking for beginning of object key string at line 1, column 2",
		},
		{name: "single quotes", body: `{'LeadSource': 'AzureMarketplace'}`, contains: []string{"invalid character '\\''", "column 2"}},
		{name: "comment", body: "{\"a\": 1 // note\n}", contains: []string{"invalid character '/' after object key:value pair", "line 1, column 9"}},
		{name: "double comma", body: `{"a":1,,"b":2}`, contains: []string{"invalid character ','", "column 8"}},
		{name: "leading comma", body: `{,"a":1}`, contains: []string{"invalid character ','", "column 2"}},
		{name: "two objects", body: `{} {}`, contains: []string{"invalid character '{' after top-level value", "column 4"}},
		{name: "trailing garbage", body: `{"a":1}x`, contains: []string{"after top-level value", "column 8"}},
		{name: "control character in string", body: "{\"a\":\"x\ny\"}", contains: []string{"invalid character '\\n' in string literal", "line 1, column 8"}},
		{name: "bad escape", body: `{"a":"\x"}`, contains: []string{"invalid character 'x' in string escape code"}},
		{name: "missing colon", body: `{"a" 1}`, contains: []string{"after object key"}},
		{name: "missing value", body: `{"a":}`, contains: []string{"looking for beginning of value"}},
		{name: "NaN", body: `{"a":NaN}`, contains: []string{"invalid character 'N'"}},
		{
			name: "too deep to repair", body: `{"a":` + strings.Repeat("[", 100) + `1 2` + strings.Repeat("]", 100) + `}`,
			contains: []string{"body is not JSON", "after array element"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := marketplace.Decode([]byte(tt.body))
			if err == nil {
				t.Fatalf("Decode succeeded: %+v", p)
			}
			if p != nil {
				t.Errorf("Decode returned a result with the error")
			}
			var de *marketplace.DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			if de.Error() != de.Message {
				t.Errorf("Error() = %q, Message = %q", de.Error(), de.Message)
			}
			if tt.want != "" && de.Message != tt.want {
				t.Errorf("message = %q,\nwant      %q", de.Message, tt.want)
			}
			for _, s := range tt.contains {
				if !strings.Contains(de.Message, s) {
					t.Errorf("message %q does not contain %q", de.Message, s)
				}
			}
			if tt.line != 0 && (de.Line != tt.line || de.Column != tt.col) {
				t.Errorf("position = %d:%d, want %d:%d", de.Line, de.Column, tt.line, tt.col)
			}
		})
	}
}

func TestDecodeErrorUnwrap(t *testing.T) {
	_, err := marketplace.Decode([]byte("{ x"))
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("errors.As(%v, *json.SyntaxError) = false", err)
	}
}

// TestDecodeNoContact: a body with no contact field at all cannot become a
// lead (it would create a customer without a name, email or phone); the
// error says what is missing. One contact field is enough.
func TestDecodeNoContact(t *testing.T) {
	for name, body := range map[string]string{
		"empty object":         `{}`,
		"every field null":     `{"UserDetails":{"FirstName":null,"Email":null},"LeadSource":null}`,
		"lead fields only":     `{"LeadSource":"AzureMarketplace","ActionCode":"INS","OfferTitle":"Test Microsoft","Description":"hi"}`,
		"empty UserDetails":    `{"UserDetails":{},"LeadSource":"AzureMarketplace"}`,
		"blank contact values": `{"UserDetails":{"FirstName":"  ","Email":""},"Phone":"\t"}`,
		"unknown contact keys": `{"UserDetails":{"Address":"1 Main St","MiddleName":"Q"}}`,
		"CustomerInfo text":    `{"CustomerInfo":"John Smith, CTO"}`,
		"UserDetails array":    `{"UserDetails":[{"FirstName":"John"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			p, err := marketplace.Decode([]byte(body))
			if err == nil {
				t.Fatalf("Decode accepted a body without contact details: %+v", p)
			}
			if p != nil {
				t.Error("Decode returned a result with the error")
			}
			var de *marketplace.DecodeError
			if !errors.As(err, &de) || !errors.Is(err, marketplace.ErrNoContact) {
				t.Fatalf("error %T %v is not a *DecodeError wrapping ErrNoContact", err, err)
			}
			for _, s := range []string{"no contact details", "FirstName", "LastName", "Email", "Phone", "Company", "Title", "Country"} {
				if !strings.Contains(de.Message, s) {
					t.Errorf("message %q does not name %q", de.Message, s)
				}
			}
		})
	}
	_, err := marketplace.Decode([]byte(`{"UserDetails":[{"FirstName":"John"}]}`))
	if err == nil || !strings.HasSuffix(err.Error(), "; UserDetails is a JSON array, not an object; kept in extra") {
		t.Errorf("unreadable UserDetails: %v; want the error to say why it was not read", err)
	}
	for name, body := range map[string]string{
		"country only":    `{"UserDetails":{"Country":"US"}}`,
		"flat title only": `{"Title":"CTO","LeadSource":"AzureMarketplace"}`,
		"CustomerInfo":    `{"CustomerInfo":"{\"Email\":\"a@contoso.com\"}"}`,
		"phone as number": `{"Phone":16175555555}`,
	} {
		if _, err := marketplace.Decode([]byte(body)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
