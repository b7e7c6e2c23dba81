-- leadhub initial schema (PostgreSQL).
-- Times are unix microseconds UTC; booleans are 0/1; JSON is TEXT.
-- Ids are COLLATE "C" so that they sort by bytes, as ULIDs (and SQLite) do.

-- Every payload exactly as received.
CREATE TABLE raw_leads (
    id          TEXT    COLLATE "C" NOT NULL PRIMARY KEY, -- ULID; byte order
    channel     TEXT    NOT NULL,
    received_at BIGINT  NOT NULL,
    body        BYTEA   NOT NULL,
    body_sha256 TEXT    NOT NULL,                      -- hex
    size        INTEGER NOT NULL,
    status      TEXT    NOT NULL CHECK (status IN ('parsed', 'quarantined')),
    error       TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated_at  BIGINT  NOT NULL
);
-- Quarantine listing: status filter, newest first.
CREATE INDEX raw_leads_status_id ON raw_leads (status, id);

-- Parsed leads; a lead shares its raw lead's id.
CREATE TABLE leads (
    id                 TEXT    COLLATE "C" NOT NULL PRIMARY KEY REFERENCES raw_leads (id),
    received_at        BIGINT  NOT NULL,
    channel            TEXT    NOT NULL,
    source             TEXT    NOT NULL DEFAULT '',
    action             TEXT    NOT NULL DEFAULT '',
    publisher_id       TEXT    NOT NULL DEFAULT '',
    offer_id           TEXT    NOT NULL DEFAULT '',
    offer_title        TEXT    NOT NULL DEFAULT '',
    stage              TEXT    NOT NULL DEFAULT '',
    is_test            INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
    first_name         TEXT    NOT NULL DEFAULT '',
    last_name          TEXT    NOT NULL DEFAULT '',
    email              TEXT    NOT NULL DEFAULT '',
    phone              TEXT    NOT NULL DEFAULT '',
    country            TEXT    NOT NULL DEFAULT '',
    company            TEXT    NOT NULL DEFAULT '',
    title              TEXT    NOT NULL DEFAULT '',
    description        TEXT    NOT NULL DEFAULT '',
    description_params TEXT    NOT NULL DEFAULT '{}',  -- JSON object of strings
    extra              TEXT    NOT NULL DEFAULT '{}',  -- JSON object
    notes              TEXT    NOT NULL DEFAULT '[]',  -- JSON array of strings
    search             TEXT    NOT NULL DEFAULT ''     -- lower("first last email company")
);
CREATE INDEX leads_received_at ON leads (received_at);
CREATE INDEX leads_stage_id ON leads (stage, id);
CREATE INDEX leads_offer_id ON leads (offer_id, id);
CREATE INDEX leads_offer_title ON leads (offer_title, id);
CREATE INDEX leads_publisher_offer ON leads ((publisher_id || '.' || offer_id), id);

-- Idempotency: the latest raw lead per body hash. raw_id is deliberately
-- not a foreign key: CommitBatch claims the hash before it inserts the raw
-- lead (in the same transaction), and a deferred reference would make
-- SQLite search this table for every raw lead inserted.
CREATE TABLE ingest_dedup (
    body_sha256 TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    raw_id      TEXT   COLLATE "C" NOT NULL,
    received_at BIGINT NOT NULL
);

-- Ingest tokens and API keys, by the hash of the secret.
CREATE TABLE credentials (
    id         TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    kind       TEXT   NOT NULL,
    name       TEXT   NOT NULL DEFAULT '',
    hint       TEXT   NOT NULL DEFAULT '',
    hash       TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT NULL
);
CREATE INDEX credentials_kind_created ON credentials (kind, created_at);
