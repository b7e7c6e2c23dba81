-- What each customer brings to its account's summary (the company as
-- typed, the country and the corporate domain of its golden record),
-- written with its summary so that recomputing an account reads these
-- columns instead of decoding every member's golden record. NULL: not
-- written since the upgrade (the account summary decodes the golden
-- record then).
ALTER TABLE customers ADD COLUMN account_company TEXT NULL;
ALTER TABLE customers ADD COLUMN account_country TEXT NULL;
ALTER TABLE customers ADD COLUMN account_domain TEXT NULL;

-- How many active customers of each account hold each account key, kept
-- with account_keys and customers.account_id in the same transactions: the
-- accounts a customer's keys find, and how many of their people share each
-- key, are one short read however large the account.
CREATE TABLE account_key_counts (
    key        TEXT COLLATE "C" NOT NULL,
    account_id TEXT COLLATE "C" NOT NULL,
    people     INTEGER NOT NULL,
    PRIMARY KEY (key, account_id)
);
INSERT INTO account_key_counts (key, account_id, people)
SELECT k.key, c.account_id, count(*) FROM account_keys k JOIN customers c ON c.id = k.customer_id
WHERE c.account_id IS NOT NULL AND c.merged_into IS NULL GROUP BY k.key, c.account_id;

-- Accounts whose summary must be recomputed from their customers: the
-- resolver marks them, and the store recomputes them a little later in
-- transactions of their own (Store.SettleAccounts), so that a large
-- account is summed once per round, not once per lead. mark grows with
-- every marking; a settle removes the row only if nobody marked it since.
CREATE TABLE account_dirty (
    account_id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    mark       BIGINT NOT NULL
);
