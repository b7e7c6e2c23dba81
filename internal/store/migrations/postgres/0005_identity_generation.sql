-- The identity generation counts the changes to who belongs to which
-- customer that the resolver did not make itself: merges, splits, review
-- decisions, undos. The resolver keeps what it read of the blocking-key
-- index in memory and drops it when this number moves.
CREATE TABLE identity_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation BIGINT NOT NULL
);
INSERT INTO identity_generation (id, generation) VALUES (1, 0);
