-- clubrules schema version 6 (SQLite): the longest busy time ever stored,
-- so that a search for the bookings of a window reads only its part of the
-- occupancy index.
--
-- A busy time [start_us, end_us) overlaps a window [a, b) only if
-- start_us < b and end_us > a. The index booking_occupancy_by_start can
-- bound start_us from above alone, so a search for one day read every busy
-- time that started before it: the whole history. No busy time is longer
-- than longest_us, so one that overlaps the window also has
-- start_us > a - longest_us, a lower bound the index can use. The triggers
-- keep the bound for every writer; it only grows, so it is never too small.

CREATE TABLE booking_longest (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    longest_us INTEGER NOT NULL CHECK (typeof(longest_us) = 'integer' AND longest_us >= 0)
);

INSERT INTO booking_longest (id, longest_us)
SELECT 1, coalesce(max(end_us - start_us), 0) FROM booking_occupancy;

CREATE TRIGGER booking_longest_on_insert AFTER INSERT ON booking_occupancy
WHEN NEW.end_us - NEW.start_us > (SELECT longest_us FROM booking_longest WHERE id = 1)
BEGIN
    UPDATE booking_longest SET longest_us = NEW.end_us - NEW.start_us WHERE id = 1;
END;

CREATE TRIGGER booking_longest_on_update AFTER UPDATE OF start_us, end_us ON booking_occupancy
WHEN NEW.end_us - NEW.start_us > (SELECT longest_us FROM booking_longest WHERE id = 1)
BEGIN
    UPDATE booking_longest SET longest_us = NEW.end_us - NEW.start_us WHERE id = 1;
END;
