package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
)

// Teams and assignment rules changed from JSON files: `process teams
// create --file team.json`, `process teams update ID --file team.json`,
// `process teams delete ID`, and the same for rules. A file holds one team
// or rule as `process teams --json` or `process rules --json` shows it;
// the server checks it whole and names every problem.

// configNoun is a kind of process configuration: its name and its API.
type configNoun struct {
	noun, path string
}

var (
	teamsNoun = configNoun{noun: "team", path: "/api/v1/teams"}
	rulesNoun = configNoun{noun: "rule", path: "/api/v1/rules"}
)

// configVerb runs `process teams|rules create|update|delete …` when args
// start with one of those verbs; ran is false otherwise (a listing).
func configVerb(ctx context.Context, args []string, e env, n configNoun) (ran bool, err error) {
	if len(args) == 0 {
		return false, nil
	}
	name := "process " + n.noun + "s " + args[0]
	switch args[0] {
	case "create":
		p := newProcessCmd(name, name+" --file FILE.json|-", e)
		file := p.fs.String("file", "", "the "+n.noun+" as JSON (-: standard input)")
		if err := p.parse(args[1:], e, 0); err != nil {
			return true, err
		}
		return true, p.sendConfig(ctx, e, "POST", n.path, *file, "created "+n.noun)
	case "update":
		p := newProcessCmd(name, name+" ID --file FILE.json|-", e)
		file := p.fs.String("file", "", "the whole "+n.noun+" as JSON (-: standard input); it replaces the stored one")
		if err := p.parse(args[1:], e, 1); err != nil {
			return true, err
		}
		return true, p.sendConfig(ctx, e, "PUT", n.path+"/"+url.PathEscape(p.fs.Arg(0)), *file, "updated "+n.noun)
	case "delete":
		p := newProcessCmd(name, name+" ID", e)
		if err := p.parse(args[1:], e, 1); err != nil {
			return true, err
		}
		id := p.fs.Arg(0)
		if err := p.c.do(ctx, "DELETE", n.path+"/"+url.PathEscape(id), nil, "", nil); err != nil {
			return true, err
		}
		fmt.Fprintf(e.stdout, "deleted %s %s\n", n.noun, id)
		return true, nil
	}
	return false, nil
}

// readJSONFile reads the JSON object of --file (-: standard input).
func readJSONFile(path string, e env) (json.RawMessage, error) {
	if path == "" {
		return nil, usageError{fmt.Errorf("--file is required (a JSON file, or - for standard input)")}
	}
	var in io.Reader
	if path == "-" {
		if e.stdin == nil {
			return nil, usageError{fmt.Errorf("no standard input to read")}
		}
		in = e.stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	b, err := io.ReadAll(io.LimitReader(in, 64<<10+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 64<<10 {
		return nil, fmt.Errorf("--file %s: larger than the server takes (64 KiB)", path)
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("--file %s: not valid JSON", path)
	}
	return b, nil
}

// sendConfig sends the JSON of file and prints what the server stored:
// "created team ID (NAME)", or its JSON with --json.
func (p *processCmd) sendConfig(ctx context.Context, e env, method, path, file, done string) error {
	body, err := readJSONFile(file, e)
	if err != nil {
		return err
	}
	var ans struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	if printed, err := p.call(ctx, e, method, path, body, &ans); err != nil || printed {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s (%s)\n", done, ans.ID, cell(ans.Name))
	return nil
}
