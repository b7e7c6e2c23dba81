package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/httpx"
	"github.com/leadhub/leadhub/internal/lead"
)

// The customer page: a customer's golden record with the source of each
// value, its journey with each lead's raw body and the explanation of
// the decision that resolved it, its history with undo, and the forms
// that merge, split and move it.

// maxRawBodies is how many raw bodies (of the most recent leads) the
// customer page reads; older leads link to a page of their own.
const maxRawBodies = 20

// maxFind bounds a search typed on a page; maxFound is how many matches
// it lists.
const (
	maxFind  = 256
	maxFound = 10
)

// maxReason is the longest reason the audit log keeps, in bytes.
const maxReason = 2000

// maxID bounds an id typed or posted in a form.
const maxID = 128

func init() { maps.Copy(funcs, identityFuncs) }

// identityFuncs are the template functions of the customer and account
// pages.
var identityFuncs = template.FuncMap{
	// signed formats a weight in bits with its sign.
	"signed": func(w float64) string { return fmt.Sprintf("%+.2f", w) },
	// pct formats a probability as a percentage.
	"pct": func(p float64) string { return fmt.Sprintf("%.1f%%", p*100) },
	// evidence says in words which way a field's weight points.
	"evidence": func(w float64) string {
		switch {
		case w > 0:
			return "for"
		case w < 0:
			return "against"
		}
		return "neutral"
	},
	// undoable reports whether an audit entry can still be undone (as far
	// as the entry itself tells; the store checks the rest).
	"undoable": func(e lead.AuditEntry) bool { return e.Action != lead.AuditUndo && e.UndoneBy == "" },
	// personName names a customer for people: its name, else its email,
	// else its id.
	"personName": personName,
	// offerName names a lead's offer: its title, else its ids.
	"offerName": func(o lead.Offer) string {
		switch {
		case o.Title != "":
			return o.Title
		case o.PublisherID != "" && o.OfferID != "":
			return o.PublisherID + "." + o.OfferID
		}
		return o.OfferID
	},
}

func personName(c lead.Customer) string {
	if n := strings.TrimSpace(c.Golden.FirstName + " " + c.Golden.LastName); n != "" {
		return n
	}
	if c.Golden.Email != "" {
		return c.Golden.Email
	}
	return c.ID
}

// notices are the messages a page shows after a change (?done=…).
var notices = map[string]string{
	"merge":         "The customers were merged. The history below can undo it.",
	"split":         "The lead was split off into a new customer. The history below can undo it.",
	"move":          "The customer was moved to the account. The history below can undo it.",
	"undo":          "The change was undone.",
	"account-merge": "The accounts were merged. The history below can undo it.",
	"account-split": "The chosen people were split off into a new account. The history below can undo it.",
}

// journeyLead is a lead of the customer page: the lead with its decision
// and, for the most recent ones, its raw body pretty-printed.
type journeyLead struct {
	lead.CustomerLead
	Raw    string
	HasRaw bool
}

type customerData struct {
	User     *lead.User
	Customer lead.CustomerDetail
	Name     string
	Golden   []lead.GoldenField
	Journey  []journeyLead
	Notice   string
	Error    string
	// Find and Found are a search for the customer to merge; FindAccount
	// and FoundAccounts one for the account to move to.
	Find          string
	Found         []lead.Customer
	FindAccount   string
	FoundAccounts []lead.Account
	Path          string
	Process       processPanel
}

