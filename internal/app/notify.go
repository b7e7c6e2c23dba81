package app

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"log/slog"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/leadhub/leadhub/internal/jobs"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store"
)

// NewProcessEngine builds the follow-up process engine over st, with the
// default qualification rules and the server's time zone for the default
// team; UseRunner gives it the job runner (and, through it, notifications).
func NewProcessEngine(st *store.Store, log *slog.Logger) *process.Engine {
	return process.New(process.Deps{Store: st,
		Write: func(ctx context.Context, fn func(context.Context, *sql.Tx) error) error { return st.Write(ctx, fn) },
		TxOf:  func(ctx context.Context, tx *sql.Tx) process.Tx { return st.ProcessTx(ctx, tx) },
		Rules: process.DefaultQualRules(), TimeZone: serverZone(), Log: log})
}

// UseRunner makes e schedule its jobs, and record and send its
// notifications, through runner (a runner without workers only enqueues:
// what the CLI uses; the server's works them).
func UseRunner(e *process.Engine, st *store.Store, runner *jobs.Runner) {
	e.UseJobs(runner)
	e.UseNotifier(notifier{st: st, jobs: runner})
}

// notifier turns the process engine's notices into notifications: one
// per user, on the channels the user's preferences give the event, each
// recorded and its sends enqueued in the transaction of the change.
type notifier struct {
	st   *store.Store
	jobs notify.Inserter
}

// NotifyTx implements process.Notifier.
func (n notifier) NotifyTx(ctx context.Context, tx *sql.Tx, x process.Notice) error {
	seen := map[string]bool{}
	for _, u := range x.UserIDs {
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		prefs, err := n.st.NotifyPrefs(ctx, u)
		if lead.KindOf(err) == lead.KindNotFound {
			continue // a user deleted meanwhile
		}
		if err != nil {
			return err
		}
		ev := lead.NotifyEvent(x.Event)
		note := lead.Notification{UserID: u, Event: ev, CustomerID: x.CustomerID, Title: x.Title, Text: x.Text, Link: x.Link}
		if x.Key != "" {
			note.ID = keyedID(x.Key, u, x.KeyAt)
			if _, err := n.st.GetNotification(ctx, note.ID); err == nil {
				continue // recorded by an earlier run of the same job
			} else if lead.KindOf(err) != lead.KindNotFound {
				return err
			}
		}
		if _, err := notify.Enqueue(ctx, tx, n.jobs, n.st, note, prefs.ChannelsFor(ev)); err != nil {
			return err
		}
	}
	return nil
}

// keyedID is the notification id of a keyed notice for one user: a ULID
// whose time is at (so it sorts with the others, newest first) and whose
// random part is a hash of the key and the user, so the same key, user and
// instant always give the same id.
func keyedID(key, user string, at time.Time) string {
	h := sha256.Sum256([]byte(key + "\x00" + user))
	var id ulid.ULID
	_ = id.SetTime(ulid.Timestamp(at)) // an instant before 10889 AD always fits
	_ = id.SetEntropy(h[:10])
	return id.String()
}
