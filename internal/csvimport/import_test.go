package csvimport_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/csvimport"
	"github.com/leadhub/leadhub/internal/ingest"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type env struct {
	st    *store.Store
	inbox *ingest.Inbox
}

func newEnv(t *testing.T, e storetest.Engine) env {
	st := e.Open(t)
	inbox := ingest.New(st, ingest.Options{})
	t.Cleanup(inbox.Close)
	return env{st, inbox}
}

// eachEngine runs fn once per engine, in a subtest, with a fresh store and
// inbox.
func eachEngine(t *testing.T, fn func(t *testing.T, e env)) {
	t.Helper()
	for _, eng := range storetest.Engines(t) {
		t.Run(eng.Name, func(t *testing.T) { fn(t, newEnv(t, eng)) })
	}
}

func (e env) run(t *testing.T, data []byte, opt csvimport.Options) lead.Import {
	t.Helper()
	im, err := csvimport.Run(context.Background(), bytes.NewReader(data), opt, e.inbox, e.st, nil)
	if err != nil {
		t.Fatalf("import %s: %v", opt.Filename, err)
	}
	return im
}

func counts(im lead.Import) string {
	s := fmt.Sprintf("rows=%d created=%d", im.Rows, im.Created)
	if im.Flagged > 0 {
		s += fmt.Sprintf(" flagged=%d", im.Flagged)
	}
	s += fmt.Sprintf(" duplicates=%d", im.Duplicates)
	if im.Quarantined > 0 {
		s += fmt.Sprintf(" quarantined=%d", im.Quarantined)
	}
	return s + fmt.Sprintf(" failed=%d", im.Failed)
}

