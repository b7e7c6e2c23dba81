-- The follow-up process (lead/process.go): teams with their calendar,
-- first-touch policy and members; ordered assignment rules; one process
-- per customer (stage, owner, team, milestones, qualification and the
-- first-touch clock); activities and follow-up tasks. Structured values
-- that are read and written whole (calendars, policies, rule conditions,
-- milestones, qualification) are JSON text.

CREATE TABLE teams (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    calendar   TEXT NOT NULL,            -- lead.Calendar
    policy     TEXT NOT NULL,            -- lead.SLAPolicy
    managers   TEXT NOT NULL DEFAULT '[]',
    cadence    TEXT NOT NULL DEFAULT '[1,3,7,14]',
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    rr_last    TEXT NOT NULL DEFAULT '', -- the member round-robin gave the last customer
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id       TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL REFERENCES users (id),
    position      INTEGER NOT NULL,
    capacity      INTEGER NOT NULL DEFAULT 0,
    out_of_office INTEGER NOT NULL DEFAULT 0 CHECK (out_of_office IN (0, 1)),
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);

CREATE TABLE assign_rules (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    position   INTEGER NOT NULL,
    rule       TEXT NOT NULL,            -- lead.AssignRule (conditions, target, policy)
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at BIGINT NOT NULL
);

CREATE TABLE processes (
    customer_id     TEXT NOT NULL PRIMARY KEY REFERENCES customers (id),
    stage           TEXT NOT NULL,
    stage_reason    TEXT NOT NULL DEFAULT '',
    owner_id        TEXT NULL REFERENCES users (id),
    team_id         TEXT NULL REFERENCES teams (id),
    assignment      TEXT NOT NULL DEFAULT '{}',
    milestones      TEXT NOT NULL DEFAULT '[]',
    qualification   TEXT NOT NULL DEFAULT '{}',
    sla_clock       INTEGER NOT NULL DEFAULT 0,
    sla_started_at  BIGINT NOT NULL DEFAULT 0,
    sla_due_at      BIGINT NOT NULL DEFAULT 0,
    sla_at_risk_at  BIGINT NOT NULL DEFAULT 0,
    sla_state       TEXT NOT NULL DEFAULT '',
    sla_first_touch BIGINT NULL,
    sla_working     BIGINT NOT NULL DEFAULT 0,  -- working time to the first touch, µs
    sla_calendar    BIGINT NOT NULL DEFAULT 0,  -- calendar time to the first touch, µs
    sla_policy      TEXT NOT NULL DEFAULT '{}',
    open_strength   INTEGER NOT NULL DEFAULT 0,
    opened_at       BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX processes_owner ON processes (owner_id, sla_due_at);
CREATE INDEX processes_team ON processes (team_id, sla_state, sla_due_at);

-- Customers whose leads changed (a lead joined or left them): the process
-- engine looks at each once, in its own transaction. mark grows with
-- every marking; the engine removes a row only if nobody marked it since.
CREATE TABLE process_dirty (
    customer_id TEXT NOT NULL PRIMARY KEY,
    mark        BIGINT NOT NULL
);
CREATE TRIGGER leads_process_dirty_new AFTER UPDATE OF customer_id ON leads
WHEN NEW.customer_id IS NOT NULL AND NEW.customer_id IS NOT OLD.customer_id
BEGIN
    INSERT INTO process_dirty (customer_id, mark) VALUES (NEW.customer_id, 1)
    ON CONFLICT (customer_id) DO UPDATE SET mark = process_dirty.mark + 1;
END;
CREATE TRIGGER leads_process_dirty_old AFTER UPDATE OF customer_id ON leads
WHEN OLD.customer_id IS NOT NULL AND NEW.customer_id IS NOT OLD.customer_id
BEGIN
    INSERT INTO process_dirty (customer_id, mark) VALUES (OLD.customer_id, 1)
    ON CONFLICT (customer_id) DO UPDATE SET mark = process_dirty.mark + 1;
END;

CREATE TABLE activities (
    id          TEXT NOT NULL PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    kind        TEXT NOT NULL CHECK (kind IN ('call', 'email', 'meeting', 'note')),
    outcome     TEXT NOT NULL DEFAULT '',
    body        TEXT NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    by_user     TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX activities_customer ON activities (customer_id, at);

CREATE TABLE tasks (
    id          TEXT NOT NULL PRIMARY KEY,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    owner_id    TEXT NULL REFERENCES users (id),
    title       TEXT NOT NULL,
    day         INTEGER NOT NULL,
    due_at      BIGINT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'done', 'cancelled')),
    done_at     BIGINT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX tasks_owner ON tasks (owner_id, state, due_at);
CREATE INDEX tasks_customer ON tasks (customer_id, due_at);
