package cli

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leadhub/leadhub/internal/eventually"
	"github.com/leadhub/leadhub/internal/lead"
)

// TestAccountsCommands lists, shows, moves, merges, splits and undoes
// accounts from the command line, on the database of a running server.
func TestAccountsCommands(t *testing.T) {
	ts := startFresh(t)
	var ids []string
	for _, b := range [][]byte{
		leadBody("Ann", "Lee", "ann.lee@contoso.com", "Contoso", "PLT", "crm"),
		leadBody("Bob", "Ray", "bob.ray@contoso.com", "Contoso Ltd", "INS", "crm"),
		leadBody("Cy", "Oh", "cy@fabrikam.com", "Fabrikam", "PLT", "erp"),
		leadBody("Di", "Yu", "di.yu@outlook.com", "", "PLT", "erp"),
	} {
		status, _, body := ts.do(t, "POST", ts.ingestURL, "", b)
		var ans struct{ ID string }
		if status != http.StatusCreated || json.Unmarshal(body, &ans) != nil {
			t.Fatalf("post: %d %s", status, body)
		}
		ids = append(ids, ans.ID)
	}
	leads := make([]lead.Lead, len(ids))
	eventually.True(t, 15*time.Second, "the resolver", func() bool {
		for i, id := range ids {
			ts.api(t, "GET", "/api/v1/leads/"+id, nil, &leads[i])
			if leads[i].CustomerID == "" {
				return false
			}
		}
		return true
	})
	contoso, fabrikam := leads[0].AccountID, leads[2].AccountID
	if contoso == "" || leads[1].AccountID != contoso || fabrikam == "" || fabrikam == contoso || leads[3].AccountID != "" {
		t.Fatalf("accounts of the leads: %s %s %s %q", contoso, leads[1].AccountID, fabrikam, leads[3].AccountID)
	}
	// The server sums the accounts shortly after their people are placed.
	eventually.True(t, 15*time.Second, "the accounts summed", func() bool {
		var a lead.AccountDetail
		ts.api(t, "GET", "/api/v1/accounts/"+contoso, nil, &a)
		return a.PeopleCount == 2
	})
	db := []string{"--database", ts.dsn}
	cmd := func(args ...string) (string, string) {
		t.Helper()
		out, errOut, err := run(t, append(args, db...)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
		return out, errOut
	}
	out, _ := cmd("accounts", "list")
	if !strings.Contains(out, contoso) || !strings.Contains(out, "contoso.com") || !strings.Contains(out, fabrikam) || strings.Count(out, "\n") != 3 {
		t.Errorf("accounts list:\n%s", out)
	}
	if out, _ = cmd("accounts", "list", "--q", "fabri", "--json"); strings.Count(out, "\n") != 1 || !strings.Contains(out, fabrikam) {
		t.Errorf("accounts list --q fabri --json:\n%s", out)
	}
	if out, _ = cmd("accounts", "show", contoso); !strings.Contains(out, "2 people, 2 leads") || !strings.Contains(out, "d:contoso.com") {
		t.Errorf("accounts show:\n%s", out)
	}
	out, errOut := cmd("accounts", "move", leads[2].CustomerID, contoso, "--reason", "subsidiary")
	if !strings.Contains(out, "1 customer(s) changed account") || !strings.Contains(errOut, "leadhub audit undo ") {
		t.Errorf("accounts move: %s %s", out, errOut)
	}
	move := strings.TrimSpace(strings.TrimPrefix(errOut, "undo with: leadhub audit undo "))
	if out, _ = cmd("accounts", "split", contoso, leads[2].CustomerID); !strings.Contains(out, "split 1 customer(s) out of account "+contoso) {
		t.Errorf("accounts split: %s", out)
	}
	if _, _, err := run(t, append([]string{"audit", "undo", move}, db...)...); err == nil || !strings.Contains(err.Error(), "undo the later change first") {
		t.Errorf("undoing the move under the split: %v", err)
	}
	if _, _, err := run(t, append([]string{"accounts", "split", contoso}, db...)...); ExitCode(err) != 2 {
		t.Errorf("split without customers: %v", err)
	}
	if _, _, err := run(t, append([]string{"accounts", "merge", contoso, contoso}, db...)...); err == nil {
		t.Error("merged an account into itself")
	}
	if out, _ = cmd("audit", "list", "--account", contoso, "--action", "account_split"); strings.Count(out, "\n") != 1 {
		t.Errorf("audit list --account --action account_split:\n%s", out)
	}
}
