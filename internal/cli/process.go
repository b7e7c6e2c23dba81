package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// The follow-up process of a running server, over its API: a customer's
// process and activities, stage, owner and qualification; tasks, teams and
// assignment rules (listed here, changed in process_config.go).

func processVerbs() verbs {
	return verbs{
		"show":       processShow,
		"activities": processActivities,
		"log":        processLog,
		"stage":      processStage,
		"assign":     processAssign,
		"qualify":    processQualify,
		"tasks":      processTasks,
		"teams":      processTeams,
		"rules":      processRules,
	}
}

// processCmd is a process verb's flags: the server's, --json, and the
// verb's own (added by the caller before parse).
type processCmd struct {
	fs     *flag.FlagSet
	c      apiClient
	asJSON bool
}

func newProcessCmd(name, usage string, e env) *processCmd {
	p := &processCmd{fs: newFlagSet(name, e, usage+" [--json] [--server URL] [--api-key KEY]")}
	serverFlags(p.fs, &p.c)
	p.fs.BoolVar(&p.asJSON, "json", false, "print the server's JSON answer")
	return p
}

// parse parses args and checks there are nargs positional arguments.
func (p *processCmd) parse(args []string, e env, nargs int) error {
	if err := parseFlags(p.fs, args, e); err != nil {
		return err
	}
	if p.fs.NArg() != nargs {
		p.fs.Usage()
		return usageError{fmt.Errorf("leadhub %s: want %d argument(s), got %d", p.fs.Name(), nargs, p.fs.NArg())}
	}
	return nil
}

// call sends body (nil or a value to encode as JSON) and decodes the answer
// into out. With --json the answer is printed as it came and printed is true.
func (p *processCmd) call(ctx context.Context, e env, method, path string, body, out any) (printed bool, err error) {
	var raw json.RawMessage
	if body == nil {
		err = p.c.do(ctx, method, path, nil, "", &raw)
	} else {
		b, merr := json.Marshal(body)
		if merr != nil {
			return false, merr
		}
		err = p.c.do(ctx, method, path, bytes.NewReader(b), "application/json", &raw)
	}
	if err != nil {
		return false, err
	}
	if p.asJSON {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return false, err
		}
		return true, printJSON(e, v, true)
	}
	return false, json.Unmarshal(raw, out)
}

func customerPath(id, rest string) string {
	return "/api/v1/customers/" + url.PathEscape(id) + rest
}

func processShow(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process show", "process show CUSTOMER", e)
	if err := p.parse(args, e, 1); err != nil {
		return err
	}
	return p.changed(ctx, e, "GET", customerPath(p.fs.Arg(0), "/process"), nil)
}

// changed sends a request answered with a process and prints it.
func (p *processCmd) changed(ctx context.Context, e env, method, path string, body any) error {
	var pr lead.Process
	printed, err := p.call(ctx, e, method, path, body, &pr)
	if err != nil || printed {
		return err
	}
	printProcess(e, pr)
	return nil
}

func printProcess(e env, p lead.Process) {
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("customer", p.CustomerID)
	stage := string(p.Stage)
	if p.StageReason != "" {
		stage += " (" + cell(p.StageReason) + ")"
	}
	row("stage", stage)
	row("owner", cell(p.OwnerID))
	row("team", cell(p.TeamID))
	a := p.Assignment
	if a.Rule != "" {
		row("assigned", fmt.Sprintf("%s by %s: %s", cell(a.Rule), cell(a.By), cell(a.Reason)))
	}
	q := p.Qualification
	qual := string(q.Effective())
	if qual == "" {
		qual = "not qualified yet"
	}
	qual += fmt.Sprintf(" (score %d: fit %d, intent %d)", q.Score, q.Fit, q.Intent)
	if o := q.Override; o != nil {
		qual += fmt.Sprintf(", overridden by %s: %s", cell(o.By), cell(o.Reason))
	}
	row("qualification", qual)
	sla := string(p.SLA.State)
	if !p.SLA.DueAt.IsZero() {
		sla += ", due " + p.SLA.DueAt.Format(time.RFC3339)
	}
	if t := p.SLA.FirstTouchAt; t != nil {
		sla += ", first touch " + t.Format(time.RFC3339)
	}
	row("first touch", sla)
	row("opened", p.OpenedAt.Format(time.RFC3339))
	row("updated", p.UpdatedAt.Format(time.RFC3339))
	_ = tw.Flush()
}

func processActivities(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process activities", "process activities CUSTOMER", e)
	if err := p.parse(args, e, 1); err != nil {
		return err
	}
	var ans struct {
		Activities []lead.Activity `json:"activities"`
	}
	if printed, err := p.call(ctx, e, "GET", customerPath(p.fs.Arg(0), "/activities"), nil, &ans); err != nil || printed {
		return err
	}
	if len(ans.Activities) == 0 {
		fmt.Fprintln(e.stdout, "no activities")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tKIND\tOUTCOME\tBY\tNOTE")
	for _, a := range ans.Activities {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.At.Format(time.RFC3339), a.Kind, cell(a.Outcome), cell(a.By), cell(a.Body))
	}
	return tw.Flush()
}

