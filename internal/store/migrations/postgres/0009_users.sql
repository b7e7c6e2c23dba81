-- Users, their server-side sessions and one-time password tokens; API keys
-- belong to a user. Secrets are stored only as SHA-256 hashes (sessions,
-- tokens) or argon2id hashes (passwords).

CREATE TABLE users (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,            -- ULID
    email         TEXT COLLATE "C" NOT NULL UNIQUE,                 -- lower-cased
    display_name  TEXT    NOT NULL DEFAULT '',
    time_zone     TEXT    NOT NULL DEFAULT 'UTC',
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'manager', 'rep', 'viewer')),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    password_hash TEXT    NOT NULL DEFAULT '',            -- argon2id, encoded; '' until set
    created_at    BIGINT  NOT NULL,
    updated_at    BIGINT  NOT NULL
);

-- A session by the SHA-256 of its id; the id is only in the cookie.
CREATE TABLE sessions (
    hash         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id      TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- One-time tokens that set a password (a new user's first one, a reset).
CREATE TABLE user_tokens (
    hash       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    purpose    TEXT   NOT NULL CHECK (purpose IN ('set_password', 'reset_password')),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX user_tokens_user ON user_tokens (user_id);

-- The user an API key belongs to. Keys made before users (NULL) keep
-- working as admin keys.
ALTER TABLE credentials ADD COLUMN user_id TEXT COLLATE "C" NULL REFERENCES users (id);
