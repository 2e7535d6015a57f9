-- clubrules schema version 1 (SQLite): customers, consumption and service
-- records, and the privacy stores (data keys, consents, the access log).
--
-- Conventions: instants are UTC integers (microseconds since the Unix epoch,
-- columns ending in _us), each with the time zone it was given in (_tz: an
-- IANA name, or a fixed offset such as +08:00; NULL for UTC or an unknown
-- zone), so that values come back in their zone; money is exact decimal
-- text plus an ISO 4217 code;
-- sealed archive fields and wrapped data keys are BLOBs of ciphertext, and
-- the CHECKs refuse any other storage class, so plaintext cannot land there.

CREATE TABLE customers (
    id               TEXT PRIMARY KEY NOT NULL,
    name             TEXT NOT NULL,
    registered_at_us INTEGER NOT NULL CHECK (typeof(registered_at_us) = 'integer'),
    registered_at_tz TEXT,
    phone_e164       TEXT,
    gender           TEXT NOT NULL CHECK (gender IN ('female', 'male', 'other', 'undisclosed')),
    birthday         TEXT,
    occupation       TEXT,
    email            TEXT,
    wechat           TEXT,
    tags             TEXT NOT NULL DEFAULT '[]',
    needs            TEXT NOT NULL DEFAULT '[]',
    health           BLOB CHECK (health IS NULL OR typeof(health) = 'blob'),
    allergies        BLOB CHECK (allergies IS NULL OR typeof(allergies) = 'blob'),
    beauty_needs     BLOB CHECK (beauty_needs IS NULL OR typeof(beauty_needs) = 'blob')
);

CREATE INDEX customers_by_phone ON customers (phone_e164, id) WHERE phone_e164 IS NOT NULL;

CREATE TABLE consumption_records (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    service     TEXT NOT NULL,
    amount      TEXT NOT NULL CHECK (typeof(amount) = 'text'),
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    kind        TEXT NOT NULL CHECK (kind IN ('purchase', 'refund', 'redemption')),
    refund_of   TEXT
);

CREATE INDEX consumption_records_by_customer ON consumption_records (customer_id, at_us, id);
CREATE INDEX consumption_records_by_time ON consumption_records (at_us, id);

CREATE TABLE service_records (
    id          TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    service     TEXT NOT NULL,
    staff_id    TEXT NOT NULL,
    notes       TEXT NOT NULL,
    effect      TEXT NOT NULL
);

CREATE INDEX service_records_by_customer ON service_records (customer_id, at_us, id);

CREATE TABLE data_keys (
    customer_id TEXT PRIMARY KEY NOT NULL,
    wrapped     BLOB NOT NULL CHECK (typeof(wrapped) = 'blob')
);

CREATE TABLE consents (
    id              TEXT PRIMARY KEY NOT NULL,
    customer_id     TEXT NOT NULL,
    purpose         TEXT NOT NULL,
    scope           TEXT NOT NULL,
    given_at_us     INTEGER NOT NULL CHECK (typeof(given_at_us) = 'integer'),
    given_at_tz     TEXT,
    separate        INTEGER NOT NULL CHECK (separate IN (0, 1)),
    expires_at_us   INTEGER,
    expires_at_tz   TEXT,
    withdrawn_at_us INTEGER,
    withdrawn_at_tz TEXT,
    recipient       TEXT,
    evidence        TEXT NOT NULL
);

CREATE INDEX consents_by_customer ON consents (customer_id, given_at_us, id);

CREATE TABLE access_events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    field       TEXT NOT NULL,
    allowed     INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    reason      TEXT NOT NULL
);

CREATE INDEX access_events_by_customer ON access_events (customer_id, seq);
CREATE INDEX access_events_by_actor ON access_events (actor, seq);
CREATE INDEX access_events_by_time ON access_events (at_us);
