-- clubrules schema version 5 (SQLite): the complaints area's case logs, one
-- row per case and an append-only log of its events.
--
-- Conventions as in version 1: instants are UTC integer microseconds (_us)
-- with the zone they were given in (_tz). Nothing here is ever updated or
-- deleted. The primary key (case_id, version) of complaint_events is the
-- optimistic concurrency check: two writers appending at the same version
-- both try to insert the same key and only one can.

CREATE TABLE complaint_cases (
    id            TEXT PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    registered_us INTEGER NOT NULL CHECK (typeof(registered_us) = 'integer'),
    registered_tz TEXT
);

CREATE TABLE complaint_events (
    case_id  TEXT NOT NULL REFERENCES complaint_cases (id),
    version  INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1),
    type     TEXT NOT NULL,
    at_us    INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz    TEXT,
    -- The whole event as JSON: instants as [us, zone], money as
    -- [amount text, currency], so that every value round-trips exactly.
    document TEXT NOT NULL CHECK (json_valid(document)),
    PRIMARY KEY (case_id, version)
) WITHOUT ROWID;
