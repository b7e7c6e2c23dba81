package web_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store/storetest"
)

// An entry of the follow-up process shows what it recorded, and offers
// no undo: a person changes the stage or the owner again instead.
func TestAuditEntryOfTheProcess(t *testing.T) {
	engines(t, func(t *testing.T, e storetest.Engine) {
		ev := start(t, e, nil, false)
		ctx := context.Background()
		err := ev.st.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			return ev.st.ProcessTx(ctx, tx).Audit("cust-1", lead.ActorSystem, "first touch was due 2026-12-07T10:00:00Z",
				map[string]any{"what": "sla", "state": "breached", "clock": 2, "owner": "u-9"})
		})
		if err != nil {
			t.Fatal(err)
		}
		page, err := ev.st.ListAudit(ctx, lead.AuditFilter{Action: lead.AuditProcess})
		if err != nil || len(page.Entries) != 1 {
			t.Fatalf("the process entry: %+v %v", page.Entries, err)
		}
		id := page.Entries[0].ID
		mgr := ev.signIn(ev.user(lead.RoleManager, true), nil)
		body := ev.wantPage("/audit/"+id, mgr, "Follow-up process", "<dt>state</dt><dd>breached</dd>",
			"<dt>clock</dt><dd>2</dd>", "<dt>owner</dt><dd>u-9</dd>", `href="/customers/cust-1"`)
		if strings.Contains(body, "/undo") {
			t.Errorf("a process entry offers an undo\n%s", body)
		}
	})
}
