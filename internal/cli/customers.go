package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/identity/resolve"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// `leadhub customers`, `leadhub review` and `leadhub audit` work on the
// database directly, like `leadhub leads`.

// actFlags adds --reason and --actor (default cli:$USER).
func actFlags(fs *dbCommand, e env) *lead.Act {
	a := &lead.Act{}
	actor := "cli"
	if u := e.getenv("USER"); u != "" {
		actor = "cli:" + u
	}
	fs.StringVar(&a.Reason, "reason", "", "why; kept in the audit entry")
	fs.StringVar(&a.Actor, "actor", actor, "who acts, for the audit entry")
	return a
}

func printJSON(e env, v any, indent bool) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

func optionalBool(flag, v string) (*bool, error) {
	if v == "" {
		return nil, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil, usageError{fmt.Errorf("--%s %q: want true or false", flag, v)}
	}
	return &b, nil
}

func flags(c lead.Customer) string {
	var f []string
	if c.DoNotContact {
		f = append(f, "DNC")
	}
	if c.IsTest {
		f = append(f, "test")
	}
	if c.MergedInto != "" {
		f = append(f, "merged into "+c.MergedInto)
	}
	return cell(strings.Join(f, ","))
}

func customersList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("customers list", "customers list [--json] [--stage S] [--offer O] [--source S] [--action A] [--country CC] [--q TEXT] [--is-test B] [--dnc B] [--limit N] [--cursor C] [--all]", e)
	var stage, isTest, dnc string
	var f lead.CustomerFilter
	paging := fs.pageFlags("customers", "one customer each")
	fs.StringVar(&stage, "stage", "", "furthest stage: interest, trial, active, notify_only or test")
	fs.StringVar(&f.Offer, "offer", "", "customers with a lead for this offer (publisherid.offerid, offer id or title)")
	fs.StringVar(&f.Source, "source", "", "customers with a lead from this source (e.g. AzureMarketplace)")
	fs.StringVar(&f.Action, "action", "", "customers with a lead of this action (e.g. PLT, StartTestDrive)")
	fs.StringVar(&f.Country, "country", "", "the golden record's country (ISO 3166-1 alpha-2, e.g. US)")
	fs.StringVar(&f.Query, "q", "", "search: words of a lead's name, email or company that start with these words (anna@contoso.com, contoso, ann)")
	fs.StringVar(&isTest, "is-test", "", "true: only customers whose leads are all Microsoft test leads; false: none of them")
	fs.StringVar(&dnc, "dnc", "", "true: only customers not to be contacted (a DNC lead); false: none of them")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		var err error
		f.Stage = lead.Stage(stage)
		if f.IsTest, err = optionalBool("is-test", isTest); err != nil {
			return err
		}
		if f.DoNotContact, err = optionalBool("dnc", dnc); err != nil {
			return err
		}
		_, err = lister[lead.Customer]{
			what:   "customers",
			header: "ID\tSTAGE\tFLAGS\tLEADS\tLAST SEEN\tNAME\tEMAIL\tCOMPANY\tOFFERS",
			row: func(c lead.Customer) string {
				g := c.Golden
				return fmt.Sprintf("%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s", c.ID, c.Stage, flags(c), c.LeadCount,
					c.LastSeen.Format(time.RFC3339), cell(strings.TrimSpace(g.FirstName+" "+g.LastName)), cell(g.Email),
					cell(g.Company), cell(strings.Join(c.Offers, ",")))
			},
		}.print(e, fs.db(), *paging, func(cursor string, limit int) ([]lead.Customer, string, error) {
			f.Cursor, f.Limit = cursor, limit
			page, err := st.ListCustomers(ctx, f)
			return page.Customers, page.NextCursor, err
		})
		return err
	})
}

