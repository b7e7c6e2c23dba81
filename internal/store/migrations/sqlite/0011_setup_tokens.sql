-- One-time tokens of the first-start setup link, which creates the first
-- admin while no user exists. Stored only as the SHA-256 of the token.
CREATE TABLE setup_tokens (
    hash       TEXT   NOT NULL PRIMARY KEY,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
