-- clubrules schema version 10 (PostgreSQL): many clubs in one database.
--
-- Every clubrules table gains a column, tenant, and every primary key,
-- unique key, foreign key, index and the bookings' exclusion constraint
-- lead with it: the same id may exist in two tenants, two clubs may book
-- "room-1" at the same hour, and the tables can be distributed by tenant.
-- The rows already stored belong to the tenant 'default'.
--
-- Row-level security keeps each tenant to its own rows: a policy on every
-- table admits only the rows whose tenant is the session's setting
-- clubrules.tenant, which the library sets per transaction
-- (set_config(..., true), that is SET LOCAL). FORCE applies the policies to
-- the tables' owner too; only superusers and roles with BYPASSRLS pass them.
-- A new row's tenant defaults to that setting, and a connection with no
-- setting sees no rows and can write none. An empty setting counts as none:
-- PostgreSQL leaves '' (not NULL) behind once a transaction of the session
-- has set the value locally, so the policies compare with nullif(..., '').

ALTER TABLE clubrules.customers ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.customers ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.consumption_records ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.consumption_records ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.service_records ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.service_records ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.data_keys ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.data_keys ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.consents ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.consents ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.access_events ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.access_events ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.staff_rubrics ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.staff_rubrics ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.staff_sheets ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.staff_sheets ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.staff_sheet_criteria ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.staff_sheet_criteria ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.staff_sheet_lines ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.staff_sheet_lines ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.staff_warnings ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.staff_warnings ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.bookings ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.bookings ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.booking_occupancy ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.booking_occupancy ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.booking_resources ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.booking_resources ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.care_tasks ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.care_tasks ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.survey_responses ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.survey_responses ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.complaint_cases ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.complaint_cases ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.complaint_events ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.complaint_events ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.training_sessions ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.training_sessions ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.training_attendance ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.training_attendance ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.training_completions ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.training_completions ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.activities ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.activities ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.activity_invitations ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.activity_invitations ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');
ALTER TABLE clubrules.activity_sign_ups ADD COLUMN tenant text COLLATE "C" NOT NULL DEFAULT 'default';
ALTER TABLE clubrules.activity_sign_ups ALTER COLUMN tenant SET DEFAULT current_setting('clubrules.tenant');

ALTER TABLE clubrules.activity_invitations DROP CONSTRAINT activity_invitations_activity_id_fkey;
ALTER TABLE clubrules.activity_sign_ups DROP CONSTRAINT activity_sign_ups_activity_id_fkey;
ALTER TABLE clubrules.booking_occupancy DROP CONSTRAINT booking_occupancy_booking_id_fkey;
ALTER TABLE clubrules.complaint_events DROP CONSTRAINT complaint_events_case_id_fkey;
ALTER TABLE clubrules.staff_sheet_criteria DROP CONSTRAINT staff_sheet_criteria_sheet_id_fkey;
ALTER TABLE clubrules.staff_sheet_lines DROP CONSTRAINT staff_sheet_lines_sheet_id_fkey;
ALTER TABLE clubrules.training_attendance DROP CONSTRAINT training_attendance_session_id_fkey;
ALTER TABLE clubrules.access_events DROP CONSTRAINT access_events_pkey;
ALTER TABLE clubrules.activities DROP CONSTRAINT activities_pkey;
ALTER TABLE clubrules.activity_invitations DROP CONSTRAINT activity_invitations_pkey;
ALTER TABLE clubrules.activity_sign_ups DROP CONSTRAINT activity_sign_ups_activity_id_position_key;
ALTER TABLE clubrules.activity_sign_ups DROP CONSTRAINT activity_sign_ups_pkey;
ALTER TABLE clubrules.booking_occupancy DROP CONSTRAINT booking_occupancy_no_overlap;
ALTER TABLE clubrules.booking_occupancy DROP CONSTRAINT booking_occupancy_pkey;
ALTER TABLE clubrules.booking_resources DROP CONSTRAINT booking_resources_pkey;
ALTER TABLE clubrules.bookings DROP CONSTRAINT bookings_pkey;
ALTER TABLE clubrules.care_tasks DROP CONSTRAINT care_tasks_pkey;
ALTER TABLE clubrules.complaint_cases DROP CONSTRAINT complaint_cases_pkey;
ALTER TABLE clubrules.complaint_events DROP CONSTRAINT complaint_events_pkey;
ALTER TABLE clubrules.consents DROP CONSTRAINT consents_pkey;
ALTER TABLE clubrules.consumption_records DROP CONSTRAINT consumption_records_pkey;
ALTER TABLE clubrules.customers DROP CONSTRAINT customers_pkey;
ALTER TABLE clubrules.data_keys DROP CONSTRAINT data_keys_pkey;
ALTER TABLE clubrules.service_records DROP CONSTRAINT service_records_pkey;
ALTER TABLE clubrules.staff_rubrics DROP CONSTRAINT staff_rubrics_pkey;
ALTER TABLE clubrules.staff_sheet_criteria DROP CONSTRAINT staff_sheet_criteria_pkey;
ALTER TABLE clubrules.staff_sheet_lines DROP CONSTRAINT staff_sheet_lines_pkey;
ALTER TABLE clubrules.staff_sheets DROP CONSTRAINT staff_sheets_pkey;
ALTER TABLE clubrules.staff_warnings DROP CONSTRAINT staff_warnings_pkey;
ALTER TABLE clubrules.survey_responses DROP CONSTRAINT survey_responses_pkey;
ALTER TABLE clubrules.training_attendance DROP CONSTRAINT training_attendance_pkey;
ALTER TABLE clubrules.training_completions DROP CONSTRAINT training_completions_pkey;
ALTER TABLE clubrules.training_sessions DROP CONSTRAINT training_sessions_pkey;

