package lead

import (
	"reflect"
	"testing"
	"time"
)

// The golden record folded from leads names, for every value, the lead it
// came from with that lead's time and source; an empty field has none, and
// a source lead that is not among the leads given keeps its id only.
func TestGoldenFields(t *testing.T) {
	leads := []Lead{
		sl("A", 1, StageInterest, contact(Contact{FirstName: "Ann", LastName: "Lee", Email: "ann@contoso.com", Company: "Contoso"})),
		sl("B", 2, StageTrial, contact(Contact{FirstName: "Ann", Email: "ann.lee@contoso.com", Phone: "+1 425 555 0100"})),
	}
	leads[0].Channel, leads[0].Source = ChannelHTTPS, "AppSource"
	leads[1].Channel, leads[1].Source = ChannelImport, "Azure Marketplace"
	s := fold(leads)
	got := GoldenFields(s.Record(), leads)
	want := []GoldenField{
		{Name: "first_name", Label: "First name", Value: "Ann", Lead: "B", At: at(2), Channel: ChannelImport, Source: "Azure Marketplace"},
		{Name: "last_name", Label: "Last name", Value: "Lee", Lead: "A", At: at(1), Channel: ChannelHTTPS, Source: "AppSource"},
		{Name: "email", Label: "Email", Value: "ann.lee@contoso.com", Lead: "B", At: at(2), Channel: ChannelImport, Source: "Azure Marketplace"},
		{Name: "phone", Label: "Phone", Value: "+1 425 555 0100", Lead: "B", At: at(2), Channel: ChannelImport, Source: "Azure Marketplace"},
		{Name: "country", Label: "Country"},
		{Name: "company", Label: "Company", Value: "Contoso", Lead: "A", At: at(1), Channel: ChannelHTTPS, Source: "AppSource"},
		{Name: "title", Label: "Job title"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("GoldenFields:\n got %+v\nwant %+v", got, want)
	}

	// Only lead B listed (a truncated journey): A's values keep their lead.
	got = GoldenFields(s.Record(), leads[1:])
	if got[1].Lead != "A" || !got[1].At.Equal(time.Time{}) || got[1].Source != "" || got[0].Source != "Azure Marketplace" {
		t.Fatalf("with a lead missing: %+v", got)
	}
}
