"""A state machine over rotate, retire, seal, rewrap and open, against a simple model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from clubrules.errors import DecryptionError, KeyringError
from clubrules.privacy import FieldCipher, Keyring, KeyStatus, sealed_key_id

if TYPE_CHECKING:
    from clubrules.customers import Sealed

PLACE = {"record_type": "customer", "field": "allergies"}


class KeyringMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.ring = Keyring.generate()
        self.cipher = FieldCipher(self.ring)
        # The model: key id -> status; stored values: (record id, value, sealed, key id).
        self.status = {1: KeyStatus.PRIMARY}
        self.primary = 1
        self.stored: list[tuple[str, str, Sealed, int]] = []

    @rule(value=st.text(max_size=8), record=st.sampled_from(["c-1", "c-2", "c-3"]))
    def seal(self, value: str, record: str) -> None:
        sealed = self.cipher.seal(value, record_id=record, **PLACE)
        assert sealed_key_id(sealed) == self.primary
        self.stored.append((record, value, sealed, self.primary))

    @rule()
    def rotate(self) -> None:
        new = self.ring.rotate().key_id
        self.status[self.primary] = KeyStatus.DECRYPT_ONLY
        self.status[new] = KeyStatus.PRIMARY
        self.primary = new

    @rule(data=st.data())
    def retire(self, data: st.DataObject) -> None:
        key_id = data.draw(st.sampled_from(sorted(self.status)))
        if key_id == self.primary:
            try:
                self.ring.retire(key_id)
            except KeyringError:
                return
            raise AssertionError("retired the primary")
        self.ring.retire(key_id)
        self.status[key_id] = KeyStatus.RETIRED

    @precondition(lambda self: bool(self.stored))
    @rule(data=st.data())
    def rewrap(self, data: st.DataObject) -> None:
        i = data.draw(st.integers(0, len(self.stored) - 1))
        record, value, sealed, key_id = self.stored[i]
        if self.status[key_id] is KeyStatus.RETIRED:
            try:
                self.cipher.rewrap(sealed, record_id=record, **PLACE)
            except DecryptionError:
                return
            raise AssertionError("rewrapped a value under a retired key")
        fresh = self.cipher.rewrap(sealed, record_id=record, **PLACE)
        self.stored[i] = (record, value, fresh, self.primary)

    @invariant()
    def every_value_opens_exactly_when_its_key_is_not_retired(self) -> None:
        for record, value, sealed, key_id in self.stored:
            if self.status[key_id] is KeyStatus.RETIRED:
                try:
                    self.cipher.open(sealed, record_id=record, **PLACE)
                except DecryptionError:
                    continue
                raise AssertionError("opened a value under a retired key")
            assert self.cipher.open(sealed, record_id=record, **PLACE) == value

    @invariant()
    def statuses_match(self) -> None:
        assert {k.key_id: k.status for k in self.ring.keys} == self.status


KeyringMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=20)
TestKeyringMachine = KeyringMachine.TestCase
