package apitest

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/app"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// App is the whole server, as serve runs it (app.Start), on a fresh SQLite
// database.
type App struct {
	*app.Server
	URL       string // http://127.0.0.1:port
	IngestURL string // the marketplace endpoint, with an ingest token's code
	APIKey    string // a key for /api/v1
	Store     *store.Store
}

// StartApp starts the server with c (which must be valid), logging to
// log, and shuts it down when the test ends.
func StartApp(t testing.TB, c app.Config, log *slog.Logger) *App {
	t.Helper()
	return StartAppOn(t, storetest.Engines(t)[0].NewDSN(t), c, log)
}

// StartAppOn is StartApp on the database dsn (a storetest engine's).
func StartAppOn(t testing.TB, dsn string, c app.Config, log *slog.Logger) *App {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	st, err := app.OpenStore(ctx, dsn, true, nil)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	t.Cleanup(cancel) // after Shutdown, before the store is closed
	key := credential(t, st, lead.CredentialAPI)
	code := credential(t, st, lead.CredentialIngest)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := app.Start(ctx, st, ln, c, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Shutdown(10 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	base := "http://" + ln.Addr().String()
	return &App{Server: srv, URL: base, IngestURL: base + "/ingest/marketplace?code=" + code, APIKey: key, Store: st}
}
