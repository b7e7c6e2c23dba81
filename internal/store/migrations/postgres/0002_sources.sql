-- Sources other than the HTTPS endpoint (Azure Table polling, CSV imports),
-- generic idempotency keys with an expiry, and source health.

-- Which source delivered each raw lead ("https", "azure_table:account/table", "import").
ALTER TABLE raw_leads ADD COLUMN source TEXT NOT NULL DEFAULT '';
UPDATE raw_leads SET source = channel;
CREATE INDEX raw_leads_source_received ON raw_leads (source, received_at);

-- Idempotency keys are no longer only body hashes: an Azure Table entity is
-- keyed by account/table/PartitionKey/RowKey and an imported row by its
-- content, for ever; an HTTPS body by its hash, for 24 hours.
ALTER TABLE ingest_dedup RENAME COLUMN body_sha256 TO dedup_key;
ALTER TABLE ingest_dedup ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE ingest_dedup SET expires_at = received_at + 86400000000;

-- Progress of polled sources (an opaque value per source, e.g. a watermark).
CREATE TABLE source_checkpoints (
    source     TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Outcome of the last polls of each source.
CREATE TABLE source_status (
    source        TEXT COLLATE "C"  NOT NULL PRIMARY KEY,
    last_error    TEXT    NOT NULL DEFAULT '',
    last_error_at BIGINT  NOT NULL DEFAULT 0,
    last_ok_at    BIGINT  NOT NULL DEFAULT 0,
    failures      INTEGER NOT NULL DEFAULT 0
);

-- CSV imports and their progress.
CREATE TABLE imports (
    id          TEXT COLLATE "C"  NOT NULL PRIMARY KEY,
    filename    TEXT    NOT NULL DEFAULT '',
    status      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    finished_at BIGINT  NULL,
    rows_read   BIGINT  NOT NULL DEFAULT 0,
    created     BIGINT  NOT NULL DEFAULT 0,
    duplicates  BIGINT  NOT NULL DEFAULT 0,
    failed      BIGINT  NOT NULL DEFAULT 0,
    errors      TEXT    NOT NULL DEFAULT '[]',
    error       TEXT    NOT NULL DEFAULT ''
);
