"""Shared fixtures of the booking tests: a small salon."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from clubrules.booking import (
    BookingPolicy,
    BookingRules,
    Pool,
    Requirement,
    Resource,
    ResourceKind,
    Segment,
    Service,
)
from clubrules.calendar import BusinessCalendar

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
EVERY_DAY = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def salon_rules(zone: str = "Asia/Shanghai", **changes: object) -> BookingRules:
    calendar = BusinessCalendar(zone, weekly=dict.fromkeys(EVERY_DAY, "10:00-22:00"))
    shifts = {"wang": BusinessCalendar(zone, weekly=dict.fromkeys(EVERY_DAY, "14:00-22:00"))}
    fields: dict[str, object] = {
        "resources": [
            Resource(id="li", skills={"facial", "colour"}),
            Resource(id="wang", skills={"facial"}),
            Resource(id="room-1", kind=ResourceKind.ROOM),
            Resource(id="room-2", kind=ResourceKind.ROOM),
            Resource(id="studio", kind=ResourceKind.ROOM, capacity=4),
            Resource(id="laser", kind=ResourceKind.EQUIPMENT),
        ],
        "pools": [
            Pool(id="facialists", kind=ResourceKind.STAFF, skills={"facial"}),
            Pool(id="rooms", members=("room-1", "room-2")),
        ],
        "services": [
            Service(
                id="facial",
                segments=timedelta(minutes=60),
                requirements=[
                    Requirement(role="beautician", pool="facialists"),
                    Requirement(role="room", pool="rooms"),
                ],
                buffer_before=timedelta(minutes=5),
                buffer_after=timedelta(minutes=10),
            ),
            Service(
                id="colour",
                segments=[
                    Segment(timedelta(minutes=30)),
                    Segment(timedelta(minutes=40), processing=True),
                    Segment(timedelta(minutes=20)),
                ],
                requirements=[
                    Requirement(role="stylist", resource="li"),
                    Requirement(role="room", pool="rooms"),
                ],
            ),
            Service(
                id="yoga",
                segments=timedelta(minutes=60),
                requirements=[Requirement(role="studio", resource="studio", per_person=True)],
                max_headcount=4,
            ),
            Service(
                id="laser",
                segments=timedelta(minutes=30),
                requirements=[
                    Requirement(role="beautician", resource="li"),
                    Requirement(role="room", resource="room-1"),
                    Requirement(role="machine", resource="laser"),
                ],
            ),
        ],
        "calendar": calendar,
        "shifts": shifts,
        "policy": BookingPolicy(min_notice=timedelta(hours=2), horizon=timedelta(days=60)),
    }
    fields.update(changes)
    return BookingRules(**fields)  # type: ignore[arg-type]


@pytest.fixture
def rules() -> BookingRules:
    return salon_rules()
