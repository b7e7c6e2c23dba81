package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
)

// The review queue: possible duplicates the resolver was not sure of,
// one at a time, the two customers side by side with the evidence field
// by field; merge or dismiss, then the next.

// reviewSide is one side of a review item: a customer as it is now (nil
// when it cannot be read).
type reviewSide struct {
	ID       string
	Customer *lead.Customer
}

// compareRow is one field of the two sides next to each other.
type compareRow struct {
	Field string
	A, B  string
	// Same is set when both are given and equal (ignoring case), Differ
	// when both are given and not.
	Same, Differ bool
}

// evidenceRow is one field of the resolver's comparison of the lead with
// the candidate's best lead.
type evidenceRow struct {
	lead.FieldComparison
	// Weight in bits, signed; Effect says which way it counted.
	Weight string
	Effect string // "for", "against" or "none"
	M, U   string
}

// queueRow is one item of the page's list.
type queueRow struct {
	At                time.Time
	Probability, Link string
	Current           bool
}

type reviewData struct {
	User *lead.User
	// Items are this page of the queue; Item the one shown (nil when the
	// queue is empty) and Position its place on the page (1-based).
	Items    []lead.ReviewItem
	Queue    []queueRow
	Item     *lead.ReviewItem
	Position int
	// Probability is the item's match probability for people.
	Probability string
	Lead        *lead.Lead
	Left, Right reviewSide
	Compare     []compareRow
	Evidence    []evidenceRow
	// Prior and Total are the prior weight and the sum, in bits.
	Prior, Total string
	// Cursor is this page's cursor; Prev and Next the links to the items
	// around Item (next page's first when Item is the last), NextPage the
	// next page, NextID the item shown after this one is decided.
	Cursor, Prev, Next, NextPage, NextID string
	Error, Notice                        string
}

// review shows the open review items of a page, and one of them (?item=,
// else the first) with everything there is to decide it.
func (s *server) review(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := s.reviewData(r.Context(), bounded(q.Get("cursor"), 512), bounded(q.Get("item"), maxID))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	switch q.Get("done") {
	case "merge":
		d.Notice = "Merged. Here is the next item."
	case "dismiss":
		d.Notice = "Dismissed: the two stay apart. Here is the next item."
	}
	s.render(w, http.StatusOK, "review", d)
}

func (s *server) reviewData(ctx context.Context, cursor, itemID string) (reviewData, error) {
	u := userFrom(ctx)
	d := reviewData{User: &u, Cursor: cursor}
	page, err := s.Store.ListReview(ctx, pageSize, cursor)
	if err != nil {
		if lead.KindOf(err) != lead.KindInvalid {
			return d, err
		}
		d.Error = "This page of the review queue does not exist (the link is broken); start again from the first item."
		d.Cursor = ""
		return d, nil
	}
	d.Items = page.Items
	if page.NextCursor != "" {
		d.NextPage = "/review?" + url.Values{"cursor": {page.NextCursor}}.Encode()
	}
	if len(d.Items) == 0 {
		return d, nil
	}
	i := max(0, slices.IndexFunc(d.Items, func(it lead.ReviewItem) bool { return it.ID == itemID }))
	d.Item, d.Position = &d.Items[i], i+1
	link := func(id string) string {
		v := url.Values{"item": {id}}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		return "/review?" + v.Encode()
	}
	for j, it := range d.Items {
		d.Queue = append(d.Queue, queueRow{At: it.At, Probability: fmt.Sprintf("%.1f%%", it.Probability*100),
			Link: link(it.ID), Current: j == i})
	}
	if i > 0 {
		d.Prev = link(d.Items[i-1].ID)
	}
	switch {
	case i+1 < len(d.Items):
		d.Next, d.NextID = link(d.Items[i+1].ID), d.Items[i+1].ID
	case d.NextPage != "":
		d.Next = d.NextPage
	}
	s.describeItem(ctx, &d)
	return d, nil
}

