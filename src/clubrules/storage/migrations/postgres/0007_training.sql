-- clubrules schema version 7 (PostgreSQL): the training area's records, that
-- is training sessions (with their costs), who attended them, and completion
-- records (online courses, certificates).
--
-- Conventions as in version 1: tables in the schema "clubrules", ids and
-- other sort keys in the "C" collation; instants are timestamptz with the
-- zone they were given in (_tz); money is exact numeric with its currency.
-- Nothing here is ever updated or deleted: a correction is a new record
-- under a new id.

CREATE TABLE clubrules.training_sessions (
    id           text COLLATE "C" PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('induction', 'periodic', 'safety', 'privacy',
                     'special')),
    topic        text NOT NULL,
    method       text NOT NULL CHECK (method IN ('internal', 'external', 'online')),
    starts_at    timestamptz NOT NULL,
    starts_at_tz text,
    ends_at      timestamptz NOT NULL,
    ends_at_tz   text,
    trainer      text,
    cost         numeric CHECK (cost >= 0),
    currency     char(3),
    CHECK ((cost IS NULL) = (currency IS NULL)),
    CHECK (starts_at < ends_at)
);

CREATE INDEX training_sessions_by_start ON clubrules.training_sessions (starts_at, id);

-- One record per session and staff member; only 'attended' counts as training done.
CREATE TABLE clubrules.training_attendance (
    session_id text COLLATE "C" NOT NULL REFERENCES clubrules.training_sessions (id),
    staff_id   text COLLATE "C" NOT NULL,
    status     text NOT NULL CHECK (status IN ('attended', 'absent', 'excused')),
    PRIMARY KEY (session_id, staff_id)
);

CREATE INDEX training_attendance_by_staff
    ON clubrules.training_attendance (staff_id, session_id);

-- A completion may name a session the database does not hold (an outside
-- course), so session_id has no foreign key.
CREATE TABLE clubrules.training_completions (
    id              text COLLATE "C" PRIMARY KEY,
    staff_id        text COLLATE "C" NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('induction', 'periodic', 'safety', 'privacy',
                        'special')),
    topic           text NOT NULL,
    method          text NOT NULL CHECK (method IN ('internal', 'external', 'online')),
    completed_at    timestamptz NOT NULL,
    completed_at_tz text,
    session_id      text COLLATE "C"
);

CREATE INDEX training_completions_by_staff
    ON clubrules.training_completions (staff_id, completed_at, id);
CREATE INDEX training_completions_by_time
    ON clubrules.training_completions (completed_at, id);
