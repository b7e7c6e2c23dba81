package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// inboxLead is a lead for the inbox tests.
func inboxLead(first, last, email, company, country, action string, stage lead.Stage, isTest bool) lead.Incoming {
	body := fmt.Sprintf(`{"first":%q,"email":%q,"n":%q}`, first, email, ulid.Make().String())
	sum := sha256.Sum256([]byte(body))
	p := lead.Parsed{Source: "AzureMarketplace", Action: action, Stage: stage, IsTest: isTest,
		Offer:             lead.Offer{PublisherID: "contoso", OfferID: "crm", Title: "Contoso CRM"},
		Contact:           lead.Contact{FirstName: first, LastName: last, Email: email, Company: company, Country: country},
		DescriptionParams: map[string]string{}}
	return lead.Incoming{ID: ulid.Make().String(), Channel: lead.ChannelHTTPS, ReceivedAt: time.Now(), Body: []byte(body),
		SHA256: hex.EncodeToString(sum[:]), Parsed: &p}
}

// inboxData stores 30 ordinary customers in the US (Person00…Person29),
// Anna Lee of Contoso in Germany, a test customer and a customer who must
// not be contacted, and resolves them.
func inboxFixture(t *testing.T, st *store.Store) {
	t.Helper()
	var in []lead.Incoming
	// Names far apart, so that the resolver keeps them apart.
	firsts := []string{"Oliver", "Mia", "Xavier", "Zoe", "Kwame", "Ingrid", "Hiroshi", "Beatriz", "Dmitri", "Fatima"}
	lasts := []string{"Gallagher", "Yamamoto", "Okonkwo"}
	for i := range 30 {
		f, l := firsts[i%10], lasts[i/10]
		in = append(in, inboxLead(fmt.Sprintf("%s Person%02d", f, i), l,
			fmt.Sprintf("%s.%s@%s%d.com", strings.ToLower(f), strings.ToLower(l), []string{"alpha", "bravo", "delta"}[i/10], i),
			fmt.Sprintf("Firm %s %s", f, l), "US", "PLT", lead.StageInterest, false))
	}
	in = append(in,
		inboxLead("Anna", "Lee", "anna@contoso.com", "Contoso", "Germany", "StartTestDrive", lead.StageTrial, false),
		inboxLead("Tess", "Probe", "tess@fabrikam.com", "Fabrikam", "US", "PLT", lead.StageTest, true),
		inboxLead("Dino", "Quiet", "dino@northwind.com", "Northwind", "US", "DNC", lead.StageNotifyOnly, false))
	ctx := context.Background()
	if _, err := st.CommitBatch(ctx, in); err != nil {
		t.Fatal(err)
	}
	if n, err := resolve.New(st, resolve.Options{}).ResolveAll(ctx); err != nil || n != len(in) {
		t.Fatalf("resolved %d of %d: %v", n, len(in), err)
	}
}

var (
	rowRe  = regexp.MustCompile(`(?s)<tbody>.*?</tbody>`)
	nextRe = regexp.MustCompile(`<a href="([^"]*)" rel="next"`)
)

// rows returns the text of the inbox's table body and its next page link.
func rows(t *testing.T, body string) (string, string) {
	t.Helper()
	tb := rowRe.FindString(body)
	next := ""
	if m := nextRe.FindStringSubmatch(body); m != nil {
		next = html.UnescapeString(m[1])
	}
	return tb, next
}

