package store

import (
	"strconv"
	"strings"
)

// The SQL is the same on both engines. Multi-row INSERTs are completed with
// values(); filters are assembled by where, whose "$#" stands for the next
// parameter number.

const (
	// Claims idempotency keys for a batch. A row comes back for every key
	// that is new, or whose earlier claim had expired when this item was
	// received; a key that does not come back is a duplicate. On PostgreSQL
	// a concurrent transaction claiming the same key waits for this one,
	// then sees its row and gets nothing back.
	upsertDedupHead = `INSERT INTO ingest_dedup (dedup_key, raw_id, received_at, expires_at) VALUES `
	upsertDedupTail = ` ON CONFLICT (dedup_key) DO UPDATE
SET raw_id = excluded.raw_id, received_at = excluded.received_at, expires_at = excluded.expires_at
WHERE ingest_dedup.expires_at <= excluded.received_at
RETURNING dedup_key`
	upsertDedupCols = 4

	// The stored raw lead behind each duplicate key.
	selectDedupHead = `SELECT d.dedup_key, d.raw_id, r.status, r.error
FROM ingest_dedup d JOIN raw_leads r ON r.id = d.raw_id
WHERE d.dedup_key IN `

	insertRawHead = `INSERT INTO raw_leads
(id, channel, source, received_at, body, body_sha256, size, status, error, attempts, updated_at, import_id) VALUES `
	insertRawCols = 12

	insertLeadHead = `INSERT INTO leads
(id, received_at, channel, source, action, publisher_id, offer_id, offer_title, stage, is_test,
 first_name, last_name, email, phone, country, company, title,
 description, description_params, extra, notes, search) VALUES `
	insertLeadCols = 22

	leadColumns = `id, received_at, channel, source, action, publisher_id, offer_id, offer_title, stage, is_test,
 first_name, last_name, email, phone, country, company, title,
 description, description_params, extra, notes, customer_id,
 (SELECT a.account_id FROM customers a WHERE a.id = leads.customer_id)`

	selectLeads = `SELECT ` + leadColumns + ` FROM leads`
	selectLead  = `SELECT ` + leadColumns + `, (SELECT body FROM raw_leads r WHERE r.id = leads.id)
FROM leads WHERE id = $1`

	// Lead filters, for where.add.
	filterOffer          = `(publisher_id || '.' || offer_id = $# OR offer_id = $# OR offer_title = $#)`
	filterAction         = `action = $#`
	filterSource         = `source = $#`
	filterStage          = `stage = $#`
	filterIsTest         = `is_test = $#`
	filterReceivedAfter  = `received_at > $#`
	filterReceivedBefore = `received_at < $#`
	filterBeforeID       = `id < $#`
	orderNewestFirst     = ` ORDER BY id DESC LIMIT $#`

	rawColumns = `id, channel, source, received_at, status, error, attempts, body_sha256, size, import_id, body, fixed_body`

	selectRaw        = `SELECT ` + rawColumns + ` FROM raw_leads WHERE id = $1`
	selectQuarantine = `SELECT ` + rawColumns + ` FROM raw_leads`
	filterQuarantine = `status = 'quarantined'`
	filterImportID   = `import_id = $#`
	countQuarantine  = `SELECT count(*) FROM raw_leads WHERE status = 'quarantined'`

	updateRawParsed = `UPDATE raw_leads SET status = 'parsed', error = '', updated_at = $2 WHERE id = $1`
	updateRawFailed = `UPDATE raw_leads SET attempts = attempts + 1, error = $2, updated_at = $3 WHERE id = $1`
	updateRawFixed  = `UPDATE raw_leads SET fixed_body = $2 WHERE id = $1`

	credentialColumns = `id, kind, name, hint, hash, created_at, revoked_at, user_id`
	// credentialSelect reads credentialColumns and the key's role: its
	// user's, admin for a key without a user, '' for a disabled user's.
	credentialSelect = `SELECT c.id, c.kind, c.name, c.hint, c.hash, c.created_at, c.revoked_at, c.user_id,
CASE WHEN c.user_id IS NULL THEN 'admin' WHEN u.disabled = 1 THEN '' ELSE u.role END
FROM credentials c LEFT JOIN users u ON u.id = c.user_id`

	insertCredential = `INSERT INTO credentials (` + credentialColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	listCredentials  = credentialSelect + ` WHERE c.kind = $1
ORDER BY c.created_at DESC, c.id DESC`
	listAllCredentials = credentialSelect + `
ORDER BY c.created_at DESC, c.id DESC`
	// Candidates for RevokeCredential: the exact id, or hints starting with
	// the given prefix ($3, a LIKE pattern).
	findCredentials = credentialSelect + `
WHERE c.kind = $1 AND (c.id = $2 OR c.hint LIKE $3 ESCAPE '\')
ORDER BY c.created_at DESC, c.id DESC`
	revokeCredential  = `UPDATE credentials SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`
	activeCredentials = credentialSelect + `
WHERE c.kind = $1 AND c.revoked_at IS NULL AND (c.user_id IS NULL OR u.disabled = 0) ORDER BY c.hash`

	userColumns = `id, email, display_name, time_zone, role, disabled, password_hash, created_at, updated_at`

	insertUser      = `INSERT INTO users (` + userColumns + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	selectUser      = `SELECT ` + userColumns + ` FROM users WHERE id = $1`
	selectUserEmail = `SELECT ` + userColumns + ` FROM users WHERE email = $1`
	listUsers       = `SELECT ` + userColumns + ` FROM users ORDER BY email`
	setUserDisabled = `UPDATE users SET disabled = $2, updated_at = $3 WHERE id = $1`
	setUserPassword = `UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1`

	insertUserToken  = `INSERT INTO user_tokens (hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`
	takeUserToken    = `DELETE FROM user_tokens WHERE hash = $1 RETURNING user_id, expires_at`
	deleteUserTokens = `DELETE FROM user_tokens WHERE user_id = $1`

	sessionColumns = `hash, user_id, created_at, last_seen_at, expires_at`
	insertSession  = `INSERT INTO sessions (` + sessionColumns + `) VALUES ($1, $2, $3, $4, $5)`
	selectSession  = `SELECT s.hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, u.` + userColumnsU + `
FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.hash = $1`
	touchSession       = `UPDATE sessions SET last_seen_at = $2 WHERE hash = $1 AND last_seen_at < $2`
	deleteSession      = `DELETE FROM sessions WHERE hash = $1`
	deleteUserSessions = `DELETE FROM sessions WHERE user_id = $1`
	userColumnsU       = `id, u.email, u.display_name, u.time_zone, u.role, u.disabled, u.password_hash, u.created_at, u.updated_at`
)

