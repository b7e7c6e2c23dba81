package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// conformance runs fn once per engine, each in a parallel subtest.
func conformance(t *testing.T, fn func(t *testing.T, e storetest.Engine)) {
	t.Helper()
	for _, e := range storetest.Engines(t) {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, e)
		})
	}
}

// conformanceStore runs fn with a fresh migrated store on each engine.
func conformanceStore(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	conformance(t, func(t *testing.T, e storetest.Engine) { fn(t, e.Open(t)) })
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// newID returns a fresh id, a ULID as the store's own ids are.
func newID() string { return ulid.Make().String() }

// incoming is body as received over HTTPS just now, deduplicated for a day.
func incoming(body string) lead.Incoming {
	return lead.Incoming{
		ID:         newID(),
		Channel:    lead.ChannelHTTPS,
		ReceivedAt: time.Now(),
		Body:       []byte(body),
		SHA256:     sha([]byte(body)),
		DedupUntil: time.Now().Add(24 * time.Hour),
	}
}

// parsedItem is an Incoming whose body parsed into p.
func parsedItem(body string, p lead.Parsed) lead.Incoming {
	in := incoming(body)
	in.Parsed = &p
	return in
}

// badItem is an Incoming whose body did not parse.
func badItem(body, parseErr string) lead.Incoming {
	in := incoming(body)
	in.ParseErr = parseErr
	return in
}

func simpleParsed(first string) lead.Parsed {
	return lead.Parsed{
		Source: "AzureMarketplace",
		Action: "Create",
		Offer:  lead.Offer{PublisherID: "contoso", OfferID: "widget", Title: "Widget"},
		Stage:  lead.StageActive,
		Contact: lead.Contact{
			FirstName: first, LastName: "Doe", Email: strings.ToLower(first) + "@example.com", Company: "Contoso",
		},
		DescriptionParams: map[string]string{},
	}
}

func commit(t *testing.T, s *store.Store, in []lead.Incoming) []lead.Outcome {
	t.Helper()
	out, err := s.CommitBatch(ctxT(t), in)
	if err != nil {
		t.Fatalf("CommitBatch: %v", err)
	}
	if len(out) != len(in) {
		t.Fatalf("CommitBatch: %d outcomes for %d items", len(out), len(in))
	}
	return out
}

// wantKind fails unless err is a *lead.Error of kind raised by the store
// (Op "store"), with a message that does not repeat it.
func wantKind(t *testing.T, err error, kind lead.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want kind %s", kind)
	}
	var le *lead.Error
	if !errors.As(err, &le) {
		t.Fatalf("got %T %v, want *lead.Error of kind %s", err, err, kind)
	}
	if le.Kind != kind {
		t.Fatalf("got kind %s (%v), want %s", le.Kind, err, kind)
	}
	if le.Op != "store" || strings.HasPrefix(le.Message, "store: ") {
		t.Fatalf("op %q, message %q: want op store and a message without the prefix", le.Op, le.Message)
	}
}
