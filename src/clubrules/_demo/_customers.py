"""Demo chapter: register a customer from a messy phone number, and count net spend."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    parse_phone,
    total_spend,
)
from clubrules.money import Money
from clubrules.storage.memory import InMemoryConsumptionRepository, InMemoryCustomerRepository

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(story: Story) -> None:
    """Register a customer, record two purchases and a refund, and print net spend."""
    story.chapter("Customers: one phone number, parsed once")
    customers = InMemoryCustomerRepository()
    ledger = InMemoryConsumptionRepository()

    typed = "0086 (138)-0013 8000"
    phone = parse_phone(typed)
    story.line(
        f"The front desk typed a number with {len(typed)} characters; "
        f"it is stored in E.164 ({len(phone.e164)} characters, region {phone.region})."
    )
    story.line(f"Shown on screen and in logs only masked: {phone.masked}")
    customer = Customer(
        id="c-001",
        name="王芳",
        phone=phone,
        gender=Gender.FEMALE,
        registered_at=datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI),
        tags=frozenset({"prefers-mornings"}),
    )
    customers.add(customer)
    [found] = customers.find_by_phone(parse_phone("+86 138 0013 8000"))
    story.line(f"Looked up by a differently written number: {found!r}")

    records = [
        ConsumptionRecord(
            id="t-1",
            customer_id="c-001",
            at=datetime(2026, 3, 1, 10, 30, tzinfo=SHANGHAI),
            service="hydrating facial",
            amount=Money("388.00"),
        ),
        ConsumptionRecord(
            id="t-2",
            customer_id="c-001",
            at=datetime(2026, 3, 8, 15, 0, tzinfo=SHANGHAI),
            service="10-session massage package",
            amount=Money("2800.00"),
        ),
        ConsumptionRecord(
            id="t-3",
            customer_id="c-001",
            at=datetime(2026, 3, 9, 11, 0, tzinfo=SHANGHAI),
            service="hydrating facial",
            amount=Money("388.00"),
            kind=ConsumptionKind.REFUND,
            refund_of="t-1",
        ),
    ]
    for record in records:
        ledger.add(record)
        story.line(f"{record.kind.value:>8}: {record.service}, {record.amount}")
    spend = total_spend(ledger.records("c-001"))
    story.line(f"Net spend: {spend} (purchases minus refunds; redemptions never count)")