func TestImport(t *testing.T) {
	eachEngine(t, func(t *testing.T, e env) {
		ctx := context.Background()

		// A Partner Center export: every row is a lead.
		pc := fixture(t, "partner-center.csv")
		var progress []lead.Import
		var mu sync.Mutex
		im, err := csvimport.Run(ctx, bytes.NewReader(pc), csvimport.Options{Filename: "/home/me/Downloads/partner-center.csv"}, e.inbox, e.st,
			func(p lead.Import) { mu.Lock(); progress = append(progress, p); mu.Unlock() })
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(im); got != "rows=6 created=6 duplicates=0 failed=0" || im.Status != lead.ImportDone || im.FinishedAt == nil {
			t.Fatalf("first import: %s %+v", got, im)
		}
		if len(progress) == 0 || progress[len(progress)-1].Status != lead.ImportDone {
			t.Errorf("progress callback: %+v", progress)
		}
		stored, err := e.st.GetImport(ctx, im.ID)
		if err != nil || counts(stored) != counts(im) || stored.Status != lead.ImportDone || stored.Filename != "partner-center.csv" {
			t.Fatalf("stored import %+v %v", stored, err)
		}
		if n := len(storetest.AllLeads(t, e.st)); n != 6 {
			t.Fatalf("%d leads", n)
		}
		page, err := e.st.ListLeads(ctx, lead.LeadFilter{Query: "someone@contoso.com"})
		if err != nil || len(page.Leads) != 1 {
			t.Fatalf("lead by email: %v %d", err, len(page.Leads))
		}
		l, err := e.st.GetLead(ctx, page.Leads[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if l.Channel != lead.ChannelImport || l.Offer.OfferID != "crm-connector" || l.Contact.Company != "Contoso Ltd" {
			t.Errorf("lead %+v", l)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(l.RawBody, &raw); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw["_import"]), `"file":"partner-center.csv"`) || !strings.Contains(string(raw["_import"]), `"line":2`) ||
			!strings.Contains(string(raw["_import"]), im.ID) {
			t.Errorf("raw body %s", l.RawBody)
		}
		// The stored body parses to the same lead again (reprocessing works).
		again, err := ingest.Decode(l.Channel, l.RawBody)
		if err != nil || again.Contact != l.Contact || again.Offer != l.Offer || again.Stage != l.Stage {
			t.Errorf("decode of the stored body: %+v %v", again, err)
		}
		rawLead, err := e.st.GetRaw(ctx, l.ID)
		if err != nil || rawLead.Source != "import" {
			t.Errorf("raw lead source %q %v", rawLead.Source, err)
		}

		// The same file again creates nothing.
		im = e.run(t, pc, csvimport.Options{Filename: "partner-center.csv"})
		if got := counts(im); got != "rows=6 created=0 duplicates=6 failed=0" {
			t.Errorf("second import: %s", got)
		}

		// An overlapping file, with other spellings, delimiter and column
		// order: only its new rows are leads.
		overlap := "\xEF\xBB\xBFE-mail;Vorname;Nachname;Firma;Telefon;Land;Titel;Lead Source;Action;Offer ID;Offer Title;Created;Notes;Status;Lead ID\r\n" +
			"someone@contoso.com;Some;One;Contoso Ltd;16175555555;United States;Esquire;AppSource (SPZA);PLT;contoso.crm-connector;Contoso CRM Connector;2025-03-02T10:15:00Z;Please call me about pricing.;New;5f1c2a7e-0001\r\n" +
			"new.person@contoso.com;New;Person;Contoso Ltd;;;;AzureMarketplace;INS;contoso.backup;Contoso Backup;2025-04-01T00:00:00Z;;New;5f1c2a7e-0099\r\n"
		im = e.run(t, []byte(overlap), csvimport.Options{Filename: "overlap.csv", Map: map[string]string{"Titel": "title"}})
		if got := counts(im); got != "rows=2 created=1 duplicates=1 failed=0" {
			t.Errorf("overlapping import: %s %+v", got, im.Errors)
		}
		if n := len(storetest.AllLeads(t, e.st)); n != 7 {
			t.Errorf("%d leads after the overlapping import, want 7", n)
		}

		// A messy file: rows that do not import cleanly are reported by
		// line, a bad email makes a flagged lead, and rows that cannot be
		// leads are kept in quarantine.
		im = e.run(t, fixture(t, "messy.csv"), csvimport.Options{Filename: "messy.csv"})
		if got := counts(im); got != "rows=11 created=4 flagged=1 duplicates=1 quarantined=5 failed=0" || im.Status != lead.ImportDone {
			t.Errorf("messy import: %s", got)
		}
		var lines []int64
		for _, re := range im.Errors {
			lines = append(lines, re.Line)
		}
		if fmt.Sprint(lines) != "[3 4 6 7 8 15]" {
			t.Errorf("error lines %v: %+v", lines, im.Errors)
		}
		stored, _ = e.st.GetImport(ctx, im.ID)
		if len(stored.Errors) != 6 || stored.Errors[0].Line != 3 || !strings.Contains(stored.Errors[0].Message, "not-an-email") {
			t.Errorf("stored errors %+v", stored.Errors)
		}

		// A dry run reads everything and stores nothing.
		before := len(storetest.AllLeads(t, e.st))
		list, _ := e.st.ListImports(ctx, 100)
		crm := fixture(t, "crm-semicolon-bom.csv")
		dry, err := csvimport.Run(ctx, bytes.NewReader(crm), csvimport.Options{Filename: "crm.csv", DryRun: true}, nil, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := counts(dry); got != "rows=4 created=0 duplicates=0 failed=0" || dry.ID != "" {
			t.Errorf("dry run: %s %+v", got, dry)
		}
		if n := len(storetest.AllLeads(t, e.st)); n != before {
			t.Errorf("the dry run stored %d leads", n-before)
		}
		if list2, _ := e.st.ListImports(ctx, 100); len(list2) != len(list) {
			t.Errorf("the dry run recorded an import")
		}
		im = e.run(t, crm, csvimport.Options{Filename: "crm.csv"})
		if got := counts(im); got != "rows=4 created=4 duplicates=0 failed=0" {
			t.Errorf("CRM import: %s", got)
		}

		// Recent imports, newest first.
		list, err = e.st.ListImports(ctx, 10)
		if err != nil || len(list) != 5 || list[0].ID != im.ID {
			t.Errorf("ListImports: %d %v", len(list), err)
		}
	})
}

// TestImportStopped checks that an import whose context ends is recorded
// as failed, with a reason, and that what it committed stays.
func TestImportStopped(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	var b strings.Builder
	b.WriteString("Email,Name\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "p%d@x.example,Person %d\n", i, i)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	im, err := csvimport.Run(ctx, strings.NewReader(b.String()), csvimport.Options{Filename: "big.csv", UpdateRows: 100},
		e.inbox, e.st, func(p lead.Import) {
			if p.Created > 0 {
				once.Do(cancel)
			}
		})
	if err == nil {
		if im.Rows == 5000 {
			t.Skip("the import finished before it could be stopped")
		}
		t.Fatalf("no error: %+v", im)
	}
	if im.Status != lead.ImportFailed || !strings.Contains(im.Error, "interrupted") || im.Rows != im.Created+im.Duplicates+im.Failed {
		t.Fatalf("stopped import: %+v", im)
	}
	stored, err := e.st.GetImport(context.Background(), im.ID)
	if err != nil || stored.Status != lead.ImportFailed || stored.Error != im.Error {
		t.Fatalf("stored %+v %v", stored, err)
	}
	if n := len(storetest.AllLeads(t, e.st)); int64(n) != im.Created {
		t.Errorf("%d leads, the import says %d", n, im.Created)
	}
	// Importing again finishes the job.
	im = e.run(t, []byte(b.String()), csvimport.Options{Filename: "big.csv"})
	if im.Created+im.Duplicates != 5000 || im.Created == 0 || im.Duplicates == 0 {
		t.Errorf("second run: %s", counts(im))
	}
}

// TestImportStoreDown checks that a database failure stops the import and
// marks the rows it could not store.
func TestImportStoreDown(t *testing.T) {
	st := storetest.Engines(t)[0].Open(t)
	inbox := ingest.New(st, ingest.Options{})
	inbox.Close() // every Submit now fails
	im, err := csvimport.Run(context.Background(), strings.NewReader("Email\na@x.example\nb@x.example\n"),
		csvimport.Options{Filename: "x.csv"}, inbox, st, nil)
	if err == nil || im.Status != lead.ImportFailed || !strings.Contains(im.Error, "could not store") || im.Failed == 0 ||
		!strings.Contains(im.Errors[0].Message, "not stored") {
		t.Fatalf("got %+v %v", im, err)
	}
}

func TestOpenErrorsAreInvalid(t *testing.T) {
	_, err := csvimport.Open(strings.NewReader("Email\n"), csvimport.Options{Map: map[string]string{"Mail": "email"}})
	if lead.KindOf(err) != lead.KindInvalid || !strings.Contains(err.Error(), `no column named "Mail"`) {
		t.Fatalf("got %v", err)
	}
}

func TestProgressEveryInterval(t *testing.T) {
	e := newEnv(t, storetest.Engines(t)[0])
	var b strings.Builder
	b.WriteString("Email\n")
	for i := range 3000 {
		fmt.Fprintf(&b, "p%d@x.example\n", i)
	}
	var n int
	var mu sync.Mutex
	im, err := csvimport.Run(context.Background(), strings.NewReader(b.String()),
		csvimport.Options{UpdateRows: 500, UpdateInterval: time.Hour}, e.inbox, e.st,
		func(lead.Import) { mu.Lock(); n++; mu.Unlock() })
	if err != nil || im.Created != 3000 {
		t.Fatal(im, err)
	}
	if n < 2 {
		t.Errorf("progress was reported %d times for 3000 rows every 500", n)
	}
}
