-- Search (the q of leads and customers) through an index instead of a
-- scan of every lead. leads.search holds the words of each lead's first
-- name, last name, email and company (lower case, accents removed, one
-- space between words; rows written before this migration hold the lower
-- case text, which the tokenizer below cuts into the same words).
--
-- leads_fts indexes it, one row per lead, with the lead's id; the triggers
-- keep it in the transaction that writes the lead. The product never
-- changes or deletes a lead's search text; the delete and update triggers
-- keep the index true if someone does, at the price of a scan of leads_fts
-- (id is not indexed there).
CREATE VIRTUAL TABLE leads_fts USING fts5(
    id UNINDEXED,
    search,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO leads_fts (id, search) SELECT id, search FROM leads;
CREATE TRIGGER leads_fts_insert AFTER INSERT ON leads BEGIN
    INSERT INTO leads_fts (id, search) VALUES (new.id, new.search);
END;
CREATE TRIGGER leads_fts_delete AFTER DELETE ON leads BEGIN
    DELETE FROM leads_fts WHERE id = old.id;
END;
CREATE TRIGGER leads_fts_update AFTER UPDATE OF search ON leads BEGIN
    DELETE FROM leads_fts WHERE id = old.id;
    INSERT INTO leads_fts (id, search) VALUES (new.id, new.search);
END;

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
