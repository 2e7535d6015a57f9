"""The zones the edge tests try: each changes its clocks in a way that has broken a rule.

New York and London (an hour, at night), Lord Howe (half an hour),
Santiago, Havana and Asuncion (at midnight: some local midnights do not
exist), Kathmandu (+05:45), Apia (skipped a whole day, 2011-12-30),
Shanghai (the library's default, no DST) and UTC.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

EDGE_ZONE_NAMES = (
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "America/Asuncion",
    "Asia/Kathmandu",
    "Pacific/Apia",
    "Asia/Shanghai",
    "UTC",
)
EDGE_ZONES = tuple(ZoneInfo(name) for name in EDGE_ZONE_NAMES)
