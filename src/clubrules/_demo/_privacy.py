"""Demo chapter: a sealed allergy record, a refused read, an audited read, a masked phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

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
    mask_phone,
    sealed_key_id,
)
from clubrules.storage.memory import InMemoryAccessLog, InMemoryConsentStore, InMemoryDataKeyStore
from clubrules.testing import ManualClock

if TYPE_CHECKING:
    from clubrules._demo import Story

__all__ = ["run"]

SHANGHAI = ZoneInfo("Asia/Shanghai")


def run(story: Story) -> None:
    """Tell the privacy chapter."""
    story.chapter("Privacy: sealed allergies, a refused read, an audited read")
    clock = ManualClock(datetime(2026, 3, 8, 10, 0, tzinfo=SHANGHAI))
    consents = InMemoryConsentStore()
    log = InMemoryAccessLog()
    vault = PrivacyVault(
        keys=CustomerKeys(Keyring.generate(), InMemoryDataKeyStore()),
        policy=RolePolicy.salon_default(),
        consents=consents,
        log=log,
        clock=clock,
    )
    name, phone = "王芳", "13812345678"
    consents.add(
        ConsentRecord(
            id="consent-17",
            customer_id="c-001",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=clock.now() - timedelta(days=30),
            separate=True,
            evidence="signed form F-17",
        )
    )
    story.line(
        f"Customer {mask_name(name)} ({mask_phone(phone)}) gave separate consent "
        "to use her allergies for service delivery."
    )
    sealed = vault.seal("c-001", "allergies", ["penicillin", "pollen"])
    story.line(
        f"Her allergy record is stored sealed: {sealed!r}, "
        f"AES-256-GCM under her own data key {sealed_key_id(sealed):#010x}."
    )
    clock.advance(minutes=5)
    try:
        vault.open(
            sealed,
            customer_id="c-001",
            field="allergies",
            actor="fd-02",
            role="front_desk",
            purpose=Purpose.SERVICE_DELIVERY,
        )
    except AccessDeniedError as refused:
        story.line(f"Front desk fd-02 asks to read them: refused ({refused.reason}).")
    clock.advance(minutes=10)
    allergies = vault.open(
        sealed,
        customer_id="c-001",
        field="allergies",
        actor="st-07",
        role="beautician",
        purpose=Purpose.SERVICE_DELIVERY,
    )
    count = len(allergies.reveal())
    story.line(
        f"Beautician st-07 reads them to prepare a facial: {count} allergies, "
        f"shown in logs as {allergies!r}."
    )
    report = access_report(log, "c-001", field="allergies")
    story.line("The access log answers who read her allergies, when and why:")
    for event in report.events:
        at = event.at.astimezone(SHANGHAI).strftime("%H:%M")
        outcome = "read" if event.allowed else f"refused ({event.reason})"
        story.line(f"  {at}  {event.actor} ({event.role}) for {event.purpose.value}: {outcome}")
