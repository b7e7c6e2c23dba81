package marketplace_test

import (
	"fmt"

	"github.com/leadhub/leadhub/internal/marketplace"
)

func ExampleParseLeadSource() {
	ls := marketplace.ParseLeadSource("AppSource (SPZA)-PLT|contoso.crm-connector")
	fmt.Println(ls.Source, ls.Action, ls.PublisherID, ls.OfferID)
	fmt.Println(marketplace.StageOf(ls.Source, ls.Action, false))
	// Output:
	// AppSource (SPZA) PLT contoso crm-connector
	// interest
}

func ExampleDecode() {
	body := []byte(`{
  "userDetails": {"FirstName": "Some", "Email": "someone@contoso.com", "Phone": 16175555555},
  "LeadSource": "AzureMarketplace",
  "ActionCode": "INS",
  "OfferTitle": "Contoso Test"
  "Description": "{\"mktcmpid\":\"1234\"}"
}`)
	p, err := marketplace.Decode(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Source, p.Action, p.Stage, p.Offer.Title)
	fmt.Println(p.Contact.FirstName, p.Contact.Email, p.Contact.Phone)
	fmt.Println(p.DescriptionParams["mktcmpid"])
	fmt.Println(p.Notes)

	_, err = marketplace.Decode([]byte(`[{"LeadSource": "AzureMarketplace"}]`))
	fmt.Println(err)
	// Output:
	// AzureMarketplace INS active Contoso Test
	// Some someone@contoso.com 16175555555
	// 1234
	// [repaired: missing comma at line 6, column 3]
	// body is a JSON array, not a JSON object
}
