package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/sources"
)

func sourcesList(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("sources list", e, "sources list [--json] [--server URL] [--api-key KEY]")
	var c apiClient
	var asJSON bool
	serverFlags(fs, &c)
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	var ans struct {
		Sources []sources.Status `json:"sources"`
	}
	if err := c.do(ctx, "GET", "/api/v1/sources", nil, "", &ans); err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.stdout).Encode(ans.Sources)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tSTATE\tLAST LEAD\tTODAY\t14 DAYS\tTOTAL\tLAST ERROR")
	for _, s := range ans.Sources {
		last := "never"
		if s.LastReceived != nil {
			last = s.LastReceived.Format(time.RFC3339)
		}
		today, fortnight := 0, 0
		for i, d := range s.PerDay {
			fortnight += d.Count
			if i == len(s.PerDay)-1 {
				today = d.Count
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\n", s.Source, s.State, last, today, fortnight, s.Total, cell(s.LastError))
	}
	return tw.Flush()
}

func sourcesSync(ctx context.Context, args []string, e env) error {
	fs := newFlagSet("sources sync", e, "sources sync [--source SOURCE] [--server URL] [--api-key KEY]")
	var c apiClient
	var only string
	serverFlags(fs, &c)
	fs.StringVar(&only, "source", "", "poll only this source (e.g. azure_table:account/table)")
	if err := parseFlags(fs, args, e); err != nil {
		return err
	}
	path := "/api/v1/sources/sync"
	if only != "" {
		path += "?source=" + url.QueryEscape(only)
	}
	var ans struct {
		Results []struct {
			Source string `json:"source"`
			OK     bool   `json:"ok"`
			Error  string `json:"error"`
		} `json:"results"`
	}
	if err := c.do(ctx, "POST", path, nil, "", &ans); err != nil {
		return err
	}
	if len(ans.Results) == 0 {
		fmt.Fprintln(e.stdout, "no polled sources are configured (see serve --azure-table)")
		return nil
	}
	failed := 0
	for _, r := range ans.Results {
		if r.OK {
			fmt.Fprintf(e.stdout, "%s\tpolled\n", r.Source)
		} else {
			failed++
			fmt.Fprintf(e.stdout, "%s\tfailed: %s\n", r.Source, r.Error)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%s of %d sources failed to poll", strconv.Itoa(failed), len(ans.Results))
	}
	return nil
}
