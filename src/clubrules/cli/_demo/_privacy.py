"""Demo chapter: a sealed allergy record, a refused read, an audited read, a masked phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from clubrules.cli._demo._salon import at, hm
from clubrules.errors import AccessDeniedError
from clubrules.privacy import (
    ConsentRecord,
    CustomerKeys,
    Keyring,
    PrivacyVault,
    Purpose,
    RolePolicy,
    access_report,
    mask_name,
    sealed_key_id,
)
from clubrules.testing import ManualClock
from clubrules.words import message

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def run(story: Story, salon: Salon) -> None:
    """Seal c-001's allergies into her record, refuse one read, allow and log another."""
    story.chapter("demo.chapter.privacy")
    clock = ManualClock(at(3, 2, 9, 50))
    vault = PrivacyVault(
        keys=CustomerKeys(Keyring.generate(), salon.data_keys),
        policy=RolePolicy.salon_default(),
        consents=salon.consents,
        log=salon.access_log,
        clock=clock,
    )
    customer = salon.customers.get("c-001")
    salon.consents.add(
        ConsentRecord(
            id="consent-17",
            customer_id="c-001",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=at(1, 6, 10),
            separate=True,
            evidence="signed form F-17",
        )
    )
    phone = customer.phone.masked if customer.phone is not None else "-"
    story.say("demo.privacy.consent", name=mask_name(customer.name), phone=phone)
    allergies = ["penicillin", "pollen"]
    sealed = vault.seal("c-001", "allergies", allergies)
    salon.customers.update(attrs.evolve(customer, allergies=sealed))
    with salon.db.connection() as conn:
        (stored,) = conn.execute(
            "SELECT allergies FROM clubrules_customers WHERE tenant = ? AND id = 'c-001'",
            (salon.db.tenant,),
        ).fetchone()
    plain = any(word.encode() in bytes(stored) for word in allergies)
    story.say("demo.privacy.sealed", sealed=repr(sealed), key=f"{sealed_key_id(sealed):#010x}")
    story.say(
        "demo.privacy.column",
        size=len(bytes(stored)),
        found=message("demo.yes" if plain else "demo.no"),
    )
    clock.advance(minutes=5)
    try:
        vault.open(
            sealed,
            customer_id="c-001",
            field="allergies",
            actor="cs-02",
            role="front_desk",
            purpose=Purpose.SERVICE_DELIVERY,
        )
    except AccessDeniedError as refused:
        story.say("demo.privacy.refused", reason=refused.reason)
    clock.advance(minutes=10)
    opened = vault.open(
        salon.customers.get("c-001").allergies or sealed,
        customer_id="c-001",
        field="allergies",
        actor="st-wang",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
    )
    story.say("demo.privacy.read", count=len(opened.reveal()), shown=repr(opened))
    report = access_report(salon.access_log, "c-001", field="allergies")
    story.say("demo.privacy.log")
    for event in report.events:
        outcome = (
            message("demo.privacy.outcome_read")
            if event.allowed
            else message("demo.privacy.outcome_refused", reason=event.reason)
        )
        story.say(
            "demo.privacy.event",
            at=hm(event.at),
            actor=event.actor,
            role=event.role,
            purpose=event.purpose.value,
            outcome=outcome,
        )