func processLog(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process log", "process log CUSTOMER --kind call|email|meeting|note [--outcome O] [--note TEXT] [--at TIME]", e)
	var kind, outcome, note, at string
	p.fs.StringVar(&kind, "kind", "", "call, email, meeting or note (a call, an email or a meeting stops the first-touch clock)")
	p.fs.StringVar(&outcome, "outcome", "", "a call's outcome: connected, voicemail, no_answer, …")
	p.fs.StringVar(&note, "note", "", "what was said or done")
	p.fs.StringVar(&at, "at", "", "when it happened (RFC 3339; default now)")
	if err := p.parse(args, e, 1); err != nil {
		return err
	}
	if kind == "" {
		return usageError{fmt.Errorf("leadhub process log: --kind is required (call, email, meeting or note)")}
	}
	body := map[string]any{"kind": kind, "outcome": outcome, "body": note}
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return usageError{fmt.Errorf("--at %q: want an RFC 3339 time such as 2026-01-02T15:04:05Z", at)}
		}
		body["at"] = t
	}
	var a lead.Activity
	if printed, err := p.call(ctx, e, "POST", customerPath(p.fs.Arg(0), "/activities"), body, &a); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.stdout, "logged %s %s for customer %s at %s\n", a.Kind, a.ID, a.CustomerID, a.At.Format(time.RFC3339))
	return nil
}

func processStage(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process stage", "process stage CUSTOMER STAGE [--reason R]", e)
	var reason string
	p.fs.StringVar(&reason, "reason", "", "why (needed for disqualified and lost)")
	if err := p.parse(args, e, 2); err != nil {
		return err
	}
	return p.changed(ctx, e, "POST", customerPath(p.fs.Arg(0), "/stage"), map[string]string{"stage": p.fs.Arg(1), "reason": reason})
}

func processAssign(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process assign", "process assign CUSTOMER --user ID [--team ID] --reason R", e)
	var user, team, reason string
	p.fs.StringVar(&user, "user", "", "the new owner's user id")
	p.fs.StringVar(&team, "team", "", "the team (default: the owner's)")
	p.fs.StringVar(&reason, "reason", "", "why")
	if err := p.parse(args, e, 1); err != nil {
		return err
	}
	if user == "" {
		return usageError{fmt.Errorf("leadhub process assign: --user is required")}
	}
	return p.changed(ctx, e, "POST", customerPath(p.fs.Arg(0), "/assign"), map[string]string{"user": user, "team": team, "reason": reason})
}

func processQualify(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process qualify", "process qualify CUSTOMER sales_ready|nurture|disqualified --reason R", e)
	var reason string
	p.fs.StringVar(&reason, "reason", "", "why the rules are overridden")
	if err := p.parse(args, e, 2); err != nil {
		return err
	}
	return p.changed(ctx, e, "POST", customerPath(p.fs.Arg(0), "/qualification"), map[string]string{"result": p.fs.Arg(1), "reason": reason})
}

func processTasks(ctx context.Context, args []string, e env) error {
	p := newProcessCmd("process tasks", "process tasks [--owner ID|me] [--customer ID] [--state open|done|cancelled]", e)
	var owner, customer, state string
	p.fs.StringVar(&owner, "owner", "", "only this owner's tasks (me: the caller's)")
	p.fs.StringVar(&customer, "customer", "", "only this customer's tasks")
	p.fs.StringVar(&state, "state", "", "open, done or cancelled")
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	q := url.Values{}
	for k, v := range map[string]string{"owner": owner, "customer": customer, "state": state} {
		if v != "" {
			q.Set(k, v)
		}
	}
	path := "/api/v1/tasks"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var ans struct {
		Tasks []lead.Task `json:"tasks"`
	}
	if printed, err := p.call(ctx, e, "GET", path, nil, &ans); err != nil || printed {
		return err
	}
	if len(ans.Tasks) == 0 {
		fmt.Fprintln(e.stdout, "no tasks")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DUE\tSTATE\tCUSTOMER\tOWNER\tTITLE")
	for _, t := range ans.Tasks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.DueAt.Format(time.RFC3339), t.State, t.CustomerID, cell(t.OwnerID), cell(t.Title))
	}
	return tw.Flush()
}

func processTeams(ctx context.Context, args []string, e env) error {
	if ran, err := configVerb(ctx, args, e, teamsNoun); ran {
		return err
	}
	p := newProcessCmd("process teams", "process teams [create --file F | update ID --file F | delete ID]", e)
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	var ans struct {
		Teams []lead.Team `json:"teams"`
	}
	if printed, err := p.call(ctx, e, "GET", "/api/v1/teams", nil, &ans); err != nil || printed {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tMEMBERS\tMANAGERS\tDEFAULT")
	for _, t := range ans.Teams {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%v\n", t.ID, cell(t.Name), len(t.Members), cell(strings.Join(t.Managers, ",")), t.Default)
	}
	return tw.Flush()
}

func processRules(ctx context.Context, args []string, e env) error {
	if ran, err := configVerb(ctx, args, e, rulesNoun); ran {
		return err
	}
	p := newProcessCmd("process rules", "process rules [create --file F | update ID --file F | delete ID]", e)
	if err := p.parse(args, e, 0); err != nil {
		return err
	}
	var ans struct {
		Rules []lead.AssignRule `json:"rules"`
	}
	if printed, err := p.call(ctx, e, "GET", "/api/v1/rules", nil, &ans); err != nil || printed {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "POSITION\tID\tNAME\tTARGET\tUSER\tTEAM\tREASSIGN ON BREACH")
	for _, r := range ans.Rules {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%v\n", r.Position, r.ID, cell(r.Name), r.Target, cell(r.UserID), cell(r.TeamID), r.ReassignOnBreach)
	}
	return tw.Flush()
}
