-- Identity resolution: every lead belongs to a customer, found through
-- blocking keys; every decision is explained and every change audited.

-- The customer a lead belongs to; NULL until the resolver has decided.
ALTER TABLE leads ADD COLUMN customer_id TEXT NULL;
CREATE INDEX leads_customer ON leads (customer_id, received_at, id);
-- The resolver's queue: unresolved leads in id order.
CREATE INDEX leads_unresolved ON leads (id) WHERE customer_id IS NULL;

-- Customers. Everything but id, created_at and merged_into is derived from
-- the customer's leads (golden: per field the most recent non-empty value,
-- its lead and that lead's receipt time). A merged customer is never
-- deleted: it keeps the summary it had and points at the survivor.
CREATE TABLE customers (
    id             TEXT    NOT NULL PRIMARY KEY,   -- ULID
    created_at     BIGINT  NOT NULL,
    updated_at     BIGINT  NOT NULL,
    merged_into    TEXT    NULL,
    stage          TEXT    NOT NULL DEFAULT '',
    do_not_contact INTEGER NOT NULL DEFAULT 0 CHECK (do_not_contact IN (0, 1)),
    is_test        INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
    lead_count     INTEGER NOT NULL DEFAULT 0,
    first_seen     BIGINT  NOT NULL DEFAULT 0,
    last_seen      BIGINT  NOT NULL DEFAULT 0,
    golden         TEXT    NOT NULL DEFAULT '{}',  -- JSON {field: {v, l, at}}
    offers         TEXT    NOT NULL DEFAULT '[]'   -- JSON array, sorted
);
CREATE INDEX customers_stage_id ON customers (stage, id);
CREATE INDEX customers_merged_into ON customers (merged_into);

-- Blocking keys of each resolved lead, pointing at the lead's customer:
-- a new lead's keys find its candidate customers. Keys follow their lead
-- through merges, splits and undos.
CREATE TABLE customer_keys (
    key         TEXT NOT NULL,
    lead_id     TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    PRIMARY KEY (key, lead_id)
) WITHOUT ROWID;
CREATE INDEX customer_keys_customer ON customer_keys (customer_id, lead_id);

-- Every decision of the resolver with its explanation. A review decision
-- is also an item of the review queue (review_state open, merged or
-- dismissed). undone = 1 once its audit entry was undone.
CREATE TABLE match_decisions (
    id           TEXT    NOT NULL PRIMARY KEY,  -- ULID
    lead_id      TEXT    NOT NULL,
    at           BIGINT  NOT NULL,
    outcome      TEXT    NOT NULL CHECK (outcome IN ('joined', 'review', 'new')),
    customer_id  TEXT    NOT NULL,
    candidate_id TEXT    NOT NULL DEFAULT '',
    probability  DOUBLE PRECISION NOT NULL DEFAULT 0,
    review_state TEXT    NOT NULL DEFAULT '',
    audit_id     TEXT    NOT NULL,
    undone       INTEGER NOT NULL DEFAULT 0 CHECK (undone IN (0, 1)),
    explanation  TEXT    NOT NULL DEFAULT '{}'
);
CREATE INDEX match_decisions_lead ON match_decisions (lead_id, id);
CREATE INDEX match_decisions_review ON match_decisions (review_state, id);
CREATE INDEX match_decisions_candidate ON match_decisions (candidate_id);

-- Who did what, when and why, with exactly what changed (payload), for
-- every decision, automatic or human.
CREATE TABLE audit_log (
    id           TEXT   NOT NULL PRIMARY KEY,    -- ULID
    at           BIGINT NOT NULL,
    actor        TEXT   NOT NULL,
    action       TEXT   NOT NULL,
    reason       TEXT   NOT NULL DEFAULT '',
    customer_ids TEXT   NOT NULL DEFAULT '[]',
    lead_ids     TEXT   NOT NULL DEFAULT '[]',
    payload      TEXT   NOT NULL DEFAULT '{}',
    undone_by    TEXT   NOT NULL DEFAULT '',
    undoes       TEXT   NOT NULL DEFAULT ''
);
-- The entries concerning each customer ("c:ID") and lead ("l:ID").
CREATE TABLE audit_refs (
    ref      TEXT NOT NULL,
    audit_id TEXT NOT NULL,
    PRIMARY KEY (ref, audit_id)
) WITHOUT ROWID;

-- Trained match models (JSON); the most recent one is used.
CREATE TABLE match_models (
    id         TEXT   NOT NULL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    leads      BIGINT NOT NULL DEFAULT 0,
    model      TEXT   NOT NULL,
    stats      TEXT   NOT NULL DEFAULT '{}'
);
