-- Imported rows that cannot become leads are kept in quarantine, by import,
-- and an operator can correct a quarantined body before reprocessing it.

-- The import a raw lead came from ('' for the other channels).
ALTER TABLE raw_leads ADD COLUMN import_id TEXT COLLATE "C" NOT NULL DEFAULT '';
-- The quarantine of one import, newest first.
CREATE INDEX raw_leads_import_quarantined ON raw_leads (import_id, id) WHERE status = 'quarantined';
-- The body as corrected by an operator; NULL until then. body stays as received,
-- and reprocessing parses the correction when there is one.
ALTER TABLE raw_leads ADD COLUMN fixed_body BYTEA NULL;

-- An import's rows that became leads with a note (a value repaired, or kept
-- aside because it could not be used), and rows kept in quarantine.
ALTER TABLE imports ADD COLUMN flagged BIGINT NOT NULL DEFAULT 0;
ALTER TABLE imports ADD COLUMN quarantined BIGINT NOT NULL DEFAULT 0;
