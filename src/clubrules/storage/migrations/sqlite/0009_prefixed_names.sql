-- clubrules schema version 9 (SQLite): every clubrules table, index and
-- trigger is renamed clubrules_<name>, so that an application can keep its
-- own customers or bookings table in the same file.
--
-- ALTER TABLE ... RENAME TO keeps every row, rowid and AUTOINCREMENT counter,
-- and (SQLite 3.26 or newer, legacy_alter_table off) rewrites the foreign
-- keys and trigger bodies that name the table. Index and trigger names
-- cannot be changed in place: each is dropped and created again under its
-- new name, as versions 1 to 8 defined it. On a database created by this
-- clubrules, versions 1 to 8 already used the new names and this one has
-- nothing to do.

DROP TRIGGER booking_longest_on_insert;
DROP TRIGGER booking_longest_on_update;

DROP INDEX customers_by_phone;
DROP INDEX consumption_records_by_customer;
DROP INDEX consumption_records_by_time;
DROP INDEX service_records_by_customer;
DROP INDEX consents_by_customer;
DROP INDEX access_events_by_customer;
DROP INDEX access_events_by_actor;
DROP INDEX access_events_by_time;
DROP INDEX staff_sheets_one_per_cycle;
DROP INDEX staff_sheets_by_staff;
DROP INDEX staff_sheets_by_end;
DROP INDEX staff_warnings_by_staff;
DROP INDEX staff_warnings_by_time;
DROP INDEX bookings_by_key;
DROP INDEX booking_occupancy_by_resource;
DROP INDEX booking_occupancy_by_start;
DROP INDEX survey_responses_by_questionnaire;
DROP INDEX survey_responses_by_time;
DROP INDEX training_sessions_by_start;
DROP INDEX training_attendance_by_staff;
DROP INDEX training_completions_by_staff;
DROP INDEX training_completions_by_time;
DROP INDEX activities_by_start;
DROP INDEX activity_sign_ups_by_customer;
DROP INDEX care_tasks_one_per_key;
DROP INDEX care_tasks_by_due;
DROP INDEX care_tasks_by_assignee;
DROP INDEX care_tasks_by_rule;

ALTER TABLE customers RENAME TO clubrules_customers;
ALTER TABLE consumption_records RENAME TO clubrules_consumption_records;
ALTER TABLE service_records RENAME TO clubrules_service_records;
ALTER TABLE data_keys RENAME TO clubrules_data_keys;
ALTER TABLE consents RENAME TO clubrules_consents;
ALTER TABLE access_events RENAME TO clubrules_access_events;
ALTER TABLE staff_rubrics RENAME TO clubrules_staff_rubrics;
ALTER TABLE staff_sheets RENAME TO clubrules_staff_sheets;
ALTER TABLE staff_sheet_criteria RENAME TO clubrules_staff_sheet_criteria;
ALTER TABLE staff_sheet_lines RENAME TO clubrules_staff_sheet_lines;
ALTER TABLE staff_warnings RENAME TO clubrules_staff_warnings;
ALTER TABLE bookings RENAME TO clubrules_bookings;
ALTER TABLE booking_occupancy RENAME TO clubrules_booking_occupancy;
ALTER TABLE survey_responses RENAME TO clubrules_survey_responses;
ALTER TABLE complaint_cases RENAME TO clubrules_complaint_cases;
ALTER TABLE complaint_events RENAME TO clubrules_complaint_events;
ALTER TABLE booking_longest RENAME TO clubrules_booking_longest;
ALTER TABLE training_sessions RENAME TO clubrules_training_sessions;
ALTER TABLE training_attendance RENAME TO clubrules_training_attendance;
ALTER TABLE training_completions RENAME TO clubrules_training_completions;
ALTER TABLE activities RENAME TO clubrules_activities;
ALTER TABLE activity_invitations RENAME TO clubrules_activity_invitations;
ALTER TABLE activity_sign_ups RENAME TO clubrules_activity_sign_ups;
ALTER TABLE care_tasks RENAME TO clubrules_care_tasks;

CREATE INDEX clubrules_customers_by_phone ON clubrules_customers (phone_e164, id) WHERE phone_e164 IS NOT NULL;
CREATE INDEX clubrules_consumption_records_by_customer ON clubrules_consumption_records (customer_id, at_us, id);
CREATE INDEX clubrules_consumption_records_by_time ON clubrules_consumption_records (at_us, id);
CREATE INDEX clubrules_service_records_by_customer ON clubrules_service_records (customer_id, at_us, id);
CREATE INDEX clubrules_consents_by_customer ON clubrules_consents (customer_id, given_at_us, id);
CREATE INDEX clubrules_access_events_by_customer ON clubrules_access_events (customer_id, seq);
CREATE INDEX clubrules_access_events_by_actor ON clubrules_access_events (actor, seq);
CREATE INDEX clubrules_access_events_by_time ON clubrules_access_events (at_us);
CREATE UNIQUE INDEX clubrules_staff_sheets_one_per_cycle ON clubrules_staff_sheets (staff_id, cycle_months, cycle)
    WHERE kind = 'periodic' AND cycle IS NOT NULL;
CREATE INDEX clubrules_staff_sheets_by_staff ON clubrules_staff_sheets (staff_id, period_end_us, period_start_us, id);
CREATE INDEX clubrules_staff_sheets_by_end ON clubrules_staff_sheets (period_end_us, period_start_us, id);
CREATE INDEX clubrules_staff_warnings_by_staff ON clubrules_staff_warnings (staff_id, issued_at_us, id);
CREATE INDEX clubrules_staff_warnings_by_time ON clubrules_staff_warnings (issued_at_us, id);
CREATE INDEX clubrules_bookings_by_key ON clubrules_bookings (idempotency_key, blocking_until_us)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX clubrules_booking_occupancy_by_resource
    ON clubrules_booking_occupancy (resource, start_us, end_us, blocking_until_us);
CREATE INDEX clubrules_booking_occupancy_by_start ON clubrules_booking_occupancy (start_us, end_us);
CREATE INDEX clubrules_survey_responses_by_questionnaire
    ON clubrules_survey_responses (questionnaire_id, at_us, id);
CREATE INDEX clubrules_survey_responses_by_time ON clubrules_survey_responses (at_us, id);
CREATE INDEX clubrules_training_sessions_by_start ON clubrules_training_sessions (starts_at_us, id);
CREATE INDEX clubrules_training_attendance_by_staff ON clubrules_training_attendance (staff_id, session_id);
CREATE INDEX clubrules_training_completions_by_staff
    ON clubrules_training_completions (staff_id, completed_at_us, id);
CREATE INDEX clubrules_training_completions_by_time ON clubrules_training_completions (completed_at_us, id);
CREATE INDEX clubrules_activities_by_start ON clubrules_activities (starts_at_us, id);
CREATE INDEX clubrules_activity_sign_ups_by_customer
    ON clubrules_activity_sign_ups (customer_id, signed_up_at_us, activity_id);
CREATE UNIQUE INDEX clubrules_care_tasks_one_per_key ON clubrules_care_tasks (customer_id, kind, due);
CREATE INDEX clubrules_care_tasks_by_due ON clubrules_care_tasks (due, kind, customer_id);
CREATE INDEX clubrules_care_tasks_by_assignee ON clubrules_care_tasks (assignee, due) WHERE assignee IS NOT NULL;
CREATE INDEX clubrules_care_tasks_by_rule ON clubrules_care_tasks (rule, customer_id, at_us);

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
