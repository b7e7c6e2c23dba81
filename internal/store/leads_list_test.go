package store_test

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// Listing leads: every filter, limits and cursors.

// fixture is a lead of the filter test data set.
type fixture struct {
	id string
	p  lead.Parsed
	at time.Time
}

func filterFixtures(t *testing.T, s *store.Store) []fixture {
	t.Helper()
	offers := []lead.Offer{
		{PublisherID: "contoso", OfferID: "widget", Title: "Widget"},
		{PublisherID: "contoso", OfferID: "gadget", Title: "Gadget Suite"},
		{PublisherID: "fabrikam", OfferID: "widget", Title: "Fabrikam Widget"},
	}
	actions := []string{"Create", "StartTestDrive", "ContactMe", "Purchase"}
	sources := []string{"AzureMarketplace", "AppSource"}
	stages := []lead.Stage{lead.StageActive, lead.StageTrial, lead.StageInterest, lead.StageNotifyOnly, lead.StageTest}
	firsts := []string{"Ann", "Bob_x", "Cé%cile", "Dan", "ANNA", `Eve\`}
	companies := []string{"Acme", "Globex", "50% Off Ltd", "Initech"}
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	var fx []fixture
	var in []lead.Incoming
	for i := range 37 {
		p := lead.Parsed{
			Source: sources[i%len(sources)],
			Action: actions[i%len(actions)],
			Offer:  offers[i%len(offers)],
			Stage:  stages[i%len(stages)],
			IsTest: i%6 == 0,
			Contact: lead.Contact{
				FirstName: firsts[i%len(firsts)],
				LastName:  fmt.Sprintf("Smith%d", i%3),
				Email:     fmt.Sprintf("user%d@Example.COM", i),
				Company:   companies[i%len(companies)],
			},
			DescriptionParams: map[string]string{},
		}
		it := parsedItem(fmt.Sprintf(`{"i":%d}`, i), p)
		// Arrival times are not in id order, so that time filters and id
		// order are tested independently.
		it.ReceivedAt = base.Add(time.Duration((i*7)%37) * time.Hour)
		in = append(in, it)
		fx = append(fx, fixture{id: it.ID, p: p, at: it.ReceivedAt})
	}
	commit(t, s, in[:20])
	commit(t, s, in[20:])
	// A quarantined item is never a lead.
	commit(t, s, []lead.Incoming{badItem("junk", "bad")})
	return fx
}

// matches is the reference semantics of lead.LeadFilter.
func matches(f lead.LeadFilter, x fixture) bool {
	p := x.p
	if f.Offer != "" && f.Offer != p.Offer.PublisherID+"."+p.Offer.OfferID && f.Offer != p.Offer.OfferID && f.Offer != p.Offer.Title {
		return false
	}
	if f.Action != "" && f.Action != p.Action || f.Source != "" && f.Source != p.Source || f.Stage != "" && f.Stage != p.Stage {
		return false
	}
	if f.IsTest != nil && *f.IsTest != p.IsTest {
		return false
	}
	if !f.ReceivedAfter.IsZero() && !x.at.After(f.ReceivedAfter) || !f.ReceivedBefore.IsZero() && !x.at.Before(f.ReceivedBefore) {
		return false
	}
	c := p.Contact
	return f.Query == "" || searchMatches(f.Query, c.FirstName, c.LastName, c.Email, c.Company)
}

// words is the reference tokenizer of search: lower-case runs of letters
// and digits, accents removed.
func words(s string) []string {
	t := transform.Chain(norm.NFKD, runes.Remove(runes.In(unicode.Mn)))
	s, _, _ = transform.String(t, s)
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// searchMatches is the reference semantics of a q: every word of q (split
// at spaces) is a run of the fields' words, its last one a prefix.
func searchMatches(q string, fields ...string) bool {
	var text []string
	for _, f := range fields {
		text = append(text, words(f)...)
	}
	n := 0
	for _, qw := range strings.Fields(q) {
		g := words(qw)
		if len(g) == 0 {
			continue
		}
		n++
		found := false
		for i := 0; i+len(g) <= len(text) && !found; i++ {
			found = slices.Equal(text[i:i+len(g)-1], g[:len(g)-1]) && strings.HasPrefix(text[i+len(g)-1], g[len(g)-1])
		}
		if !found {
			return false
		}
	}
	return n > 0
}

func TestListLeadsFilters(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		fx := filterFixtures(t, s)
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		filters := []lead.LeadFilter{
			{},
			{Offer: "contoso.widget"},
			{Offer: "widget"},
			{Offer: "Gadget Suite"},
			{Offer: "fabrikam.gadget"},
			{Offer: "contoso"},
			{Action: "StartTestDrive"},
			{Source: "AppSource"},
			{Stage: lead.StageTrial},
			{Stage: lead.StageNotifyOnly, Source: "AzureMarketplace"},
			{IsTest: ptr(true)},
			{IsTest: ptr(false)},
			{ReceivedAfter: base.Add(10 * time.Hour)},
			{ReceivedBefore: base.Add(10 * time.Hour)},
			{ReceivedAfter: base.Add(5 * time.Hour), ReceivedBefore: base.Add(6 * time.Hour)},                    // exclusive: none
			{ReceivedAfter: base.Add(5*time.Hour - time.Microsecond), ReceivedBefore: base.Add(5*time.Hour + 1)}, // just one
			{Query: "ann"},
			{Query: "ANN SMITH"},
			{Query: "bob_x"},
			{Query: "_"},
			{Query: "%"},
			{Query: "50%"},
			{Query: `\`},
			{Query: "cé%c"},
			{Query: "example.com"},
			{Query: "user1"},
			{Query: "nobody"},
			{Query: "smith1 ann"},
			{Query: "mith"},
			{Query: "cecile"},
			{Query: "CÉCILE"},
			{Query: "user1@example.com"},
			{Query: "user1@example.org"},
			{Query: "example"},
			{Query: "50% off"},
			{Query: `"ann"`},
			{Query: `ann*`},
			{Query: `-ann`},
			{Query: `ann OR bob`},
			{Query: `(ann`},
			{Query: `ann NOT bob`},
			{Query: `ann:*`},
			{Query: `ann' OR '1'='1`},
			{Query: `search:ann`},
			{Query: `NEAR(ann bob)`},
			{Query: `& | ! <->`},
			{Query: `ann & !bob`},
			{Offer: "widget", Stage: lead.StageActive, IsTest: ptr(false), Query: "smith"},
		}
		for _, f := range filters {
			var want []string
			for i := len(fx) - 1; i >= 0; i-- {
				if matches(f, fx[i]) {
					want = append(want, fx[i].id)
				}
			}
			f.Limit = lead.MaxPageSize
			page, err := s.ListLeads(ctx, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			if got := leadIDs(page.Leads); !slices.Equal(got, want) || page.NextCursor != "" {
				t.Fatalf("%+v:\n got %q (next %q)\nwant %q", f, got, page.NextCursor, want)
			}
			// The same, a few at a time.
			for _, limit := range []int{1, 4, len(want)} {
				f.Limit = limit
				got := paginate(t, s, f)
				if !slices.Equal(got, want) {
					t.Fatalf("%+v, pages of %d:\n got %q\nwant %q", f, limit, got, want)
				}
			}
		}
	})
}

// paginate follows NextCursor to the end and returns all ids.
func paginate(t *testing.T, s *store.Store, f lead.LeadFilter) []string {
	t.Helper()
	var ids []string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("too many pages")
		}
		page, err := s.ListLeads(ctxT(t), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Leads) > max(f.Limit, 1) {
			t.Fatalf("page of %d with limit %d", len(page.Leads), f.Limit)
		}
		ids = append(ids, leadIDs(page.Leads)...)
		if page.NextCursor == "" {
			return ids
		}
		if len(page.Leads) == 0 {
			t.Fatal("empty page with a cursor")
		}
		f.Cursor = page.NextCursor
	}
}

func TestListLeadsLimitsAndCursors(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		var in []lead.Incoming
		for i := range lead.MaxPageSize + 3 {
			in = append(in, parsedItem(fmt.Sprint(i), simpleParsed("P")))
		}
		commit(t, s, in[:256])
		commit(t, s, in[256:])

		for _, tc := range []struct{ limit, want int }{{0, lead.DefaultPageSize}, {-5, lead.DefaultPageSize}, {7, 7}, {10000, lead.MaxPageSize}} {
			page, err := s.ListLeads(ctx, lead.LeadFilter{Limit: tc.limit})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Leads) != tc.want || page.NextCursor == "" {
				t.Fatalf("limit %d: %d leads, next %q", tc.limit, len(page.Leads), page.NextCursor)
			}
			if page.Leads[0].ID != in[len(in)-1].ID {
				t.Fatalf("limit %d: first lead is not the newest", tc.limit)
			}
		}
		// Exactly a full last page: no cursor.
		page, err := s.ListLeads(ctx, lead.LeadFilter{Limit: 3, Cursor: base64.RawURLEncoding.EncodeToString([]byte(in[3].ID))})
		if err != nil {
			t.Fatal(err)
		}
		if got := leadIDs(page.Leads); !slices.Equal(got, []string{in[2].ID, in[1].ID, in[0].ID}) || page.NextCursor != "" {
			t.Fatalf("last page %q, next %q", got, page.NextCursor)
		}

		for _, c := range []string{"!!!", "a b", base64.RawURLEncoding.EncodeToString([]byte{0, 1, 2}), base64.StdEncoding.EncodeToString([]byte("01J???+/")), strings.Repeat("QUFB", 100)} {
			_, err := s.ListLeads(ctx, lead.LeadFilter{Cursor: c})
			wantKind(t, err, lead.KindInvalid)
			_, err = s.ListQuarantine(ctx, lead.QuarantineFilter{Limit: 10, Cursor: c})
			wantKind(t, err, lead.KindInvalid)
		}
		// A lowercase id is the same ULID.
		lower := base64.RawURLEncoding.EncodeToString([]byte(strings.ToLower(in[3].ID)))
		if page, err := s.ListLeads(ctx, lead.LeadFilter{Limit: 3, Cursor: lower}); err != nil || !slices.Equal(leadIDs(page.Leads), []string{in[2].ID, in[1].ID, in[0].ID}) {
			t.Fatalf("lowercase cursor: %q %v", leadIDs(page.Leads), err)
		}
	})
}

// TestMeaninglessCursors: a cursor that decodes but is not the id of a
// previous page's last item is refused by every list, with a message that
// says what a cursor is.
func TestMeaninglessCursors(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
		for _, c := range []string{
			enc("hello"),
			enc("x'OR'1'='1"),
			enc("~~~~~~~~~~~~~~~~~~~~~~~~~~"),
			enc("01J0000000000000000000000"),   // 25 characters
			enc("01J000000000000000000000000"), // 27
			enc("01J0000000000000000000000U"),  // U is not Crockford base32
			enc("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"),  // beyond 48 bits of time
		} {
			for name, list := range map[string]func() error{
				"leads":      func() error { return second(s.ListLeads(ctx, lead.LeadFilter{Cursor: c})) },
				"quarantine": func() error { return second(s.ListQuarantine(ctx, lead.QuarantineFilter{Limit: 10, Cursor: c})) },
				"customers":  func() error { return second(s.ListCustomers(ctx, lead.CustomerFilter{Cursor: c})) },
				"review":     func() error { return second(s.ListReview(ctx, 10, c)) },
				"audit":      func() error { return second(s.ListAudit(ctx, lead.AuditFilter{Cursor: c})) },
			} {
				err := list()
				wantKind(t, err, lead.KindInvalid)
				if msg := lead.MessageOf(err); msg != "invalid cursor: use the next_cursor of a previous page" {
					t.Errorf("%s, cursor %q: message %q", name, c, msg)
				}
			}
		}
	})
}
