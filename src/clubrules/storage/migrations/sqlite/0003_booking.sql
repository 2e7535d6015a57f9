-- clubrules schema version 3 (SQLite): the booking area's bookings and the
-- resources each one makes busy.
--
-- Conventions as in version 1: instants are UTC integer microseconds (_us)
-- with the zone they were given in (_tz). A booking blocks its slot until
-- blocking_until_us: far in the future for confirmed, checked-in and
-- completed bookings, the expiry for held and pending ones, far in the past
-- for cancelled, expired and no-show ones; each occupancy row repeats it, so
-- that the slot check reads one table. Writers check and write inside
-- BEGIN IMMEDIATE, so two writers never both see a slot free.

CREATE TABLE bookings (
    id                TEXT PRIMARY KEY NOT NULL,
    service           TEXT NOT NULL,
    start_us          INTEGER NOT NULL CHECK (typeof(start_us) = 'integer'),
    start_tz          TEXT,
    end_us            INTEGER NOT NULL CHECK (typeof(end_us) = 'integer'),
    end_tz            TEXT,
    status            TEXT NOT NULL CHECK (status IN ('held', 'pending', 'confirmed',
                          'checked_in', 'completed', 'cancelled', 'no_show', 'expired')),
    headcount         INTEGER NOT NULL CHECK (headcount >= 1),
    customer_id       TEXT,
    expires_at_us     INTEGER CHECK (expires_at_us IS NULL OR typeof(expires_at_us) = 'integer'),
    expires_at_tz     TEXT,
    late_cancel       INTEGER NOT NULL CHECK (late_cancel IN (0, 1)),
    confirmation_code TEXT,
    idempotency_key   TEXT,
    taken_by          TEXT,
    created_at_us     INTEGER CHECK (created_at_us IS NULL OR typeof(created_at_us) = 'integer'),
    created_at_tz     TEXT,
    version           INTEGER NOT NULL CHECK (version >= 1),
    blocking_until_us INTEGER NOT NULL CHECK (typeof(blocking_until_us) = 'integer'),
    CHECK (start_us < end_us)
);

CREATE INDEX bookings_by_key ON bookings (idempotency_key, blocking_until_us)
    WHERE idempotency_key IS NOT NULL;

CREATE TABLE booking_occupancy (
    booking_id        TEXT NOT NULL REFERENCES bookings (id),
    position          INTEGER NOT NULL,
    resource          TEXT NOT NULL,
    start_us          INTEGER NOT NULL CHECK (typeof(start_us) = 'integer'),
    end_us            INTEGER NOT NULL CHECK (typeof(end_us) = 'integer'),
    units             INTEGER NOT NULL CHECK (units >= 1),
    capacity          INTEGER NOT NULL CHECK (capacity >= units),
    role              TEXT NOT NULL,
    blocking_until_us INTEGER NOT NULL CHECK (typeof(blocking_until_us) = 'integer'),
    PRIMARY KEY (booking_id, position),
    CHECK (start_us < end_us)
);

CREATE INDEX booking_occupancy_by_resource
    ON booking_occupancy (resource, start_us, end_us, blocking_until_us);
CREATE INDEX booking_occupancy_by_start ON booking_occupancy (start_us, end_us);
