-- clubrules schema version 3 (PostgreSQL): the booking area's bookings, the
-- resources each one makes busy, and a lock row per resource.
--
-- Conventions as in version 1: tables in the schema "clubrules", ids in the
-- "C" collation; instants are timestamptz with the zone they were given in
-- (_tz). A booking blocks its slot until blocking_until_us (epoch
-- microseconds): far in the future for confirmed, checked-in and completed
-- bookings, the expiry for held and pending ones, far in the past for
-- cancelled, expired and no-show ones.
--
-- No double booking is enforced by the database itself. Each occupancy row
-- holds its busy time, buffers included, as a half-open tstzrange; on
-- resources of capacity 1 an exclusion constraint refuses two active rows of
-- one resource whose ranges overlap, whichever app server writes them. A row
-- is active while its booking's status blocks; a held row is switched off
-- when a later write finds its hold lapsed. Resources of capacity above 1 are
-- guarded by a row lock on clubrules.booking_resources (SELECT ... FOR
-- UPDATE), under which the writer checks the peak headcount.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE clubrules.bookings (
    id                text COLLATE "C" PRIMARY KEY,
    service           text NOT NULL,
    start_at          timestamptz NOT NULL,
    start_tz          text,
    end_at            timestamptz NOT NULL,
    end_tz            text,
    status            text NOT NULL CHECK (status IN ('held', 'pending', 'confirmed',
                          'checked_in', 'completed', 'cancelled', 'no_show', 'expired')),
    headcount         integer NOT NULL CHECK (headcount >= 1),
    customer_id       text COLLATE "C",
    expires_at        timestamptz,
    expires_at_tz     text,
    late_cancel       boolean NOT NULL,
    confirmation_code text,
    idempotency_key   text COLLATE "C",
    taken_by          text COLLATE "C",
    created_at        timestamptz,
    created_at_tz     text,
    version           integer NOT NULL CHECK (version >= 1),
    blocking_until_us bigint NOT NULL,
    CHECK (start_at < end_at)
);

CREATE INDEX bookings_by_key ON clubrules.bookings (idempotency_key, blocking_until_us)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE clubrules.booking_occupancy (
    booking_id        text COLLATE "C" NOT NULL REFERENCES clubrules.bookings (id),
    position          integer NOT NULL,
    resource          text COLLATE "C" NOT NULL,
    during            tstzrange NOT NULL CHECK (NOT isempty(during)
                          AND lower_inc(during) AND NOT upper_inc(during)),
    units             integer NOT NULL CHECK (units >= 1),
    capacity          integer NOT NULL CHECK (capacity >= units),
    role              text NOT NULL,
    blocking_until_us bigint NOT NULL,
    active            boolean NOT NULL,
    PRIMARY KEY (booking_id, position),
    CONSTRAINT booking_occupancy_no_overlap
        EXCLUDE USING gist (resource WITH =, during WITH &&) WHERE (active AND capacity = 1)
);

CREATE INDEX booking_occupancy_by_resource
    ON clubrules.booking_occupancy USING gist (resource, during);

CREATE TABLE clubrules.booking_resources (
    resource text COLLATE "C" PRIMARY KEY
);
