package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/apitest"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
)

// TestEmailCellsOverHTTPS: the HTTPS endpoint reads an email with the
// rules of every channel: a value that is not an address makes a lead
// (201) without an email, flagged in parse_notes and kept in extra; a body
// whose only contact detail is such a value is kept in quarantine.
func TestEmailCellsOverHTTPS(t *testing.T) {
	s := apitest.Start(t, nil)
	resp, b := apitest.Do(t, "POST", s.IngestURL, "", []byte(`{"UserDetails":{"FirstName":"Wei","LastName":"Jackson","Email":"wei..jackson@gmail.com"}}`), nil)
	var ans struct{ ID, RawID string }
	_ = json.Unmarshal(b, &ans)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("a bad email: %d %s", resp.StatusCode, b)
	}
	_, b = apitest.Do(t, "GET", s.URL+"/api/v1/leads/"+ans.ID, s.APIKey, nil, nil)
	var l lead.Lead
	if err := json.Unmarshal(b, &l); err != nil || l.Contact.Email != "" || len(l.Notes) != 1 ||
		!strings.Contains(l.Notes[0], `"wei..jackson@gmail.com" is not an email address`) || string(l.Extra["UserDetails.Email"]) != `"wei..jackson@gmail.com"` {
		t.Fatalf("the lead: %s (%v)", b, err)
	}
	resp, b = apitest.Do(t, "POST", s.IngestURL, "", []byte(`{"UserDetails":{"Email":"n/a"}}`), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "placeholder") {
		t.Fatalf("a placeholder alone: %d %s", resp.StatusCode, b)
	}
}

// TestQuarantineOfImportAPI: the quarantine lists one import's rows, and a
// reprocessing may carry the operator's correction of the body.
func TestQuarantineOfImportAPI(t *testing.T) {
	s := apitest.Start(t, nil)
	ctx := context.Background()
	row := `{"Country":"Germany","_import":{"id":"01IMPORTA","line":12}}`
	rc, err := s.Inbox.Receive(ctx, ingest.Body{Channel: lead.ChannelImport, Source: "import", Body: []byte(row),
		DedupKey: "import:a", ImportID: "01IMPORTA", Quarantine: "no contact details: the row has no name, email, phone or company"})
	if err != nil || rc.Status != lead.RawQuarantined {
		t.Fatalf("a quarantined row: %+v %v", rc, err)
	}
	if _, err := s.Inbox.Receive(ctx, ingest.Body{Channel: lead.ChannelHTTPS, Body: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}

	var list struct {
		Quarantine []struct {
			ID       string `json:"id"`
			ImportID string `json:"import_id"`
			RawBody  string `json:"raw_body"`
		} `json:"quarantine"`
	}
	resp, b := apitest.Do(t, "GET", s.URL+"/api/v1/quarantine?import=01IMPORTA", s.APIKey, nil, nil)
	if err := json.Unmarshal(b, &list); resp.StatusCode != 200 || err != nil || len(list.Quarantine) != 1 ||
		list.Quarantine[0].ID != rc.ID || list.Quarantine[0].ImportID != "01IMPORTA" || list.Quarantine[0].RawBody != row {
		t.Fatalf("quarantine of the import: %d %s", resp.StatusCode, b)
	}
	resp, b = apitest.Do(t, "GET", s.URL+"/api/v1/quarantine", s.APIKey, nil, nil)
	if err := json.Unmarshal(b, &list); resp.StatusCode != 200 || err != nil || len(list.Quarantine) != 2 {
		t.Fatalf("the whole quarantine: %d %s", resp.StatusCode, b)
	}

	url := s.URL + "/api/v1/quarantine/" + rc.ID + "/reprocess"
	for body, want := range map[string]string{
		`{"body": "text"}`: "must be a JSON object",
		`{"fix": {}}`:      "unknown field",
		`[1]`:              "must be empty, or a JSON object",
	} {
		resp, b := apitest.Do(t, "POST", url, s.APIKey, []byte(body), nil)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), want) {
			t.Errorf("reprocess with %s: %d %s, want 400 saying %q", body, resp.StatusCode, b, want)
		}
	}
	// Without a correction it is still no lead.
	if resp, b := apitest.Do(t, "POST", url, s.APIKey, nil, nil); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("reprocess: %d %s", resp.StatusCode, b)
	}
	fixed := `{"UserDetails":{"FirstName":"Hana","Email":"mailto:hana@contoso.de"},"Country":"Germany","_import":{"id":"01IMPORTA","line":12}}`
	resp, b = apitest.Do(t, "POST", url, s.APIKey, []byte(`{"body": `+fixed+`}`), map[string]string{"Content-Type": "application/json"})
	var ans struct {
		Status string `json:"status"`
		Raw    struct {
			RawBody   string `json:"raw_body"`
			FixedBody string `json:"fixed_body"`
		} `json:"raw"`
		Lead lead.Lead `json:"lead"`
	}
	if err := json.Unmarshal(b, &ans); resp.StatusCode != 200 || err != nil || ans.Status != "parsed" || ans.Lead.ID != rc.ID ||
		ans.Lead.Contact.Email != "hana@contoso.de" || ans.Raw.RawBody != row || ans.Raw.FixedBody != fixed {
		t.Fatalf("reprocess with a correction: %d %s", resp.StatusCode, b)
	}
	resp, b = apitest.Do(t, "GET", s.URL+"/api/v1/quarantine?import=01IMPORTA", s.APIKey, nil, nil)
	if err := json.Unmarshal(b, &list); resp.StatusCode != 200 || err != nil || len(list.Quarantine) != 0 {
		t.Fatalf("quarantine of the import after the correction: %d %s", resp.StatusCode, b)
	}
}
