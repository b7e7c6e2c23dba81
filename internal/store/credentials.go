package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/leadhub/leadhub/internal/lead"
)

// CreateCredential stores c. A zero CreatedAt means now. An id or hash that
// exists already is KindConflict.
func (s *Store) CreateCredential(ctx context.Context, c lead.Credential) error {
	if c.ID == "" || c.Kind == "" || c.Hash == "" {
		return lead.Errorf(lead.KindInvalid, "store: a credential needs an id, a kind and a hash")
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	var revoked sql.NullInt64
	if c.RevokedAt != nil {
		revoked = sql.NullInt64{Int64: c.RevokedAt.UnixMicro(), Valid: true}
	}
	var user sql.NullString
	if c.UserID != "" {
		user = sql.NullString{String: c.UserID, Valid: true}
	}
	_, err := s.w.ExecContext(ctx, insertCredential,
		c.ID, string(c.Kind), c.Name, c.Hint, c.Hash, c.CreatedAt.UnixMicro(), revoked, user)
	if err != nil && s.d.foreignKeyViolation(err) {
		return lead.Errorf(lead.KindNotFound, "store: no user %q for the credential", c.UserID)
	}
	if err != nil && s.d.uniqueViolation(err) {
		return lead.Errorf(lead.KindConflict, "store: a credential with id %q or the same secret exists already", c.ID)
	}
	return s.fail("creating credential", err)
}

// ListCredentials returns the credentials of kind (all kinds when empty),
// newest first, revoked ones included.
func (s *Store) ListCredentials(ctx context.Context, kind lead.CredentialKind) ([]lead.Credential, error) {
	q, args := listCredentials, []any{string(kind)}
	if kind == "" {
		q, args = listAllCredentials, nil
	}
	cs, err := s.queryCredentials(ctx, s.r, q, args...)
	if err != nil {
		return nil, s.fail("listing credentials", err)
	}
	return cs, nil
}

// RevokeCredential revokes the credential of kind whose id is idOrHint or,
// failing that, whose hint starts with idOrHint. A prefix that fits several
// active credentials is KindConflict. Revoking a revoked credential returns
// it unchanged.
func (s *Store) RevokeCredential(ctx context.Context, kind lead.CredentialKind, idOrHint string) (lead.Credential, error) {
	const op = "revoking credential"
	if idOrHint == "" {
		return lead.Credential{}, lead.Errorf(lead.KindInvalid, "store: which credential? give its id or the start of its hint")
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return lead.Credential{}, s.fail(op, err)
	}
	defer tx.Rollback()

	idOrHint = clean(idOrHint)
	found, err := s.queryCredentials(ctx, tx, findCredentials+s.forUpdateOf("c"), string(kind), idOrHint, likePrefix(idOrHint))
	if err != nil {
		return lead.Credential{}, s.fail(op, err)
	}
	var c *lead.Credential
	var byHint, activeByHint []*lead.Credential
	for i := range found {
		f := &found[i]
		if f.ID == idOrHint {
			c = f
			break
		}
		if strings.HasPrefix(f.Hint, idOrHint) { // LIKE may ignore case
			byHint = append(byHint, f)
			if f.RevokedAt == nil {
				activeByHint = append(activeByHint, f)
			}
		}
	}
	if c == nil {
		switch {
		case len(activeByHint) == 1:
			c = activeByHint[0]
		case len(activeByHint) > 1 || len(byHint) > 1:
			return lead.Credential{}, lead.Errorf(lead.KindConflict,
				"store: %q matches %d %s credentials; give more of the hint or the id", idOrHint, len(byHint), kind)
		case len(byHint) == 1:
			c = byHint[0]
		default:
			return lead.Credential{}, lead.Errorf(lead.KindNotFound, "store: no %s credential with id or hint %q", kind, idOrHint)
		}
	}
	if c.RevokedAt != nil {
		return *c, nil
	}
	now := time.Now()
	if _, err := tx.ExecContext(ctx, revokeCredential, c.ID, now.UnixMicro()); err != nil {
		return lead.Credential{}, s.fail(op, err)
	}
	if err := tx.Commit(); err != nil {
		return lead.Credential{}, s.fail(op, err)
	}
	at := fromMicros(now.UnixMicro())
	c.RevokedAt = &at
	return *c, nil
}

// ActiveCredentials returns the unrevoked credentials of kind, by hash.
func (s *Store) ActiveCredentials(ctx context.Context, kind lead.CredentialKind) ([]lead.Credential, error) {
	cs, err := s.queryCredentials(ctx, s.r, activeCredentials, string(kind))
	if err != nil {
		return nil, s.fail("reading credentials", err)
	}
	return cs, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *Store) queryCredentials(ctx context.Context, db querier, q string, args ...any) ([]lead.Credential, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	return collect(rows, err, []lead.Credential{}, scanCredential)
}

// scanCredential reads credentialColumns.
func scanCredential(sc scanner) (lead.Credential, error) {
	var (
		c       lead.Credential
		kind    string
		created int64
		revoked sql.NullInt64
		user    sql.NullString
		role    string
	)
	if err := sc.Scan(&c.ID, &kind, &c.Name, &c.Hint, &c.Hash, &created, &revoked, &user, &role); err != nil {
		return lead.Credential{}, err
	}
	c.Kind = lead.CredentialKind(kind)
	c.UserID = user.String
	if c.Kind == lead.CredentialAPI {
		c.Role = lead.Role(role)
	}
	c.CreatedAt = fromMicros(created)
	if revoked.Valid {
		t := fromMicros(revoked.Int64)
		c.RevokedAt = &t
	}
	return c, nil
}

// forUpdateOf is the dialect's row lock limited to the rows of table
// alias (PostgreSQL refuses to lock the nullable side of an outer join).
func (s *Store) forUpdateOf(alias string) string {
	if s.d.forUpdate == "" {
		return ""
	}
	return s.d.forUpdate + " OF " + alias
}
