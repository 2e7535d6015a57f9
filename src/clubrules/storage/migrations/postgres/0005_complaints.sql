-- clubrules schema version 5 (PostgreSQL): the complaints area's case logs,
-- one row per case and an append-only log of its events.
--
-- Conventions as in version 1: tables in the schema "clubrules", ids in the
-- "C" collation; instants are timestamptz with the zone they were given in
-- (_tz). Nothing here is ever updated or deleted. The primary key
-- (case_id, version) of complaint_events is the optimistic concurrency
-- check: two writers appending at the same version both try to insert the
-- same key, and the second gets a unique violation.

CREATE TABLE clubrules.complaint_cases (
    id            text COLLATE "C" PRIMARY KEY,
    kind          text NOT NULL,
    customer_id   text COLLATE "C" NOT NULL,
    registered_at timestamptz NOT NULL,
    registered_tz text
);

CREATE TABLE clubrules.complaint_events (
    case_id  text COLLATE "C" NOT NULL REFERENCES clubrules.complaint_cases (id),
    version  integer NOT NULL CHECK (version >= 1),
    type     text NOT NULL,
    at       timestamptz NOT NULL,
    at_tz    text,
    -- The whole event: instants as [us, zone], money as [amount text,
    -- currency], so that every value round-trips exactly.
    document jsonb NOT NULL,
    PRIMARY KEY (case_id, version)
);
