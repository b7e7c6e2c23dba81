-- Accounts: the companies behind customers. A customer belongs to at most
-- one account (customers.account_id), placed there by the rules of
-- internal/identity/accounts from its account keys, or by a person (then
-- account_pinned = 1 and the rules leave it where it is). Everything in
-- accounts but id, created_at and merged_into is derived from its active
-- customers. A merged account is never deleted: it points at the survivor.
CREATE TABLE accounts (
    id           TEXT COLLATE "C"   NOT NULL PRIMARY KEY,   -- ULID
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    merged_into  TEXT COLLATE "C"   NULL,
    name         TEXT    NOT NULL DEFAULT '',
    country      TEXT    NOT NULL DEFAULT '',
    domains      TEXT    NOT NULL DEFAULT '[]',   -- JSON array, sorted
    people_count INTEGER NOT NULL DEFAULT 0,
    lead_count   INTEGER NOT NULL DEFAULT 0,
    offers       TEXT    NOT NULL DEFAULT '[]',   -- JSON array, sorted
    stage        TEXT    NOT NULL DEFAULT '',
    first_seen   BIGINT  NOT NULL DEFAULT 0,
    last_seen    BIGINT  NOT NULL DEFAULT 0,
    search       TEXT    NOT NULL DEFAULT ''      -- lower-case name and domains, for q
);
CREATE INDEX accounts_merged_into ON accounts (merged_into);
CREATE INDEX accounts_stage_id ON accounts (stage, id);

ALTER TABLE customers ADD COLUMN account_id TEXT COLLATE "C" NULL REFERENCES accounts (id);
ALTER TABLE customers ADD COLUMN account_pinned INTEGER NOT NULL DEFAULT 0 CHECK (account_pinned IN (0, 1));
CREATE INDEX customers_account ON customers (account_id);

-- The account keys of each active customer ("d:contoso.com",
-- "n:contoso|US"), derived from its golden record and rewritten with its
-- summary: a customer's keys find the accounts of the others that hold
-- them.
CREATE TABLE account_keys (
    key         TEXT COLLATE "C" NOT NULL,
    customer_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (key, customer_id)
);
CREATE INDEX account_keys_customer ON account_keys (customer_id, key);

-- Audit entries name the accounts they changed (refs "a:ID").
ALTER TABLE audit_log ADD COLUMN account_ids TEXT NOT NULL DEFAULT '[]';

-- Customers from before accounts: the store assigns their accounts after
-- the upgrade (Store.BackfillAccounts), a few at a time, and removes them
-- from here.
CREATE TABLE account_backfill (
    customer_id TEXT COLLATE "C" NOT NULL PRIMARY KEY
);
INSERT INTO account_backfill (customer_id) SELECT id FROM customers WHERE merged_into IS NULL;
