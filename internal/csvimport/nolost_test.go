package csvimport_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// TestNoLeadLost imports a CRM export whose email cells people typed
// (testdata/crm-bad-emails.csv): every row with a name, phone or company
// becomes a lead, its email recovered or, when there is none to recover,
// flagged with the value in parse_notes and extra and no email (so that
// identity resolution cannot match on it); the row that cannot be a lead
// is kept in quarantine, listed with its import, corrected and reprocessed
// into a lead; and the counts add up.
func TestNoLeadLost(t *testing.T) {
	eachEngine(t, func(t *testing.T, e env) {
		ctx := context.Background()
		im := e.run(t, fixture(t, "crm-bad-emails.csv"), csvimport.Options{Filename: "crm-bad-emails.csv"})
		if got := counts(im); got != "rows=11 created=2 flagged=8 duplicates=0 quarantined=1 failed=0" || im.Status != lead.ImportDone {
			t.Fatalf("import: %s %+v", got, im.Errors)
		}
		if sum := im.Created + im.Flagged + im.Duplicates + im.Quarantined + im.Failed; sum != im.Rows {
			t.Errorf("counts add up to %d, not %d rows", sum, im.Rows)
		}
		stored, err := e.st.GetImport(ctx, im.ID)
		if err != nil || counts(stored) != counts(im) || len(stored.Errors) != 9 {
			t.Fatalf("stored import: %s %d row messages %v", counts(stored), len(stored.Errors), err)
		}

		byName := map[string]lead.Lead{}
		for _, l := range storetest.AllLeads(t, e.st) {
			byName[l.Contact.FirstName] = l
		}
		if len(byName) != 10 {
			t.Fatalf("%d leads, want 10", len(byName))
		}
		for _, w := range []struct {
			name, email string
			note        string // a part of the lead's one note; "" for a clean row
			extra       string // the value kept in extra; "" for none
		}{
			{"Wei", "", `email "wei..jackson@gmail.com" is not an email address (two dots in a row)`, "wei..jackson@gmail.com"},
			{"Priya", "", `email "n/a" is a placeholder`, ""},
			{"Lars", "", `email "-" is a placeholder`, ""},
			{"Ann", "ann@contoso.com", "2 addresses", "ann@contoso.com; bob@contoso.com"},
			{"Bo", "b@contoso.com", "a mailto: prefix", ""},
			{"Carla", "c@contoso.com", "a trailing dot", ""},
			{"Eve", "eve@adatum.com", "", ""},
			{"Dan", "", `email "#N/A" is a placeholder`, ""},
			{"Fay", "fay@litware.com", "", ""},
			{"Gil", "gil@northwind.com", "2 addresses", "gil@northwind.com, g.moe@gmail.com"},
		} {
			l, ok := byName[w.name]
			if !ok {
				t.Errorf("no lead for %s", w.name)
				continue
			}
			if l.Contact.Email != w.email || l.Contact.Phone == "" || l.Contact.Company == "" {
				t.Errorf("%s: contact %+v, want email %q", w.name, l.Contact, w.email)
			}
			if notes := strings.Join(l.Notes, "\n"); (w.note == "") != (notes == "") || !strings.Contains(notes, w.note) {
				t.Errorf("%s: parse_notes %q, want one with %q", w.name, l.Notes, w.note)
			}
			var kept string
			if raw := l.Extra["UserDetails.Email"]; raw != nil {
				if err := json.Unmarshal(raw, &kept); err != nil {
					t.Errorf("%s: extra %s: %v", w.name, raw, err)
				}
			}
			if kept != w.extra {
				t.Errorf("%s: extra keeps %q, want %q", w.name, kept, w.extra)
			}
			// A value that is not an address is never a matching key.
			keys := strings.Join(resolve.Keys(&l), " ")
			if w.email == "" && strings.Contains(keys, "email=") {
				t.Errorf("%s: a lead without an email has keys %s", w.name, keys)
			}
			if w.email != "" && !strings.Contains(keys, "email="+w.email) {
				t.Errorf("%s: keys %s, want email=%s", w.name, keys, w.email)
			}
			if w.note != "" && !hasRowMessage(stored, lead.RowFlagged, l.ID, w.note) {
				t.Errorf("%s: the import does not report the flagged lead: %+v", w.name, stored.Errors)
			}
		}

		// The unusable row: in quarantine, listed with its import.
		page, err := e.st.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: im.ID})
		if err != nil || len(page.Raws) != 1 {
			t.Fatalf("quarantine of the import: %+v %v", page.Raws, err)
		}
		raw := page.Raws[0]
		if raw.ImportID != im.ID || raw.Source != "import" || !strings.Contains(raw.Error, "no contact details") ||
			!strings.Contains(string(raw.Body), `"Country":"Germany"`) || !strings.Contains(string(raw.Body), `"line":12`) {
			t.Fatalf("quarantined row %+v %s", raw, raw.Body)
		}
		if !hasRowMessage(stored, lead.RowQuarantined, raw.ID, "kept in quarantine as "+raw.ID) {
			t.Errorf("the import does not report the quarantined row: %+v", stored.Errors)
		}
		if other, _ := e.st.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: "01OTHERIMPORT"}); len(other.Raws) != 0 {
			t.Errorf("another import's quarantine: %+v", other.Raws)
		}

		// Importing the file again loses nothing and stores nothing twice.
		again := e.run(t, fixture(t, "crm-bad-emails.csv"), csvimport.Options{Filename: "crm-bad-emails.csv"})
		if got := counts(again); got != "rows=11 created=0 duplicates=10 quarantined=1 failed=0" {
			t.Errorf("second import: %s %+v", got, again.Errors)
		}

		// An operator corrects the row and reprocesses it: a lead.
		var body map[string]json.RawMessage
		if err := json.Unmarshal(raw.Body, &body); err != nil {
			t.Fatal(err)
		}
		body["UserDetails"] = json.RawMessage(`{"FirstName":"Hana","LastName":"Vogel","Email":"hana@contoso.de","Country":"Germany"}`)
		fix, _ := json.Marshal(body)
		res, err := ingest.Reprocess(ctx, e.st, raw.ID, fix)
		if err != nil || res.Lead == nil {
			t.Fatalf("reprocess with a fix: %+v %v", res, err)
		}
		if c := res.Lead.Contact; c.Email != "hana@contoso.de" || c.FirstName != "Hana" || res.Lead.ID != raw.ID || res.Lead.Channel != lead.ChannelImport {
			t.Errorf("the corrected lead: %+v", res.Lead)
		}
		if page, _ := e.st.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: im.ID}); len(page.Raws) != 0 {
			t.Errorf("still in quarantine: %+v", page.Raws)
		}
		if n := len(storetest.AllLeads(t, e.st)); n != 11 {
			t.Errorf("%d leads, want one per row: 11", n)
		}
	})
}

func hasRowMessage(im lead.Import, outcome lead.RowOutcome, id, part string) bool {
	for _, re := range im.Errors {
		if re.Outcome == outcome && re.ID == id && strings.Contains(re.Message, part) {
			return true
		}
	}
	return false
}

// TestNoLeadLostDryRun: a dry run says which rows would be flagged or kept
// in quarantine, and stores nothing.
func TestNoLeadLostDryRun(t *testing.T) {
	im, err := csvimport.Run(context.Background(), strings.NewReader(string(fixture(t, "crm-bad-emails.csv"))),
		csvimport.Options{Filename: "crm-bad-emails.csv", DryRun: true}, nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(im); got != "rows=11 created=0 flagged=8 duplicates=0 quarantined=1 failed=0" {
		t.Errorf("dry run: %s", got)
	}
	var lines []string
	for _, re := range im.Errors {
		lines = append(lines, fmt.Sprintf("%d:%s", re.Line, re.Outcome))
	}
	if got := strings.Join(lines, " "); got != "2:flagged 3:flagged 4:flagged 5:flagged 6:flagged 7:flagged 9:flagged 11:flagged 12:quarantined" {
		t.Errorf("dry run rows: %s", got)
	}
}
