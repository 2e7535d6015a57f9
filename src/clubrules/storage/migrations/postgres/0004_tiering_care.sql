-- clubrules schema version 4 (PostgreSQL): the care area's tasks issued and
-- survey responses. The tiering area needs no table of its own: activity
-- summaries are one GROUP BY over clubrules.consumption_records (version 1),
-- read through its (customer_id, at, id) index.
--
-- Conventions as in version 1: tables in the schema "clubrules", ids and
-- other sort keys in the "C" collation; instants are timestamptz with the
-- zone they were given in (_tz). Nothing here is ever updated or deleted.

CREATE TABLE clubrules.care_tasks (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_id text COLLATE "C" NOT NULL,
    kind        text COLLATE "C" NOT NULL CHECK (kind IN ('birthday', 'holiday', 'return_visit',
                    'survey', 'churn_follow_up')),
    due         date NOT NULL,
    at          timestamptz NOT NULL,
    at_tz       text,
    rule        text COLLATE "C" NOT NULL,
    note        text NOT NULL,
    assignee    text COLLATE "C"
);

-- One task per customer, kind and due date: the first insert wins.
CREATE UNIQUE INDEX care_tasks_one_per_key ON clubrules.care_tasks (customer_id, kind, due);
CREATE INDEX care_tasks_by_due ON clubrules.care_tasks (due, kind, customer_id);
CREATE INDEX care_tasks_by_assignee ON clubrules.care_tasks (assignee, due)
    WHERE assignee IS NOT NULL;
CREATE INDEX care_tasks_by_rule ON clubrules.care_tasks (rule, customer_id, at);

CREATE TABLE clubrules.survey_responses (
    id               text COLLATE "C" PRIMARY KEY,
    questionnaire_id text COLLATE "C" NOT NULL,
    customer_id      text COLLATE "C" NOT NULL,
    at               timestamptz NOT NULL,
    at_tz            text,
    -- Ratings as a JSON array of [question id, rating] pairs, in the response's order.
    answers          jsonb NOT NULL CHECK (jsonb_typeof(answers) = 'array'),
    nps              integer CHECK (nps BETWEEN 0 AND 10),
    staff_id         text COLLATE "C"
);

CREATE INDEX survey_responses_by_questionnaire
    ON clubrules.survey_responses (questionnaire_id, at, id);
CREATE INDEX survey_responses_by_time ON clubrules.survey_responses (at, id);