func TestInboxFilters(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		inboxFixture(t, ev.st)
		c := ev.signIn(ev.user(lead.RoleViewer, true), nil)
		get := func(path string, want int) string {
			t.Helper()
			resp, body := ev.do("GET", path, c, nil)
			checkHeaders(t, "GET "+path, resp)
			if resp.StatusCode != want {
				t.Fatalf("GET %s: %d, want %d\n%s", path, resp.StatusCode, want, body)
			}
			return body
		}

		// Those that need attention, newest first, a page at a time: no
		// test customer, nobody who must not be contacted.
		body := get("/", http.StatusOK)
		tb, next := rows(t, body)
		if n := strings.Count(tb, "<tr>"); n != 25 || !strings.Contains(tb, "Anna") || strings.Contains(tb, "Tess") ||
			strings.Contains(tb, "Dino") || strings.Contains(tb, "Person04") || next == "" {
			t.Fatalf("first page: %d rows, next %q\n%s", n, next, tb)
		}
		if strings.Index(tb, "Anna") > strings.Index(tb, "Person29") {
			t.Errorf("not newest first:\n%s", tb)
		}
		tb, last := rows(t, get(next, http.StatusOK))
		if n := strings.Count(tb, "<tr>"); n != 6 || !strings.Contains(tb, "Person00") || last != "" {
			t.Fatalf("second page: %d rows, next %q\n%s", n, last, tb)
		}

		// Every filter; the next page keeps them.
		for _, tc := range []struct {
			query string
			want  []string // names on the first page (all of them when fewer than a page)
			count int
		}{
			{"q=anna%40contoso.com", []string{"Anna"}, 1},
			{"q=CONTOSO", []string{"Anna"}, 1},
			{"q=lee+ann", []string{"Anna"}, 1},
			{"q=nna", nil, 0},
			{"q=person0", []string{"Person09", "Person00"}, 10},
			{"q=zoe+okon", []string{"Person23"}, 1},
			{"q=alpha7.com", []string{"Person07"}, 1},
			{`q=%22%2A-%28OR+%29`, nil, 0},
			{"q=firm&country=us", []string{"Person29"}, 25},
			{"country=de", []string{"Anna"}, 1},
			{"stage=trial", []string{"Anna"}, 1},
			{"action=StartTestDrive", []string{"Anna"}, 1},
			{"source=AzureMarketplace&q=person1", []string{"Person19", "Person10"}, 10},
			{"source=AppSource", nil, 0},
			{"offer=contoso.crm&q=anna", []string{"Anna"}, 1},
			{"test=yes", []string{"Tess"}, 1},
			{"dnc=yes", []string{"Dino"}, 1},
			{"test=any&dnc=any&q=fabrikam", []string{"Tess"}, 1},
			{"dnc=any&q=northwind", []string{"Dino"}, 1},
			{"q=fabrikam", nil, 0},
		} {
			body := get("/?"+tc.query, http.StatusOK)
			tb, next := rows(t, body)
			if n := strings.Count(tb, "<tr>"); n != tc.count {
				t.Errorf("%s: %d rows, want %d\n%s", tc.query, n, tc.count, tb)
			}
			for _, name := range tc.want {
				if !strings.Contains(tb, name) {
					t.Errorf("%s: %s missing\n%s", tc.query, name, tb)
				}
			}
			if tc.count == 0 && !strings.Contains(body, "No customer matches these filters.") {
				t.Errorf("%s: no message for an empty result", tc.query)
			}
			if next != "" {
				u, err := url.Parse(next)
				if err != nil {
					t.Fatal(err)
				}
				if u.Query().Get("cursor") == "" || u.Query().Get("country") != "US" || u.Query().Get("q") != "firm" {
					t.Errorf("%s: next page %q loses the filters", tc.query, next)
				}
				tb, _ := rows(t, get(next, http.StatusOK))
				if n := strings.Count(tb, "<tr>"); n != 5 || !strings.Contains(tb, "Person00") {
					t.Errorf("%s: second page %d rows\n%s", tc.query, n, tb)
				}
			}
		}
		// The form shows the filters it applied.
		body = get("/?q=anna&stage=trial&test=any&country=de", http.StatusOK)
		for _, want := range []string{`value="anna"`, `<option value="trial" selected>`, `<option value="any" selected>Shown`, `value="DE"`} {
			if !strings.Contains(body, want) {
				t.Errorf("form does not show %s", want)
			}
		}

		// Every field has its label.
		ids := regexp.MustCompile(`<(?:input|select) id="([^"]+)"`).FindAllStringSubmatch(body, -1)
		if len(ids) != 8 {
			t.Errorf("%d fields, want 8", len(ids))
		}
		for _, m := range ids {
			if !strings.Contains(body, `<label for="`+m[1]+`">`) {
				t.Errorf("field %s has no label", m[1])
			}
		}

		// Filters it does not understand are said so.
		for _, q := range []string{"stage=nope", "country=USA", "test=maybe", "dnc=1", "q=" + strings.Repeat("x", 201)} {
			if body := get("/?"+q, http.StatusBadRequest); !strings.Contains(body, "The filters were not understood") {
				t.Errorf("%s: no message\n%s", q, body)
			}
		}
		if body := get("/?cursor=nope&q=anna", http.StatusBadRequest); !strings.Contains(body, `href="/?q=anna"`) {
			t.Errorf("bad cursor: no link to the first page\n%s", body)
		}
	})
}