// customer shows a customer.
func (s *server) customer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	u := userFrom(ctx)
	d, err := s.Store.GetCustomer(ctx, r.PathValue("customer"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := customerData{User: &u, Customer: d, Name: personName(d.Customer), Path: "/customers/" + d.ID,
		Notice: notices[r.URL.Query().Get("done")]}
	leads := make([]lead.Lead, len(d.Leads))
	for i, cl := range d.Leads {
		leads[i] = cl.Lead
	}
	data.Golden = lead.GoldenFields(d.Golden, leads)
	if data.Process, err = s.panel(ctx, d.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	for i, cl := range d.Leads {
		jl := journeyLead{CustomerLead: cl}
		if i >= len(d.Leads)-maxRawBodies {
			full, err := s.Store.GetLead(ctx, cl.ID)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			jl.Raw, jl.HasRaw = prettyJSON(full.RawBody), true
		}
		data.Journey = append(data.Journey, jl)
	}
	if d.MergedInto == "" && u.Role.Can(lead.PermIdentityEdit) {
		q := r.URL.Query()
		data.Find, data.FindAccount = strings.TrimSpace(q.Get("find")), strings.TrimSpace(q.Get("find_account"))
		if len(data.Find) > maxFind || len(data.FindAccount) > maxFind {
			data.Error = fmt.Sprintf("A search may be at most %d characters long.", maxFind)
			data.Find, data.FindAccount = "", ""
		}
		if data.Find != "" {
			page, err := s.Store.ListCustomers(ctx, lead.CustomerFilter{Query: data.Find, Limit: maxFound + 1})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, c := range page.Customers {
				if c.ID != d.ID && len(data.Found) < maxFound {
					data.Found = append(data.Found, c)
				}
			}
		}
		if data.FindAccount != "" {
			page, err := s.Store.ListAccounts(ctx, lead.AccountFilter{Query: data.FindAccount, Limit: maxFound + 1})
			if err != nil {
				s.fail(w, r, err)
				return
			}
			for _, a := range page.Accounts {
				if a.ID != d.AccountID && len(data.FoundAccounts) < maxFound {
					data.FoundAccounts = append(data.FoundAccounts, a)
				}
			}
		}
	}
	s.render(w, http.StatusOK, "customer", data)
}

// prettyJSON indents a JSON body; a body that is not JSON is shown as it
// is.
func prettyJSON(b []byte) string {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return string(b)
	}
	return out.String()
}

// readAct reads a state-changing form (at most maxForm bytes) and returns
// the act of the signed-in user with the form's reason, and the page to
// go back to: back, or when it is "" the form's back field (a path of
// this site, else the inbox). It answers the request itself (and returns
// false) when the form cannot be used.
func (s *server) readAct(w http.ResponseWriter, r *http.Request, back string) (lead.Act, string, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	err := r.ParseForm()
	if back == "" {
		back = localPath(r.PostForm.Get("back"))
	}
	if err != nil {
		s.message(w, http.StatusBadRequest, "Bad request", "The form could not be read (it may be too large).", back, "Back")
		return lead.Act{}, back, false
	}
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	if len(reason) > maxReason {
		s.message(w, http.StatusBadRequest, "Bad request", fmt.Sprintf("The reason may be at most %d characters long.", maxReason), back, "Back")
		return lead.Act{}, back, false
	}
	caller, _ := auth.CallerFrom(r.Context())
	return lead.Act{Actor: caller.Actor(), Reason: reason}, back, true
}

// formID returns a posted id field, trimmed; it answers the request
// itself (and returns false) when the field is missing or too long.
func (s *server) formID(w http.ResponseWriter, r *http.Request, field, what, back string) (string, bool) {
	v := strings.TrimSpace(r.PostForm.Get(field))
	if v == "" || len(v) > maxFind {
		s.message(w, http.StatusBadRequest, "Bad request", "Name "+what+".", back, "Back")
		return "", false
	}
	return v, true
}

// failBack answers a failed change with the status of its kind and a link
// back to the page it came from.
func (s *server) failBack(w http.ResponseWriter, r *http.Request, err error, back string) {
	status, _ := httpx.StatusOf(lead.KindOf(err))
	if status >= 500 {
		s.fail(w, r, err)
		return
	}
	s.message(w, status, "Not done", lead.MessageOf(err), back, "Back")
}

// done sends the browser back to path with the notice of what was done.
func done(w http.ResponseWriter, r *http.Request, path, what string) {
	http.Redirect(w, r, path+"?done="+url.QueryEscape(what), http.StatusSeeOther)
}

// mergeCustomer merges the customer named in the form (by id, or by an
// email that exactly one other customer has) into the page's customer.
func (s *server) mergeCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	back := "/customers/" + url.PathEscape(id)
	act, _, ok := s.readAct(w, r, back)
	if !ok {
		return
	}
	other, ok := s.formID(w, r, "other", "the customer to merge into this one (its id or email)", back)
	if !ok {
		return
	}
	if strings.Contains(other, "@") {
		page, err := s.Store.ListCustomers(r.Context(), lead.CustomerFilter{Query: other, Limit: lead.MaxPageSize})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var ids []string
		for _, c := range page.Customers {
			if c.ID != id && strings.EqualFold(c.Golden.Email, other) {
				ids = append(ids, c.ID)
			}
		}
		switch len(ids) {
		case 0:
			s.message(w, http.StatusNotFound, "Not found", "No other customer has the email "+other+".", back, "Back")
			return
		case 1:
			other = ids[0]
		default:
			http.Redirect(w, r, back+"?find="+url.QueryEscape(other)+"#merge", http.StatusSeeOther)
			return
		}
	}
	if _, err := s.Store.MergeCustomers(r.Context(), id, other, act); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	done(w, r, back, "merge")
}

