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
)

// Version is set at build time with -ldflags "-X …/cli.Version=…".
var Version = "dev"

type command struct {
	summary string
	run     func(ctx context.Context, args []string, e env) error
}

func commands() map[string]command {
	return map[string]command{
		"serve":      {"run the server (the marketplace endpoint, the API and /metrics)", runServe},
		"migrate":    {"apply database migrations and exit", runMigrate},
		"token":      {"manage ingest tokens: create | list | revoke", runToken},
		"apikey":     {"manage API keys: create | list | revoke", runAPIKey},
		"leads":      {"browse leads: list | show ID", runLeads},
		"customers":  {"customers (leads resolved into people): list | show ID | merge ID OTHER | split LEAD | resolve | train", runCustomers},
		"review":     {"possible duplicates: list | merge ID | dismiss ID", runReview},
		"audit":      {"every identity decision, automatic or human: list | show ID | undo ID", runAudit},
		"quarantine": {"bodies that could not be parsed: list | show ID | reprocess ID|--all", runQuarantine},
		"import":     {"import leads from a CSV file (Partner Center or CRM export, spreadsheet)", runImport},
		"bench":      {"measure: ingest | load | verify", runBench},
		"dedupe":     {"find the records of CSV files that are the same person or company; dedupe eval scores the result", runDedupe},
		"simulate":   {"produce marketplace traffic as Microsoft would: --url INGEST_URL | --azure-table CONNECTION_STRING", runSimulate},
		"sources":    {"the running server's lead sources: list | sync (uses --server and --api-key)", runSources},
		"version": {"print the version", func(_ context.Context, _ []string, e env) error {
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
func subcommand(ctx context.Context, group string, args []string, e env, verbs map[string]func(context.Context, []string, env) error) error {
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(args) == 0 {
		return usageError{fmt.Errorf("usage: leadhub %s %s", group, strings.Join(names, "|"))}
	}
	fn, ok := verbs[args[0]]
	if !ok {
		return usageError{fmt.Errorf("leadhub %s: unknown subcommand %q (want %s)", group, args[0], strings.Join(names, ", "))}
	}
	return fn(ctx, args[1:], e)
}
