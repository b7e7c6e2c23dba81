package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// press clicks the button or link whose text starts with prefix and does
// not wait for a new page: for what htmx updates in place, and for
// buttons whose text goes on with a date (then wait with see or waitFor).
func (b *tab) press(prefix string) {
	b.t.Helper()
	lit := xpathLiteral(prefix)
	sel := chromedp.Search(fmt.Sprintf(`(//button[starts-with(normalize-space(.), %s)] | //a[starts-with(normalize-space(.), %s)])[1]`, lit, lit))
	run(b, "click "+prefix, chromedp.Click(sel))
}

// key presses a key with the focus on the page itself (not in an input,
// where the page's shortcuts do not apply).
func (b *tab) key(k string) {
	b.t.Helper()
	eval[bool](b, `(document.activeElement && document.activeElement.blur(), true)`)
	run(b, "press "+k, chromedp.KeyEvent(k))
}

// shows reports whether the page shows text now.
func (b *tab) shows(text string) bool {
	b.t.Helper()
	js, _ := json.Marshal(text)
	return eval[bool](b, fmt.Sprintf(`document.body.innerText.includes(%s)`, js))
}

// The first start: a server without any user gives a setup link (as serve
// prints it); the page creates the first administrator, who then signs
// in. The link works once.
func TestFirstRunSetup(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		link := s.setupLink()
		pw := s.secret("the first admin's password")
		b := s.newTab(t)
		b.visit("/")
		if p := b.path(); p != "/sign-in" {
			t.Fatalf("the inbox before setup: at %s, want /sign-in", p)
		}
		b.visit(link)
		b.see("Set up leadhub", "Create the first user")
		b.fill("Email", "first.admin@contoso.com")
		b.fill("Display name", "Alex First")
		b.fill("Password", pw)
		b.fill("Repeat the password", pw+" typo")
		b.click("Create the administrator")
		if st := b.status(); st != http.StatusBadRequest {
			t.Fatalf("two different passwords: %d\n%s", st, b.text())
		}
		b.fill("Password", pw)
		b.fill("Repeat the password", pw)
		b.click("Create the administrator")
		if p := b.path(); p != "/sign-in?password=set" {
			t.Fatalf("the first admin created: at %s\n%s", p, b.text())
		}
		b.signIn("first.admin@contoso.com", pw)
		b.see("Alex First", "admin", "users.manage")
		b.visit("/settings/users")
		b.see("first.admin@contoso.com", "admin")
		if n, err := s.Store.CountUsers(t.Context()); err != nil || n != 1 {
			t.Fatalf("users after setup: %d %v", n, err)
		}

		again := s.newTab(t)
		again.visit(link)
		again.see("leadhub is set up already")
		if st := again.status(); st != http.StatusGone || again.shows("Create the administrator") {
			t.Fatalf("the setup link used twice: %d\n%s", st, again.text())
		}
		if n, err := s.Store.CountUsers(t.Context()); err != nil || n != 1 {
			t.Fatalf("users after the link was used twice: %d %v", n, err)
		}
	})
}

// inboxRow reports whether the inbox lists the customer.
func (b *tab) inboxRow(customer string) bool {
	b.t.Helper()
	b.open("/")
	b.see("Customers that need attention")
	return eval[bool](b, fmt.Sprintf(`document.querySelector('a[href="/customers/%s"]') !== null`, customer))
}

