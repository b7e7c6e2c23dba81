package store

const (
	customerColumns = `id, created_at, updated_at, merged_into, stage, do_not_contact, is_test,
 lead_count, first_seen, last_seen, golden, offers`
	selectCustomer = `SELECT ` + customerColumns + ` FROM customers WHERE id = $1`
	insertCustomer = `INSERT INTO customers (` + customerColumns + `) VALUES `
	updateSummary  = `UPDATE customers SET updated_at = $2, stage = $3, do_not_contact = $4, is_test = $5,
 lead_count = $6, first_seen = $7, last_seen = $8, golden = $9, offers = $10 WHERE id = $1`
	insertCustomerCols = 12

	// summaryColumns are the lead columns a customer's summary is made of.
	summaryColumns = `id, received_at, stage, is_test, publisher_id, offer_id, offer_title,
 first_name, last_name, email, phone, country, company, title`

	decisionColumns = `id, lead_id, at, outcome, customer_id, candidate_id, probability, review_state,
 audit_id, undone, explanation`
	insertDecisionHead = `INSERT INTO match_decisions (` + decisionColumns + `) VALUES `
	insertDecisionCols = 11

	auditColumns    = `id, at, actor, action, reason, customer_ids, lead_ids, payload, undone_by, undoes`
	insertAuditHead = `INSERT INTO audit_log (` + auditColumns + `) VALUES `
	insertAuditCols = 10
	insertRefHead   = `INSERT INTO audit_refs (ref, audit_id) VALUES `
	insertKeyHead   = `INSERT INTO customer_keys (key, lead_id, customer_id) VALUES `

	claimLead       = `UPDATE leads SET customer_id = $1 WHERE id = $2 AND customer_id IS NULL`
	selectPending   = `SELECT ` + leadColumns + ` FROM leads WHERE customer_id IS NULL ORDER BY id LIMIT $1`
	countLeads      = `SELECT count(*), count(customer_id) FROM leads`
	selectModel     = `SELECT id, created_at, leads, model, stats FROM match_models ORDER BY id DESC LIMIT 1`
	insertModel     = `INSERT INTO match_models (id, created_at, leads, model, stats) VALUES ($1, $2, $3, $4, $5)`
	selectLeadOwner = `SELECT customer_id FROM leads WHERE id = $1`
)
