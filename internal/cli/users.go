package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	_ "time/tzdata" // users' time zones are checked on machines without a zone database too

	"github.com/leadhub/leadhub/internal/auth"
	"github.com/leadhub/leadhub/internal/lead"
	"github.com/leadhub/leadhub/internal/store"
)

// UserTokenTTL is how long a one-time set-password link works.
const UserTokenTTL = auth.UserTokenTTL

func usersVerbs() verbs {
	return verbs{
		"create":         usersCreate,
		"list":           usersList,
		"disable":        usersSetDisabled(true),
		"enable":         usersSetDisabled(false),
		"reset-password": usersResetPassword,
		"setup-link":     usersSetupLink,
	}
}

func usersCreate(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("users create", "users create --email E --role admin|manager|rep|viewer [--name N] [--time-zone TZ] [--public-url URL] [--database DSN]\n"+
		"  The password is read from standard input when it is not a terminal; otherwise a one-time link to set it is printed.", e)
	var email, role, name, tz, publicURL string
	fs.StringVar(&email, "email", "", "the user's email (to sign in with)")
	fs.StringVar(&role, "role", "", "admin, manager, rep or viewer")
	fs.StringVar(&name, "name", "", "display name")
	fs.StringVar(&tz, "time-zone", "UTC", "IANA time zone, e.g. Europe/Berlin")
	fs.StringVar(&publicURL, "public-url", "http://127.0.0.1:8080", "server URL, to print the set-password link")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		r, err := lead.ParseRole(role)
		if err != nil {
			return usageError{err}
		}
		u, err := auth.NewUser(email, name, tz, r)
		if err != nil {
			return usageError{fmt.Errorf("users create: %s", lead.MessageOf(err))}
		}
		pw, given, err := passwordFromStdin(e.stdin)
		if err != nil {
			return err
		}
		if given {
			if u.PasswordHash, err = auth.HashPassword(pw, auth.DefaultParams); err != nil {
				return err
			}
		}
		if err := st.CreateUser(ctx, u); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "created user %s (%s, %s)\n", u.Email, u.ID, u.Role)
		if given {
			return nil
		}
		return printSetPasswordLink(ctx, st, e, u, lead.TokenSetPassword, publicURL)
	})
}

func usersList(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("users list", "users list [--json] [--database DSN]", e)
	var asJSON bool
	fs.BoolVar(&asJSON, "json", false, "print JSON")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		us, err := st.ListUsers(ctx)
		if err != nil {
			return err
		}
		if asJSON {
			return json.NewEncoder(e.stdout).Encode(us)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tTIME ZONE\tSTATE")
		for _, u := range us {
			state := "active"
			switch {
			case u.Disabled:
				state = "disabled"
			case !u.HasPassword():
				state = "no password yet"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.DisplayName, u.Role, u.TimeZone, state)
		}
		return tw.Flush()
	})
}

func usersSetDisabled(disabled bool) func(ctx context.Context, args []string, e env) error {
	verb := "enable"
	if disabled {
		verb = "disable"
	}
	return func(ctx context.Context, args []string, e env) error {
		fs := newDBCommand("users "+verb, "users "+verb+" EMAIL|ID [--database DSN]", e)
		return fs.run(ctx, args, e, 1, func(st *store.Store) error {
			u, err := findUser(ctx, st, fs.Arg(0))
			if err != nil {
				return err
			}
			if u, err = st.SetUserDisabled(ctx, u.ID, disabled); err != nil {
				return err
			}
			if disabled {
				fmt.Fprintf(e.stdout, "disabled %s: signed out everywhere; running servers refuse the user's API keys within seconds\n", u.Email)
			} else {
				fmt.Fprintf(e.stdout, "enabled %s\n", u.Email)
			}
			return nil
		})
	}
}

func usersResetPassword(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("users reset-password", "users reset-password EMAIL|ID [--public-url URL] [--database DSN]\n"+
		"  The new password is read from standard input when it is not a terminal; otherwise a one-time link to set it is printed.", e)
	var publicURL string
	fs.StringVar(&publicURL, "public-url", "http://127.0.0.1:8080", "server URL, to print the set-password link")
	return fs.run(ctx, args, e, 1, func(st *store.Store) error {
		u, err := findUser(ctx, st, fs.Arg(0))
		if err != nil {
			return err
		}
		pw, given, err := passwordFromStdin(e.stdin)
		if err != nil {
			return err
		}
		if !given {
			return printSetPasswordLink(ctx, st, e, u, lead.TokenResetPassword, publicURL)
		}
		h, err := auth.HashPassword(pw, auth.DefaultParams)
		if err != nil {
			return err
		}
		if err := st.SetPassword(ctx, u.ID, h); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "set a new password for %s; signed out everywhere\n", u.Email)
		return nil
	})
}

// findUser finds a user by email or id.
func findUser(ctx context.Context, st *store.Store, emailOrID string) (lead.User, error) {
	if strings.Contains(emailOrID, "@") {
		return st.UserByEmail(ctx, emailOrID)
	}
	return st.GetUser(ctx, emailOrID)
}

// passwordFromStdin reads a password from standard input when it is not a
// terminal (a pipe or a file: its first line). given is false when there
// is no such input; a password is never taken from a flag.
func passwordFromStdin(in io.Reader) (pw string, given bool, err error) {
	if in == nil {
		return "", false, nil
	}
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return "", false, nil
		}
	}
	line, err := bufio.NewReader(io.LimitReader(in, auth.MaxPasswordLen+2)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", false, fmt.Errorf("reading the password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", false, nil
	}
	if err := auth.CheckNewPassword(line); err != nil {
		return "", false, err
	}
	return line, true, nil
}

// printSetPasswordLink stores a one-time token for u and prints the link
// that sets the password with it.
func printSetPasswordLink(ctx context.Context, st *store.Store, e env, u lead.User, purpose lead.UserTokenPurpose, publicURL string) error {
	token, err := auth.NewUserToken(ctx, st, u.ID, purpose, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "give %s this one-time link to set the password (it works once, for %s; it is shown only once):\n",
		u.Email, UserTokenTTL)
	fmt.Fprintln(e.stdout, auth.SetPasswordURL(publicURL, token))
	return nil
}

// usersSetupLink prints a one-time link that creates the first admin in
// the web app, while no user exists.
func usersSetupLink(ctx context.Context, args []string, e env) error {
	fs := newDBCommand("users setup-link", "users setup-link [--public-url URL] [--database DSN]\n"+
		"  While no user exists, prints a one-time link that creates the first administrator.", e)
	var publicURL string
	fs.StringVar(&publicURL, "public-url", "http://127.0.0.1:8080", "server URL, to print the link")
	return fs.run(ctx, args, e, 0, func(st *store.Store) error {
		n, err := st.CountUsers(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return lead.Errorf(lead.KindConflict, "users setup-link: a user exists already; admins create the others (`leadhub users create`, or Settings → Users)")
		}
		token, err := auth.NewSetupToken(ctx, st, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "open this one-time link to create the first administrator (it works once, for %s; it is shown only once):\n", auth.SetupTokenTTL)
		fmt.Fprintln(e.stdout, auth.SetupURL(publicURL, token))
		return nil
	})
}
