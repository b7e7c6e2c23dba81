package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// `leadhub accounts` works on the database directly, like `leadhub
// customers`.

func accountsList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("accounts list", "accounts list [--json] [--q TEXT] [--offer O] [--stage S] [--country CC] [--limit N] [--cursor C] [--all]", e)
	var stage string
	var f lead.AccountFilter
	paging := fs.pageFlags("accounts", "one account each")
	fs.StringVar(&f.Query, "q", "", "substring of the account's name or a domain")
	fs.StringVar(&f.Offer, "offer", "", "accounts with a lead for this offer (publisherid.offerid, offer id or title)")
	fs.StringVar(&stage, "stage", "", "furthest stage: interest, trial, active, notify_only or test")
	fs.StringVar(&f.Country, "country", "", "ISO 3166-1 alpha-2 country (US, GB, DE, …)")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		f.Stage = lead.Stage(stage)
		_, err := lister[lead.Account]{
			what:   "accounts",
			header: "ID\tNAME\tCOUNTRY\tDOMAINS\tPEOPLE\tLEADS\tSTAGE\tFIRST SEEN\tLAST SEEN\tOFFERS",
			row: func(a lead.Account) string {
				return fmt.Sprintf("%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s", a.ID, cell(a.Name), cell(a.Country),
					cell(strings.Join(a.Domains, ",")), a.PeopleCount, a.LeadCount, a.Stage, a.FirstSeen.Format(time.RFC3339),
					a.LastSeen.Format(time.RFC3339), cell(strings.Join(a.Offers, ",")))
			},
		}.print(e, fs.db(), *paging, func(cursor string, limit int) ([]lead.Account, string, error) {
			f.Cursor, f.Limit = cursor, limit
			page, err := st.ListAccounts(ctx, f)
			return page.Accounts, page.NextCursor, err
		})
		return err
	})
}

func accountsShow(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("accounts show", "accounts show ID [--json]", e)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print the account, its people with their journeys and its history as JSON")
	return fs.run(ctx, args, e, 1, func(st *store.Store) error {
		a, err := st.GetAccount(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(e, a, true)
		}
		w := e.stdout
		fmt.Fprintf(w, "account %s: %s\n", a.ID, cell(a.Name))
		if a.MergedInto != "" {
			fmt.Fprintf(w, "  merged into %s\n", a.MergedInto)
		}
		fmt.Fprintf(w, "  country %s, domains %s\n", cell(a.Country), cell(strings.Join(a.Domains, ", ")))
		fmt.Fprintf(w, "  %d people, %d leads, stage %s, first seen %s, last seen %s\n", a.PeopleCount, a.LeadCount, a.Stage,
			a.FirstSeen.Format(time.RFC3339), a.LastSeen.Format(time.RFC3339))
		if len(a.Offers) > 0 {
			fmt.Fprintf(w, "  offers: %s\n", strings.Join(a.Offers, ", "))
		}
		for _, p := range a.People {
			g := p.Golden
			pinned := ""
			if p.AccountPinned {
				pinned = ", placed by a person"
			}
			fmt.Fprintf(w, "\ncustomer %s: %s <%s>, %s (keys %s%s)\n", p.ID, cell(strings.TrimSpace(g.FirstName+" "+g.LastName)),
				g.Email, cell(g.Company), strings.Join(p.Keys, " "), pinned)
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			for _, l := range p.Leads {
				fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", l.ID, l.ReceivedAt.Format(time.RFC3339), l.Stage, cell(l.Action), cell(offerText(l.Offer)))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
		if a.PeopleTruncated {
			fmt.Fprintf(w, "\n(only the %d most recently seen people are shown)\n", lead.MaxAccountPeople)
		}
		if len(a.History) > 0 {
			fmt.Fprintln(w, "\nhistory (newest first):")
			for _, h := range a.History {
				fmt.Fprintln(w, entryLine(h))
			}
		}
		return nil
	})
}

// The human account decisions, as identityVerb runs them.

func mergeAccounts(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.MergeAccounts(ctx, args[0], args[1], act)
	return a, "merged account " + args[1] + " into " + args[0], err
}

func splitAccount(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	if len(args) < 2 {
		return lead.AuditEntry{}, "", usageError{fmt.Errorf("usage: leadhub accounts split ID CUSTOMER... [--reason R]")}
	}
	a, err := st.SplitAccount(ctx, args[0], args[1:], act)
	if err != nil {
		return a, "", err
	}
	var created string
	for _, id := range a.AccountIDs {
		if id != args[0] {
			created = id
		}
	}
	return a, fmt.Sprintf("split %d customer(s) out of account %s into new account %s", len(args)-1, args[0], created), nil
}

func moveCustomer(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.MoveCustomerAccount(ctx, args[0], args[1], act)
	return a, "moved customer " + args[0] + " to account " + args[1] + " (pinned)", err
}
