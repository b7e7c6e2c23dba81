package marketplace_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leadhub/leadhub/internal/identity/normalize"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/marketplace"
)

var stages = map[lead.Stage]bool{
	lead.StageInterest: true, lead.StageTrial: true, lead.StageActive: true,
	lead.StageNotifyOnly: true, lead.StageTest: true,
}

// The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := marketplace.Decode(body)
		p2, err2 := marketplace.Decode(body)
		if !reflect.DeepEqual(p, p2) || !reflect.DeepEqual(err, err2) {
			t.Fatalf("not deterministic:\n%+v %v\n%+v %v", p, err, p2, err2)
		}
		if err != nil {
			var de *marketplace.DecodeError
			if !errors.As(err, &de) || de.Message == "" {
				t.Fatalf("error %T %q is not a *DecodeError with a message", err, err)
			}
			if p != nil {
				t.Fatal("result and error both returned")
			}
			data := bytes.Trim(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
			if json.Valid(data) && data[0] == '{' && !errors.Is(err, marketplace.ErrNoContact) {
				t.Fatalf("valid JSON object rejected: %v", err)
			}
			return
		}
		if p.Contact == (lead.Contact{}) {
			t.Fatal("a lead without any contact field")
		}
		if !stages[p.Stage] {
			t.Fatalf("unknown stage %q", p.Stage)
		}
		if p.DescriptionParams == nil || p.Extra == nil {
			t.Fatal("nil map in result")
		}
		if p.IsTest != (p.Stage == lead.StageTest) {
			t.Fatalf("IsTest %v with stage %q", p.IsTest, p.Stage)
		}
		for k, v := range p.Extra {
			if !json.Valid(v) || !utf8.Valid(v) {
				t.Fatalf("Extra[%q] = %q is not valid UTF-8 JSON", k, v)
			}
		}
		if _, err := json.Marshal(p); err != nil {
			t.Fatalf("json.Marshal(result): %v", err)
		}
	})
}

// The seed corpus is in testdata/fuzz/FuzzParseLeadSource.
func FuzzParseLeadSource(f *testing.F) {
	sources := []string{
		marketplace.SourceAzureMarketplace, marketplace.SourceAzurePortal, marketplace.SourceAppSource,
		marketplace.SourceSPZA, marketplace.SourceTestDrive,
	}
	actions := []string{
		marketplace.ActionINS, marketplace.ActionPLT, marketplace.ActionDNC,
		marketplace.ActionCreate, marketplace.ActionStartTestDrive,
	}
	f.Fuzz(func(t *testing.T, s string) {
		ls := marketplace.ParseLeadSource(s)
		if ls != marketplace.ParseLeadSource(s) {
			t.Fatal("not deterministic")
		}
		if ls.Raw != s {
			t.Fatalf("Raw = %q, want the input %q", ls.Raw, s)
		}
		for _, v := range []string{ls.Source, ls.Action, ls.Offer} {
			if v != strings.TrimSpace(v) {
				t.Fatalf("untrimmed part %q in %+v", v, ls)
			}
		}
		if ls.PublisherID != "" && ls.Offer != ls.PublisherID+"."+ls.OfferID {
			t.Fatalf("offer ids %q.%q do not make up %q", ls.PublisherID, ls.OfferID, ls.Offer)
		}
		if !ls.Combined && ls.Offer != "" {
			t.Fatalf("offer %q without the combined form", ls.Offer)
		}
		for _, test := range []bool{false, true} {
			if st := marketplace.StageOf(ls.Source, ls.Action, test); !stages[st] {
				t.Fatalf("unknown stage %q", st)
			}
		}

		// s as the offer of a combined value built from known parts.
		offer := strings.TrimSpace(s)
		for _, src := range sources {
			for _, act := range actions {
				for _, sep := range []string{"|", " | ", "&#124;"} {
					in := src + "-" + act + sep + s
					got := marketplace.ParseLeadSource(in)
					if got.Source != src || got.Action != act || got.Offer != offer || !got.Combined {
						t.Fatalf("ParseLeadSource(%q) = %+v", in, got)
					}
					lower := strings.ToLower(src) + "-" + strings.ToLower(act) + sep + s
					if got := marketplace.ParseLeadSource(lower); got.Source != src || got.Action != act {
						t.Fatalf("ParseLeadSource(%q) = %+v, not canonical", lower, got)
					}
				}
			}
		}
	})
}

// The seed corpus is in testdata/fuzz/FuzzCleanEmail: the email cells of
// CRM and spreadsheet exports.
func FuzzCleanEmail(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		e := marketplace.CleanEmail(s)
		if !reflect.DeepEqual(e, marketplace.CleanEmail(s)) {
			t.Fatal("not deterministic")
		}
		kinds := 0
		for _, set := range []bool{e.Address != "", e.Placeholder, e.Problem != ""} {
			if set {
				kinds++
			}
		}
		if kinds > 1 || (kinds == 0 && strings.TrimSpace(s) != "") {
			t.Fatalf("CleanEmail(%q) = %+v: want exactly one of an address, a placeholder and a problem", s, e)
		}
		if e.Problem != "" && !e.Keep {
			t.Fatalf("CleanEmail(%q) = %+v: a value without an address is not kept", s, e)
		}
		if e.Address == "" {
			return
		}
		if !strings.Contains(s, e.Address) {
			t.Fatalf("CleanEmail(%q) = %q, which is not in the value", s, e.Address)
		}
		if n, ok := normalize.Email(e.Address); !ok || n.Address == "" {
			t.Fatalf("CleanEmail(%q) = %q, which identity resolution does not take for an address", s, e.Address)
		}
		if again := marketplace.CleanEmail(e.Address); again.Address != e.Address || len(again.Fixes) > 0 || again.Keep {
			t.Fatalf("CleanEmail(%q) = %q, which cleans to %+v", s, e.Address, again)
		}
	})
}
