package azuretable

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// ConnectionStrings is a repeatable command-line flag (flag.Value): each
// use adds one connection string, and a value of several lines (as an
// environment variable holds them) adds one per non-empty line. Set never
// fails, so that the flag package never prints a value back: check the
// strings with ParseConnectionString (NewPollers does).
type ConnectionStrings []string

// String shows how many connection strings there are, never their text.
func (c *ConnectionStrings) String() string {
	if c == nil || len(*c) == 0 {
		return ""
	}
	if len(*c) == 1 {
		return "1 connection string (redacted)"
	}
	return fmt.Sprintf("%d connection strings (redacted)", len(*c))
}

// Set adds v: one connection string, or one per line.
func (c *ConnectionStrings) Set(v string) error {
	if t := strings.TrimSpace(v); strings.HasPrefix(t, "{") && json.Valid([]byte(t)) {
		*c = append(*c, t) // one JSON form, possibly spread over lines
		return nil
	}
	for line := range strings.SplitSeq(v, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			*c = append(*c, line)
		}
	}
	return nil
}

// CheckConfig checks what NewPollers will be given: each connection
// string, the table name ("" is DefaultTable), and that no source is
// configured twice. Errors name a connection string by its position
// (1-based), never by its text.
func CheckConfig(connStrings []string, table string) error {
	_, err := parseAll(connStrings, table)
	return err
}

func parseAll(connStrings []string, table string) ([]Account, error) {
	if table == "" {
		table = DefaultTable
	}
	var (
		accounts []Account
		errs     []error
		seen     = map[string]int{}
	)
	if err := validTableName(table); err != nil {
		errs = append(errs, err)
	}
	for i, cs := range connStrings {
		acct, err := ParseConnectionString(cs)
		if err != nil {
			errs = append(errs, fmt.Errorf("azure table connection string %d: %w", i+1, err))
			continue
		}
		src := SourceKey(acct.Name, table)
		if j, dup := seen[src]; dup {
			errs = append(errs, fmt.Errorf("azure table connection strings %d and %d both name %s", j, i+1, src))
			continue
		}
		seen[src] = i + 1
		accounts = append(accounts, acct)
	}
	return accounts, errors.Join(errs...)
}

// NewPollers returns one poller per connection string, all reading
// opt.Table; errors are those of CheckConfig.
func NewPollers(connStrings []string, opt Options, deps Deps) ([]*Poller, error) {
	accounts, err := parseAll(connStrings, opt.Table)
	if err != nil {
		return nil, err
	}
	pollers := make([]*Poller, 0, len(accounts))
	for _, acct := range accounts {
		p, err := NewPoller(acct, opt, deps)
		if err != nil {
			return nil, err
		}
		pollers = append(pollers, p)
	}
	return pollers, nil
}

// Group runs several pollers until stopped. A nil *Group has no pollers.
type Group struct {
	pollers []*Poller
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Start runs each poller in its own goroutine until ctx ends or Stop.
func Start(ctx context.Context, pollers []*Poller) *Group {
	ctx, cancel := context.WithCancel(ctx)
	g := &Group{pollers: pollers, cancel: cancel}
	for _, p := range pollers {
		g.wg.Go(func() { _ = p.Run(ctx) })
	}
	return g
}

// Pollers returns the group's pollers, in configuration order.
func (g *Group) Pollers() []*Poller {
	if g == nil {
		return nil
	}
	return g.pollers
}

// Poller returns the poller of a source key, or nil.
func (g *Group) Poller(source string) *Poller {
	for _, p := range g.Pollers() {
		if p.Source() == source {
			return p
		}
	}
	return nil
}

// Sync polls every source now and waits for all (see Poller.Sync); the
// error joins those of the sources that failed.
func (g *Group) Sync(ctx context.Context) error {
	ps := g.Pollers()
	errs := make([]error, len(ps))
	var wg sync.WaitGroup
	for i, p := range ps {
		wg.Go(func() { errs[i] = p.Sync(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Stop ends every poller and waits: polls under way finish the entities
// already handed to the inbox and save their progress. Call it before
// closing the inbox.
func (g *Group) Stop() {
	if g == nil {
		return
	}
	g.cancel()
	g.wg.Wait()
}