// Merging a customer into another through the customer page's form
// leaves one customer with both leads; undoing it from the page's history
// gives the two back.
func TestMergeAndUndo(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		ctx := t.Context()
		const olga, olgaToo = "olga.petrova@fabrikam.example", "o.petrowa@tailspin.example"
		for _, body := range []string{marketplaceBody("Olga", "Petrova", olga, "Fabrikam"),
			marketplaceBody("Olga", "Petrowa", olgaToo, "Tailspin Toys")} {
			if st := s.post(body); st != http.StatusCreated {
				t.Fatalf("posting a lead: %d", st)
			}
			s.waitResolved()
		}
		keep, other := s.customerOf(olga), s.customerOf(olgaToo)
		if keep == other {
			t.Fatal("the resolver made one customer of the two Olgas already")
		}
		u, pw := s.user(lead.RoleManager)
		b := s.newTab(t)
		b.signIn(u.Email, pw)
		if !b.inboxRow(keep) || !b.inboxRow(other) {
			t.Fatalf("the inbox before the merge lacks an Olga:\n%s", b.text())
		}

		b.visit("/customers/" + keep)
		b.see(olga, "Merge another customer into this one")
		b.fill("The other customer's id or email", olgaToo)
		b.fill("Reason", "the same Olga, who moved company")
		b.click("Merge into this customer")
		b.see("The customers were merged.", "Tailspin Toys")
		c, err := s.Store.GetCustomer(ctx, other)
		if err != nil || c.MergedInto != keep {
			t.Fatalf("the other customer after the merge: merged into %q, want %s (%v)", c.MergedInto, keep, err)
		}
		if !b.inboxRow(keep) || b.inboxRow(other) {
			t.Fatalf("the inbox after the merge: want one Olga\n%s", b.text())
		}

		b.visit("/customers/" + keep)
		b.see("History", "the same Olga, who moved company")
		b.press("Undo merge")
		b.see("The change was undone.")
		b.axe()
		if c, err := s.Store.GetCustomer(ctx, other); err != nil || c.MergedInto != "" {
			t.Fatalf("the other customer after the undo: merged into %q (%v)", c.MergedInto, err)
		}
		if !b.inboxRow(keep) || !b.inboxRow(other) {
			t.Fatalf("the inbox after the undo: want both Olgas\n%s", b.text())
		}
	})
}

// customerOf is the customer of the newest lead with email.
func (s *server) customerOf(email string) string {
	s.t.Helper()
	page, err := s.Store.ListLeads(context.Background(), lead.LeadFilter{Query: email, Limit: 1})
	if err != nil || len(page.Leads) == 0 || page.Leads[0].CustomerID == "" {
		s.t.Fatalf("the lead of %s: %+v %v", email, page.Leads, err)
	}
	return page.Leads[0].CustomerID
}

// auditCount counts the audit log's entries of action.
func (s *server) auditCount(action lead.AuditAction) int {
	s.t.Helper()
	page, err := s.Store.ListAudit(context.Background(), lead.AuditFilter{Action: action, Limit: 100})
	if err != nil {
		s.t.Fatal(err)
	}
	return len(page.Entries)
}

