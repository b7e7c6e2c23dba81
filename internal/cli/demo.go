package cli

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/simulate"
)

// demoRate is how fast `serve --demo` feeds itself leads.
const demoRate = 2 // leads per second

// demoEmail is the demo admin's address (a documentation domain).
const demoEmail = "demo@example.com"

// demoStore is what the demo writes: its credentials and its admin.
type demoStore interface {
	lead.CredentialStore
	CreateUser(ctx context.Context, u lead.User) error
}

// startDemo makes an API key and an ingest token, prints how to look at
// the leads, and runs the simulator against the server itself until ctx
// ends, as if Microsoft were sending leads.
func startDemo(ctx context.Context, st demoStore, base, dsn string, e env, log *slog.Logger) error {
	key, kcred := auth.NewSecret(lead.CredentialAPI, "demo", time.Now())
	token, tcred := auth.NewSecret(lead.CredentialIngest, "demo", time.Now())
	for _, c := range []lead.Credential{kcred, tcred} {
		if err := st.CreateCredential(ctx, c); err != nil {
			return err
		}
	}
	// A demo admin to sign in to the web app with (the database is a
	// throw-away one unless --database was given).
	password := rand.Text()
	hash, err := auth.HashPassword(password, auth.DefaultParams)
	if err != nil {
		return err
	}
	admin := lead.User{ID: ulid.Make().String(), Email: demoEmail, DisplayName: "Demo admin", TimeZone: "UTC",
		Role: lead.RoleAdmin, PasswordHash: hash}
	if err := st.CreateUser(ctx, admin); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nDemo mode: a simulator posts about %d marketplace leads a second to this server, on a\n"+
		"throw-away database (%s). Look at them:\n\n"+
		"  in a browser: %s/ (sign in as %s, password below)\n"+
		"  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/leads?limit=5'\n"+
		"  curl -s -H 'Authorization: Bearer %s' '%s/api/v1/sources'\n"+
		"  leadhub leads list --database '%s'\n\n"+
		"Web app (demo only): %s / %s\n"+
		"API key (demo only): %s\n\n",
		demoRate, dsn, base, demoEmail, key, base, key, base, dsn, demoEmail, password, key)
	events, err := simulate.Events(simulate.Config{Seed: uint64(time.Now().UnixNano()), Start: time.Now().UTC(), Count: 1 << 30})
	if err != nil {
		return err
	}
	go func() {
		st, err := simulate.Sender{Rate: demoRate, Concurrency: 2}.Send(ctx, ingestURL(base, token), events)
		if err != nil && ctx.Err() == nil {
			log.Warn("demo simulator stopped", "err", err.Error())
		}
		log.Info("demo simulator finished", "sent", st.Sent, "failed", st.Failed, "in_flight", st.Interrupted)
	}()
	return nil
}