func customersShow(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("customers show", "customers show ID [--json]", e)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print the customer, its leads with their decisions and its history as JSON")
	return fs.run(ctx, args, e, 1, func(st *store.Store) error {
		c, err := st.GetCustomer(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if asJSON {
			return printJSON(e, c, true)
		}
		g := c.Golden
		w := e.stdout
		fmt.Fprintf(w, "customer %s\n", c.ID)
		fmt.Fprintf(w, "  stage %s, %d leads, first seen %s, last seen %s\n", c.Stage, c.LeadCount,
			c.FirstSeen.Format(time.RFC3339), c.LastSeen.Format(time.RFC3339))
		if fl := flags(c.Customer); fl != "-" {
			fmt.Fprintf(w, "  %s\n", fl)
		}
		fmt.Fprintln(w, "  golden record:")
		for _, f := range []struct{ name, v string }{
			{"first_name", g.FirstName}, {"last_name", g.LastName}, {"email", g.Email}, {"phone", g.Phone},
			{"country", g.Country}, {"company", g.Company}, {"title", g.Title},
		} {
			if f.v != "" {
				fmt.Fprintf(w, "    %-11s %s  (lead %s)\n", f.name, f.v, g.Sources[f.name])
			}
		}
		if len(c.Offers) > 0 {
			fmt.Fprintf(w, "  offers: %s\n", strings.Join(c.Offers, ", "))
		}
		fmt.Fprintln(w, "\nleads (time order):")
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  LEAD\tRECEIVED\tSTAGE\tACTION\tOFFER\tNAME\tEMAIL\tDECISION")
		for _, l := range c.Leads {
			dec := "-"
			if d := l.Decision; d != nil {
				dec = fmt.Sprintf("%s p=%.3f", d.Outcome, d.Probability)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.ID, l.ReceivedAt.Format(time.RFC3339), l.Stage, cell(l.Action),
				cell(offerText(l.Offer)), cell(strings.TrimSpace(l.Contact.FirstName+" "+l.Contact.LastName)), cell(l.Contact.Email), dec)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, l := range c.Leads {
			if l.Decision != nil {
				fmt.Fprintf(w, "  %s: %s\n", l.ID, l.Decision.Explanation.Reason)
			}
		}
		if len(c.History) > 0 {
			fmt.Fprintln(w, "\nhistory (newest first):")
			for _, h := range c.History {
				fmt.Fprintln(w, entryLine(h))
			}
		}
		return nil
	})
}

// entryLine is an audit entry on one line.
func entryLine(h lead.AuditEntry) string {
	undone := ""
	if h.UndoneBy != "" {
		undone = " (undone by " + h.UndoneBy + ")"
	}
	if h.Undoes != "" {
		undone = " (undoes " + h.Undoes + ")"
	}
	reason := ""
	if h.Reason != "" {
		reason = ": " + h.Reason
	}
	return fmt.Sprintf("  %s  %s  %-7s %s%s  customers %s leads %d%s", h.ID, h.At.Format(time.RFC3339), h.Action, h.Actor,
		reason, strings.Join(h.CustomerIDs, ","), len(h.LeadIDs), undone)
}

// The human identity decisions, as identityVerb runs them.

func mergeCustomers(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.MergeCustomers(ctx, args[0], args[1], act)
	return a, "merged customer " + args[1] + " into " + args[0], err
}

func splitLead(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.SplitLead(ctx, args[0], act)
	if err != nil {
		return a, "", err
	}
	return a, "split lead " + args[0] + " out of " + a.CustomerIDs[0] + " into new customer " + a.CustomerIDs[1], nil
}

func mergeReview(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.MergeReview(ctx, args[0], act)
	if err != nil {
		return a, "", err
	}
	return a, "merged customer " + a.CustomerIDs[1] + " into " + a.CustomerIDs[0], nil
}

func dismissReview(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.DismissReview(ctx, args[0], act)
	return a, "dismissed review item " + args[0], err
}

func undo(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error) {
	a, err := st.Undo(ctx, args[0], act)
	return a, "undid " + args[0], err
}

// editor makes the human identity and account decisions.
type editor interface {
	lead.IdentityEditor
	lead.AccountEditor
}

// identityVerb is a human identity decision run from the command line
// (merge, split, review merge or dismissal, undo): it takes nargs
// arguments, --reason and --actor, runs do, and prints what the change did
// (do's description) and how to undo it.
func identityVerb(name, usage string, nargs int,
	do func(ctx context.Context, st editor, args []string, act lead.Act) (lead.AuditEntry, string, error),
) func(context.Context, []string, env) error {
	return func(ctx context.Context, args []string, e env) error {
		fs := newDBCommand(name, usage, e)
		act := actFlags(fs, e)
		return fs.run(ctx, args, e, nargs, func(st *store.Store) error {
			a, what, err := do(ctx, st, fs.Args(), *act)
			if err != nil {
				return err
			}
			var ch lead.Change
			_ = json.Unmarshal(a.Payload, &ch)
			accounts := ""
			if n := len(ch.AccountMoves); n > 0 {
				accounts = fmt.Sprintf(", %d customer(s) changed account", n)
			}
			fmt.Fprintf(e.stdout, "%s: %d lead(s) moved, %d key(s) followed%s (audit %s)\n", what, len(ch.Moves), ch.KeysMoved, accounts, a.ID)
			if a.Action != lead.AuditUndo {
				fmt.Fprintf(e.stderr, "undo with: leadhub audit undo %s\n", a.ID)
			}
			return nil
		})
	}
}

// matchFlags adds --match-auto and --match-review.
func matchFlags(fs *dbCommand) *lead.Thresholds {
	t := &lead.Thresholds{}
	fs.Float64Var(&t.Auto, "match-auto", resolve.DefaultAuto, "match probability from which a lead joins an existing customer")
	fs.Float64Var(&t.Review, "match-review", resolve.DefaultReview, "match probability from which (below --match-auto) a lead is queued for review")
	return t
}

func customersResolve(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("customers resolve", "customers resolve [--match-auto P] [--match-review P]: resolve every unresolved lead now", e)
	th := matchFlags(fs)
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		if err := resolve.CheckThresholds(*th); err != nil {
			return usageError{err}
		}
		r := resolve.New(st, resolve.Options{Thresholds: *th})
		if err := r.LoadModel(ctx); err != nil {
			fmt.Fprintf(e.stderr, "the trained model cannot be used (%v); using the built-in one\n", err)
		}
		start := time.Now()
		n, err := r.ResolveAll(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "resolved %d lead(s) in %s with model %s\n", n, time.Since(start).Round(time.Millisecond), r.Engine().ID)
		return nil
	})
}