// maxRowsPerStatement caps multi-row statements: a batch of up to 256
// items needs one statement per table on PostgreSQL.
const maxRowsPerStatement = 256

// rowsPerStatement is how many rows of cols parameters one statement
// carries, with reserved other parameters, within d.stmtParams.
func (d dialect) rowsPerStatement(cols, reserved int) int {
	return max(1, min(maxRowsPerStatement, (d.stmtParams-reserved)/cols))
}

// where assembles AND-ed conditions with numbered parameters.
type where struct {
	conds []string
	args  []any
}

// add appends cond, whose every "$#" refers to arg; a cond with no "$#"
// takes no argument (pass nil).
func (w *where) add(cond string, arg any) {
	if strings.Contains(cond, "$#") {
		w.args = append(w.args, arg)
		cond = strings.ReplaceAll(cond, "$#", "$"+strconv.Itoa(len(w.args)))
	}
	w.conds = append(w.conds, cond)
}

// sql returns base with the conditions and then tail, whose "$#" (if any)
// refers to tailArg.
func (w *where) sql(base, tail string, tailArg any) (string, []any) {
	var b strings.Builder
	b.WriteString(base)
	if len(w.conds) > 0 {
		b.WriteString(" WHERE ")
		b.WriteString(strings.Join(w.conds, " AND "))
	}
	args := w.args
	if strings.Contains(tail, "$#") {
		args = append(args, tailArg)
		tail = strings.ReplaceAll(tail, "$#", "$"+strconv.Itoa(len(args)))
	}
	b.WriteString(tail)
	return b.String(), args
}

// anyArgs returns ids as query arguments.
func anyArgs(ids []string) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return args
}

// likeContains returns a LIKE pattern (escape character \) matching s
// anywhere.
func likeContains(s string) string { return "%" + escapeLike(s) + "%" }

// likePrefix returns a LIKE pattern (escape character \) matching values
// that start with s.
func likePrefix(s string) string { return escapeLike(s) + "%" }

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
