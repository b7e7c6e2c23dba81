-- Search (the q of leads and customers) through an index instead of a
-- scan of every lead. leads.search holds the words of each lead's first
-- name, last name, email and company: lower case, accents removed, one
-- space between words, so that the 'simple' text search configuration
-- (built in; no extension needed) cuts it into exactly those words. Rows
-- written before this migration are rewritten here: punctuation becomes
-- a space (accents stay on them).
UPDATE leads SET search = btrim(regexp_replace(search, '[^[:alnum:]]+', ' ', 'g'))
WHERE search ~ '[^[:alnum:] ]';
CREATE INDEX leads_search_fts ON leads USING gin (to_tsvector('simple', search));

-- The inbox's filters by a lead's source and action (customers with such
-- a lead), and by the customer's country.
CREATE INDEX leads_source_customer ON leads (source, customer_id);
CREATE INDEX leads_action_customer ON leads (action, customer_id);
CREATE INDEX customers_country_id ON customers (account_country, id);

-- The inbox lists active customers newest first: with an index holding
-- every NULL merged_into, SQLite took it for "merged_into IS NULL" and then
-- sorted every active customer for a page of 25. Only merged customers
-- need finding by merged_into; the newest active ones come from the
-- primary key in order.
DROP INDEX customers_merged_into;
CREATE INDEX customers_merged_into ON customers (merged_into) WHERE merged_into IS NOT NULL;
