-- Notifications: what each user is told (in the web app, by email, in
-- Slack or Teams), one delivery row per external channel so that a failing
-- channel is visible, and each user's preferences. 0013 is another change's
-- number; the migrator applies migrations by name, so the gap is harmless.

CREATE TABLE notifications (
    id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,                    -- ULID
    user_id     TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    event       TEXT    NOT NULL CHECK (event IN ('at_risk', 'breached', 'assigned', 'task_overdue', 'digest')),
    customer_id TEXT    NOT NULL DEFAULT '',                     -- '' for none (the digest)
    title       TEXT    NOT NULL,
    body        TEXT    NOT NULL DEFAULT '',
    link        TEXT    NOT NULL DEFAULT '',                     -- a path of the web app
    in_app      INTEGER NOT NULL DEFAULT 1 CHECK (in_app IN (0, 1)), -- shown in the user's list
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT  NULL
);
-- A user's list, newest first, and its unread part.
CREATE INDEX notifications_user ON notifications (user_id, id) WHERE in_app = 1;
CREATE INDEX notifications_unread ON notifications (user_id, id) WHERE in_app = 1 AND read_at IS NULL;

CREATE TABLE notification_deliveries (
    notification_id TEXT COLLATE "C" NOT NULL REFERENCES notifications (id),
    channel         TEXT    NOT NULL CHECK (channel IN ('email', 'slack', 'teams')),
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    updated_at      BIGINT  NOT NULL,
    sent_at         BIGINT  NULL,
    PRIMARY KEY (notification_id, channel)
);
-- The deliveries that failed or are being retried after an error.
CREATE INDEX notification_deliveries_failing ON notification_deliveries (updated_at)
    WHERE state = 'failed' OR (state = 'pending' AND last_error <> '');

CREATE TABLE notify_prefs (
    user_id           TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES users (id),
    channels          TEXT    NOT NULL DEFAULT '{}',            -- JSON: {"at_risk": ["in_app", "email"], …}
    slack_webhook_url TEXT    NOT NULL DEFAULT '',
    teams_webhook_url TEXT    NOT NULL DEFAULT '',
    digest            INTEGER NOT NULL DEFAULT 1 CHECK (digest IN (0, 1)),
    updated_at        BIGINT  NOT NULL
);
