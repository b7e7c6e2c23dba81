// Package cli is leadhub's command line: `leadhub serve` runs the server and
// the other subcommands let an operator manage credentials, browse leads and
// the quarantine, and measure the system. Run is the whole program; main
// only calls it.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

// verbs are the subcommands of a command group, by name.
type verbs map[string]func(ctx context.Context, args []string, e env) error

// command is a top-level command: one that runs by itself, or a group of
// verbs (`leadhub leads list`).
type command struct {
	summary string
	run     func(ctx context.Context, args []string, e env) error
	verbs   verbs
}

func commands() map[string]command {
	return map[string]command{
		"serve":   {summary: "run the server (the marketplace endpoint, the API and /metrics)", run: runServe},
		"migrate": {summary: "apply database migrations and exit", run: runMigrate},
		"token":   {summary: "manage ingest tokens: create | list | revoke", verbs: credentialVerbs("token", lead.CredentialIngest)},
		"apikey":  {summary: "manage API keys: create | list | revoke", verbs: credentialVerbs("apikey", lead.CredentialAPI)},
		"users":   {summary: "people who sign in: create | list | disable | enable | reset-password | setup-link", verbs: usersVerbs()},
		"leads": {summary: "browse leads: list | show ID", verbs: verbs{
			"list": leadsList,
			"show": showJSON("leads show", func(ctx context.Context, st *store.Store, id string) (any, error) {
				l, err := st.GetLead(ctx, id)
				return struct {
					lead.Lead
					RawBody string `json:"raw_body"`
				}{l, string(l.RawBody)}, err
			}),
		}},
		"customers": {summary: "customers (leads resolved into people): list | show ID | merge ID OTHER | split LEAD | resolve | train", verbs: verbs{
			"list":    customersList,
			"show":    customersShow,
			"merge":   identityVerb("customers merge", "customers merge ID OTHER [--reason R]: merge customer OTHER into ID", 2, mergeCustomers),
			"split":   identityVerb("customers split", "customers split LEAD [--reason R]: move a lead out of its customer into a new one", 1, splitLead),
			"resolve": customersResolve,
			"train":   customersTrain,
		}},
		"accounts": {summary: "accounts (the companies behind customers): list | show ID | merge ID OTHER | split ID CUSTOMER... | move CUSTOMER ACCOUNT", verbs: verbs{
			"list":  accountsList,
			"show":  accountsShow,
			"merge": identityVerb("accounts merge", "accounts merge ID OTHER [--reason R]: merge account OTHER into ID", 2, mergeAccounts),
			"split": identityVerb("accounts split", "accounts split ID CUSTOMER... [--reason R]: move these customers of account ID into a new account", -1, splitAccount),
			"move":  identityVerb("accounts move", "accounts move CUSTOMER ACCOUNT [--reason R]: move a customer to an account and pin it there", 2, moveCustomer),
		}},
		"review": {summary: "possible duplicates: list | merge ID | dismiss ID", verbs: verbs{
			"list":    reviewList,
			"merge":   identityVerb("review merge", "review merge ID [--reason R]: the lead's customer and the candidate are one", 1, mergeReview),
			"dismiss": identityVerb("review dismiss", "review dismiss ID [--reason R]: keep them apart", 1, dismissReview),
		}},
		"audit": {summary: "every identity decision, automatic or human: list | show ID | undo ID", verbs: verbs{
			"list": auditList,
			"show": showJSON("audit show", func(ctx context.Context, st *store.Store, id string) (any, error) { return st.GetAudit(ctx, id) }),
			"undo": identityVerb("audit undo", "audit undo ID [--reason R]", 1, undo),
		}},
		"quarantine": {summary: "bodies and imported rows that could not be parsed: list | show ID | fix ID FILE | reprocess ID|--all", verbs: verbs{
			"list": quarantineList,
			"show": showJSON("quarantine show", func(ctx context.Context, st *store.Store, id string) (any, error) {
				r, err := st.GetRaw(ctx, id)
				return rawWithBody(r), err
			}),
			"reprocess": quarantineReprocess,
			"fix":       quarantineFix,
		}},
		"import": {summary: "import leads from a CSV file (Partner Center or CRM export, spreadsheet)", run: runImport},
		"bench": {summary: "measure: ingest | load | pages | process | verify", verbs: verbs{
			"ingest":  benchIngest,
			"pages":   benchPages,
			"process": benchProcess,
			"load":    benchLoad,
			"verify":  benchVerify,
		}},
		"dedupe":   {summary: "find the records of CSV files that are the same person or company; dedupe eval scores the result", run: runDedupe},
		"simulate": {summary: "produce marketplace traffic as Microsoft would: --url INGEST_URL | --azure-table CONNECTION_STRING", run: runSimulate},
		"sources": {summary: "the running server's lead sources: list | sync (uses --server and --api-key)", verbs: verbs{
			"list": sourcesList,
			"sync": sourcesSync,
		}},
		"process":       {summary: "the running server's follow-up process: show | activities | log | stage | assign | qualify CUSTOMER; tasks | teams | rules, teams|rules create | update | delete (uses --server and --api-key)", verbs: processVerbs()},
		"notifications": {summary: "your notifications on the running server: list | read ID | read-all | settings [--file F] | failed (uses --server and --api-key)", verbs: notificationsVerbs()},
		"version": {summary: "print the version", run: func(_ context.Context, _ []string, e env) error {
			fmt.Fprintln(e.stdout, "leadhub", Version)
			return nil
		}},
	}
}