ALTER TABLE clubrules.access_events ADD CONSTRAINT access_events_pkey PRIMARY KEY (tenant, seq);
ALTER TABLE clubrules.activities ADD CONSTRAINT activities_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.activity_invitations ADD CONSTRAINT activity_invitations_pkey PRIMARY KEY (tenant, activity_id, customer_id);
ALTER TABLE clubrules.activity_sign_ups ADD CONSTRAINT activity_sign_ups_activity_id_position_key UNIQUE (tenant, activity_id, "position");
ALTER TABLE clubrules.activity_sign_ups ADD CONSTRAINT activity_sign_ups_pkey PRIMARY KEY (tenant, activity_id, customer_id);
ALTER TABLE clubrules.booking_occupancy ADD CONSTRAINT booking_occupancy_no_overlap EXCLUDE USING gist (tenant WITH =, resource WITH =, during WITH &&) WHERE ((active AND (capacity = 1)));
ALTER TABLE clubrules.booking_occupancy ADD CONSTRAINT booking_occupancy_pkey PRIMARY KEY (tenant, booking_id, "position");
ALTER TABLE clubrules.booking_resources ADD CONSTRAINT booking_resources_pkey PRIMARY KEY (tenant, resource);
ALTER TABLE clubrules.bookings ADD CONSTRAINT bookings_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.care_tasks ADD CONSTRAINT care_tasks_pkey PRIMARY KEY (tenant, seq);
ALTER TABLE clubrules.complaint_cases ADD CONSTRAINT complaint_cases_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.complaint_events ADD CONSTRAINT complaint_events_pkey PRIMARY KEY (tenant, case_id, version);
ALTER TABLE clubrules.consents ADD CONSTRAINT consents_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.consumption_records ADD CONSTRAINT consumption_records_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.customers ADD CONSTRAINT customers_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.data_keys ADD CONSTRAINT data_keys_pkey PRIMARY KEY (tenant, customer_id);
ALTER TABLE clubrules.service_records ADD CONSTRAINT service_records_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.staff_rubrics ADD CONSTRAINT staff_rubrics_pkey PRIMARY KEY (tenant, id, version);
ALTER TABLE clubrules.staff_sheet_criteria ADD CONSTRAINT staff_sheet_criteria_pkey PRIMARY KEY (tenant, sheet_id, "position");
ALTER TABLE clubrules.staff_sheet_lines ADD CONSTRAINT staff_sheet_lines_pkey PRIMARY KEY (tenant, sheet_id, "position");
ALTER TABLE clubrules.staff_sheets ADD CONSTRAINT staff_sheets_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.staff_warnings ADD CONSTRAINT staff_warnings_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.survey_responses ADD CONSTRAINT survey_responses_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.training_attendance ADD CONSTRAINT training_attendance_pkey PRIMARY KEY (tenant, session_id, staff_id);
ALTER TABLE clubrules.training_completions ADD CONSTRAINT training_completions_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.training_sessions ADD CONSTRAINT training_sessions_pkey PRIMARY KEY (tenant, id);
ALTER TABLE clubrules.activity_invitations ADD CONSTRAINT activity_invitations_activity_id_fkey FOREIGN KEY (tenant, activity_id) REFERENCES clubrules.activities (tenant, id);
ALTER TABLE clubrules.activity_sign_ups ADD CONSTRAINT activity_sign_ups_activity_id_fkey FOREIGN KEY (tenant, activity_id) REFERENCES clubrules.activities (tenant, id);
ALTER TABLE clubrules.booking_occupancy ADD CONSTRAINT booking_occupancy_booking_id_fkey FOREIGN KEY (tenant, booking_id) REFERENCES clubrules.bookings (tenant, id);
ALTER TABLE clubrules.complaint_events ADD CONSTRAINT complaint_events_case_id_fkey FOREIGN KEY (tenant, case_id) REFERENCES clubrules.complaint_cases (tenant, id);
ALTER TABLE clubrules.staff_sheet_criteria ADD CONSTRAINT staff_sheet_criteria_sheet_id_fkey FOREIGN KEY (tenant, sheet_id) REFERENCES clubrules.staff_sheets (tenant, id);
ALTER TABLE clubrules.staff_sheet_lines ADD CONSTRAINT staff_sheet_lines_sheet_id_fkey FOREIGN KEY (tenant, sheet_id) REFERENCES clubrules.staff_sheets (tenant, id);
ALTER TABLE clubrules.training_attendance ADD CONSTRAINT training_attendance_session_id_fkey FOREIGN KEY (tenant, session_id) REFERENCES clubrules.training_sessions (tenant, id);

