"""Contract suites for the privacy ports: the access log, consent store and data-key store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from clubrules._time import from_epoch_us, to_epoch_us
from clubrules.errors import (
    DecryptionError,
    DuplicateError,
    InvalidIntervalError,
    KeyringError,
    NotFoundError,
    ValidationError,
)
from clubrules.privacy import (
    AccessEvent,
    ConsentRecord,
    CustomerKeys,
    FieldCipher,
    Keyring,
    Purpose,
)
from clubrules.testing.contracts._base import RepositoryContract
from clubrules.testing.contracts._instants import assert_kept, dst_property, in_order
from clubrules.testing.contracts._values import next_serial

if TYPE_CHECKING:
    from collections.abc import Callable

    from clubrules.customers import Sealed
    from clubrules.privacy.ports import AccessLog, ConsentStore, DataKeyStore

__all__ = ["AccessLogContract", "ConsentStoreContract", "DataKeyStoreContract"]

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)

NOT_IDS: tuple[object, ...] = (None, 7, b"c-1", 1.5)
"""Id arguments that are not strings: every adapter refuses them with `ValidationError`."""


class _Id(str):
    """A `str` subclass: the same id as its text."""

    __slots__ = ()


def _refused(method: Callable[..., object], *args: object, **kwargs: object) -> None:
    """`method(*args, **kwargs)` raises `ValidationError`."""
    with pytest.raises(ValidationError):
        method(*args, **kwargs)


def _event(
    minutes: int,
    *,
    customer_id: str = "c-1",
    field: str = "allergies",
    actor: str = "st-7",
    allowed: bool = True,
) -> AccessEvent:
    return AccessEvent(
        at=T0 + timedelta(minutes=minutes),
        actor=actor,
        role="beautician" if allowed else "front_desk",
        purpose=Purpose.SERVICE_DELIVERY,
        customer_id=customer_id,
        field=field,
        allowed=allowed,
        reason="allowed" if allowed else "role_policy",
    )


class AccessLogContract(RepositoryContract):
    """Every `AccessLog` must pass these tests.

    The `repository` fixture returns a fresh, empty access log.
    """

    def test_events_come_back_in_append_order(self, repository: AccessLog) -> None:
        events = [_event(2), _event(1, allowed=False), _event(3)]
        for e in events:
            repository.append(e)
        assert repository.for_customer("c-1") == events

    def test_refused_reads_are_kept(self, repository: AccessLog) -> None:
        repository.append(_event(1, allowed=False))
        [event] = repository.for_customer("c-1")
        assert not event.allowed
        assert event.reason == "role_policy"

    def test_filters_by_customer_and_field(self, repository: AccessLog) -> None:
        repository.append(_event(1))
        repository.append(_event(2, field="health"))
        repository.append(_event(3, customer_id="c-2"))
        assert [e.at for e in repository.for_customer("c-1", field="allergies")] == [
            T0 + timedelta(minutes=1)
        ]
        assert len(repository.for_customer("c-1")) == 2
        assert repository.for_customer("c-3") == []

    def test_period_is_half_open(self, repository: AccessLog) -> None:
        for m in (1, 2, 3):
            repository.append(_event(m))
        got = repository.for_customer(
            "c-1", since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=3)
        )
        assert [e.at for e in got] == [T0 + timedelta(minutes=2)]

    def test_by_actor(self, repository: AccessLog) -> None:
        repository.append(_event(1, actor="st-7"))
        repository.append(_event(2, actor="st-8"))
        repository.append(_event(3, actor="st-7", customer_id="c-2"))
        assert [e.customer_id for e in repository.by_actor("st-7")] == ["c-1", "c-2"]
        assert len(repository.by_actor("st-7", since=T0 + timedelta(minutes=2))) == 1

    def test_periods_that_end_before_they_start_are_refused(self, repository: AccessLog) -> None:
        earlier = T0 - timedelta(minutes=1)
        with pytest.raises(InvalidIntervalError):
            repository.for_customer("c-1", since=T0, until=earlier)
        with pytest.raises(InvalidIntervalError):
            repository.by_actor("st-7", since=T0, until=earlier)
        assert repository.for_customer("c-1", since=T0, until=T0) == []

    def test_purge_before_removes_only_older_events(self, repository: AccessLog) -> None:
        for m in (1, 2, 3):
            repository.append(_event(m))
        assert repository.purge_before(T0 + timedelta(minutes=2)) == 1
        assert [e.at.minute for e in repository.for_customer("c-1")] == [2, 3]

    def test_an_id_that_is_not_a_string_is_refused(self, repository: AccessLog) -> None:
        repository.append(_event(1))
        for bad in NOT_IDS:
            _refused(repository.for_customer, bad)
            _refused(repository.by_actor, bad)
            if bad is not None:  # no field: every field
                _refused(repository.for_customer, "c-1", field=bad)
        assert len(repository.for_customer("c-1")) == 1

    def test_ids_are_compared_as_text(self, repository: AccessLog) -> None:
        """An empty id finds nothing; a `str` subclass is the id its text spells."""
        repository.append(_event(1))
        assert repository.for_customer("") == []
        assert repository.for_customer("c-1", field="") == []
        assert repository.by_actor("") == []
        assert len(repository.for_customer(_Id("c-1"), field=_Id("allergies"))) == 1
        assert len(repository.by_actor(_Id("st-7"))) == 1

    @dst_property("at")
    def test_an_event_at_a_dst_change_comes_back_equal(
        self, repository: AccessLog, at: datetime
    ) -> None:
        customer_id = f"dst-c{next_serial()}"
        event = AccessEvent(
            at=at,
            actor="st-7",
            role="beautician",
            purpose=Purpose.SERVICE_DELIVERY,
            customer_id=customer_id,
            field="allergies",
            allowed=True,
            reason="allowed",
        )
        assert to_epoch_us(event.at) == to_epoch_us(at)
        repository.append(event)
        assert repository.for_customer(customer_id) == [event]
        until = from_epoch_us(to_epoch_us(at) + 1)  # wall arithmetic would drop the fold
        (stored,) = repository.for_customer(customer_id, since=at, until=until)
        assert_kept(stored, event, "at")


def _consent(consent_id: str = "k-1", customer_id: str = "c-1", *, hours: int = 0) -> ConsentRecord:
    return ConsentRecord(
        id=consent_id,
        customer_id=customer_id,
        purpose=Purpose.SERVICE_DELIVERY,
        scope={"allergies"},
        given_at=T0 + timedelta(hours=hours),
        separate=True,
    )


class ConsentStoreContract(RepositoryContract):
    """Every `ConsentStore` must pass these tests.

    The `repository` fixture returns a fresh, empty consent store.
    """

    def test_add_and_get(self, repository: ConsentStore) -> None:
        record = _consent()
        repository.add(record)
        assert repository.get("k-1") == record

    def test_duplicate_id_is_refused(self, repository: ConsentStore) -> None:
        repository.add(_consent())
        with pytest.raises(DuplicateError):
            repository.add(_consent())

    def test_unknown_id_is_not_found(self, repository: ConsentStore) -> None:
        with pytest.raises(NotFoundError):
            repository.get("nope")
        with pytest.raises(NotFoundError):
            repository.withdraw("nope", T0)

    def test_withdraw_keeps_the_first_time(self, repository: ConsentStore) -> None:
        repository.add(_consent())
        first = repository.withdraw("k-1", T0 + timedelta(days=1))
        second = repository.withdraw("k-1", T0 + timedelta(days=2))
        assert first.withdrawn_at == second.withdrawn_at == T0 + timedelta(days=1)
        assert repository.get("k-1").withdrawn_at == T0 + timedelta(days=1)

    def test_for_customer_is_oldest_first(self, repository: ConsentStore) -> None:
        repository.add(_consent("k-2", hours=5))
        repository.add(_consent("k-1", hours=1))
        repository.add(_consent("k-3", "c-2"))
        assert [r.id for r in repository.for_customer("c-1")] == ["k-1", "k-2"]

    def test_an_id_that_is_not_a_string_is_refused(self, repository: ConsentStore) -> None:
        repository.add(_consent())
        for bad in NOT_IDS:
            _refused(repository.get, bad)
            _refused(repository.withdraw, bad, T0)
            _refused(repository.for_customer, bad)
        assert repository.get("k-1").withdrawn_at is None

    def test_ids_are_compared_as_text(self, repository: ConsentStore) -> None:
        """An empty id is not found; a `str` subclass is the id its text spells."""
        repository.add(_consent())
        with pytest.raises(NotFoundError):
            repository.get("")
        assert repository.for_customer("") == []
        assert repository.get(_Id("k-1")) == _consent()
        assert [r.id for r in repository.for_customer(_Id("c-1"))] == ["k-1"]
        assert repository.withdraw(_Id("k-1"), T0).withdrawn_at == T0

    @dst_property("one", "other")
    def test_consent_times_at_a_dst_change_come_back_equal(
        self, repository: ConsentStore, one: datetime, other: datetime
    ) -> None:
        given_at, withdrawn_at = in_order(one, other)
        serial = next_serial()
        record = ConsentRecord(
            id=f"dst-k{serial}",
            customer_id=f"dst-c{serial}",
            purpose=Purpose.SERVICE_DELIVERY,
            scope={"allergies"},
            given_at=given_at,
            expires_at=withdrawn_at,
            separate=True,
        )
        repository.add(record)
        assert_kept(repository.get(record.id), record, "given_at")
        withdrawn = repository.withdraw(record.id, withdrawn_at)
        assert withdrawn == repository.get(record.id) == record.withdraw(withdrawn_at)
        assert withdrawn.withdrawn_at is not None
        assert to_epoch_us(withdrawn.withdrawn_at) == to_epoch_us(withdrawn_at)
        assert repository.for_customer(record.customer_id) == [withdrawn]


def _wrapped(n: int) -> Sealed:
    cipher = FieldCipher(Keyring.generate())
    return cipher.seal(bytes([n]) * 36, record_type="t", record_id="r", field="f")


_ALLERGIES = {"record_type": "customer", "record_id": "c-1", "field": "allergies"}


def _keys(kek: Keyring, repository: DataKeyStore) -> CustomerKeys:
    """Customer keys on the store, of the store's tenant if it names one."""
    tenant = getattr(repository, "tenant", "default")
    return CustomerKeys(kek, repository, tenant=tenant if isinstance(tenant, str) else "default")


