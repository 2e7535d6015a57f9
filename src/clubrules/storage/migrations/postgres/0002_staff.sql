-- clubrules schema version 2 (PostgreSQL): the staff area's assessment
-- records, that is rubrics by version, score sheets (with their lines and
-- criterion subtotals) and warnings.
--
-- Conventions as in version 1: tables in the schema "clubrules", ids in the
-- "C" collation; instants are timestamptz with the zone they were given in
-- (_tz); points and totals are exact numeric (which keeps its scale: 55.50
-- stays 55.50). Nothing here is ever updated or deleted: a new rubric is a
-- new version, a corrected assessment a new sheet.

CREATE TABLE clubrules.staff_rubrics (
    id       text COLLATE "C" NOT NULL,
    version  integer NOT NULL CHECK (version >= 1),
    -- The whole rubric (criteria, sub-items, scales, bands, policies), every
    -- Decimal as a JSON string so that it round-trips digit for digit.
    document jsonb NOT NULL,
    PRIMARY KEY (id, version)
);

CREATE TABLE clubrules.staff_sheets (
    id             text COLLATE "C" PRIMARY KEY,
    staff_id       text COLLATE "C" NOT NULL,
    kind           text NOT NULL CHECK (kind IN ('periodic', 'ad_hoc')),
    period_start   timestamptz NOT NULL,
    period_start_tz text,
    period_end     timestamptz NOT NULL,
    period_end_tz  text,
    period_label   text NOT NULL,
    cycle          integer,
    cycle_months   integer,
    assessed_at    timestamptz NOT NULL,
    assessed_at_tz text,
    rubric_id      text COLLATE "C" NOT NULL,
    rubric_version integer NOT NULL,
    total          numeric NOT NULL,
    band           text NOT NULL,
    outcome        text NOT NULL CHECK (outcome IN ('reward', 'none', 'warning')),
    CHECK ((cycle IS NULL) = (cycle_months IS NULL)),
    CHECK (period_start < period_end)
);

-- One periodic assessment per staff member and cycle.
CREATE UNIQUE INDEX staff_sheets_one_per_cycle
    ON clubrules.staff_sheets (staff_id, cycle_months, cycle)
    WHERE kind = 'periodic' AND cycle IS NOT NULL;
CREATE INDEX staff_sheets_by_staff
    ON clubrules.staff_sheets (staff_id, period_end, period_start, id);
CREATE INDEX staff_sheets_by_end ON clubrules.staff_sheets (period_end, period_start, id);

CREATE TABLE clubrules.staff_sheet_criteria (
    sheet_id      text COLLATE "C" NOT NULL REFERENCES clubrules.staff_sheets (id),
    position      integer NOT NULL,
    key           text NOT NULL,
    name          text NOT NULL,
    max_points    numeric NOT NULL,
    effective_max numeric NOT NULL,
    points        numeric NOT NULL,
    PRIMARY KEY (sheet_id, position)
);

CREATE TABLE clubrules.staff_sheet_lines (
    sheet_id      text COLLATE "C" NOT NULL REFERENCES clubrules.staff_sheets (id),
    position      integer NOT NULL,
    criterion     text NOT NULL,
    item          text NOT NULL,
    name          text NOT NULL,
    method        text NOT NULL,
    max_points    numeric NOT NULL,
    effective_max numeric NOT NULL,
    points        numeric NOT NULL,
    source        text NOT NULL,
    no_events     text CHECK (no_events IN ('neutral', 'full_marks', 'exclude')),
    PRIMARY KEY (sheet_id, position)
);

CREATE TABLE clubrules.staff_warnings (
    id            text COLLATE "C" PRIMARY KEY,
    staff_id      text COLLATE "C" NOT NULL,
    sheet_id      text COLLATE "C" NOT NULL,
    issued_at     timestamptz NOT NULL,
    issued_at_tz  text,
    improve_by    timestamptz NOT NULL,
    improve_by_tz text,
    total         numeric NOT NULL,
    band          text NOT NULL
);

CREATE INDEX staff_warnings_by_staff ON clubrules.staff_warnings (staff_id, issued_at, id);
CREATE INDEX staff_warnings_by_time ON clubrules.staff_warnings (issued_at, id);
