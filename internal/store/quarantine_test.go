package store_test

import (
	"slices"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// TestQuarantineOfImport: the quarantine lists the rows of one import, and
// an operator's correction of a body is kept beside the body as received,
// whether or not it parses.
func TestQuarantineOfImport(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a1, a2, b1, other := badItem("a1", "no contact"), badItem("a2", "malformed"), badItem("b1", "no contact"), badItem("h", "not JSON")
		a1.ImportID, a2.ImportID, b1.ImportID = "01IMPORTA", "01IMPORTA", "01IMPORTB"
		ok := parsedItem("ok", simpleParsed("Ok"))
		ok.ImportID = "01IMPORTA"
		commit(t, s, []lead.Incoming{a1, other, ok, a2, b1})

		page, err := s.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: "01IMPORTA"})
		if err != nil {
			t.Fatal(err)
		}
		if ids := rawIDs(page.Raws); !slices.Equal(ids, []string{a2.ID, a1.ID}) || page.Raws[0].ImportID != "01IMPORTA" {
			t.Fatalf("quarantine of import A: %q", ids)
		}
		page, err = s.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: "01IMPORTA", Limit: 1})
		if err != nil || !slices.Equal(rawIDs(page.Raws), []string{a2.ID}) || page.NextCursor == "" {
			t.Fatalf("first page of import A: %q %v", rawIDs(page.Raws), err)
		}
		page, err = s.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: "01IMPORTA", Limit: 1, Cursor: page.NextCursor})
		if err != nil || !slices.Equal(rawIDs(page.Raws), []string{a1.ID}) {
			t.Fatalf("second page of import A: %q %v", rawIDs(page.Raws), err)
		}
		if r, _ := s.GetRaw(ctx, other.ID); r.ImportID != "" || r.FixedBody != nil {
			t.Fatalf("a raw lead of another channel: %+v", r)
		}

		// A correction that does not parse is kept, and counts as an attempt.
		r, err := s.ResolveQuarantined(ctx, a1.ID, []byte(`{"still":"bad"}`), nil, "no contact")
		if err != nil || r.Status != lead.RawQuarantined || string(r.FixedBody) != `{"still":"bad"}` || string(r.Body) != "a1" {
			t.Fatalf("a failed correction: %+v %v", r, err)
		}
		// One that does makes the lead; the body as received stays.
		p := simpleParsed("Fixed")
		r, err = s.ResolveQuarantined(ctx, a1.ID, []byte(`{"FirstName":"Fixed"}`), &p, "")
		if err != nil || r.Status != lead.RawParsed {
			t.Fatalf("a correction: %+v %v", r, err)
		}
		got, err := s.GetRaw(ctx, a1.ID)
		if err != nil || string(got.Body) != "a1" || string(got.FixedBody) != `{"FirstName":"Fixed"}` || string(got.Parseable()) != `{"FirstName":"Fixed"}` {
			t.Fatalf("raw lead after its correction: %+v %v", got, err)
		}
		if l, err := s.GetLead(ctx, a1.ID); err != nil || l.Contact.FirstName != "Fixed" || string(l.RawBody) != "a1" {
			t.Fatalf("lead from the correction: %+v %v", l, err)
		}
		page, _ = s.ListQuarantine(ctx, lead.QuarantineFilter{ImportID: "01IMPORTA"})
		if ids := rawIDs(page.Raws); !slices.Equal(ids, []string{a2.ID}) {
			t.Fatalf("quarantine of import A after the correction: %q", ids)
		}
	})
}
