-- clubrules schema version 8 (PostgreSQL): the activities area's activities,
-- invitations and rosters; and care tasks of the new kind 'invitation'.
--
-- Conventions as in version 1: tables in the schema "clubrules", ids in the
-- "C" collation; instants are timestamptz with the zone they were given in
-- (_tz). Activities and invitations are never updated or deleted; a roster
-- row (one per activity and customer) changes only in a transaction that
-- first locks the activity's row (SELECT ... FOR UPDATE), then reads the
-- roster, applies the roster rules and writes the result, so racing
-- sign-ups are serialised and never seat more customers than the capacity.

CREATE TABLE clubrules.activities (
    id             text COLLATE "C" PRIMARY KEY,
    name           text NOT NULL,
    kind           text COLLATE "C" NOT NULL,
    starts_at      timestamptz NOT NULL,
    starts_at_tz   text,
    ends_at        timestamptz NOT NULL,
    ends_at_tz     text,
    capacity       integer NOT NULL CHECK (capacity >= 1),
    -- Tiers, segments and the tag class as one JSON object.
    audience       jsonb NOT NULL CHECK (jsonb_typeof(audience) = 'object'),
    waitlist_limit integer CHECK (waitlist_limit >= 0),
    booking_id     text COLLATE "C",
    CHECK (starts_at < ends_at)
);

CREATE INDEX activities_by_start ON clubrules.activities (starts_at, id);

CREATE TABLE clubrules.activity_invitations (
    activity_id text COLLATE "C" NOT NULL REFERENCES clubrules.activities (id),
    customer_id text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    at_tz       text,
    channel     text NOT NULL,
    consent_id  text COLLATE "C" NOT NULL,
    PRIMARY KEY (activity_id, customer_id)
);

CREATE TABLE clubrules.activity_sign_ups (
    activity_id     text COLLATE "C" NOT NULL REFERENCES clubrules.activities (id),
    customer_id     text COLLATE "C" NOT NULL,
    status          text NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled',
                        'attended', 'no_show')),
    position        integer NOT NULL CHECK (position >= 1),
    signed_up_at    timestamptz NOT NULL,
    signed_up_at_tz text,
    updated_at      timestamptz NOT NULL,
    updated_at_tz   text,
    PRIMARY KEY (activity_id, customer_id),
    UNIQUE (activity_id, position)
);

CREATE INDEX activity_sign_ups_by_customer
    ON clubrules.activity_sign_ups (customer_id, signed_up_at, activity_id);

-- Care tasks gain the kind 'invitation'.
ALTER TABLE clubrules.care_tasks DROP CONSTRAINT care_tasks_kind_check;
ALTER TABLE clubrules.care_tasks ADD CONSTRAINT care_tasks_kind_check CHECK (kind IN ('birthday',
    'holiday', 'return_visit', 'survey', 'churn_follow_up', 'invitation'));
