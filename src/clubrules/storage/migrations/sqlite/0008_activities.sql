-- clubrules schema version 8 (SQLite): the activities area's activities,
-- invitations and rosters; and care tasks of the new kind 'invitation'.
--
-- Conventions as in version 1: instants are UTC integer microseconds (_us)
-- with the zone they were given in (_tz). Activities and invitations are
-- never updated or deleted; a roster row (one per activity and customer)
-- changes only inside a BEGIN IMMEDIATE transaction that reads the roster,
-- applies the roster rules and writes the result, so racing sign-ups are
-- serialised and never seat more customers than the capacity.

CREATE TABLE activities (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    starts_at_us   INTEGER NOT NULL CHECK (typeof(starts_at_us) = 'integer'),
    starts_at_tz   TEXT,
    ends_at_us     INTEGER NOT NULL CHECK (typeof(ends_at_us) = 'integer'),
    ends_at_tz     TEXT,
    capacity       INTEGER NOT NULL CHECK (typeof(capacity) = 'integer' AND capacity >= 1),
    -- Tiers, segments and the tag class as one JSON object.
    audience       TEXT NOT NULL CHECK (json_valid(audience) AND json_type(audience) = 'object'),
    waitlist_limit INTEGER CHECK (waitlist_limit IS NULL OR waitlist_limit >= 0),
    booking_id     TEXT,
    CHECK (starts_at_us < ends_at_us)
);

CREATE INDEX activities_by_start ON activities (starts_at_us, id);

CREATE TABLE activity_invitations (
    activity_id TEXT NOT NULL REFERENCES activities (id),
    customer_id TEXT NOT NULL,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    channel     TEXT NOT NULL,
    consent_id  TEXT NOT NULL,
    PRIMARY KEY (activity_id, customer_id)
);

CREATE TABLE activity_sign_ups (
    activity_id     TEXT NOT NULL REFERENCES activities (id),
    customer_id     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled',
                        'attended', 'no_show')),
    position        INTEGER NOT NULL CHECK (typeof(position) = 'integer' AND position >= 1),
    signed_up_at_us INTEGER NOT NULL CHECK (typeof(signed_up_at_us) = 'integer'),
    signed_up_at_tz TEXT,
    updated_at_us   INTEGER NOT NULL CHECK (typeof(updated_at_us) = 'integer'),
    updated_at_tz   TEXT,
    PRIMARY KEY (activity_id, customer_id),
    UNIQUE (activity_id, position)
);

CREATE INDEX activity_sign_ups_by_customer
    ON activity_sign_ups (customer_id, signed_up_at_us, activity_id);

-- Care tasks gain the kind 'invitation'. SQLite cannot alter a CHECK, so the
-- table is rebuilt with its rows, ids and indexes as version 4 made them.
CREATE TABLE care_tasks_v8 (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('birthday', 'holiday', 'return_visit', 'survey',
                    'churn_follow_up', 'invitation')),
    due         TEXT NOT NULL CHECK (due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    rule        TEXT NOT NULL,
    note        TEXT NOT NULL,
    assignee    TEXT
);

INSERT INTO care_tasks_v8 (seq, customer_id, kind, due, at_us, at_tz, rule, note, assignee)
SELECT seq, customer_id, kind, due, at_us, at_tz, rule, note, assignee FROM care_tasks;

DROP TABLE care_tasks;

ALTER TABLE care_tasks_v8 RENAME TO care_tasks;

CREATE UNIQUE INDEX care_tasks_one_per_key ON care_tasks (customer_id, kind, due);
CREATE INDEX care_tasks_by_due ON care_tasks (due, kind, customer_id);
CREATE INDEX care_tasks_by_assignee ON care_tasks (assignee, due) WHERE assignee IS NOT NULL;
CREATE INDEX care_tasks_by_rule ON care_tasks (rule, customer_id, at_us);
