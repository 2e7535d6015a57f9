-- clubrules schema version 2 (SQLite): the staff area's assessment records,
-- that is rubrics by version, score sheets (with their lines and criterion
-- subtotals) and warnings.
--
-- Conventions as in version 1: instants are UTC integer microseconds (_us)
-- with the zone they were given in (_tz); points and totals are exact
-- decimal text ("55.50" stays "55.50"). Nothing here is ever updated or
-- deleted: a new rubric is a new version, a corrected assessment a new sheet.

CREATE TABLE staff_rubrics (
    id       TEXT NOT NULL,
    version  INTEGER NOT NULL CHECK (typeof(version) = 'integer' AND version >= 1),
    -- The whole rubric as JSON (criteria, sub-items, scales, bands, policies),
    -- every Decimal as a string so that it round-trips digit for digit.
    document TEXT NOT NULL CHECK (json_valid(document)),
    PRIMARY KEY (id, version)
);

CREATE TABLE staff_sheets (
    id              TEXT PRIMARY KEY NOT NULL,
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
    CHECK (period_start_us < period_end_us)
);

-- One periodic assessment per staff member and cycle.
CREATE UNIQUE INDEX staff_sheets_one_per_cycle ON staff_sheets (staff_id, cycle_months, cycle)
    WHERE kind = 'periodic' AND cycle IS NOT NULL;
CREATE INDEX staff_sheets_by_staff ON staff_sheets (staff_id, period_end_us, period_start_us, id);
CREATE INDEX staff_sheets_by_end ON staff_sheets (period_end_us, period_start_us, id);

CREATE TABLE staff_sheet_criteria (
    sheet_id      TEXT NOT NULL REFERENCES staff_sheets (id),
    position      INTEGER NOT NULL,
    key           TEXT NOT NULL,
    name          TEXT NOT NULL,
    max_points    TEXT NOT NULL CHECK (typeof(max_points) = 'text'),
    effective_max TEXT NOT NULL CHECK (typeof(effective_max) = 'text'),
    points        TEXT NOT NULL CHECK (typeof(points) = 'text'),
    PRIMARY KEY (sheet_id, position)
);

CREATE TABLE staff_sheet_lines (
    sheet_id      TEXT NOT NULL REFERENCES staff_sheets (id),
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
    PRIMARY KEY (sheet_id, position)
);

CREATE TABLE staff_warnings (
    id            TEXT PRIMARY KEY NOT NULL,
    staff_id      TEXT NOT NULL,
    sheet_id      TEXT NOT NULL,
    issued_at_us  INTEGER NOT NULL CHECK (typeof(issued_at_us) = 'integer'),
    issued_at_tz  TEXT,
    improve_by_us INTEGER NOT NULL CHECK (typeof(improve_by_us) = 'integer'),
    improve_by_tz TEXT,
    total         TEXT NOT NULL CHECK (typeof(total) = 'text'),
    band          TEXT NOT NULL
);

CREATE INDEX staff_warnings_by_staff ON staff_warnings (staff_id, issued_at_us, id);
CREATE INDEX staff_warnings_by_time ON staff_warnings (issued_at_us, id);
