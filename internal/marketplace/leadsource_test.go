package marketplace_test

import (
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

func TestParseLeadSource(t *testing.T) {
	// Lead sources that several cases spell in different ways.
	bitnami := marketplace.LeadSource{Source: "AzureMarketplace", Action: "INS", PublisherID: "bitnami", OfferID: "openedxcypress", Offer: "bitnami.openedxcypress", Combined: true}
	checkpoint := marketplace.LeadSource{Source: "AzurePortal", Action: "Create", PublisherID: "checkpoint", OfferID: "check-point-r77-10sg-byol", Offer: "checkpoint.check-point-r77-10sg-byol", Combined: true}
	tests := []struct {
		name string
		in   string
		want marketplace.LeadSource // Raw is always the input and is not listed
	}{
		{name: "AppSource combined", in: "AppSource (SPZA)-PLT|contoso.crm-connector", want: marketplace.LeadSource{Source: "AppSource (SPZA)", Action: "PLT", PublisherID: "contoso", OfferID: "crm-connector", Offer: "contoso.crm-connector", Combined: true}},
		{name: "AzureMarketplace combined", in: "AzureMarketplace-INS|bitnami.openedxcypress", want: bitnami},
		{name: "documented Salesforce test lead", in: "MSFT_TEST_636573304831318844-MSFT_TEST_636573304831318844|<Offer Name>", want: marketplace.LeadSource{Source: "MSFT_TEST_636573304831318844", Action: "MSFT_TEST_636573304831318844", Offer: "<Offer Name>", Combined: true}},
		{name: "HTML-escaped separator", in: "AzureMarketplace-INS&#124;bitnami.openedxcypress", want: bitnami},
		{name: "hex HTML-escaped separator", in: "AzurePortal-Create&#X7c;checkpoint.check-point-r77-10sg-byol", want: checkpoint},
		{name: "spaces around separators", in: "  AzurePortal - Create |  checkpoint.check-point-r77-10sg-byol ", want: checkpoint},
		{name: "offer title with a pipe", in: "SPZA-PLT|Contoso | CRM", want: marketplace.LeadSource{Source: "SPZA", Action: "PLT", Offer: "Contoso | CRM", Combined: true}},
		{name: "offer HTML-escaped pipe after real pipe", in: "SPZA-PLT|a&#124;b", want: marketplace.LeadSource{Source: "SPZA", Action: "PLT", Offer: "a&#124;b", Combined: true}},
		{name: "empty offer", in: "AzureMarketplace-INS|", want: marketplace.LeadSource{Source: "AzureMarketplace", Action: "INS", Combined: true}},
		{name: "empty action", in: "AzureMarketplace-|bitnami.openedxcypress", want: marketplace.LeadSource{Source: "AzureMarketplace", PublisherID: "bitnami", OfferID: "openedxcypress", Offer: "bitnami.openedxcypress", Combined: true}},
		{name: "only separator", in: "|", want: marketplace.LeadSource{Combined: true}},
		{name: "source-action without offer", in: "AzureMarketplace-INS", want: marketplace.LeadSource{Source: "AzureMarketplace", Action: "INS"}},
		{name: "known source, unknown action token", in: "AzureMarketplace-Subscribe", want: marketplace.LeadSource{Source: "AzureMarketplace", Action: "Subscribe"}},
		{name: "known source, trailing hyphen", in: "AzureMarketplace-", want: marketplace.LeadSource{Source: "AzureMarketplace"}},
		{name: "canonical case", in: "azuremarketplace-ins|bitnami.openedxcypress", want: bitnami},
		{name: "canonical SPZA", in: "spza-plt", want: marketplace.LeadSource{Source: "SPZA", Action: "PLT"}},
		{name: "canonical AppSource", in: "APPSOURCE(spza)-starttestdrive", want: marketplace.LeadSource{Source: "AppSource (SPZA)", Action: "StartTestDrive"}},
		{name: "canonical action with spaces", in: "TestDrive-Start Test Drive", want: marketplace.LeadSource{Source: "TestDrive", Action: "StartTestDrive"}},
		{name: "unknown source, known action", in: "Contoso Store-create", want: marketplace.LeadSource{Source: "Contoso Store", Action: "Create"}},
		{name: "last hyphen decides", in: "AzureMarketplace-INS-PLT", want: marketplace.LeadSource{Source: "AzureMarketplace-INS", Action: "PLT"}},
		{name: "leading hyphen", in: "-INS", want: marketplace.LeadSource{Action: "INS"}},
		{name: "MSFT_TEST without offer", in: "MSFT_TEST_1-MSFT_TEST_1", want: marketplace.LeadSource{Source: "MSFT_TEST_1", Action: "MSFT_TEST_1"}},
		{name: "combined with unknown token action", in: "Contoso-Fabrikam|x", want: marketplace.LeadSource{Source: "Contoso", Action: "Fabrikam", Offer: "x", Combined: true}},
		{name: "combined free-text source", in: "Test run - via Flow|x", want: marketplace.LeadSource{Source: "Test run - via Flow", Offer: "x", Combined: true}},

		{name: "bare AzureMarketplace", in: "AzureMarketplace", want: marketplace.LeadSource{Source: "AzureMarketplace"}},
		{name: "bare AzurePortal", in: "AzurePortal", want: marketplace.LeadSource{Source: "AzurePortal"}},
		{name: "bare AppSource", in: "AppSource (SPZA)", want: marketplace.LeadSource{Source: "AppSource (SPZA)"}},
		{name: "bare SPZA", in: "SPZA", want: marketplace.LeadSource{Source: "SPZA"}},
		{name: "bare spza lower case", in: " spza ", want: marketplace.LeadSource{Source: "SPZA"}},
		{name: "bare TestDrive", in: "TestDrive", want: marketplace.LeadSource{Source: "TestDrive"}},
		{name: "bare spaced Azure Marketplace", in: "Azure Marketplace", want: marketplace.LeadSource{Source: "AzureMarketplace"}},
		{name: "free text", in: "Test run through MS Flow", want: marketplace.LeadSource{Source: "Test run through MS Flow"}},
		{name: "free text with hyphen and words", in: "Re-run of the Contoso test", want: marketplace.LeadSource{Source: "Re-run of the Contoso test"}},
		{name: "free text hyphenated words", in: "Contoso-Fabrikam", want: marketplace.LeadSource{Source: "Contoso-Fabrikam"}},
		{name: "free text spaced hyphen", in: "Contoso - Test run", want: marketplace.LeadSource{Source: "Contoso - Test run"}},
		{name: "non-ASCII action is not a token", in: "Ünïcode-ÄCTION|x", want: marketplace.LeadSource{Source: "Ünïcode-ÄCTION", Offer: "x", Combined: true}},
		{name: "empty", in: "", want: marketplace.LeadSource{}},
		{name: "white space", in: " \t ", want: marketplace.LeadSource{}},
		{name: "lone ampersand", in: "AT&T-INS", want: marketplace.LeadSource{Source: "AT&T", Action: "INS"}},
		{name: "truncated escape", in: "AzureMarketplace-INS&#12", want: marketplace.LeadSource{Source: "AzureMarketplace-INS&#12"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.want.Raw = tt.in
			if got := marketplace.ParseLeadSource(tt.in); got != tt.want {
				t.Errorf("ParseLeadSource(%q)\n got %+v\nwant %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitOffer(t *testing.T) {
	tests := []struct {
		name, in, publisher, offer string
	}{
		{"documented checkpoint", "checkpoint.check-point-r77-10sg-byol", "checkpoint", "check-point-r77-10sg-byol"},
		{"documented bitnami", "bitnami.openedxcypress", "bitnami", "openedxcypress"},
		{"documented docusign", "docusign.3701c77e-1cfa-4c56-91e6-3ed0b622145", "docusign", "3701c77e-1cfa-4c56-91e6-3ed0b622145"},
		{"first dot only", "contoso.crm.v2", "contoso", "crm.v2"},
		{"trimmed", "  bitnami.openedxcypress\n", "bitnami", "openedxcypress"},
		{"title with space", "Contoso Test", "", ""},
		{"title with dot and space", "Node.js Stack", "", ""},
		{"placeholder", "<Offer Name>", "", ""},
		{"no dot", "openedxcypress", "", ""},
		{"empty publisher", ".openedxcypress", "", ""},
		{"empty offer", "bitnami.", "", ""},
		{"only dot", ".", "", ""},
		{"empty", "", "", ""},
		{"tab inside", "bitnami.open\tedx", "", ""},
		{"no-break space inside", "bitnami.open\u00a0edx", "", ""},
		{"control character", "bitnami.open\x00edx", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, o := marketplace.SplitOffer(tt.in)
			if p != tt.publisher || o != tt.offer {
				t.Errorf("SplitOffer(%q) = %q, %q; want %q, %q", tt.in, p, o, tt.publisher, tt.offer)
			}
		})
	}
}

func TestStageOf(t *testing.T) {
	tests := []struct {
		name, source, action string
		isTest               bool
		want                 lead.Stage
	}{
		{"test wins over everything", "AzureMarketplace", "INS", true, lead.StageTest},
		{"test with DNC", "AppSource (SPZA)", "DNC", true, lead.StageTest},
		{"DNC", "AppSource (SPZA)", "DNC", false, lead.StageNotifyOnly},
		{"DNC lower case", "AppSource (SPZA)", "dnc", false, lead.StageNotifyOnly},
		{"DNC from TestDrive", "TestDrive", "DNC", false, lead.StageNotifyOnly},
		{"StartTestDrive", "AzureMarketplace", "StartTestDrive", false, lead.StageTrial},
		{"start_test_drive", "", "start_test_drive", false, lead.StageTrial},
		{"TestDrive source", "TestDrive", "", false, lead.StageTrial},
		{"TestDrive source with INS", "testdrive", "INS", false, lead.StageTrial},
		{"free trial", "AzureMarketplace", "Free Trial", false, lead.StageTrial},
		{"trial", "", "trial", false, lead.StageTrial},
		{"StartFreeTrial", "", "StartFreeTrial", false, lead.StageTrial},
		{"partner led trial is interest", "", "Partner Led Trial", false, lead.StageInterest},
		{"INS", "AzureMarketplace", "INS", false, lead.StageActive},
		{"ins lower case", "AzureMarketplace", "ins", false, lead.StageActive},
		{"Create", "AzurePortal", "Create", false, lead.StageActive},
		{"CREATE", "AzurePortal", "CREATE", false, lead.StageActive},
		{"PLT", "AppSource (SPZA)", "PLT", false, lead.StageInterest},
		{"unknown", "AzureMarketplace", "Subscribe", false, lead.StageInterest},
		{"missing", "", "", false, lead.StageInterest},
		{"free text source", "Test run through MS Flow", "", false, lead.StageInterest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := marketplace.StageOf(tt.source, tt.action, tt.isTest); got != tt.want {
				t.Errorf("StageOf(%q, %q, %v) = %q, want %q", tt.source, tt.action, tt.isTest, got, tt.want)
			}
		})
	}
}
