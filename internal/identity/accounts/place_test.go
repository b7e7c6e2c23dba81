package accounts

import (
	"slices"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
)

// TestPlace: colleagues join the account of the first of them by domain or
// by company name and country; a free-mail customer with the company's
// name and no country joins it when only one account has the name; a
// person who moved from Contoso to Fabrikam (golden record at Fabrikam)
// joins Fabrikam and does not chain the two; a customer without keys has
// no account.
func TestPlace(t *testing.T) {
	got := Place([]lead.Contact{
		{Email: "ann@contoso.com", Company: "Contoso Ltd", Country: "GB"},  // 0: founds Contoso
		{Email: "bob@contoso.com", Company: "Contoso", Country: "US"},      // 1: domain → 0
		{Email: "cy@gmail.com", Company: "Contoso Limited", Country: "GB"}, // 2: name and country → 0
		{Email: "dee@fabrikam.com", Company: "Fabrikam", Country: "DE"},    // 3: founds Fabrikam
		{Email: "eve@outlook.com", Company: "Fabrikam GmbH"},               // 4: the only Fabrikam → 3
		{Email: "fay@yahoo.com"}, // 5: no keys
		{Email: "gus@fabrikam.com", Company: "Contoso Ltd", Country: "GB"}, // 6: domain wins → 3
		{Email: "hal@northwind.com", Company: "Northwind", Country: "FR"},  // 7: founds Northwind
		{Email: "ida@northwind.de", Company: "Northwind", Country: "DE"},   // 8: own domain and country: a subsidiary
		{Email: "jo@hotmail.com", Company: "Northwind"},                    // 9: two Northwinds: its own
	})
	want := []int{0, 0, 0, 3, 3, -1, 3, 7, 8, 9}
	if !slices.Equal(got, want) {
		t.Errorf("accounts %v, want %v", got, want)
	}
}

// TestCountsLeaveTheCustomerOut: a customer's own keys, counted in its
// account, are not matches of its own; a name key finds its company in
// every country.
func TestCountsLeaveTheCustomerOut(t *testing.T) {
	c := NewCounts()
	c.Add("d:contoso.com", "A", 1) // the customer itself
	c.Add("n:contoso|GB", "A", 1)
	if m := c.Matches([]string{"d:contoso.com", "n:contoso|GB"}, "A"); len(m) != 0 {
		t.Errorf("alone in A: matches %v", m)
	}
	c.Add("d:contoso.com", "A", 1) // a colleague
	c.Add("n:contoso|US", "B", 2)
	got := c.Matches([]string{"d:contoso.com", "n:contoso|GB"}, "A")
	want := []Match{{Account: "A", Key: "d:contoso.com", People: 1}, {Account: "B", Key: "n:contoso|US", People: 2}}
	if !slices.Equal(got, want) {
		t.Errorf("matches %v, want %v", got, want)
	}
}
