package auth_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

func TestNewSecret(t *testing.T) {
	a, ca := auth.NewSecret(lead.CredentialIngest, "a", time.Now())
	b, _ := auth.NewSecret(lead.CredentialIngest, "b", time.Now())
	k, ck := auth.NewSecret(lead.CredentialAPI, "k", time.Now())
	if a == b {
		t.Fatal("two secrets are equal")
	}
	if !strings.HasPrefix(a, auth.IngestPrefix) || !strings.HasPrefix(k, auth.APIKeyPrefix) || ck.Kind != lead.CredentialAPI {
		t.Fatalf("prefixes: %q %q", a, k)
	}
	if ca.Hash != auth.Hash(a) || strings.Contains(ca.Hash, a) || !strings.HasPrefix(a, ca.Hint) || len(ca.Hint) >= len(a)/2 {
		t.Fatalf("credential %+v does not fit secret", ca)
	}
	if len(a) < 50 {
		t.Fatalf("secret %q is too short", a)
	}
}

func TestVerifier(t *testing.T) {
	ctx := context.Background()
	st := storetest.Engines(t)[0].Open(t)
	v := auth.NewVerifier(st, time.Hour)
	ingest, ci := auth.NewSecret(lead.CredentialIngest, "i", time.Now())
	api, ca := auth.NewSecret(lead.CredentialAPI, "a", time.Now())
	for _, c := range []lead.Credential{ci, ca} {
		if err := st.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		kind   lead.CredentialKind
		secret string
		want   bool
	}{
		{lead.CredentialIngest, ingest, true},
		{lead.CredentialAPI, api, true},
		{lead.CredentialAPI, ingest, false}, // kinds do not mix
		{lead.CredentialIngest, api, false},
		{lead.CredentialIngest, "", false},
		{lead.CredentialIngest, ingest + "x", false},
		{lead.CredentialIngest, strings.Repeat("x", 10000), false},
	} {
		if ok, err := v.Check(ctx, tc.kind, tc.secret); err != nil || ok != tc.want {
			t.Errorf("Check(%s, %.20q) = %v, %v; want %v", tc.kind, tc.secret, ok, err, tc.want)
		}
	}
	if _, err := st.RevokeCredential(ctx, lead.CredentialIngest, ci.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := v.Check(ctx, lead.CredentialIngest, ingest); !ok {
		t.Error("the cache should still hold the revoked token until it expires or is forgotten")
	}
	v.Forget()
	if ok, _ := v.Check(ctx, lead.CredentialIngest, ingest); ok {
		t.Error("a revoked token is accepted")
	}
	st.Close()
	v.Forget()
	if _, err := v.Check(ctx, lead.CredentialAPI, api); err == nil {
		t.Error("a store failure must be an error, not a refusal")
	}
}

func TestIdentifyAndCaller(t *testing.T) {
	ctx := context.Background()
	st := storetest.Engines(t)[0].Open(t)
	v := auth.NewVerifier(st, time.Hour)
	secrets := map[string]lead.Credential{}
	for _, name := range []string{"crm sync", "reporting", "old"} {
		s, c := auth.NewSecret(lead.CredentialAPI, name, time.Now())
		if err := st.CreateCredential(ctx, c); err != nil {
			t.Fatal(err)
		}
		secrets[s] = c
	}
	for _, c := range secrets {
		if c.Name == "old" {
			if _, err := st.RevokeCredential(ctx, lead.CredentialAPI, c.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for s, c := range secrets {
		got, ok, err := v.Identify(ctx, lead.CredentialAPI, s)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.Name != "old"; ok != want {
			t.Fatalf("Identify(%s) ok = %v, want %v", c.Name, ok, want)
		}
		if ok && (got.ID != c.ID || got.Name != c.Name) {
			t.Fatalf("Identify(%s) = %+v, want %+v", c.Name, got, c)
		}
		if ok {
			cctx := auth.WithCaller(ctx, auth.APIKeyCaller(got))
			caller, found := auth.CallerFrom(cctx)
			if want := "api-key:" + c.Name + " (" + c.ID + ")"; !found || caller.Actor() != want {
				t.Fatalf("caller %+v (found %v), actor %q, want %q", caller, found, caller.Actor(), want)
			}
		}
	}
	if _, found := auth.CallerFrom(ctx); found {
		t.Fatal("a context without a caller has one")
	}
}
