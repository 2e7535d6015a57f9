-- clubrules schema version 7 (SQLite): the training area's records, that is
-- training sessions (with their costs), who attended them, and completion
-- records (online courses, certificates).
--
-- Conventions as in version 1: instants are UTC integer microseconds (_us)
-- with the zone they were given in (_tz); money is exact decimal text with
-- its currency. Nothing here is ever updated or deleted: a correction is a
-- new record under a new id.

CREATE TABLE training_sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('induction', 'periodic', 'safety', 'privacy',
                     'special')),
    topic        TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('internal', 'external', 'online')),
    starts_at_us INTEGER NOT NULL CHECK (typeof(starts_at_us) = 'integer'),
    starts_at_tz TEXT,
    ends_at_us   INTEGER NOT NULL CHECK (typeof(ends_at_us) = 'integer'),
    ends_at_tz   TEXT,
    trainer      TEXT,
    cost         TEXT CHECK (cost IS NULL OR typeof(cost) = 'text'),
    currency     TEXT CHECK (currency IS NULL OR length(currency) = 3),
    CHECK ((cost IS NULL) = (currency IS NULL)),
    CHECK (starts_at_us < ends_at_us)
);

CREATE INDEX training_sessions_by_start ON training_sessions (starts_at_us, id);

-- One record per session and staff member; only 'attended' counts as training done.
CREATE TABLE training_attendance (
    session_id TEXT NOT NULL REFERENCES training_sessions (id),
    staff_id   TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('attended', 'absent', 'excused')),
    PRIMARY KEY (session_id, staff_id)
);

CREATE INDEX training_attendance_by_staff ON training_attendance (staff_id, session_id);

-- A completion may name a session the database does not hold (an outside
-- course), so session_id has no foreign key.
CREATE TABLE training_completions (
    id              TEXT PRIMARY KEY NOT NULL,
    staff_id        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('induction', 'periodic', 'safety', 'privacy',
                        'special')),
    topic           TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('internal', 'external', 'online')),
    completed_at_us INTEGER NOT NULL CHECK (typeof(completed_at_us) = 'integer'),
    completed_at_tz TEXT,
    session_id      TEXT
);

CREATE INDEX training_completions_by_staff
    ON training_completions (staff_id, completed_at_us, id);
CREATE INDEX training_completions_by_time ON training_completions (completed_at_us, id);