DROP INDEX clubrules.access_events_by_actor;
DROP INDEX clubrules.access_events_by_customer;
DROP INDEX clubrules.access_events_by_time;
DROP INDEX clubrules.activities_by_start;
DROP INDEX clubrules.activity_sign_ups_by_customer;
DROP INDEX clubrules.booking_occupancy_by_resource;
DROP INDEX clubrules.bookings_by_key;
DROP INDEX clubrules.care_tasks_by_assignee;
DROP INDEX clubrules.care_tasks_by_due;
DROP INDEX clubrules.care_tasks_by_rule;
DROP INDEX clubrules.care_tasks_one_per_key;
DROP INDEX clubrules.consents_by_customer;
DROP INDEX clubrules.consumption_records_by_customer;
DROP INDEX clubrules.consumption_records_by_time;
DROP INDEX clubrules.customers_by_phone;
DROP INDEX clubrules.service_records_by_customer;
DROP INDEX clubrules.staff_sheets_by_end;
DROP INDEX clubrules.staff_sheets_by_staff;
DROP INDEX clubrules.staff_sheets_one_per_cycle;
DROP INDEX clubrules.staff_warnings_by_staff;
DROP INDEX clubrules.staff_warnings_by_time;
DROP INDEX clubrules.survey_responses_by_questionnaire;
DROP INDEX clubrules.survey_responses_by_time;
DROP INDEX clubrules.training_attendance_by_staff;
DROP INDEX clubrules.training_completions_by_staff;
DROP INDEX clubrules.training_completions_by_time;
DROP INDEX clubrules.training_sessions_by_start;
CREATE INDEX access_events_by_actor ON clubrules.access_events (tenant, actor, seq);
CREATE INDEX access_events_by_customer ON clubrules.access_events (tenant, customer_id, seq);
CREATE INDEX access_events_by_time ON clubrules.access_events (tenant, at);
CREATE INDEX activities_by_start ON clubrules.activities (tenant, starts_at, id);
CREATE INDEX activity_sign_ups_by_customer ON clubrules.activity_sign_ups (tenant, customer_id, signed_up_at, activity_id);
CREATE INDEX booking_occupancy_by_resource ON clubrules.booking_occupancy USING gist (tenant, resource, during);
CREATE INDEX bookings_by_key ON clubrules.bookings (tenant, idempotency_key, blocking_until_us) WHERE (idempotency_key IS NOT NULL);
CREATE INDEX care_tasks_by_assignee ON clubrules.care_tasks (tenant, assignee, due) WHERE (assignee IS NOT NULL);
CREATE INDEX care_tasks_by_due ON clubrules.care_tasks (tenant, due, kind, customer_id);
CREATE INDEX care_tasks_by_rule ON clubrules.care_tasks (tenant, rule, customer_id, at);
CREATE UNIQUE INDEX care_tasks_one_per_key ON clubrules.care_tasks (tenant, customer_id, kind, due);
CREATE INDEX consents_by_customer ON clubrules.consents (tenant, customer_id, given_at, id);
CREATE INDEX consumption_records_by_customer ON clubrules.consumption_records (tenant, customer_id, at, id);
CREATE INDEX consumption_records_by_time ON clubrules.consumption_records (tenant, at, id);
CREATE INDEX customers_by_phone ON clubrules.customers (tenant, phone_e164, id) WHERE (phone_e164 IS NOT NULL);
CREATE INDEX service_records_by_customer ON clubrules.service_records (tenant, customer_id, at, id);
CREATE INDEX staff_sheets_by_end ON clubrules.staff_sheets (tenant, period_end, period_start, id);
CREATE INDEX staff_sheets_by_staff ON clubrules.staff_sheets (tenant, staff_id, period_end, period_start, id);
CREATE UNIQUE INDEX staff_sheets_one_per_cycle ON clubrules.staff_sheets (tenant, staff_id, cycle_months, cycle) WHERE ((kind = 'periodic'::text) AND (cycle IS NOT NULL));
CREATE INDEX staff_warnings_by_staff ON clubrules.staff_warnings (tenant, staff_id, issued_at, id);
CREATE INDEX staff_warnings_by_time ON clubrules.staff_warnings (tenant, issued_at, id);
CREATE INDEX survey_responses_by_questionnaire ON clubrules.survey_responses (tenant, questionnaire_id, at, id);
CREATE INDEX survey_responses_by_time ON clubrules.survey_responses (tenant, at, id);
CREATE INDEX training_attendance_by_staff ON clubrules.training_attendance (tenant, staff_id, session_id);
CREATE INDEX training_completions_by_staff ON clubrules.training_completions (tenant, staff_id, completed_at, id);
CREATE INDEX training_completions_by_time ON clubrules.training_completions (tenant, completed_at, id);
CREATE INDEX training_sessions_by_start ON clubrules.training_sessions (tenant, starts_at, id);

