package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

// pageSize is how many customers the inbox shows at once.
const pageSize = 25

// maxFilter bounds a filter's value (a search, an offer, a source…).
const maxFilter = 200

// inboxFilters is the inbox's filter form as the URL gives it.
type inboxFilters struct {
	Q, Offer, Source, Action, Stage, Country string
	// Test and DNC are "no" (the default: hidden, they need no attention),
	// "yes" (only them) or "any".
	Test, DNC string
}

// query returns the filters as URL parameters, without defaults, and
// cursor if not empty.
func (f inboxFilters) query(cursor string) string {
	v := url.Values{}
	for _, p := range [][2]string{{"q", f.Q}, {"offer", f.Offer}, {"source", f.Source}, {"action", f.Action},
		{"stage", f.Stage}, {"country", f.Country}} {
		if p[1] != "" {
			v.Set(p[0], p[1])
		}
	}
	if f.Test != "no" {
		v.Set("test", f.Test)
	}
	if f.DNC != "no" {
		v.Set("dnc", f.DNC)
	}
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	return v.Encode()
}

// Filtered reports whether any filter differs from the default.
func (f inboxFilters) Filtered() bool { return f.query("") != "" }

type inboxData struct {
	User        *lead.User
	Permissions []lead.Permission
	Filters     inboxFilters
	Stages      []lead.Stage
	Actions     []string
	Sources     []string
	Customers   []lead.Customer
	// Next is the URL of the next page (the same filters), "" on the last;
	// First is the URL of the first page when this is not it.
	Next, First string
	Error       string
}

var (
	inboxStages  = []lead.Stage{lead.StageActive, lead.StageTrial, lead.StageInterest, lead.StageNotifyOnly, lead.StageTest}
	inboxActions = []string{marketplace.ActionINS, marketplace.ActionPLT, marketplace.ActionDNC, marketplace.ActionCreate,
		marketplace.ActionStartTestDrive}
	inboxSources = []string{marketplace.SourceAzureMarketplace, marketplace.SourceAzurePortal, marketplace.SourceAppSource,
		marketplace.SourceSPZA, marketplace.SourceTestDrive}
	countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)
)

// tristate reads a "no" / "yes" / "any" parameter ("" is "no").
func tristate(v url.Values, name string) (string, *bool, bool) {
	yes, no := true, false
	switch v.Get(name) {
	case "", "no":
		return "no", &no, true
	case "yes":
		return "yes", &yes, true
	case "any":
		return "any", nil, true
	}
	return "no", &no, false
}

// inboxFilter reads the filters of the URL; problem is what is wrong with
// them ("" when nothing).
func inboxFilter(v url.Values) (f inboxFilters, cf lead.CustomerFilter, problem string) {
	var bad []string
	get := func(name string) string {
		s := strings.TrimSpace(v.Get(name))
		if len(s) > maxFilter {
			bad = append(bad, "the "+name+" filter is too long")
			return ""
		}
		return s
	}
	f = inboxFilters{Q: get("q"), Offer: get("offer"), Source: get("source"), Action: get("action"),
		Stage: get("stage"), Country: strings.ToUpper(get("country"))}
	cf = lead.CustomerFilter{Query: f.Q, Offer: f.Offer, Source: f.Source, Action: f.Action, Stage: lead.Stage(f.Stage),
		Country: f.Country, Limit: pageSize, Cursor: v.Get("cursor")}
	if f.Stage != "" {
		known := false
		for _, s := range inboxStages {
			known = known || string(s) == f.Stage
		}
		if !known {
			bad = append(bad, "there is no stage "+f.Stage)
			f.Stage, cf.Stage = "", ""
		}
	}
	if f.Country != "" && !countryCode.MatchString(f.Country) {
		bad = append(bad, "a country is a two-letter code such as US")
		f.Country, cf.Country = "", ""
	}
	var ok bool
	if f.Test, cf.IsTest, ok = tristate(v, "test"); !ok {
		bad = append(bad, "test customers are shown or hidden (no, yes or any)")
	}
	if f.DNC, cf.DoNotContact, ok = tristate(v, "dnc"); !ok {
		bad = append(bad, "do-not-contact customers are shown or hidden (no, yes or any)")
	}
	if len(cf.Cursor) > 512 {
		bad = append(bad, "the page link is not valid")
	}
	if len(bad) > 0 {
		problem = "The filters were not understood: " + strings.Join(bad, "; ") + "."
	}
	return f, cf, problem
}

// inbox lists the customers that need attention (by default: not test
// customers, not do-not-contact), newest first, a page at a time, with
// filters and a search; the form is a GET form, so every view is a link.
func (s *server) inbox(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	f, cf, problem := inboxFilter(r.URL.Query())
	d := inboxData{User: &u, Permissions: lead.Permissions[u.Role], Filters: f, Stages: inboxStages,
		Actions: inboxActions, Sources: inboxSources}
	if problem != "" {
		d.Error = problem
		s.render(w, http.StatusBadRequest, "inbox", d)
		return
	}
	page, err := s.Store.ListCustomers(r.Context(), cf)
	if err != nil {
		if lead.KindOf(err) == lead.KindInvalid {
			d.Error = "The page link is not valid; here is the first page."
			d.First = "/?" + f.query("")
			s.render(w, http.StatusBadRequest, "inbox", d)
			return
		}
		s.fail(w, r, err)
		return
	}
	d.Customers = page.Customers
	if page.NextCursor != "" {
		d.Next = "/?" + f.query(page.NextCursor)
	}
	if cf.Cursor != "" {
		d.First = "/?" + f.query("")
	}
	s.render(w, http.StatusOK, "inbox", d)
}
