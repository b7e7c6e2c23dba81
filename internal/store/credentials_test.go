package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

func TestCredentials(t *testing.T) {
	t.Parallel()
	conformanceStore(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		t0 := time.Date(2025, 3, 1, 12, 0, 0, 987654321, time.UTC)
		creds := []lead.Credential{
			{ID: "c1", Kind: lead.CredentialAPI, Name: "ci", Hint: "lh_api_ab12", Hash: "h1", CreatedAt: t0},
			{ID: "c2", Kind: lead.CredentialAPI, Name: "crm", Hint: "lh_api_ab34", Hash: "h2", CreatedAt: t0.Add(time.Minute)},
			{ID: "c3", Kind: lead.CredentialIngest, Name: "marketplace", Hint: "lh_ing_zz", Hash: "h3", CreatedAt: t0.Add(2 * time.Minute)},
			{ID: "c4", Kind: lead.CredentialAPI, Name: "odd", Hint: "x_%y", Hash: "h4", CreatedAt: t0.Add(3 * time.Minute)},
			{ID: "c5", Kind: lead.CredentialAPI, Name: "odd2", Hint: "xa%y", Hash: "h5", CreatedAt: t0.Add(4 * time.Minute)},
		}
		for _, c := range creds {
			if err := s.CreateCredential(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		wantKind(t, s.CreateCredential(ctx, lead.Credential{ID: "c1", Kind: lead.CredentialAPI, Hash: "new"}), lead.KindConflict)
		wantKind(t, s.CreateCredential(ctx, lead.Credential{ID: "c9", Kind: lead.CredentialAPI, Hash: "h1"}), lead.KindConflict)
		wantKind(t, s.CreateCredential(ctx, lead.Credential{ID: "c9", Kind: lead.CredentialAPI}), lead.KindInvalid)

		list, err := s.ListCredentials(ctx, lead.CredentialAPI)
		if err != nil {
			t.Fatal(err)
		}
		if ids := credIDs(list); !slices.Equal(ids, []string{"c5", "c4", "c2", "c1"}) {
			t.Fatalf("api credentials %q", ids)
		}
		if c := list[3]; !c.CreatedAt.Equal(t0.Truncate(time.Microsecond)) || c.CreatedAt.Location() != time.UTC ||
			c.RevokedAt != nil || c.Name != "ci" || c.Hint != "lh_api_ab12" || c.Hash != "h1" || c.Kind != lead.CredentialAPI {
			t.Fatalf("credential %+v", c)
		}
		if all, _ := s.ListCredentials(ctx, ""); len(all) != 5 {
			t.Fatalf("all credentials: %d", len(all))
		}
		wantHashes(t, s, lead.CredentialAPI, "h1", "h2", "h4", "h5")
		wantHashes(t, s, lead.CredentialIngest, "h3")

		_, err = s.RevokeCredential(ctx, lead.CredentialAPI, "lh_api_ab")
		wantKind(t, err, lead.KindConflict)
		c, err := s.RevokeCredential(ctx, lead.CredentialAPI, "lh_api_ab3")
		if err != nil {
			t.Fatal(err)
		}
		if c.ID != "c2" || c.RevokedAt == nil {
			t.Fatalf("revoked %+v", c)
		}
		wantHashes(t, s, lead.CredentialAPI, "h1", "h4", "h5")
		again, err := s.RevokeCredential(ctx, lead.CredentialAPI, "c2")
		if err != nil || !again.RevokedAt.Equal(*c.RevokedAt) {
			t.Fatalf("revoking again: %+v %v", again, err)
		}
		// One active match among revoked ones is not ambiguous.
		if c, err := s.RevokeCredential(ctx, lead.CredentialAPI, "lh_api_ab"); err != nil || c.ID != "c1" {
			t.Fatalf("revoke by prefix: %+v %v", c, err)
		}
		wantHashes(t, s, lead.CredentialAPI, "h4", "h5")
		// Two revoked matches are.
		_, err = s.RevokeCredential(ctx, lead.CredentialAPI, "lh_api_ab")
		wantKind(t, err, lead.KindConflict)

		// LIKE wildcards in a hint prefix are literal.
		if c, err := s.RevokeCredential(ctx, lead.CredentialAPI, "x_"); err != nil || c.ID != "c4" {
			t.Fatalf("revoke x_: %+v %v", c, err)
		}
		_, err = s.RevokeCredential(ctx, lead.CredentialAPI, "XA")
		wantKind(t, err, lead.KindNotFound)

		_, err = s.RevokeCredential(ctx, lead.CredentialIngest, "c1")
		wantKind(t, err, lead.KindNotFound)
		_, err = s.RevokeCredential(ctx, lead.CredentialAPI, "nope")
		wantKind(t, err, lead.KindNotFound)
		_, err = s.RevokeCredential(ctx, lead.CredentialAPI, "")
		wantKind(t, err, lead.KindInvalid)

		list, _ = s.ListCredentials(ctx, lead.CredentialAPI)
		for _, c := range list {
			if (c.RevokedAt == nil) != (c.ID == "c5") {
				t.Fatalf("after revoking: %+v", c)
			}
		}
	})
}

func wantHashes(t *testing.T, s *store.Store, kind lead.CredentialKind, want ...string) {
	t.Helper()
	active, err := s.ActiveCredentials(ctxT(t), kind)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, c := range active {
		if c.Kind != kind || c.RevokedAt != nil || c.ID == "" {
			t.Fatalf("active %s credential %+v", kind, c)
		}
		got = append(got, c.Hash)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("active %s hashes %q, want %q", kind, got, want)
	}
}

func credIDs(cs []lead.Credential) []string {
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}