// moveCustomerAccount moves the page's customer to the account named in
// the form and pins it there.
func (s *server) moveCustomerAccount(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("customer")
	back := "/customers/" + url.PathEscape(id)
	act, _, ok := s.readAct(w, r, back)
	if !ok {
		return
	}
	account, ok := s.formID(w, r, "account", "the account to move this customer to", back)
	if !ok {
		return
	}
	if _, err := s.Store.MoveCustomerAccount(r.Context(), id, account, act); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	done(w, r, back, "move")
}

// splitLead moves a lead out of its customer into a new one, and sends the
// browser back to the customer it left.
func (s *server) splitLead(w http.ResponseWriter, r *http.Request) {
	act, back, ok := s.readAct(w, r, "")
	if !ok {
		return
	}
	e, err := s.Store.SplitLead(r.Context(), r.PathValue("lead"), act)
	if err != nil {
		s.failBack(w, r, err, back)
		return
	}
	var ch lead.Change
	if json.Unmarshal(e.Payload, &ch) == nil && len(ch.Moves) > 0 && ch.Moves[0].From != "" {
		back = "/customers/" + url.PathEscape(ch.Moves[0].From)
	}
	done(w, r, back, "split")
}

// undo undoes an audit entry and sends the browser back to the page the
// form names (the inbox when it names none).
func (s *server) undo(w http.ResponseWriter, r *http.Request) {
	act, back, ok := s.readAct(w, r, "")
	if !ok {
		return
	}
	if _, err := s.Store.Undo(r.Context(), r.PathValue("entry"), act); err != nil {
		s.failBack(w, r, err, back)
		return
	}
	s.Nudge() // an undone resolution hands its lead back to the resolver
	done(w, r, back, "undo")
}

// localPath returns p when it is a path of this site (without its query),
// else "/": a form's back field never sends the browser elsewhere.
func localPath(p string) string {
	if p == "" || len(p) > 512 || p[0] != '/' || strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\\r\n\t") {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return u.EscapedPath()
}

type leadData struct {
	User *lead.User
	Lead lead.Lead
	Raw  string
}

// leadPage shows one lead with its raw body (what the customer page links
// to for leads older than those it shows the bodies of).
func (s *server) leadPage(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r.Context())
	l, err := s.Store.GetLead(r.Context(), r.PathValue("lead"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, http.StatusOK, "lead", leadData{User: &u, Lead: l, Raw: prettyJSON(l.RawBody)})
}