// The review queue: merge and dismiss through the buttons (htmx swapping
// in the next item), then once each with the keyboard shortcuts m and d;
// each decision reaches the store with its reason, and the queue ends
// empty.
func TestReviewMergeAndDismiss(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, wideReview)
		var items []lead.ReviewItem
		for _, p := range [][4]string{{"Carl", "Jung", "alpha", "beta"}, {"Anna", "Freud", "gamma", "delta"},
			{"Karen", "Horney", "epsilon", "zeta"}, {"Erik", "Erikson", "eta", "theta"}} {
			items = s.reviewPair(p[0], p[1], p[2], p[3])
		}
		open := len(items)
		if open < 4 {
			t.Fatalf("four pairs of namesakes made %d review items", open)
		}
		u, pw := s.user(lead.RoleManager)
		b := s.newTab(t)
		b.signIn(u.Email, pw)
		b.visit("/review")
		b.see("Review queue", "The evidence, field by field", "Merge the two (m)", "Dismiss: keep them apart (d)")

		decide := func(how string, action lead.AuditAction, notice string) {
			t.Helper()
			merges, dismissals := s.auditCount(lead.AuditMerge), s.auditCount(lead.AuditDismiss)
			if how == "m" || how == "d" {
				b.key(how)
			} else {
				b.fill("Reason", "decided by "+how)
				b.press(how)
			}
			waitUntil(t, string(action)+" of a review item ("+how+")", 15*time.Second, func() bool {
				return s.auditCount(action) == map[lead.AuditAction]int{lead.AuditMerge: merges, lead.AuditDismiss: dismissals}[action]+1
			})
			b.see(notice)
			open--
			page, err := s.Store.ListReview(t.Context(), 50, "")
			if err != nil || len(page.Items) != open {
				t.Fatalf("after %s: %d open review items, want %d (%v)", how, len(page.Items), open, err)
			}
		}
		decide("Merge the two (m)", lead.AuditMerge, "Merged. Here is the next item.")
		b.axe() // the page as htmx left it
		decide("Dismiss: keep them apart (d)", lead.AuditDismiss, "Dismissed: the two stay apart.")
		decide("m", lead.AuditMerge, "Merged. Here is the next item.")
		decide("d", lead.AuditDismiss, "Dismissed: the two stay apart.")
		page, err := s.Store.ListAudit(t.Context(), lead.AuditFilter{Action: lead.AuditDismiss, Limit: 10})
		if err != nil || len(page.Entries) != 2 || !strings.HasPrefix(page.Entries[1].Reason, "decided by Dismiss") {
			t.Fatalf("the dismissals' entries: %+v %v", page.Entries, err)
		}
		for range open {
			b.key("d")
			b.waitFor(`document.body.innerText.includes("Dismissed")`, 10*time.Second)
			open--
		}
		b.visit("/review")
		b.see("The review queue is empty")
	})
}

// A CSV file uploaded through the file input is previewed with its
// column mapping; confirmed, it imports with a progress bar that reaches
// done, and the page lists the rows that did not import cleanly.
func TestImportWithProgress(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		startBrowser(t)
		s := startServer(t, e, nil)
		var csv strings.Builder
		csv.WriteString("Vorname;Nachname;E-Mail;Firma;Land\n")
		const rows = 1500
		for i := range rows {
			if i%500 == 7 {
				csv.WriteString(";;;;DE\n") // no contact field: a row error
				continue
			}
			fmt.Fprintf(&csv, "Person%d;Import;person%d@northwind.example;Northwind;DE\n", i, i)
		}
		file := filepath.Join(t.TempDir(), "northwind.csv")
		if err := os.WriteFile(file, []byte(csv.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		u, pw := s.user(lead.RoleManager)
		b := s.newTab(t)
		b.signIn(u.Email, pw)
		b.visit("/imports")
		b.see("Import a CSV file")
		run(b, "choose the file", chromedp.SetUploadFiles(chromedp.ID("file"), []string{file}))
		b.click("Upload and preview")
		b.see("Check the import of northwind.csv", "Column mapping", "Vorname", "E-Mail", "Person0")
		b.click("Import northwind.csv")
		if !strings.HasPrefix(b.path(), "/imports/") {
			t.Fatalf("confirmed: at %s, want the import's page", b.path())
		}
		b.see("Import of northwind.csv", "Rows read")
		if !eval[bool](b, `document.querySelector("progress#bar") !== null`) {
			t.Fatalf("no progress bar:\n%s", b.text())
		}
		running := b.shows("Importing…")
		// htmx polls the progress and reloads the page when it is done.
		if !b.waitFor(`document.body.innerText.includes("Rows that did not import cleanly")`, time.Minute) {
			t.Fatalf("the import did not finish in a minute:\n%s", b.text())
		}
		t.Logf("the import page showed it running: %v", running)
		b.see("Done", "no contact details", "quarantined")
		b.axe()
		if v := eval[int](b, `Number(document.querySelector("progress#bar").value)`); v != rows {
			t.Errorf("the progress bar at the end: %d, want %d", v, rows)
		}
		imps, err := s.Store.ListImports(t.Context(), 5)
		if err != nil || len(imps) != 1 || imps[0].Status != lead.ImportDone || imps[0].Rows != rows || imps[0].Quarantined != 3 {
			t.Fatalf("the import: %+v %v", imps, err)
		}
	})
}
