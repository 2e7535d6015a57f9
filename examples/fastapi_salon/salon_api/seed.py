"""The Lotus salon's catalogue: resources, pools, services, opening hours and policies.

One small module, so that the app, its tests and the tutorial build the same
salon. Everything here is a value of the library (`clubrules.booking`,
`clubrules.calendar`, `clubrules.complaints`, `clubrules.privacy`); the app
only wires it in.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs

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
from clubrules.complaints import PolicyBook, default_book
from clubrules.customers import Customer
from clubrules.privacy import ConsentRecord, Purpose, RolePolicy

if TYPE_CHECKING:
    from clubrules.customers.ports import CustomerRepository
    from clubrules.privacy import PrivacyVault
    from clubrules.privacy.ports import ConsentStore

__all__ = [
    "CUSTOMERS",
    "SLOT_STEP",
    "ZONE",
    "DemoCustomer",
    "booking_rules",
    "complaint_book",
    "opening_hours",
    "role_policy",
    "seed_customers",
]

ZONE = ZoneInfo("Asia/Shanghai")
"""The salon's time zone: opening hours and the availability dates are read in it."""

SLOT_STEP = timedelta(minutes=15)
"""The spacing of the starts that `GET /availability` lists and alternatives try."""


def opening_hours() -> BusinessCalendar:
    """Open every day from 10:00 to 21:00, Shanghai time (no holiday table: a demo)."""
    return BusinessCalendar(
        ZONE,
        weekly=dict.fromkeys(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "10:00-21:00"),
        holiday_years=frozenset(),
    )


RESOURCES = (
    Resource(id="li", kind=ResourceKind.STAFF, skills={"facial", "massage"}, name="Li Na"),
    Resource(id="chen", kind=ResourceKind.STAFF, skills={"facial"}, name="Chen Jing"),
    Resource(id="room-1", kind=ResourceKind.ROOM, name="Room 1"),
    Resource(id="room-2", kind=ResourceKind.ROOM, name="Room 2"),
)

POOLS = (
    Pool(id="beauticians", kind=ResourceKind.STAFF, skills={"facial"}),
    Pool(id="masseurs", kind=ResourceKind.STAFF, skills={"massage"}),
    Pool(id="rooms", members=("room-1", "room-2")),
)

SERVICES = (
    # A facial: 60 minutes with a beautician in a room, 10 minutes to clean up.
    Service(
        id="facial",
        segments=timedelta(minutes=60),
        requirements=[
            Requirement(role="beautician", pool="beauticians"),
            Requirement(role="room", pool="rooms"),
        ],
        buffer_after=timedelta(minutes=10),
        name="Hydrating facial",
    ),
    # Colour care: the mask sets for 20 minutes, the beautician is free then, the room is not.
    Service(
        id="mask",
        segments=(
            Segment(timedelta(minutes=15)),
            Segment(timedelta(minutes=20), processing=True),
            Segment(timedelta(minutes=10)),
        ),
        requirements=[
            Requirement(role="beautician", pool="beauticians"),
            Requirement(role="room", pool="rooms"),
        ],
        name="Clay mask",
    ),
    Service(
        id="massage",
        segments=timedelta(minutes=90),
        requirements=[
            Requirement(role="masseur", pool="masseurs"),
            Requirement(role="room", pool="rooms"),
        ],
        buffer_after=timedelta(minutes=15),
        name="Full-body massage",
    ),
)

POLICY = BookingPolicy(
    min_notice=timedelta(hours=1),
    horizon=timedelta(days=90),
    hold_for=timedelta(minutes=10),
    late_cancel_cutoff=timedelta(hours=24),
)


def booking_rules() -> BookingRules:
    """The salon's booking rules: the catalogue above, its hours and its policy."""
    return BookingRules(
        resources=RESOURCES,
        services=SERVICES,
        pools=POOLS,
        calendar=opening_hours(),
        policy=POLICY,
    )


def complaint_book() -> PolicyBook:
    """The club documents' SLA policies, with alerts in opening hours."""
    return default_book(calendar=opening_hours())


def role_policy() -> RolePolicy:
    """Beauticians and the store manager read allergies to serve the customer; nobody else."""
    return RolePolicy.salon_default()


@attrs.frozen
class DemoCustomer:
    """A customer the demo data creates.

    Attributes:
        id: The customer id.
        name: The name (sensitive: never logged).
        allergies: The allergy history sealed into the archive, or None.
        consent: Whether the customer gave separate consent to read it for service delivery.
    """

    id: str
    name: str
    allergies: tuple[str, ...] | None
    consent: bool


CUSTOMERS = (
    DemoCustomer("c-001", "王芳", ("penicillin", "pollen"), consent=True),
    DemoCustomer("c-002", "李娜", ("latex",), consent=False),
    DemoCustomer("c-003", "陈静", None, consent=False),
)
"""c-001 consented to allergy reads; c-002 did not; c-003 has no allergy record."""


def seed_customers(
    customers: CustomerRepository,
    vault: PrivacyVault,
    consents: ConsentStore,
    *,
    now: datetime,
) -> None:
    """Store the demo customers, seal their allergies, record c-001's separate consent.

    Uses the sync ports: run it once at set-up (the tests do, and so can a
    tutorial), not in a request.
    """
    for demo in CUSTOMERS:
        sealed = None
        if demo.allergies is not None:
            sealed = vault.seal(demo.id, "allergies", list(demo.allergies))
        customers.add(Customer(id=demo.id, name=demo.name, registered_at=now, allergies=sealed))
        if demo.consent:
            consents.add(
                ConsentRecord(
                    id=f"consent-{demo.id}",
                    customer_id=demo.id,
                    purpose=Purpose.SERVICE_DELIVERY,
                    scope={"allergies"},
                    given_at=now,
                    separate=True,
                    evidence="signed form",
                )
            )