// Run runs leadhub with args (without the program name). It returns an
// error instead of exiting; ExitCode maps it to a status.
func Run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		if len(args) == 0 {
			return usageError{errors.New("no command given")}
		}
		return nil
	}
	cmd, ok := commands()[args[0]]
	if !ok {
		printHelp(stderr)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	if cmd.verbs != nil {
		return subcommand(ctx, args[0], args[1:], e, cmd.verbs)
	}
	return cmd.run(ctx, args[1:], e)
}

// ExitCode is the process status for an error returned by Run.
func ExitCode(err error) int {
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, new(usageError)):
		return 2
	default:
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "leadhub — a self-hosted hub for Microsoft commercial marketplace leads")
	fmt.Fprintln(w, "\nusage: leadhub <command> [flags]\n\ncommands:")
	cmds := commands()
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-11s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun `leadhub <command> -h` for its flags. Every flag can also be set as LEADHUB_<FLAG>.")
}

// subcommand dispatches `leadhub <group> <verb> …`.
func subcommand(ctx context.Context, group string, args []string, e env, verbs verbs) error {
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 {
		return usageError{fmt.Errorf("usage: leadhub %s %s", group, strings.Join(names, "|"))}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stdout, "usage: leadhub %s %s\n\nRun `leadhub %s <verb> -h` for a verb's flags.\n", group, strings.Join(names, "|"), group)
		return nil
	}
	fn, ok := verbs[args[0]]
	if !ok {
		return usageError{fmt.Errorf("leadhub %s: unknown subcommand %q (want %s)", group, args[0], strings.Join(names, ", "))}
	}
	return fn(ctx, args[1:], e)
}

// showJSON is a `show ID` verb: it prints what get finds for the id as
// indented JSON.
func showJSON(name string, get func(ctx context.Context, st *store.Store, id string) (any, error)) func(context.Context, []string, env) error {
	return func(ctx context.Context, args []string, e env) error {
		fs := newDBCommand(name, name+" ID [--database DSN]", e)
		return fs.run(ctx, args, e, 1, func(st *store.Store) error {
			v, err := get(ctx, st, fs.Arg(0))
			if err != nil {
				return err
			}
			return printJSON(e, v, true)
		})
	}
}
