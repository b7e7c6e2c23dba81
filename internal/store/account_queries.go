package store

// The SQL of accounts, the same on both engines (see queries.go for the
// conventions).
const (
	accountColumns = `id, created_at, updated_at, merged_into, name, country, domains, people_count, lead_count,
 offers, stage, first_seen, last_seen`
	selectAccount  = `SELECT ` + accountColumns + ` FROM accounts WHERE id = $1`
	selectAccounts = `SELECT ` + accountColumns + ` FROM accounts`
	insertAccount  = `INSERT INTO accounts (id, created_at, updated_at) VALUES ($1, $2, $2)`
	// updateAccountSummary writes the summary columns of account $1.
	updateAccountSummary = `UPDATE accounts SET updated_at = $2, name = $3, country = $4, domains = $5,
 people_count = $6, lead_count = $7, offers = $8, stage = $9, first_seen = $10, last_seen = $11, search = $12
 WHERE id = $1`
	// markAccountMerged marks an account merged; its customers have moved
	// on, so it counts none (the rest of its summary stays).
	markAccountMerged   = `UPDATE accounts SET merged_into = $2, people_count = 0, lead_count = 0, updated_at = $3 WHERE id = $1`
	unmarkAccountMerged = `UPDATE accounts SET merged_into = NULL, updated_at = $2 WHERE id = $1`
	deleteAccount       = `DELETE FROM accounts WHERE id = $1`
	countAccountsInto   = `SELECT count(*) FROM accounts WHERE merged_into = $1`

	// setCustomerAccount puts customer $1 in account $2 (NULL: none),
	// pinned or not ($3).
	setCustomerAccount = `UPDATE customers SET account_id = $2, account_pinned = $3, updated_at = $4 WHERE id = $1`
	// selectAccountMembers are the active customers of an account.
	selectAccountMembers = `SELECT ` + customerColumns + ` FROM customers WHERE account_id = $1 AND merged_into IS NULL ORDER BY id`
	selectAccountPeople  = `SELECT ` + customerColumns + ` FROM customers WHERE account_id = $1 AND merged_into IS NULL
ORDER BY last_seen DESC, id DESC LIMIT $2`
	selectMemberIDs = `SELECT id FROM customers WHERE account_id = $1 AND merged_into IS NULL ORDER BY id`
	// countAccountCustomers counts every customer that names the account,
	// merged ones too.
	countAccountCustomers = `SELECT count(*) FROM customers WHERE account_id = $1`
	// anyOtherMember is 1 when the account has an active customer other
	// than $2, 0 otherwise.
	anyOtherMember = `SELECT count(*) FROM (SELECT 1 FROM customers WHERE account_id = $1 AND id <> $2
 AND merged_into IS NULL LIMIT 1) o`
	// selectMemberFigures are what the active customers of an account
	// bring to its summary; golden only for those whose account columns
	// were not written yet.
	selectMemberFigures = `SELECT id, stage, lead_count, first_seen, last_seen, offers,
 account_company, account_country, account_domain, CASE WHEN account_domain IS NULL THEN golden ELSE '' END
 FROM customers WHERE account_id = $1 AND merged_into IS NULL`

	// Account keys: only active customers have them. account_key_counts
	// counts them per account (the account of their customer); countKey
	// adds $3 to the count of key $1 in account $2.
	selectAccountKeysOf = `SELECT key FROM account_keys WHERE customer_id = $1 ORDER BY key`
	deleteAccountKeysOf = `DELETE FROM account_keys WHERE customer_id = $1`
	insertAccountKey    = `INSERT INTO account_keys (key, customer_id) VALUES ($1, $2)`
	selectAccountOf     = `SELECT account_id FROM customers WHERE id = $1`
	countKey            = `INSERT INTO account_key_counts (key, account_id, people) VALUES ($1, $2, $3)
ON CONFLICT (key, account_id) DO UPDATE SET people = account_key_counts.people + excluded.people`
	// selectKeyAccounts ($1 the key) counts, per active account, the
	// customers that hold the key.
	selectKeyAccounts = `SELECT k.account_id, k.key, k.people FROM account_key_counts k JOIN accounts a ON a.id = k.account_id
WHERE k.key = $1 AND k.people > 0 AND a.merged_into IS NULL ORDER BY k.account_id`
	// selectNameAccounts ($1 and $2 the range of keys of one company name
	// in every country) counts, per active account and key, the customers
	// that hold the name.
	selectNameAccounts = `SELECT k.account_id, k.key, k.people FROM account_key_counts k JOIN accounts a ON a.id = k.account_id
WHERE k.key >= $1 AND k.key < $2 AND k.people > 0 AND a.merged_into IS NULL ORDER BY k.account_id, k.key`

	// The same, many customers at a time (see autoPlace).
	selectAccountKeysIn  = `SELECT customer_id, key FROM account_keys WHERE customer_id IN `
	deleteAccountKeysIn  = `DELETE FROM account_keys WHERE customer_id IN `
	insertAccountKeys    = `INSERT INTO account_keys (key, customer_id) VALUES `
	selectKeyCountsWhere = `SELECT k.account_id, k.key, k.people FROM account_key_counts k JOIN accounts a ON a.id = k.account_id
WHERE a.merged_into IS NULL AND k.people > 0 AND `
	insertKeyCounts     = `INSERT INTO account_key_counts (key, account_id, people) VALUES `
	onConflictKeyCounts = ` ON CONFLICT (key, account_id) DO UPDATE SET people = account_key_counts.people + excluded.people`

	// Accounts waiting for their summary (see Store.SettleAccounts).
	insertAccountDirty     = `INSERT INTO account_dirty (account_id, mark) VALUES `
	onConflictAccountDirty = ` ON CONFLICT (account_id) DO UPDATE SET mark = account_dirty.mark + 1`
	selectDirtyAccounts    = `SELECT account_id, mark FROM account_dirty ORDER BY account_id LIMIT $1`
	deleteDirtyAccount     = `DELETE FROM account_dirty WHERE account_id = $1 AND mark = $2`
	countDirtyAccounts     = `SELECT count(*) FROM account_dirty`
	lockAccount            = `SELECT id FROM accounts WHERE id = $1 FOR NO KEY UPDATE` // PostgreSQL only: not in the way of inserting its customers

	// Account filters, for where.add.
	filterActiveAccount  = `merged_into IS NULL AND people_count > 0`
	filterAccountQuery   = `search LIKE $# ESCAPE '\'`
	filterAccountStage   = `stage = $#`
	filterAccountCountry = `country = $#`
	filterAccountOffer   = `id IN (SELECT account_id FROM customers WHERE merged_into IS NULL AND id IN
(SELECT customer_id FROM leads WHERE ` + filterOffer + `))`

	// The customers from before accounts, waiting for theirs.
	selectBackfill = `SELECT customer_id FROM account_backfill ORDER BY customer_id LIMIT $1`
	deleteBackfill = `DELETE FROM account_backfill WHERE customer_id = $1`
)