ALTER TABLE clubrules.customers ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.customers FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.customers
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.consumption_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.consumption_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.consumption_records
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.service_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.service_records FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.service_records
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.data_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.data_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.data_keys
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.consents ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.consents FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.consents
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.access_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.access_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.access_events
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.staff_rubrics ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.staff_rubrics FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.staff_rubrics
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.staff_sheets ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.staff_sheets FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.staff_sheets
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.staff_sheet_criteria ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.staff_sheet_criteria FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.staff_sheet_criteria
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.staff_sheet_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.staff_sheet_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.staff_sheet_lines
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.staff_warnings ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.staff_warnings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.staff_warnings
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.bookings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.bookings
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.booking_occupancy ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.booking_occupancy FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.booking_occupancy
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.booking_resources ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.booking_resources FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.booking_resources
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.care_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.care_tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.care_tasks
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.survey_responses ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.survey_responses FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.survey_responses
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.complaint_cases ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.complaint_cases FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.complaint_cases
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.complaint_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.complaint_events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.complaint_events
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.training_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.training_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.training_sessions
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.training_attendance ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.training_attendance FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.training_attendance
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.training_completions ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.training_completions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.training_completions
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.activities ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.activities FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.activities
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.activity_invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.activity_invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.activity_invitations
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
ALTER TABLE clubrules.activity_sign_ups ENABLE ROW LEVEL SECURITY;
ALTER TABLE clubrules.activity_sign_ups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON clubrules.activity_sign_ups
    USING (tenant = nullif(current_setting('clubrules.tenant', true), ''))
    WITH CHECK (tenant = nullif(current_setting('clubrules.tenant', true), ''));
