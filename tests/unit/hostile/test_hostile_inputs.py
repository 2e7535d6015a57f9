"""The typed-error promise, kept by every public callable.

`docs/explanation/errors.md` promises that a caller can catch everything the
library raises on purpose with `except ClubRulesError`. This walk holds every
public constructor, function and method to it: each parameter in turn gets
each hostile value (None, wrong types, empty values, lone surrogates, NUL,
1 MB of text, NaN and infinities as float and Decimal, huge and negative
numbers, naive datetimes, instants at years 1 and 9999 in offsets of
+-23:59, fold=1 and skipped wall times, zero, negative and huge timedeltas,
dates for datetimes and datetimes for dates) while the other arguments stay
valid. Whatever escapes must be a `ClubRulesError`, and no call may run
longer than a few seconds.
"""

from __future__ import annotations

import pytest

from clubrules.errors import ClubRulesError

from ._walk import Escape, NoSampleError, Target, classify, guarded, targets, valid_call, walk

TARGETS = targets()
BY_NAME = {t.name: t for t in TARGETS}

# Valid calls that a ClubRulesError refuses by design: the walk still runs them,
# with every hostile value, to see that nothing else escapes.
REFUSED_BY_DESIGN = {
    # Storing what the stocked repository already holds.
    "clubrules.booking.Schedule.add": "a booking id already in the schedule",
    "clubrules.storage.memory.InMemoryBookingRepository.add": "a duplicate id",
    "clubrules.storage.memory.InMemoryBookingRepository.save": "saved at a stale version",
    "clubrules.storage.memory.InMemoryConsentStore.add": "a duplicate id",
    "clubrules.storage.memory.InMemoryCustomerRepository.add": "a duplicate id",
    "clubrules.storage.memory.InMemoryDataKeyStore.add": "a customer with a data key",
    # A confirmed booking refuses the moves of other states.
    "clubrules.booking.Booking.complete": "not checked in",
    "clubrules.booking.Booking.confirm": "already confirmed",
    "clubrules.booking.Booking.expire": "not held",
    "clubrules.booking.Booking.mark_no_show": "before the grace period",
    "clubrules.booking.Booking.submit": "not held",
    # Environment variables are read-only key stores.
    "clubrules.privacy.EnvKeyProvider.save_keys": "read-only",
    "clubrules.privacy.Keyring.save": "read-only provider",
}


def _escapes(target: Target) -> list[Escape]:
    call = valid_call(target)
    return walk(call)


def test_the_walk_covers_every_public_callable() -> None:
    # Every package of the public API contributes; a target list that shrank
    # silently would make the walk below prove less.
    assert len(TARGETS) > 350
    for area in (
        "activities", "booking", "calendar", "care", "complaints", "customers",
        "privacy", "staff", "storage.memory", "testing.strategies", "tiering", "training",
    ):  # fmt: skip
        assert any(t.name.startswith(f"clubrules.{area}.") for t in TARGETS), area
    stale = sorted(set(REFUSED_BY_DESIGN) - set(BY_NAME))
    assert not stale, f"REFUSED_BY_DESIGN names no public callable: {stale}"


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_a_valid_call_exists(name: str) -> None:
    target = BY_NAME[name]
    try:
        call = valid_call(target)
    except NoSampleError as error:
        pytest.fail(f"no valid argument known for {error}; add one to _samples.py")
    raised = guarded(call.run)
    if name in REFUSED_BY_DESIGN:
        assert isinstance(raised, ClubRulesError), f"{name}: {raised!r}"
    else:
        assert raised is None, f"{name}: the valid call raised {raised!r}"


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_hostile_arguments_raise_only_library_errors(name: str) -> None:
    target = BY_NAME[name]
    escapes = _escapes(target)
    assert not escapes, "escaped:\n" + "\n".join(str(e) for e in escapes[:40])


def test_classify_counts_a_library_error_as_clean() -> None:
    assert classify(None) is None
    assert classify(ClubRulesError("refused")) is None
    assert classify(ValueError("bare")) == "ValueError"


def test_the_walk_awaits_a_coroutine_method() -> None:
    # Not a coroutine left unawaited: the method's own result, or its own error.
    from clubrules.privacy import FieldCipher  # noqa: PLC0415

    call = valid_call(BY_NAME["clubrules.privacy.AsyncCustomerKeys.cipher_for"])
    assert isinstance(call.run(), FieldCipher)
    assert classify(guarded(lambda: call.run(("customer_id", None)))) is None
