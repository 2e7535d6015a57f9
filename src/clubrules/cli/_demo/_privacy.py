"""Demo chapter: a sealed allergy record, a refused read, an audited read, a masked phone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from clubrules.cli._demo._salon import SHANGHAI, at
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

if TYPE_CHECKING:
    from clubrules.cli._demo._salon import Salon, Story

__all__ = ["run"]


def run(story: Story, salon: Salon) -> None:
    """Seal c-001's allergies into her record, refuse one read, allow and log another."""
    story.chapter("Privacy: sealed allergies, a refused read, an audited read")
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
    story.line(
        f"Customer {mask_name(customer.name)} ({phone}) gave separate consent in January "
        "to use her allergies for service delivery."
    )
    allergies = ["penicillin", "pollen"]
    sealed = vault.seal("c-001", "allergies", allergies)
    salon.customers.update(attrs.evolve(customer, allergies=sealed))
    with salon.db.connection() as conn:
        (stored,) = conn.execute(
            "SELECT allergies FROM clubrules_customers WHERE id = 'c-001'"
        ).fetchone()
    plain = any(word.encode() in bytes(stored) for word in allergies)
    story.line(
        f"Her allergy record is sealed into her customer row: {sealed!r}, AES-256-GCM under "
        f"her own data key {sealed_key_id(sealed):#010x}."
    )
    story.line(
        f"The SQLite column holds {len(bytes(stored))} bytes of ciphertext; "
        f"plaintext found in it: {'yes' if plain else 'no'}."
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
        story.line(f"Front desk cs-02 asks to read them: refused ({refused.reason}).")
    clock.advance(minutes=10)
    opened = vault.open(
        salon.customers.get("c-001").allergies or sealed,
        customer_id="c-001",
        field="allergies",
        actor="st-wang",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
    )
    story.line(
        f"Beautician st-wang reads them before the 10:30 facial: {len(opened.reveal())} "
        f"allergies, shown in logs as {opened!r}."
    )
    report = access_report(salon.access_log, "c-001", field="allergies")
    story.line("The access log in SQLite answers who read her allergies, when and why:")
    for event in report.events:
        when = event.at.astimezone(SHANGHAI).strftime("%H:%M")
        outcome = "read" if event.allowed else f"refused ({event.reason})"
        story.line(f"  {when}  {event.actor} ({event.role}) for {event.purpose.value}: {outcome}")