func customersTrain(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("customers train", "customers train [--leads N]: train the match model on the most recent leads", e)
	var n int
	fs.IntVar(&n, "leads", resolve.DefaultTrainLeads, "how many of the most recent real leads to train on")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		sm, _, err := resolve.Train(ctx, st, resolve.TrainOptions{MaxLeads: n})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "trained model %s on %d leads; a running server uses it from its next start or retraining\n", sm.ID, sm.Leads)
		return nil
	})
}

func reviewList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("review list", "review list [--json] [--limit N] [--all]", e)
	paging := fs.pageFlags("items", "one review item each (with its explanation)")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		_, err := lister[lead.ReviewItem]{
			what:   "open review items",
			header: "ID\tAT\tPROBABILITY\tLEAD\tITS CUSTOMER\tCANDIDATE\tWHY",
			row: func(it lead.ReviewItem) string {
				return fmt.Sprintf("%s\t%s\t%.3f\t%s\t%s\t%s\t%s", it.ID, it.At.Format(time.RFC3339), it.Probability, it.LeadID,
					it.LeadCustomerID, it.CandidateCustomerID, cell(evidenceOf(it.Explanation)))
			},
		}.print(e, fs.db(), *paging, func(cursor string, limit int) ([]lead.ReviewItem, string, error) {
			page, err := st.ListReview(ctx, limit, cursor)
			return page.Items, page.NextCursor, err
		})
		return err
	})
}

// evidenceOf lists the fields that agreed.
func evidenceOf(x lead.Explanation) string {
	var parts []string
	for _, f := range x.Fields {
		if f.Level != "missing" && f.Weight > 0 {
			parts = append(parts, f.Field+" "+f.Level)
		}
	}
	return strings.Join(parts, ", ")
}

func auditList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("audit list", "audit list [--json] [--customer ID] [--lead ID] [--account ID] [--action A] [--limit N] [--cursor C] [--all]", e)
	var action string
	var f lead.AuditFilter
	paging := fs.pageFlags("entries", "one entry each (with its payload)")
	fs.StringVar(&f.Customer, "customer", "", "entries that concern this customer")
	fs.StringVar(&f.Lead, "lead", "", "entries that concern this lead")
	fs.StringVar(&f.Account, "account", "", "entries that concern this account")
	fs.StringVar(&action, "action", "", "resolve, merge, split, dismiss, undo, account_move, account_merge, account_split or accounts")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		f.Action = lead.AuditAction(action)
		_, err := lister[lead.AuditEntry]{what: "audit entries", row: entryLine}.print(e, fs.db(), *paging,
			func(cursor string, limit int) ([]lead.AuditEntry, string, error) {
				f.Cursor, f.Limit = cursor, limit
				page, err := st.ListAudit(ctx, f)
				return page.Entries, page.NextCursor, err
			})
		return err
	})
}
