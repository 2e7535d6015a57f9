"""The library's logs: one logger per area, silent by default, ids and never values."""

from __future__ import annotations

import base64
import io
import logging
import re
import secrets
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

import clubrules
from clubrules.cli._demo._story import run_demo
from clubrules.errors import AccessDeniedError
from clubrules.privacy import (
    CustomerKeys,
    Keyring,
    PrivacyVault,
    Purpose,
    RolePolicy,
)
from clubrules.storage.sqlite import (
    SQLiteAccessLog,
    SQLiteConsentStore,
    SQLiteDatabase,
    SQLiteDataKeyStore,
)
from clubrules.testing import ManualClock

if TYPE_CHECKING:
    from pathlib import Path


class _KeyMaterial:
    """`secrets`, but every random byte string it hands out is remembered."""

    def __init__(self) -> None:
        self.made: list[bytes] = []

    def token_bytes(self, size: int) -> bytes:
        material = secrets.token_bytes(size)
        self.made.append(material)
        return material

    def __getattr__(self, name: str) -> object:
        return getattr(secrets, name)


@pytest.fixture
def key_material(monkeypatch: pytest.MonkeyPatch) -> _KeyMaterial:
    """Every key and data key made during the test (the privacy modules' `secrets`)."""
    recorder = _KeyMaterial()
    for module in ("clubrules.privacy._keys", "clubrules.privacy._envelope"):
        monkeypatch.setattr(f"{module}.secrets", recorder)
    return recorder


def _forms(material: bytes) -> list[str]:
    """How key bytes could show up in text: hex, base64, urlsafe base64, repr."""
    return [
        material.hex(),
        base64.b64encode(material).decode().rstrip("="),
        base64.urlsafe_b64encode(material).decode().rstrip("="),
        repr(material)[2:-1],
    ]


def _assert_nothing_sensitive(text: str, key_material: _KeyMaterial, plaintexts: list[str]) -> None:
    for plaintext in plaintexts:
        assert plaintext not in text, plaintext
    # No phone number, in E.164 or as the digits a desk would type.
    assert not re.search(r"\+?\d[\d \-()]{7,}\d", text), re.findall(r"\+?\d[\d \-()]{7,}\d", text)
    for material in key_material.made:
        for form in _forms(material):
            assert form not in text


def test_the_library_logs_to_no_handler_of_its_own() -> None:
    handlers = logging.getLogger("clubrules").handlers
    assert [type(h) for h in handlers] == [logging.NullHandler]
    assert clubrules.__name__ == "clubrules"
    for area in ("clubrules.storage", "clubrules.privacy"):
        assert logging.getLogger(area).parent is logging.getLogger("clubrules")


def test_the_demo_logs_ids_and_never_values(
    key_material: _KeyMaterial, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG, logger="clubrules")
    run_demo(io.StringIO(), database=tmp_path / "salon.db")
    records = [r for r in caplog.records if r.name.startswith("clubrules")]
    areas = {r.name for r in records}
    assert {"clubrules.storage", "clubrules.privacy"} <= areas
    messages = [r.getMessage() for r in records]
    assert any("migration" in m for m in messages)
    assert any("read refused" in m for m in messages)
    text = "\n".join([*messages, caplog.text])
    _assert_nothing_sensitive(
        text,
        key_material,
        ["penicillin", "pollen", "王芳", "周倩", "8613800138000", "13800138000", "0013 8000"],
    )
    assert key_material.made  # the check saw the demo's keys


def test_rotation_rewrap_erasure_and_refusals_are_logged_without_values(
    key_material: _KeyMaterial, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG, logger="clubrules")
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        keyring = Keyring.generate()
        keys = CustomerKeys(keyring, SQLiteDataKeyStore(db))
        vault = PrivacyVault(
            keys=keys,
            policy=RolePolicy.salon_default(),
            consents=SQLiteConsentStore(db),
            log=SQLiteAccessLog(db),
            clock=ManualClock(datetime(2026, 3, 2, tzinfo=UTC)),
        )
        sealed = {c: vault.seal(c, "health", f"asthma-{c}") for c in ("c-1", "c-2", "c-3")}
        with pytest.raises(AccessDeniedError):
            vault.open(
                sealed["c-1"],
                customer_id="c-1",
                field="health",
                actor="s-7",
                role="cashier",
                purpose=Purpose.SERVICE_DELIVERY,
            )
        keyring.rotate()
        assert keys.rewrap_data_keys() == 3
        keyring.retire(1)
        assert vault.erase("c-2")
    messages = [r.getMessage() for r in caplog.records if r.name == "clubrules.privacy"]
    assert any("read refused (role_policy)" in m and "'c-1'" in m for m in messages), messages
    assert any("key 2 is the new primary" in m for m in messages), messages
    assert any("rewrapped 3 of 3 data keys" in m for m in messages), messages
    assert any("key 1 retired" in m for m in messages), messages
    assert any("'c-2' erased" in m for m in messages), messages
    _assert_nothing_sensitive(
        caplog.text, key_material, ["asthma", *(s.ciphertext.hex() for s in sealed.values())]
    )
    assert len(key_material.made) >= 5  # two keyring keys, three data keys
