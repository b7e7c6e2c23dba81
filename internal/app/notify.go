package app

import (
	"context"
	"database/sql"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/notify"
	"github.com/leadhub/leadhub/internal/process"
	"github.com/leadhub/leadhub/internal/store"
)

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
		if _, err := notify.Enqueue(ctx, tx, n.jobs, n.st, note, prefs.ChannelsFor(ev)); err != nil {
			return err
		}
	}
	return nil
}
