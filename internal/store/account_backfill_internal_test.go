package store

import (
	"context"
	"testing"
)

// TestBackfillAccounts: customers from before accounts get theirs after the
// upgrade, a few at a time, in entries that record every placement.
func TestBackfillAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newSQLite(t)
	ms, err := loadMigrations(s.d.name)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.name >= "0006" {
			break
		}
		if _, err := s.applyMigration(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	golden := func(email, company string) string {
		return `{"email":{"v":"` + email + `","l":"L","at":1},"company":{"v":"` + company + `","l":"L","at":1}}`
	}
	if _, err := s.w.ExecContext(ctx, `INSERT INTO customers (id, created_at, updated_at, merged_into, stage, lead_count, golden)
VALUES ('A', 1, 1, NULL, 'trial', 1, $1), ('B', 1, 1, NULL, 'active', 1, $2), ('C', 1, 1, NULL, 'interest', 1, $3),
 ('D', 1, 1, 'A', 'interest', 0, $1)`,
		golden("a@contoso.com", "Contoso"), golden("b@eu.contoso.com", ""), golden("c@gmail.com", "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	total := 0
	for {
		n, err := s.BackfillAccounts(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 3 {
		t.Errorf("backfilled %d customers, want the 3 active ones", total)
	}
	account := func(id string) string {
		var a *string
		if err := s.w.QueryRowContext(ctx, `SELECT account_id FROM customers WHERE id = $1`, id).Scan(&a); err != nil {
			t.Fatal(err)
		}
		if a == nil {
			return ""
		}
		return *a
	}
	if a, b := account("A"), account("B"); a == "" || a != b || account("C") != "" || account("D") != "" {
		t.Errorf("accounts A %q B %q C %q D %q", a, b, account("C"), account("D"))
	}
	var people, entries int
	var name, domains string
	// The customers' account columns were never written: the summary
	// comes from their golden records.
	if err := s.w.QueryRowContext(ctx, `SELECT people_count, name, domains FROM accounts WHERE id = $1`, account("A")).
		Scan(&people, &name, &domains); err != nil || people != 2 || name != "Contoso" || domains != `["contoso.com"]` {
		t.Errorf("people %d, name %q, domains %s (%v)", people, name, domains, err)
	}
	if err := s.w.QueryRowContext(ctx, `SELECT count(*) FROM audit_log WHERE action = 'accounts'`).Scan(&entries); err != nil || entries != 1 {
		t.Errorf("%d entries (%v), want 1 (the second batch placed nobody)", entries, err)
	}
}
