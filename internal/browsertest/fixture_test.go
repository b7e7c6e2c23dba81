package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"time"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/lead"
)

// wideReview widens the resolver's review band, as an operator may with
// --match-auto and --match-review, so that two namesakes at different
// companies land in the review queue rather than apart.
func wideReview(c *app.Config) { c.MatchAuto, c.MatchReview = 0.999, 0.1 }

// opsData are the ids of what the pages beyond the inbox show, made
// through the server's own endpoints (see server.ops).
type opsData struct {
	quarantined string // a raw body the marketplace endpoint could not parse
	importID    string // a finished CSV import with a row error
	review      string // an open review item (on a server started with wideReview)
	audit       string // the newest audit entry
}

// importCSV is a small CSV file: two leads and a row without any contact
// field, which the import reports as a row error.
const importCSV = "First name,Last name,Email,Company,Country\n" +
	"Ingrid,Solberg,ingrid.solberg@litware.no,Litware,NO\n" +
	"Tomas,Novak,tomas.novak@adatum.cz,Adatum,CZ\n" +
	",,,,DE\n"

// post sends body to the marketplace endpoint with the demo's ingest
// token and returns the status.
func (s *server) post(body string) int {
	s.t.Helper()
	resp, _ := apitest.Do(s.t, "POST", s.URL+"/ingest/marketplace?code="+url.QueryEscape(s.ingest), "", []byte(body),
		map[string]string{"Content-Type": "application/json"})
	return resp.StatusCode
}

// marketplaceBody is a marketplace lead of a person.
func marketplaceBody(first, last, email, company string) string {
	b, _ := json.Marshal(map[string]any{
		"UserDetails": map[string]string{"FirstName": first, "LastName": last, "Email": email, "Company": company, "Country": "DE"},
		"LeadSource":  "AzureMarketplace", "ActionCode": "INS", "OfferTitle": "Contoso Cloud",
	})
	return string(b)
}

// waitResolved waits until the resolver has decided every stored lead.
func (s *server) waitResolved() {
	s.t.Helper()
	waitUntil(s.t, "every lead is resolved", time.Minute, func() bool {
		total, resolved, err := s.Store.CountLeads(context.Background())
		if err != nil {
			s.t.Fatal(err)
		}
		return total == resolved
	})
}

// reviewPair posts two namesakes at different companies (a review item on
// a server started with wideReview), waits for the resolver, and returns
// the open review items.
func (s *server) reviewPair(first, last, company1, company2 string) []lead.ReviewItem {
	s.t.Helper()
	for _, c := range []string{company1, company2} {
		email := fmt.Sprintf("%s.%s@%s.example", first, last, c)
		if st := s.post(marketplaceBody(first, last, email, c)); st != http.StatusCreated {
			s.t.Fatalf("posting %s %s of %s: %d", first, last, c, st)
		}
		// One after the other: the second is compared with the first.
		s.waitResolved()
	}
	page, err := s.Store.ListReview(context.Background(), 50, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return page.Items
}

// uploadCSV starts an import of csv through the API (as an admin's key)
// and waits until it is done; it returns the import's id.
func (s *server) uploadCSV(name, csv string) string {
	s.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		s.t.Fatal(err)
	}
	fw.Write([]byte(csv))
	mw.Close()
	key := s.credential(lead.CredentialAPI, "")
	resp, b := apitest.Do(s.t, "POST", s.URL+"/api/v1/imports", key, body.Bytes(),
		map[string]string{"Content-Type": mw.FormDataContentType()})
	if resp.StatusCode/100 != 2 {
		s.t.Fatalf("POST /api/v1/imports: %d\n%s", resp.StatusCode, b)
	}
	var imp lead.Import
	if err := json.Unmarshal(b, &imp); err != nil || imp.ID == "" {
		s.t.Fatalf("POST /api/v1/imports: %v\n%s", err, b)
	}
	waitUntil(s.t, "the import is done", time.Minute, func() bool {
		got, err := s.Store.GetImport(context.Background(), imp.ID)
		if err != nil {
			s.t.Fatal(err)
		}
		if got.Status == lead.ImportFailed {
			s.t.Fatalf("the import failed: %s", got.Error)
		}
		return got.Status == lead.ImportDone
	})
	return imp.ID
}

// ops makes, the first time it is called, what the operators' pages
// show: a quarantined body, a finished import, a review item and audit
// entries; it returns their ids.
func (s *server) ops() opsData {
	s.t.Helper()
	s.mu.Lock()
	made := s.opsMade
	s.mu.Unlock()
	if made != nil {
		return *made
	}
	var d opsData
	if st := s.post(`{"UserDetails":`); st/100 == 2 {
		s.t.Fatalf("a truncated body: %d, want it refused (and quarantined)", st)
	}
	q, err := s.Store.ListQuarantine(context.Background(), lead.QuarantineFilter{Limit: 1})
	if err != nil || len(q.Raws) == 0 {
		s.t.Fatalf("the quarantine after a truncated body: %+v %v", q, err)
	}
	d.quarantined = q.Raws[0].ID
	d.importID = s.uploadCSV("litware-leads.csv", importCSV)
	items := s.reviewPair("Carl", "Jung", "alpha", "beta")
	if len(items) == 0 {
		s.t.Fatal("two namesakes at different companies made no review item (is the server started with wideReview?)")
	}
	d.review = items[0].ID
	a, err := s.Store.ListAudit(context.Background(), lead.AuditFilter{Limit: 1})
	if err != nil || len(a.Entries) == 0 {
		s.t.Fatalf("the audit log: %+v %v", a, err)
	}
	d.audit = a.Entries[0].ID
	s.mu.Lock()
	s.opsMade = &d
	s.mu.Unlock()
	return d
}