// describeItem reads the two customers and the lead of d.Item, and puts
// the resolver's evidence in rows.
func (s *server) describeItem(ctx context.Context, d *reviewData) {
	it := d.Item
	d.Probability = fmt.Sprintf("%.1f%%", it.Probability*100)
	d.Left, d.Right = reviewSide{ID: it.LeadCustomerID}, reviewSide{ID: it.CandidateCustomerID}
	for _, side := range []*reviewSide{&d.Left, &d.Right} {
		if side.ID == "" {
			continue
		}
		if c, err := s.Store.GetCustomer(ctx, side.ID); err == nil {
			side.Customer = &c.Customer
		}
	}
	if l, err := s.Store.GetLead(ctx, it.LeadID); err == nil {
		d.Lead = &l
	}
	var a, b lead.Golden
	var ao, bo []string
	if d.Left.Customer != nil {
		a, ao = d.Left.Customer.Golden, d.Left.Customer.Offers
	}
	if d.Right.Customer != nil {
		b, bo = d.Right.Customer.Golden, d.Right.Customer.Offers
	}
	for _, f := range []struct{ name, a, b string }{
		{"First name", a.FirstName, b.FirstName},
		{"Last name", a.LastName, b.LastName},
		{"Email", a.Email, b.Email},
		{"Phone", a.Phone, b.Phone},
		{"Company", a.Company, b.Company},
		{"Title", a.Title, b.Title},
		{"Country", a.Country, b.Country},
		{"Offers", strings.Join(ao, ", "), strings.Join(bo, ", ")},
	} {
		both := f.a != "" && f.b != ""
		same := both && strings.EqualFold(f.a, f.b)
		d.Compare = append(d.Compare, compareRow{Field: f.name, A: f.a, B: f.b, Same: same, Differ: both && !same})
	}
	ex := it.Explanation
	for _, f := range ex.Fields {
		row := evidenceRow{FieldComparison: f, Weight: fmt.Sprintf("%+.2f", f.Weight), Effect: "none",
			M: fmt.Sprintf("%.3f", f.M), U: fmt.Sprintf("%.3f", f.U)}
		switch {
		case f.Weight > 0:
			row.Effect = "for"
		case f.Weight < 0:
			row.Effect = "against"
		}
		d.Evidence = append(d.Evidence, row)
	}
	d.Prior, d.Total = fmt.Sprintf("%+.2f", ex.PriorWeight), fmt.Sprintf("%+.2f", ex.Weight)
}

// decideReview merges or dismisses a review item (do) as the signed-in
// user with the form's reason, then shows the next item; an item no
// longer open shows the store's message on the queue.
func (s *server) decideReview(action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		reason, ok := s.reasonForm(w, r)
		if !ok {
			return
		}
		caller, _ := auth.CallerFrom(r.Context())
		act := lead.Act{Actor: caller.Actor(), Reason: reason}
		id := r.PathValue("item")
		var err error
		if action == "merge" {
			_, err = s.Store.MergeReview(r.Context(), id, act)
		} else {
			_, err = s.Store.DismissReview(r.Context(), id, act)
		}
		cursor, next := bounded(r.PostForm.Get("cursor"), 512), bounded(r.PostForm.Get("next"), maxID)
		if err != nil {
			status := statusOf(err)
			if status >= 500 {
				s.fail(w, r, err)
				return
			}
			d, derr := s.reviewData(r.Context(), cursor, id)
			if derr != nil {
				s.fail(w, r, derr)
				return
			}
			d.Error = lead.MessageOf(err)
			if r.Header.Get("HX-Request") == "true" {
				status = http.StatusOK // htmx swaps in only what succeeds
			}
			s.render(w, status, "review", d)
			return
		}
		v := url.Values{"done": {action}}
		if cursor != "" {
			v.Set("cursor", cursor)
		}
		if next != "" {
			v.Set("item", next)
		}
		http.Redirect(w, r, "/review?"+v.Encode(), http.StatusSeeOther)
	}
}
