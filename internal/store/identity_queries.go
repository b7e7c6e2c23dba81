package store

// The SQL of identity resolution, the same on both engines (see queries.go
// for the conventions). Heads that end in "IN " or "VALUES " are completed
// with values() where the statement is built.

// Customers and their summaries.
const (
	customerColumns = `id, created_at, updated_at, merged_into, stage, do_not_contact, is_test,
 lead_count, first_seen, last_seen, golden, offers, account_id, account_pinned`
	selectCustomer = `SELECT ` + customerColumns + ` FROM customers WHERE id = $1`
	selectMerged   = `SELECT merged_into FROM customers WHERE id = $1`
	// insertCustomer's columns are the summary's (summaryArgs) between the
	// first four and the account's.
	insertCustomer = `INSERT INTO customers (id, created_at, updated_at, merged_into, stage, do_not_contact, is_test,
 lead_count, first_seen, last_seen, golden, offers, account_company, account_country, account_domain,
 account_id, account_pinned) VALUES `
	updateSummary = `UPDATE customers SET updated_at = $2, stage = $3, do_not_contact = $4, is_test = $5,
 lead_count = $6, first_seen = $7, last_seen = $8, golden = $9, offers = $10,
 account_company = $11, account_country = $12, account_domain = $13 WHERE id = $1`
	insertCustomerCols = 17
	// markMerged marks a customer merged; its leads have moved on, so it
	// counts none (the rest of its summary stays, for recognition).
	markMerged      = `UPDATE customers SET merged_into = $2, lead_count = 0, updated_at = $3 WHERE id = $1`
	unmarkMerged    = `UPDATE customers SET merged_into = NULL, updated_at = $2 WHERE id = $1`
	deleteCustomer  = `DELETE FROM customers WHERE id = $1`
	countMergedInto = `SELECT count(*) FROM customers WHERE merged_into = $1`

	// summaryColumns are the lead columns a customer's summary is made of.
	summaryColumns = `id, received_at, stage, is_test, publisher_id, offer_id, offer_title,
 first_name, last_name, email, phone, country, company, title`
	selectSummaryLeads = `SELECT ` + summaryColumns + ` FROM leads WHERE customer_id = $1`

	// Customer filters, for where.add; filterOffer and filterQuery are the
	// lead filters of queries.go.
	selectCustomers       = `SELECT ` + customerColumns + ` FROM customers`
	filterActiveCustomer  = `merged_into IS NULL`
	filterCustomerStage   = `stage = $#`
	filterCustomerIsTest  = `is_test = $#`
	filterCustomerDNC     = `do_not_contact = $#`
	filterCustomerOffer   = `id IN (SELECT customer_id FROM leads WHERE ` + filterOffer + `)`
	filterCustomerSource  = `id IN (SELECT customer_id FROM leads WHERE source = $#)`
	filterCustomerAction  = `id IN (SELECT customer_id FROM leads WHERE action = $#)`
	filterCustomerCountry = `account_country = $#`
	selectCustomerJourney = `SELECT ` + leadColumns + ` FROM leads WHERE customer_id = $1
ORDER BY received_at DESC, id DESC LIMIT $2`
	selectLatestDecisionsIn = `SELECT ` + decisionColumns + ` FROM match_decisions
WHERE undone = 0 AND lead_id IN `
)

