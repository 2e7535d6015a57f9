-- clubrules schema version 6 (PostgreSQL): nothing to change.
--
-- SQLite's version 6 keeps the longest busy time, so that a search for the
-- bookings of a window can bound its index range from below. Here the GiST
-- index of the exclusion constraint already answers `during && window`
-- directly, so this version only records that in the catalogue; the two
-- dialects keep one version number.

COMMENT ON TABLE clubrules.booking_occupancy IS
    'One row per busy time of a booking (buffers included); searched by the GiST index on (resource, during).';
