// Package marketplace decodes Microsoft's lead formats: the JSON bodies that
// the Microsoft commercial marketplace (Azure Marketplace and AppSource)
// sends to an HTTPS lead destination, the Azure Table entity layout, and the
// combined "Source-Action|Offer" LeadSource string used by the CRM
// destinations.
//
// Microsoft never published a formal wire contract and its documentation
// versions disagree on key casing, on where the action and offer live and
// even on whether the sample bodies are valid JSON, so everything here is
// deliberately lenient: every field is optional (a lead needs only one
// contact detail), keys are matched loosely, unknown fields are kept, and
// the one documented syntax slip (a missing comma) is repaired rather than
// rejected.
//
// References:
//   - https://learn.microsoft.com/en-us/partner-center/marketplace-offers/partner-center-portal/commercial-marketplace-get-customer-leads
//   - https://github.com/MicrosoftDocs/azure-docs/blob/8c50481d11342634858c7df70c3f369c0fe6c382/articles/marketplace/partner-center-portal/commercial-marketplace-lead-management-instructions-https.md
//   - https://github.com/MicrosoftDocs/azure-docs/blob/58f47ac4a2a3b514ec308be04a8bf46e604283af/articles/marketplace/lead-management-faq.md
package marketplace
