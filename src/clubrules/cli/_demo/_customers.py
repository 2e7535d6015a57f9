"""Demo chapter: the salon's customers, their phone numbers, and a winter of purchases."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from clubrules.cli._demo._salon import SHANGHAI, at
from clubrules.customers import (
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    parse_phone,
    total_spend,
)
from clubrules.money import Money
from clubrules.words import message

if TYPE_CHECKING:
    from datetime import datetime

    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["REGULARS", "run"]

# (id, name, birthday, visits a month, usual service, price)
REGULARS = (
    ("c-002", "李娜", date(1990, 4, 5), 2, "haircut", "168.00"),
    ("c-003", "张敏", date(1985, 11, 20), 1, "colour", "680.00"),
    ("c-004", "刘洋", date(1993, 7, 9), 3, "massage 60 min", "298.00"),
    ("c-005", "陈静", date(1988, 4, 6), 4, "hydrating facial", "388.00"),
    ("c-006", "杨丽", date(1979, 1, 30), 1, "haircut", "168.00"),
    ("c-007", "赵雪", date(1995, 9, 14), 2, "massage 60 min", "298.00"),
    ("c-008", "黄婷", date(1991, 12, 1), 1, "hydrating facial", "388.00"),
    ("c-009", "周倩", date(1983, 4, 2), 4, "colour", "680.00"),
    ("c-010", "吴燕", date(1998, 6, 25), 1, "haircut", "168.00"),
    ("c-011", "徐慧", date(1987, 3, 17), 2, "massage 60 min", "298.00"),
    ("c-012", "孙悦", date(1994, 10, 8), 1, "colour", "680.00"),
)
# 陈静 (c-005) came weekly all winter, and only once in March: the churn scan
# in the care chapter should notice.
FADING = "c-005"


def _record(
    customer_id: str,
    record_id: str,
    when: datetime,
    service: str,
    price: str,
    *,
    refund_of: str | None = None,
) -> ConsumptionRecord:
    """A purchase, or with `refund_of` the refund of one."""
    return ConsumptionRecord(
        id=record_id,
        customer_id=customer_id,
        at=when,
        service=service,
        amount=Money(price),
        kind=ConsumptionKind.PURCHASE if refund_of is None else ConsumptionKind.REFUND,
        refund_of=refund_of,
    )


def _winter(salon: Salon) -> int:
    """Store five months of purchases by the regulars; the number of records stored."""
    rng = random.Random(2026)  # noqa: S311 - a repeatable story, not a secret
    stored = 0
    for index, (customer_id, _name, _birthday, per_month, service, price) in enumerate(REGULARS):
        day = date(2025, 11, 1)
        while day < date(2026, 4, 1):
            open_day = salon.calendar.is_open(at(day.month, day.day, 15).replace(year=day.year))
            if customer_id == FADING:
                # Every Saturday all winter; in March, once.
                visit = day.weekday() == 5 if day < date(2026, 3, 1) else day == date(2026, 3, 21)
            else:
                visit = rng.random() < per_month / 26
            if open_day and visit:
                when = at(day.month, day.day, 11 + index % 9).replace(year=day.year)
                stored += salon.ledger.add(
                    _record(customer_id, f"t-{customer_id}-{day:%m%d}", when, service, price)
                )
            day += timedelta(days=1)
    # 周倩 bought a year's colour-and-care package in January.
    package = message("demo.service.colour_package")
    stored += salon.ledger.add(
        _record("c-009", "t-c-009-package", at(1, 10, 16), package, "12800.00")
    )
    return stored


def run(story: Story, salon: Salon) -> None:
    """Register customers from messy phone numbers, record purchases, and count net spend."""
    story.chapter("demo.chapter.customers")
    typed = "0086 (138)-0013 8000"
    phone = parse_phone(typed)
    story.say("demo.customers.typed", typed=len(typed), stored=len(phone.e164), region=phone.region)
    story.say("demo.customers.masked", masked=phone.masked)
    salon.customers.add(
        Customer(
            id="c-001",
            name="王芳",
            phone=phone,
            gender=Gender.FEMALE,
            birthday=date(1992, 4, 4),
            registered_at=at(1, 6, 10),
            tags=frozenset({"prefers-mornings"}),
        )
    )
    for index, (customer_id, name, birthday, *_rest) in enumerate(REGULARS):
        salon.customers.add(
            Customer(
                id=customer_id,
                name=name,
                phone=parse_phone(f"139 1000 {index:04d}"),
                gender=Gender.FEMALE,
                birthday=birthday,
                registered_at=at(1, 2, 10).replace(year=2025),
            )
        )
    [found] = salon.customers.find_by_phone(parse_phone("+86 138 0013 8000"))
    story.say("demo.customers.found", found=repr(found))

    stored = _winter(salon)
    story.say("demo.customers.winter", regulars=len(REGULARS), stored=stored)
    facial = message("demo.service.facial")
    records = [
        _record("c-001", "t-1", at(3, 2, 10, 30), facial, "388.00"),
        _record("c-001", "t-2", at(3, 7, 15), message("demo.service.massage_package"), "2800.00"),
        _record("c-001", "t-3", at(3, 9, 11), facial, "388.00", refund_of="t-1"),
    ]
    story.say("demo.customers.march", zone=SHANGHAI.key)
    for record in records:
        salon.ledger.add(record)
        kind = message(f"demo.customers.kind.{record.kind.value}")
        story.say("demo.customers.record", kind=kind, service=record.service, amount=record.amount)
    spend = total_spend(salon.ledger.records("c-001"))
    story.say("demo.customers.net", spend=spend)
