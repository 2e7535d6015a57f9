-- clubrules schema version 10 (SQLite): many clubs in one file.
--
-- Every clubrules table gains a first column, tenant, and every primary
-- key, unique key, foreign key and index leads with it, so that the same id
-- may exist in two tenants. The rows already stored belong to the tenant
-- 'default', which is the one a database uses unless it is bound to another.
-- SQLite has no row-level security: the adapters put the tenant in every
-- statement themselves. SQLite cannot change a primary key in place, so each
-- table is built again under a new name, filled, and renamed; the migration
-- runs with foreign keys off and checks them all before it commits.
-- (clubrules_booking_longest stays one row for the file: it only bounds how
-- far back a search reads.)
CREATE TABLE clubrules_customers_new (
    tenant           TEXT NOT NULL,
    id               TEXT NOT NULL,
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
    beauty_needs     BLOB CHECK (beauty_needs IS NULL OR typeof(beauty_needs) = 'blob'),
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_customers_new (tenant, id, name, registered_at_us, registered_at_tz, phone_e164, gender, birthday, occupation, email, wechat, tags, needs, health, allergies, beauty_needs)
    SELECT 'default', id, name, registered_at_us, registered_at_tz, phone_e164, gender, birthday, occupation, email, wechat, tags, needs, health, allergies, beauty_needs FROM clubrules_customers;
DROP TABLE clubrules_customers;
ALTER TABLE clubrules_customers_new RENAME TO clubrules_customers;

CREATE TABLE clubrules_consumption_records_new (
    tenant           TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    service     TEXT NOT NULL,
    amount      TEXT NOT NULL CHECK (typeof(amount) = 'text'),
    currency    TEXT NOT NULL CHECK (length(currency) = 3),
    kind        TEXT NOT NULL CHECK (kind IN ('purchase', 'refund', 'redemption')),
    refund_of   TEXT,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_consumption_records_new (tenant, id, customer_id, at_us, at_tz, service, amount, currency, kind, refund_of)
    SELECT 'default', id, customer_id, at_us, at_tz, service, amount, currency, kind, refund_of FROM clubrules_consumption_records;
DROP TABLE clubrules_consumption_records;
ALTER TABLE clubrules_consumption_records_new RENAME TO clubrules_consumption_records;

CREATE TABLE clubrules_service_records_new (
    tenant           TEXT NOT NULL,
    id          TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    service     TEXT NOT NULL,
    staff_id    TEXT NOT NULL,
    notes       TEXT NOT NULL,
    effect      TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_service_records_new (tenant, id, customer_id, at_us, at_tz, service, staff_id, notes, effect)
    SELECT 'default', id, customer_id, at_us, at_tz, service, staff_id, notes, effect FROM clubrules_service_records;
DROP TABLE clubrules_service_records;
ALTER TABLE clubrules_service_records_new RENAME TO clubrules_service_records;

CREATE TABLE clubrules_data_keys_new (
    tenant           TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    wrapped     BLOB NOT NULL CHECK (typeof(wrapped) = 'blob'),
    PRIMARY KEY (tenant, customer_id)
);
INSERT INTO clubrules_data_keys_new (tenant, customer_id, wrapped)
    SELECT 'default', customer_id, wrapped FROM clubrules_data_keys;
DROP TABLE clubrules_data_keys;
ALTER TABLE clubrules_data_keys_new RENAME TO clubrules_data_keys;

CREATE TABLE clubrules_consents_new (
    tenant           TEXT NOT NULL,
    id              TEXT NOT NULL,
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
    evidence        TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_consents_new (tenant, id, customer_id, purpose, scope, given_at_us, given_at_tz, separate, expires_at_us, expires_at_tz, withdrawn_at_us, withdrawn_at_tz, recipient, evidence)
    SELECT 'default', id, customer_id, purpose, scope, given_at_us, given_at_tz, separate, expires_at_us, expires_at_tz, withdrawn_at_us, withdrawn_at_tz, recipient, evidence FROM clubrules_consents;
DROP TABLE clubrules_consents;
ALTER TABLE clubrules_consents_new RENAME TO clubrules_consents;

CREATE TABLE clubrules_access_events_new (
    tenant           TEXT NOT NULL,
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    actor       TEXT NOT NULL,
    role        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    field       TEXT NOT NULL,
    allowed     INTEGER NOT NULL CHECK (allowed IN (0, 1)),
    reason      TEXT NOT NULL,
    UNIQUE (tenant, seq)
);
INSERT INTO clubrules_access_events_new (tenant, seq, at_us, at_tz, actor, role, purpose, customer_id, field, allowed, reason)
    SELECT 'default', seq, at_us, at_tz, actor, role, purpose, customer_id, field, allowed, reason FROM clubrules_access_events;
DELETE FROM sqlite_sequence WHERE name = 'clubrules_access_events_new';
UPDATE sqlite_sequence SET name = 'clubrules_access_events_new' WHERE name = 'clubrules_access_events';
DROP TABLE clubrules_access_events;
ALTER TABLE clubrules_access_events_new RENAME TO clubrules_access_events;

CREATE TABLE clubrules_staff_rubrics_new (
    tenant           TEXT NOT NULL,
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1),
    -- The whole rubric as JSON (criteria, sub-items, scales, bands, policies),
    -- every Decimal as a string so that it round-trips digit for digit.
    document TEXT NOT NULL CHECK (json_valid(document)),
    PRIMARY KEY (tenant, id, version)
);
INSERT INTO clubrules_staff_rubrics_new (tenant, id, version, document)
    SELECT 'default', id, version, document FROM clubrules_staff_rubrics;
DROP TABLE clubrules_staff_rubrics;
ALTER TABLE clubrules_staff_rubrics_new RENAME TO clubrules_staff_rubrics;

CREATE TABLE clubrules_staff_sheets_new (
    tenant           TEXT NOT NULL,
    id              TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('periodic', 'ad_hoc')),
    period_start_us INTEGER NOT NULL CHECK (typeof(period_start_us) = 'integer'),
    period_start_tz TEXT,
    period_end_us   INTEGER NOT NULL CHECK (typeof(period_end_us) = 'integer'),
    period_end_tz   TEXT,
    period_label    TEXT NOT NULL,
    cycle           INTEGER,
    cycle_months    INTEGER,
    assessed_at_us  INTEGER NOT NULL CHECK (typeof(assessed_at_us) = 'integer'),
    assessed_at_tz  TEXT,
    rubric_id       TEXT NOT NULL,
    rubric_version  INTEGER NOT NULL,
    total           TEXT NOT NULL CHECK (typeof(total) = 'text'),
    band            TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('reward', 'none', 'warning')),
    CHECK ((cycle IS NULL) = (cycle_months IS NULL)),
    CHECK (period_start_us < period_end_us),
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_staff_sheets_new (tenant, id, staff_id, kind, period_start_us, period_start_tz, period_end_us, period_end_tz, period_label, cycle, cycle_months, assessed_at_us, assessed_at_tz, rubric_id, rubric_version, total, band, outcome)
    SELECT 'default', id, staff_id, kind, period_start_us, period_start_tz, period_end_us, period_end_tz, period_label, cycle, cycle_months, assessed_at_us, assessed_at_tz, rubric_id, rubric_version, total, band, outcome FROM clubrules_staff_sheets;
DROP TABLE clubrules_staff_sheets;
ALTER TABLE clubrules_staff_sheets_new RENAME TO clubrules_staff_sheets;

CREATE TABLE clubrules_staff_sheet_criteria_new (
    tenant           TEXT NOT NULL,
    sheet_id      TEXT NOT NULL,
    position      INTEGER NOT NULL,
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,
    max_points    TEXT NOT NULL CHECK (typeof(max_points) = 'text'),
    effective_max TEXT NOT NULL CHECK (typeof(effective_max) = 'text'),
    points        TEXT NOT NULL CHECK (typeof(points) = 'text'),
    PRIMARY KEY (tenant, sheet_id, position),
    FOREIGN KEY (tenant, sheet_id) REFERENCES clubrules_staff_sheets (tenant, id)
);
INSERT INTO clubrules_staff_sheet_criteria_new (tenant, sheet_id, position, key, name, max_points, effective_max, points)
    SELECT 'default', sheet_id, position, key, name, max_points, effective_max, points FROM clubrules_staff_sheet_criteria;
DROP TABLE clubrules_staff_sheet_criteria;
ALTER TABLE clubrules_staff_sheet_criteria_new RENAME TO clubrules_staff_sheet_criteria;

CREATE TABLE clubrules_staff_sheet_lines_new (
    tenant           TEXT NOT NULL,
    sheet_id      TEXT NOT NULL,
    position      INTEGER NOT NULL,
    criterion     TEXT NOT NULL,
    item          TEXT NOT NULL,
    name          TEXT NOT NULL,
    method        TEXT NOT NULL,
    max_points    TEXT NOT NULL CHECK (typeof(max_points) = 'text'),
    effective_max TEXT NOT NULL CHECK (typeof(effective_max) = 'text'),
    points        TEXT NOT NULL CHECK (typeof(points) = 'text'),
    source        TEXT NOT NULL,
    no_events     TEXT CHECK (no_events IS NULL OR no_events IN ('neutral', 'full_marks', 'exclude')),
    PRIMARY KEY (tenant, sheet_id, position),
    FOREIGN KEY (tenant, sheet_id) REFERENCES clubrules_staff_sheets (tenant, id)
);
INSERT INTO clubrules_staff_sheet_lines_new (tenant, sheet_id, position, criterion, item, name, method, max_points, effective_max, points, source, no_events)
    SELECT 'default', sheet_id, position, criterion, item, name, method, max_points, effective_max, points, source, no_events FROM clubrules_staff_sheet_lines;
DROP TABLE clubrules_staff_sheet_lines;
ALTER TABLE clubrules_staff_sheet_lines_new RENAME TO clubrules_staff_sheet_lines;

CREATE TABLE clubrules_staff_warnings_new (
    tenant           TEXT NOT NULL,
    id            TEXT NOT NULL,
    staff_id      TEXT NOT NULL,
    sheet_id      TEXT NOT NULL,
    issued_at_us  INTEGER NOT NULL CHECK (typeof(issued_at_us) = 'integer'),
    issued_at_tz  TEXT,
    improve_by_us INTEGER NOT NULL CHECK (typeof(improve_by_us) = 'integer'),
    improve_by_tz TEXT,
    total         TEXT NOT NULL CHECK (typeof(total) = 'text'),
    band          TEXT NOT NULL,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_staff_warnings_new (tenant, id, staff_id, sheet_id, issued_at_us, issued_at_tz, improve_by_us, improve_by_tz, total, band)
    SELECT 'default', id, staff_id, sheet_id, issued_at_us, issued_at_tz, improve_by_us, improve_by_tz, total, band FROM clubrules_staff_warnings;
DROP TABLE clubrules_staff_warnings;
ALTER TABLE clubrules_staff_warnings_new RENAME TO clubrules_staff_warnings;

CREATE TABLE clubrules_bookings_new (
    tenant           TEXT NOT NULL,
    id                TEXT NOT NULL,
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
    CHECK (start_us < end_us),
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_bookings_new (tenant, id, service, start_us, start_tz, end_us, end_tz, status, headcount, customer_id, expires_at_us, expires_at_tz, late_cancel, confirmation_code, idempotency_key, taken_by, created_at_us, created_at_tz, version, blocking_until_us)
    SELECT 'default', id, service, start_us, start_tz, end_us, end_tz, status, headcount, customer_id, expires_at_us, expires_at_tz, late_cancel, confirmation_code, idempotency_key, taken_by, created_at_us, created_at_tz, version, blocking_until_us FROM clubrules_bookings;
DROP TABLE clubrules_bookings;
ALTER TABLE clubrules_bookings_new RENAME TO clubrules_bookings;

CREATE TABLE clubrules_booking_occupancy_new (
    tenant           TEXT NOT NULL,
    booking_id        TEXT NOT NULL,
    position          INTEGER NOT NULL,
    resource          TEXT NOT NULL,
    start_us          INTEGER NOT NULL CHECK (typeof(start_us) = 'integer'),
    end_us            INTEGER NOT NULL CHECK (typeof(end_us) = 'integer'),
    units             INTEGER NOT NULL CHECK (units >= 1),
    capacity          INTEGER NOT NULL CHECK (capacity >= units),
    role              TEXT NOT NULL,
    blocking_until_us INTEGER NOT NULL CHECK (typeof(blocking_until_us) = 'integer'),
    PRIMARY KEY (tenant, booking_id, position),
    CHECK (start_us < end_us),
    FOREIGN KEY (tenant, booking_id) REFERENCES clubrules_bookings (tenant, id)
);
INSERT INTO clubrules_booking_occupancy_new (tenant, booking_id, position, resource, start_us, end_us, units, capacity, role, blocking_until_us)
    SELECT 'default', booking_id, position, resource, start_us, end_us, units, capacity, role, blocking_until_us FROM clubrules_booking_occupancy;
DROP TABLE clubrules_booking_occupancy;
ALTER TABLE clubrules_booking_occupancy_new RENAME TO clubrules_booking_occupancy;

CREATE TABLE clubrules_survey_responses_new (
    tenant           TEXT NOT NULL,
    id               TEXT NOT NULL,
    questionnaire_id TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    at_us            INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz            TEXT,
    -- Ratings as a JSON array of [question id, rating] pairs, in the response's order.
    answers          TEXT NOT NULL CHECK (json_valid(answers) AND json_type(answers) = 'array'),
    nps              INTEGER CHECK (nps IS NULL OR (typeof(nps) = 'integer' AND nps BETWEEN 0 AND 10)),
    staff_id         TEXT,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_survey_responses_new (tenant, id, questionnaire_id, customer_id, at_us, at_tz, answers, nps, staff_id)
    SELECT 'default', id, questionnaire_id, customer_id, at_us, at_tz, answers, nps, staff_id FROM clubrules_survey_responses;
DROP TABLE clubrules_survey_responses;
ALTER TABLE clubrules_survey_responses_new RENAME TO clubrules_survey_responses;

CREATE TABLE clubrules_complaint_cases_new (
    tenant           TEXT NOT NULL,
    id            TEXT NOT NULL,
    kind          TEXT NOT NULL,
    customer_id   TEXT NOT NULL,
    registered_us INTEGER NOT NULL CHECK (typeof(registered_us) = 'integer'),
    registered_tz TEXT,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_complaint_cases_new (tenant, id, kind, customer_id, registered_us, registered_tz)
    SELECT 'default', id, kind, customer_id, registered_us, registered_tz FROM clubrules_complaint_cases;
DROP TABLE clubrules_complaint_cases;
ALTER TABLE clubrules_complaint_cases_new RENAME TO clubrules_complaint_cases;

CREATE TABLE clubrules_complaint_events_new (
    tenant           TEXT NOT NULL,
    case_id  TEXT NOT NULL,
    version  INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1),
    type     TEXT NOT NULL,
    at_us    INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz    TEXT,
    -- The whole event as JSON: instants as [us, zone], money as
    -- [amount text, currency], so that every value round-trips exactly.
    document TEXT NOT NULL CHECK (json_valid(document)),
    PRIMARY KEY (tenant, case_id, version),
    FOREIGN KEY (tenant, case_id) REFERENCES clubrules_complaint_cases (tenant, id)
) WITHOUT ROWID;
INSERT INTO clubrules_complaint_events_new (tenant, case_id, version, type, at_us, at_tz, document)
    SELECT 'default', case_id, version, type, at_us, at_tz, document FROM clubrules_complaint_events;
DROP TABLE clubrules_complaint_events;
ALTER TABLE clubrules_complaint_events_new RENAME TO clubrules_complaint_events;

CREATE TABLE clubrules_training_sessions_new (
    tenant           TEXT NOT NULL,
    id           TEXT NOT NULL,
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
    CHECK (starts_at_us < ends_at_us),
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_training_sessions_new (tenant, id, kind, topic, method, starts_at_us, starts_at_tz, ends_at_us, ends_at_tz, trainer, cost, currency)
    SELECT 'default', id, kind, topic, method, starts_at_us, starts_at_tz, ends_at_us, ends_at_tz, trainer, cost, currency FROM clubrules_training_sessions;
DROP TABLE clubrules_training_sessions;
ALTER TABLE clubrules_training_sessions_new RENAME TO clubrules_training_sessions;

CREATE TABLE clubrules_training_attendance_new (
    tenant           TEXT NOT NULL,
    session_id TEXT NOT NULL,
    staff_id   TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('attended', 'absent', 'excused')),
    PRIMARY KEY (tenant, session_id, staff_id),
    FOREIGN KEY (tenant, session_id) REFERENCES clubrules_training_sessions (tenant, id)
);
INSERT INTO clubrules_training_attendance_new (tenant, session_id, staff_id, status)
    SELECT 'default', session_id, staff_id, status FROM clubrules_training_attendance;
DROP TABLE clubrules_training_attendance;
ALTER TABLE clubrules_training_attendance_new RENAME TO clubrules_training_attendance;

CREATE TABLE clubrules_training_completions_new (
    tenant           TEXT NOT NULL,
    id              TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('induction', 'periodic', 'safety', 'privacy',
                        'special')),
    topic           TEXT NOT NULL,
    method          TEXT NOT NULL CHECK (method IN ('internal', 'external', 'online')),
    completed_at_us INTEGER NOT NULL CHECK (typeof(completed_at_us) = 'integer'),
    completed_at_tz TEXT,
    session_id      TEXT,
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_training_completions_new (tenant, id, staff_id, kind, topic, method, completed_at_us, completed_at_tz, session_id)
    SELECT 'default', id, staff_id, kind, topic, method, completed_at_us, completed_at_tz, session_id FROM clubrules_training_completions;
DROP TABLE clubrules_training_completions;
ALTER TABLE clubrules_training_completions_new RENAME TO clubrules_training_completions;

CREATE TABLE clubrules_activities_new (
    tenant           TEXT NOT NULL,
    id             TEXT NOT NULL,
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
    CHECK (starts_at_us < ends_at_us),
    PRIMARY KEY (tenant, id)
);
INSERT INTO clubrules_activities_new (tenant, id, name, kind, starts_at_us, starts_at_tz, ends_at_us, ends_at_tz, capacity, audience, waitlist_limit, booking_id)
    SELECT 'default', id, name, kind, starts_at_us, starts_at_tz, ends_at_us, ends_at_tz, capacity, audience, waitlist_limit, booking_id FROM clubrules_activities;
DROP TABLE clubrules_activities;
ALTER TABLE clubrules_activities_new RENAME TO clubrules_activities;

CREATE TABLE clubrules_activity_invitations_new (
    tenant           TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    channel     TEXT NOT NULL,
    consent_id  TEXT NOT NULL,
    PRIMARY KEY (tenant, activity_id, customer_id),
    FOREIGN KEY (tenant, activity_id) REFERENCES clubrules_activities (tenant, id)
);
INSERT INTO clubrules_activity_invitations_new (tenant, activity_id, customer_id, at_us, at_tz, channel, consent_id)
    SELECT 'default', activity_id, customer_id, at_us, at_tz, channel, consent_id FROM clubrules_activity_invitations;
DROP TABLE clubrules_activity_invitations;
ALTER TABLE clubrules_activity_invitations_new RENAME TO clubrules_activity_invitations;

CREATE TABLE clubrules_activity_sign_ups_new (
    tenant           TEXT NOT NULL,
    activity_id     TEXT NOT NULL,
    customer_id     TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('confirmed', 'waitlisted', 'cancelled',
                        'attended', 'no_show')),
    position        INTEGER NOT NULL CHECK (typeof(position) = 'integer' AND position >= 1),
    signed_up_at_us INTEGER NOT NULL CHECK (typeof(signed_up_at_us) = 'integer'),
    signed_up_at_tz TEXT,
    updated_at_us   INTEGER NOT NULL CHECK (typeof(updated_at_us) = 'integer'),
    updated_at_tz   TEXT,
    PRIMARY KEY (tenant, activity_id, customer_id),
    UNIQUE (tenant, activity_id, position),
    FOREIGN KEY (tenant, activity_id) REFERENCES clubrules_activities (tenant, id)
);
INSERT INTO clubrules_activity_sign_ups_new (tenant, activity_id, customer_id, status, position, signed_up_at_us, signed_up_at_tz, updated_at_us, updated_at_tz)
    SELECT 'default', activity_id, customer_id, status, position, signed_up_at_us, signed_up_at_tz, updated_at_us, updated_at_tz FROM clubrules_activity_sign_ups;
DROP TABLE clubrules_activity_sign_ups;
ALTER TABLE clubrules_activity_sign_ups_new RENAME TO clubrules_activity_sign_ups;

CREATE TABLE clubrules_care_tasks_new (
    tenant           TEXT NOT NULL,
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('birthday', 'holiday', 'return_visit', 'survey',
                    'churn_follow_up', 'invitation')),
    due         TEXT NOT NULL CHECK (due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    rule        TEXT NOT NULL,
    note        TEXT NOT NULL,
    assignee    TEXT,
    UNIQUE (tenant, seq)
);
INSERT INTO clubrules_care_tasks_new (tenant, seq, customer_id, kind, due, at_us, at_tz, rule, note, assignee)
    SELECT 'default', seq, customer_id, kind, due, at_us, at_tz, rule, note, assignee FROM clubrules_care_tasks;
DELETE FROM sqlite_sequence WHERE name = 'clubrules_care_tasks_new';
UPDATE sqlite_sequence SET name = 'clubrules_care_tasks_new' WHERE name = 'clubrules_care_tasks';
DROP TABLE clubrules_care_tasks;
ALTER TABLE clubrules_care_tasks_new RENAME TO clubrules_care_tasks;

CREATE INDEX clubrules_customers_by_phone ON clubrules_customers (tenant, phone_e164, id) WHERE phone_e164 IS NOT NULL;
CREATE INDEX clubrules_consumption_records_by_customer ON clubrules_consumption_records (tenant, customer_id, at_us, id);
CREATE INDEX clubrules_consumption_records_by_time ON clubrules_consumption_records (tenant, at_us, id);
CREATE INDEX clubrules_service_records_by_customer ON clubrules_service_records (tenant, customer_id, at_us, id);
CREATE INDEX clubrules_consents_by_customer ON clubrules_consents (tenant, customer_id, given_at_us, id);
CREATE INDEX clubrules_access_events_by_customer ON clubrules_access_events (tenant, customer_id, seq);
CREATE INDEX clubrules_access_events_by_actor ON clubrules_access_events (tenant, actor, seq);
CREATE INDEX clubrules_access_events_by_time ON clubrules_access_events (tenant, at_us);
CREATE UNIQUE INDEX clubrules_staff_sheets_one_per_cycle ON clubrules_staff_sheets (tenant, staff_id, cycle_months, cycle)
    WHERE kind = 'periodic' AND cycle IS NOT NULL;
CREATE INDEX clubrules_staff_sheets_by_staff ON clubrules_staff_sheets (tenant, staff_id, period_end_us, period_start_us, id);
CREATE INDEX clubrules_staff_sheets_by_end ON clubrules_staff_sheets (tenant, period_end_us, period_start_us, id);
CREATE INDEX clubrules_staff_warnings_by_staff ON clubrules_staff_warnings (tenant, staff_id, issued_at_us, id);
CREATE INDEX clubrules_staff_warnings_by_time ON clubrules_staff_warnings (tenant, issued_at_us, id);
CREATE INDEX clubrules_bookings_by_key ON clubrules_bookings (tenant, idempotency_key, blocking_until_us)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX clubrules_booking_occupancy_by_resource
    ON clubrules_booking_occupancy (tenant, resource, start_us, end_us, blocking_until_us);
CREATE INDEX clubrules_booking_occupancy_by_start ON clubrules_booking_occupancy (tenant, start_us, end_us);
CREATE INDEX clubrules_survey_responses_by_questionnaire
    ON clubrules_survey_responses (tenant, questionnaire_id, at_us, id);
CREATE INDEX clubrules_survey_responses_by_time ON clubrules_survey_responses (tenant, at_us, id);
CREATE INDEX clubrules_training_sessions_by_start ON clubrules_training_sessions (tenant, starts_at_us, id);
CREATE INDEX clubrules_training_attendance_by_staff ON clubrules_training_attendance (tenant, staff_id, session_id);
CREATE INDEX clubrules_training_completions_by_staff
    ON clubrules_training_completions (tenant, staff_id, completed_at_us, id);
CREATE INDEX clubrules_training_completions_by_time ON clubrules_training_completions (tenant, completed_at_us, id);
CREATE INDEX clubrules_activities_by_start ON clubrules_activities (tenant, starts_at_us, id);
CREATE INDEX clubrules_activity_sign_ups_by_customer
    ON clubrules_activity_sign_ups (tenant, customer_id, signed_up_at_us, activity_id);
CREATE UNIQUE INDEX clubrules_care_tasks_one_per_key ON clubrules_care_tasks (tenant, customer_id, kind, due);
CREATE INDEX clubrules_care_tasks_by_due ON clubrules_care_tasks (tenant, due, kind, customer_id);
CREATE INDEX clubrules_care_tasks_by_assignee ON clubrules_care_tasks (tenant, assignee, due) WHERE assignee IS NOT NULL;
CREATE INDEX clubrules_care_tasks_by_rule ON clubrules_care_tasks (tenant, rule, customer_id, at_us);

CREATE TRIGGER clubrules_booking_longest_on_insert AFTER INSERT ON clubrules_booking_occupancy
WHEN NEW.end_us - NEW.start_us > (SELECT longest_us FROM clubrules_booking_longest WHERE id = 1)
BEGIN
    UPDATE clubrules_booking_longest SET longest_us = NEW.end_us - NEW.start_us WHERE id = 1;
END;
CREATE TRIGGER clubrules_booking_longest_on_update AFTER UPDATE OF start_us, end_us ON clubrules_booking_occupancy
WHEN NEW.end_us - NEW.start_us > (SELECT longest_us FROM clubrules_booking_longest WHERE id = 1)
BEGIN
    UPDATE clubrules_booking_longest SET longest_us = NEW.end_us - NEW.start_us WHERE id = 1;
END;
