package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

func runMigrate(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("migrate", "migrate [--database DSN] [--create]", e)
	var create bool
	fs.BoolVar(&create, "create", false, "create the SQLite database when it does not exist (serve creates it too); without, a missing database is an error")
	if err := parseFlags(fs.FlagSet, args, e); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("usage: leadhub %s", fs.usage)}
	}
	st, err := openStore(ctx, fs.dsn, nil, create)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(e.stdout, "database %s is up to date\n", fs.db())
	return nil
}

// credentialVerbs are `leadhub token …` and `leadhub apikey …`.
func credentialVerbs(group string, kind lead.CredentialKind) verbs {
	return verbs{
		"create": func(ctx context.Context, args []string, e env) error {
			usage := group + " create [--name NAME] [--database DSN]"
			if kind == lead.CredentialAPI {
				usage = group + " create [--name NAME] [--user EMAIL] [--database DSN]"
			}
			fs := newDBCommand(group+" create", usage, e)
			var name, publicURL, user string
			fs.StringVar(&name, "name", "", "a label to recognise it by")
			if kind == lead.CredentialIngest {
				fs.StringVar(&publicURL, "public-url", "http://127.0.0.1:8080", "server URL, to print the full ingest URL")
			} else {
				fs.StringVar(&user, "user", "", "the user the key belongs to (email or id); it acts with that user's role. Without: an admin key of no user")
			}
			return fs.run(ctx, args, e, 0, func(st *store.Store) error {
				secret, cred := auth.NewSecret(kind, name, time.Now())
				if user != "" {
					u, err := findUser(ctx, st, user)
					if err != nil {
						return err
					}
					cred.UserID = u.ID
				}
				if err := st.CreateCredential(ctx, cred); err != nil {
					return err
				}
				fmt.Fprintf(e.stderr, "created %s %s; it is shown only once:\n", group, cred.ID)
				if kind == lead.CredentialIngest {
					fmt.Fprintln(e.stdout, ingestURL(publicURL, secret))
				} else {
					fmt.Fprintln(e.stdout, secret)
				}
				return nil
			})
		},
		"list": func(ctx context.Context, args []string, e env) error {
			fs := newDBCommand(group+" list", group+" list [--json] [--database DSN]", e)
			var asJSON bool
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			return fs.run(ctx, args, e, 0, func(st *store.Store) error {
				creds, err := st.ListCredentials(ctx, kind)
				if err != nil {
					return err
				}
				if asJSON {
					if creds == nil {
						creds = []lead.Credential{}
					}
					return json.NewEncoder(e.stdout).Encode(creds)
				}
				tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tHINT\tNAME\tUSER\tROLE\tCREATED\tSTATE")
				for _, c := range creds {
					state := "active"
					if c.RevokedAt != nil {
						state = "revoked " + c.RevokedAt.Format(time.RFC3339)
					}
					role := string(c.Role)
					if c.Role == "" && c.Kind == lead.CredentialAPI {
						role = "- (user disabled)"
					}
					fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Hint, c.Name, c.UserID, role, c.CreatedAt.Format(time.RFC3339), state)
				}
				return tw.Flush()
			})
		},
		"revoke": func(ctx context.Context, args []string, e env) error {
			fs := newDBCommand(group+" revoke", group+" revoke ID|HINT [--database DSN]", e)
			return fs.run(ctx, args, e, 1, func(st *store.Store) error {
				c, err := st.RevokeCredential(ctx, kind, fs.Arg(0))
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "revoked %s %s (%s…); running servers stop accepting it within seconds\n", group, c.ID, c.Hint)
				if creds, err := st.ListCredentials(ctx, kind); err == nil && !anyActive(creds) {
					if kind == lead.CredentialIngest {
						fmt.Fprintln(e.stderr, "warning: that was the last active ingest token: Microsoft's lead deliveries are now refused (401) "+
							"until you create one with `leadhub token create` and give Partner Center its URL")
					} else {
						fmt.Fprintln(e.stderr, "warning: that was the last active API key: /api/v1 refuses every request until you create one with `leadhub apikey create`")
					}
				}
				return nil
			})
		},
	}
}