class DataKeyStoreContract(RepositoryContract):
    """Every `DataKeyStore` must pass these tests.

    The `repository` fixture returns a fresh, empty data-key store. The last
    tests run two `CustomerKeys` on it, as two app servers sharing the store
    would: an erasure through one, or a delete through the store itself,
    must stop the other from opening the customer's values at once. A store
    with the optional `erase_all` is checked to erase every key it holds.
    """

    def test_add_get_delete(self, repository: DataKeyStore) -> None:
        key = _wrapped(1)
        assert repository.get("c-1") is None
        repository.add("c-1", key)
        assert repository.get("c-1") == key
        assert set(repository.customer_ids()) == {"c-1"}
        assert repository.delete("c-1") is True
        assert repository.get("c-1") is None
        assert repository.delete("c-1") is False
        assert list(repository.customer_ids()) == []

    def test_add_twice_is_refused(self, repository: DataKeyStore) -> None:
        repository.add("c-1", _wrapped(1))
        with pytest.raises(DuplicateError):
            repository.add("c-1", _wrapped(2))

    def test_replace_is_compare_and_swap(self, repository: DataKeyStore) -> None:
        old, new, other = _wrapped(1), _wrapped(2), _wrapped(3)
        repository.add("c-1", old)
        assert repository.replace("c-1", other, new) is False
        assert repository.get("c-1") == old
        assert repository.replace("c-1", old, new) is True
        assert repository.get("c-1") == new

    def test_an_id_that_is_not_a_string_is_refused(self, repository: DataKeyStore) -> None:
        """`get(None)` too: a missing id is a bug to report, not a customer without a key."""
        key = _wrapped(1)
        repository.add("c-1", key)
        for bad in NOT_IDS:
            _refused(repository.get, bad)
            _refused(repository.add, bad, _wrapped(2))
            _refused(repository.replace, bad, key, _wrapped(2))
            _refused(repository.delete, bad)
        assert repository.get("c-1") == key
        assert list(repository.customer_ids()) == ["c-1"]

    def test_ids_are_compared_as_text(self, repository: DataKeyStore) -> None:
        """An empty id has no key; a `str` subclass is the id its text spells."""
        key = _wrapped(1)
        repository.add("c-1", key)
        assert repository.get("") is None
        assert repository.get(_Id("c-1")) == key
        assert repository.replace(_Id("c-1"), key, _wrapped(2)) is True
        assert repository.delete(_Id("c-1")) is True

    def test_an_erasure_reaches_every_vault_on_the_store(self, repository: DataKeyStore) -> None:
        kek = Keyring.generate()
        here, there = _keys(kek, repository), _keys(kek, repository)
        sealed = here.cipher_for("c-1", create=True).seal(["青霉素过敏"], **_ALLERGIES)
        assert there.cipher_for("c-1").open(sealed, **_ALLERGIES) == ["青霉素过敏"]
        assert here.erase("c-1") is True
        for keys in (there, here):
            with pytest.raises(KeyringError):
                keys.cipher_for("c-1")

    def test_a_key_deleted_through_the_store_no_longer_opens(
        self, repository: DataKeyStore
    ) -> None:
        keys = _keys(Keyring.generate(), repository)
        sealed = keys.cipher_for("c-1", create=True).seal(["花粉"], **_ALLERGIES)
        assert keys.cipher_for("c-1").open(sealed, **_ALLERGIES) == ["花粉"]
        assert repository.delete("c-1") is True
        with pytest.raises(KeyringError):
            keys.cipher_for("c-1")
        # The same id registered again gets a new key, which does not open the old value.
        with pytest.raises(DecryptionError):
            keys.cipher_for("c-1", create=True).open(sealed, **_ALLERGIES)

    def test_a_key_rewrapped_elsewhere_is_used_here(self, repository: DataKeyStore) -> None:
        kek = Keyring.generate()
        here, there = _keys(kek, repository), _keys(kek, repository)
        sealed = here.cipher_for("c-1", create=True).seal(["花粉"], **_ALLERGIES)
        assert here.cipher_for("c-1").open(sealed, **_ALLERGIES) == ["花粉"]
        kek.rotate()
        assert there.rewrap_data_keys() == 1
        kek.retire(1)
        assert here.cipher_for("c-1").open(sealed, **_ALLERGIES) == ["花粉"]

    def test_erase_all_erases_every_key_of_the_store(self, repository: DataKeyStore) -> None:
        erase_all = getattr(repository, "erase_all", None)
        if erase_all is None:
            pytest.skip("the store has no erase_all (optional)")
        keys = _keys(Keyring.generate(), repository)
        sealed = keys.cipher_for("c-1", create=True).seal(["花粉"], **_ALLERGIES)
        keys.cipher_for("c-2", create=True)
        assert erase_all() == 2
        assert repository.get("c-1") is None
        assert list(repository.customer_ids()) == []
        with pytest.raises(KeyringError):
            keys.cipher_for("c-1")
        with pytest.raises(DecryptionError):
            keys.cipher_for("c-1", create=True).open(sealed, **_ALLERGIES)
        assert erase_all() == 1
        assert erase_all() == 0
