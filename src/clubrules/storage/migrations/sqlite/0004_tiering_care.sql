-- clubrules schema version 4 (SQLite): the care area's tasks issued and
-- survey responses. The tiering area needs no table of its own: activity
-- summaries are one GROUP BY over consumption_records (version 1), read
-- through its (customer_id, at_us, id) index.
--
-- Conventions as in version 1: instants are UTC integer microseconds (_us)
-- with the zone they were given in (_tz); dates are ISO text (YYYY-MM-DD),
-- which sorts as the dates do. Nothing here is ever updated or deleted.

CREATE TABLE care_tasks (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    customer_id TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('birthday', 'holiday', 'return_visit', 'survey',
                    'churn_follow_up')),
    due         TEXT NOT NULL CHECK (due GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    at_us       INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz       TEXT,
    rule        TEXT NOT NULL,
    note        TEXT NOT NULL,
    assignee    TEXT
);

-- One task per customer, kind and due date: the first insert wins.
CREATE UNIQUE INDEX care_tasks_one_per_key ON care_tasks (customer_id, kind, due);
CREATE INDEX care_tasks_by_due ON care_tasks (due, kind, customer_id);
CREATE INDEX care_tasks_by_assignee ON care_tasks (assignee, due) WHERE assignee IS NOT NULL;
CREATE INDEX care_tasks_by_rule ON care_tasks (rule, customer_id, at_us);

CREATE TABLE survey_responses (
    id               TEXT PRIMARY KEY NOT NULL,
    questionnaire_id TEXT NOT NULL,
    customer_id      TEXT NOT NULL,
    at_us            INTEGER NOT NULL CHECK (typeof(at_us) = 'integer'),
    at_tz            TEXT,
    -- Ratings as a JSON array of [question id, rating] pairs, in the response's order.
    answers          TEXT NOT NULL CHECK (json_valid(answers) AND json_type(answers) = 'array'),
    nps              INTEGER CHECK (nps IS NULL OR (typeof(nps) = 'integer' AND nps BETWEEN 0 AND 10)),
    staff_id         TEXT
);

CREATE INDEX survey_responses_by_questionnaire
    ON survey_responses (questionnaire_id, at_us, id);
CREATE INDEX survey_responses_by_time ON survey_responses (at_us, id);
