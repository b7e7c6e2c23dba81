package store

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/leadhub/leadhub/internal/lead"
)

const acceptedForms = "sqlite:<path> (or sqlite://<path>, file:<path>) or postgres://user@host:port/db (or postgresql://…)"

// address is a parsed database address.
type address struct {
	engine   string // engineSQLite or enginePostgres
	path     string // sqlite: file system path
	dsn      string // postgres: as given, for the driver
	redacted string // postgres: safe to show, password removed
	secrets  []string
}

func (a address) sqlite() bool   { return a.engine == engineSQLite }
func (a address) postgres() bool { return a.engine == enginePostgres }

// parseDSN recognises the accepted address forms. Its errors never contain
// a password.
func parseDSN(dsn string) (address, error) {
	dsn = strings.TrimSpace(dsn)
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return parsePostgres(dsn)
	case strings.HasPrefix(lower, "sqlite://"):
		return sqliteAddress(dsn[len("sqlite://"):], dsn)
	case strings.HasPrefix(lower, "sqlite:"):
		return sqliteAddress(dsn[len("sqlite:"):], dsn)
	case strings.HasPrefix(lower, "file:"):
		return parseFileURI(dsn)
	}
	// Only the scheme is shown: the rest may hold a password.
	what := "has no scheme"
	if i := strings.Index(dsn, ":"); i > 0 && !strings.ContainsAny(dsn[:i], "/@ =") {
		what = fmt.Sprintf("has scheme %q", dsn[:i])
	}
	return address{}, lead.Errorf(lead.KindInvalid,
		"store: unsupported database address: it %s; use %s", what, acceptedForms)
}

func sqliteAddress(path, original string) (address, error) {
	if path == "" {
		return address{}, lead.Errorf(lead.KindInvalid, "store: database address %q has no file path; use %s", original, acceptedForms)
	}
	if strings.Contains(path, "?") {
		return address{}, lead.Errorf(lead.KindInvalid,
			"store: SQLite address %q must not carry query parameters; leadhub configures SQLite itself", original)
	}
	if strings.HasPrefix(path, ":memory:") || path == ":memory" {
		return address{}, lead.Errorf(lead.KindInvalid,
			"store: in-memory SQLite is not supported (the writer and the readers are separate connections); use a file")
	}
	return address{engine: engineSQLite, path: path}, nil
}

// parseFileURI accepts SQLite's file: URIs: file:rel/path, file:/abs/path,
// file:///abs/path and file://localhost/abs/path, percent-encoded.
func parseFileURI(dsn string) (address, error) {
	rest := dsn[len("file:"):]
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		if rest[i] == '?' && len(rest) > i+1 {
			return address{}, lead.Errorf(lead.KindInvalid,
				"store: SQLite address %q must not carry query parameters; leadhub configures SQLite itself", dsn)
		}
		rest = rest[:i]
	}
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		host := rest
		if i := strings.Index(rest, "/"); i >= 0 {
			host = rest[:i]
		}
		if host != "" && !strings.EqualFold(host, "localhost") {
			return address{}, lead.Errorf(lead.KindInvalid,
				"store: file URI %q names host %q; only local files are supported", dsn, host)
		}
		rest = rest[len(host):]
	}
	path, err := url.PathUnescape(rest)
	if err != nil {
		return address{}, lead.Errorf(lead.KindInvalid, "store: file URI %q is not valid: %v", dsn, err)
	}
	return sqliteAddress(path, dsn)
}

func parsePostgres(dsn string) (address, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		// url's errors quote the input; do not pass them on.
		return address{}, lead.Errorf(lead.KindInvalid,
			"store: PostgreSQL address is not a valid URL; use %s", acceptedForms)
	}
	a := address{engine: enginePostgres, dsn: dsn}
	if u.User != nil {
		if pw, ok := u.User.Password(); ok && pw != "" {
			a.secrets = append(a.secrets, pw)
		}
	}
	q := u.Query()
	for _, pw := range q["password"] {
		if pw != "" {
			a.secrets = append(a.secrets, pw)
		}
	}
	r := *u
	if r.User != nil {
		if _, ok := r.User.Password(); ok {
			r.User = url.UserPassword(r.User.Username(), "xxxxx")
		}
	}
	if q.Has("password") {
		q.Set("password", "xxxxx")
		r.RawQuery = q.Encode()
	}
	a.redacted = r.String()
	return a, nil
}

// redact returns err with every secret of the address blanked out of its
// message, in raw and URL-encoded form.
func (a address) redact(err error) error {
	if err == nil || len(a.secrets) == 0 {
		return err
	}
	var olds []string
	for _, s := range a.secrets {
		olds = append(olds, s, url.QueryEscape(s), url.PathEscape(s), url.UserPassword("", s).String()[1:])
	}
	return redactedError{err: err, secrets: olds}
}

type redactedError struct {
	err     error
	secrets []string
}

func (e redactedError) Error() string {
	msg := e.err.Error()
	for _, s := range e.secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

// redactedError deliberately has no Unwrap: the wrapped error's own
// message may hold the password.
