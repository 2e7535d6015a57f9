-- clubrules schema version 1 (PostgreSQL): customers, consumption and service
-- records, and the privacy stores (data keys, consents, the access log).
--
-- Every table lives in the schema "clubrules". Identifiers use the "C"
-- collation, so that ORDER BY id sorts by code point, as Python does.
-- Instants are timestamptz (UTC, microseconds), each with the time zone it
-- was given in (_tz: an IANA name, or a fixed offset such as +08:00; NULL for
-- UTC or an unknown zone), so that values come back in their zone; money is
-- numeric, exact;
-- sealed archive fields and wrapped data keys are bytea ciphertext.

CREATE TABLE clubrules.customers (
    id            text COLLATE "C" PRIMARY KEY,
    name          text NOT NULL,
    registered_at timestamptz NOT NULL,
    registered_at_tz text,
    phone_e164    text COLLATE "C",
    gender        text NOT NULL CHECK (gender IN ('female', 'male', 'other', 'undisclosed')),
    birthday      date,
    occupation    text,
    email         text,
    wechat        text,
    tags          text[] NOT NULL DEFAULT '{}',
    needs         text[] NOT NULL DEFAULT '{}',
    health        bytea,
    allergies     bytea,
    beauty_needs  bytea
);

CREATE INDEX customers_by_phone ON clubrules.customers (phone_e164, id)
    WHERE phone_e164 IS NOT NULL;

CREATE TABLE clubrules.consumption_records (
    id          text COLLATE "C" PRIMARY KEY,
    customer_id text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    at_tz       text,
    service     text NOT NULL,
    amount      numeric NOT NULL CHECK (amount >= 0),
    currency    char(3) NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('purchase', 'refund', 'redemption')),
    refund_of   text COLLATE "C"
);

CREATE INDEX consumption_records_by_customer
    ON clubrules.consumption_records (customer_id, at, id);
CREATE INDEX consumption_records_by_time ON clubrules.consumption_records (at, id);

CREATE TABLE clubrules.service_records (
    id          text COLLATE "C" PRIMARY KEY,
    customer_id text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    at_tz       text,
    service     text NOT NULL,
    staff_id    text NOT NULL,
    notes       text NOT NULL,
    effect      text NOT NULL
);

CREATE INDEX service_records_by_customer ON clubrules.service_records (customer_id, at, id);

CREATE TABLE clubrules.data_keys (
    customer_id text COLLATE "C" PRIMARY KEY,
    wrapped     bytea NOT NULL
);

CREATE TABLE clubrules.consents (
    id           text COLLATE "C" PRIMARY KEY,
    customer_id  text COLLATE "C" NOT NULL,
    purpose      text NOT NULL,
    scope        text[] NOT NULL,
    given_at     timestamptz NOT NULL,
    given_at_tz  text,
    separate     boolean NOT NULL,
    expires_at   timestamptz,
    expires_at_tz text,
    withdrawn_at timestamptz,
    withdrawn_at_tz text,
    recipient    text,
    evidence     text NOT NULL
);

CREATE INDEX consents_by_customer ON clubrules.consents (customer_id, given_at, id);

CREATE TABLE clubrules.access_events (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL,
    at_tz       text,
    actor       text NOT NULL,
    role        text NOT NULL,
    purpose     text NOT NULL,
    customer_id text COLLATE "C" NOT NULL,
    field       text NOT NULL,
    allowed     boolean NOT NULL,
    reason      text NOT NULL
);

CREATE INDEX access_events_by_customer ON clubrules.access_events (customer_id, seq);
CREATE INDEX access_events_by_actor ON clubrules.access_events (actor, seq);
CREATE INDEX access_events_by_time ON clubrules.access_events (at);