// Leads and their blocking keys.
const (
	// claimLeadsHead … claimLeadsTail claims many leads, (lead, customer)
	// rows in between.
	claimLeadsHead     = `UPDATE leads SET customer_id = v.column2 FROM (VALUES `
	claimLeadsTail     = `) AS v WHERE leads.id = v.column1 AND leads.customer_id IS NULL`
	selectUnresolvedIn = `SELECT id FROM leads WHERE customer_id IS NULL AND id IN `
	selectCustomersIn  = `SELECT ` + customerColumns + ` FROM customers WHERE id IN `
	selectPending      = `SELECT ` + leadColumns + ` FROM leads WHERE customer_id IS NULL ORDER BY id LIMIT $1`
	countLeads         = `SELECT count(*), count(customer_id) FROM leads`
	countUnresolved    = `SELECT count(*) FROM leads WHERE customer_id IS NULL`
	selectLeadOwner    = `SELECT customer_id FROM leads WHERE id = $1`
	selectLeadIDsOf    = `SELECT id FROM leads WHERE customer_id = $1 ORDER BY id`
	countLeadsOf       = `SELECT count(*) FROM leads WHERE customer_id = $1`
	selectOwnersIn     = `SELECT id, customer_id FROM leads WHERE id IN `
	// moveLeadsIn ($1 to, $2 from, the leads from $3 on) moves leads;
	// moveKeysIn moves their keys along and dropKeysIn ($1 from, the leads
	// from $2 on) drops them when the leads become unresolved.
	moveLeadsIn = `UPDATE leads SET customer_id = $1 WHERE customer_id = $2 AND id IN `
	moveKeysIn  = `UPDATE customer_keys SET customer_id = $1 WHERE customer_id = $2 AND lead_id IN `
	dropKeysIn  = `DELETE FROM customer_keys WHERE customer_id = $1 AND lead_id IN `

	insertKeyHead = `INSERT INTO customer_keys (key, lead_id, customer_id) VALUES `
	insertKeyTail = ` ON CONFLICT (key, lead_id) DO UPDATE SET customer_id = excluded.customer_id`
	insertKeyCols = 3

	// Candidates: per key (its number, its parameter, perKey) the most recent
	// leads that hold it, joined with their customers and contact fields.
	selectCandidatesHead = `SELECT u.k, u.customer_id, c.is_test, c.golden, l.id, l.received_at,
 l.first_name, l.last_name, l.email, l.phone, l.country, l.company, l.title FROM (`
	selectCandidatesKey = `SELECT * FROM (SELECT %[1]d AS k, lead_id, customer_id FROM customer_keys
WHERE key = $%[2]d ORDER BY lead_id DESC LIMIT %[3]d) AS k%[1]d`
	selectCandidatesUnion = ` UNION ALL `
	// The customers of candidate leads the resolver knows already, by id.
	selectKeyCustomersIn = `SELECT id, is_test, golden, COALESCE(merged_into, '') FROM customers WHERE id IN `

	selectIdentityGeneration = `SELECT generation FROM identity_generation WHERE id = 1`
	bumpIdentityGeneration   = `UPDATE identity_generation SET generation = generation + 1 WHERE id = 1`
	selectCandidatesTail     = `) AS u JOIN customers c ON c.id = u.customer_id JOIN leads l ON l.id = u.lead_id`
	// selectCandidatesLateral is KeyLeads on PostgreSQL: one statement for
	// any number of keys ($1, an array; $2 the leads a key), whose plan
	// does not grow with them (a UNION of a branch per key takes longer to
	// plan than to run, and its generic plan scans whole tables).
	selectCandidatesLateral = `SELECT q.k - 1, u.customer_id, c.is_test, c.golden, l.id, l.received_at,
 l.first_name, l.last_name, l.email, l.phone, l.country, l.company, l.title
FROM unnest($1::text[]) WITH ORDINALITY AS q(key, k)
CROSS JOIN LATERAL (SELECT lead_id, customer_id FROM customer_keys WHERE key = q.key ORDER BY lead_id DESC LIMIT $2) AS u
JOIN customers c ON c.id = u.customer_id JOIN leads l ON l.id = u.lead_id`
)

// Decisions and the review queue.
const (
	decisionColumns = `id, lead_id, at, outcome, customer_id, candidate_id, probability, review_state,
 audit_id, undone, explanation`
	insertDecisionHead = `INSERT INTO match_decisions (` + decisionColumns + `) VALUES `
	insertDecisionCols = 11
	selectDecision     = `SELECT ` + decisionColumns + ` FROM match_decisions WHERE id = $1`
	selectUndoneIn     = `SELECT lead_id, outcome, customer_id, candidate_id FROM match_decisions
WHERE undone = 1 AND lead_id IN `
	orderByID = ` ORDER BY id`

	selectDecisions  = `SELECT ` + decisionColumns + ` FROM match_decisions`
	filterOpenReview = `review_state = 'open' AND undone = 0`
	// selectOpenReviewsOf lists the open review items whose lead is in
	// customer $1.
	selectOpenReviewsOf = `SELECT d.id, d.candidate_id FROM match_decisions d JOIN leads l ON l.id = d.lead_id
WHERE d.review_state = 'open' AND d.undone = 0 AND l.customer_id = $1 ORDER BY d.id`
	setReviewState     = `UPDATE match_decisions SET review_state = $2 WHERE id = $1`
	markUndone         = `UPDATE match_decisions SET undone = 1 WHERE id = $1`
	countReviewsNaming = `SELECT count(*) FROM match_decisions
WHERE candidate_id = $1 AND outcome = 'review' AND undone = 0`
)

// The audit log.
const (
	auditColumns      = `id, at, actor, action, reason, customer_ids, lead_ids, payload, undone_by, undoes, account_ids`
	insertAuditHead   = `INSERT INTO audit_log (` + auditColumns + `) VALUES `
	insertAuditCols   = 11
	insertRefHead     = `INSERT INTO audit_refs (ref, audit_id) VALUES `
	insertRefTail     = ` ON CONFLICT (ref, audit_id) DO NOTHING`
	insertRefCols     = 2
	selectAudit       = `SELECT ` + auditColumns + ` FROM audit_log WHERE id = $1`
	selectAudits      = `SELECT ` + auditColumns + ` FROM audit_log`
	filterAuditRef    = `id IN (SELECT audit_id FROM audit_refs WHERE ref = $#)`
	filterAuditAction = `action = $#`
	filterAuditActor  = `actor = $#`
	// markAuditUndone records that $2 undid $1, unless something undid it
	// already.
	markAuditUndone = `UPDATE audit_log SET undone_by = $2 WHERE id = $1 AND undone_by = ''`
)

// Trained models.
const (
	selectModel = `SELECT id, created_at, leads, model, stats FROM match_models ORDER BY id DESC LIMIT 1`
	insertModel = `INSERT INTO match_models (id, created_at, leads, model, stats) VALUES ($1, $2, $3, $4, $5)`
)
