"""Every yes/no field of a value refuses what is not True or False, where the value is made.

A text typed into a flag used to be accepted, then stored as text (the
memory adapter, the complaint event documents) or refused by an adapter's
encoder with a plain error that quoted it. Found by the no-echo walk over
the SQL adapters. Configuration and result classes, and functions taking a
yes/no option, took anything truthy: `ChurnRule(use_spend="no")` meant True.
So the whole public surface is walked for flags, not only the lists below.
"""

from __future__ import annotations

import asyncio
import enum
import inspect
import typing
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from clubrules.errors import ValidationError
from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
from clubrules.storage.sqlite import SQLiteClubActivityRepository, SQLiteDatabase
from clubrules.testing.postgres import throwaway_cluster

from .hostile._samples import ACTIVITY_START, FACTORIES, NOW, TODAY, activity
from .hostile._walk import Target, targets, valid_call
from .test_public_api import EXPORTED as ALL_EXPORTED

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

BY_NAME_TARGETS = {t.name: t for t in targets()}

FLAGS = [
    ("clubrules.booking.Booking", "late_cancel"),
    ("clubrules.booking.Requirement", "per_person"),
    ("clubrules.booking.Segment", "processing"),
    ("clubrules.privacy.AccessEvent", "allowed"),
    ("clubrules.privacy.ConsentRecord", "separate"),
    ("clubrules.staff.Rubric", "ad_hoc_in_chain"),
    ("clubrules.complaints.ResolutionProposed", "apology"),
    ("clubrules.complaints.Resolved", "substantiated"),
    ("clubrules.complaints.FollowedUp", "satisfied"),
]

NOT_FLAGS: list[Any] = ["青霉素过敏 hypertension", "true", 1, 0, None, 1.0, Decimal(1), [True]]


@pytest.mark.parametrize(("name", "field"), FLAGS)
@pytest.mark.parametrize("value", NOT_FLAGS, ids=repr)
def test_a_flag_refuses_what_is_not_a_bool(name: str, field: str, value: object) -> None:
    call = valid_call(BY_NAME_TARGETS[name])
    with pytest.raises(ValidationError) as caught:
        call.run((field, value))
    assert any((v.field, v.rule) == (field, "not_a_bool") for v in caught.value.violations) or (
        caught.value.field,
        caught.value.rule,
    ) == (field, "not_a_bool")
    assert "青霉素" not in str(caught.value)


# The sample consent covers allergies, which need separate consent: False is refused there.
TAKES = [
    (name, field, value)
    for name, field in FLAGS
    for value in (True, False)
    if (name, value) != ("clubrules.privacy.ConsentRecord", False)
]


@pytest.mark.parametrize(("name", "field", "value"), TAKES)
def test_a_flag_takes_true_and_false(name: str, field: str, value: bool) -> None:
    made = valid_call(BY_NAME_TARGETS[name]).run((field, value))
    assert getattr(made, field) is value


# --- every yes/no field and parameter of the public surface --------------------------

WRONG: list[Any] = ["no", "yes", 0, 1, None, 1.0]

# (qualified name, parameter) the walk leaves out, each with its reason.
EXEMPT: dict[tuple[str, str], str] = {
    # Connection options of the database adapters, and the test helper that starts a
    # PostgreSQL cluster: outside the in-memory walk, since a valid call needs a server
    # or a database file; each is checked before it connects, in
    # test_connection_options_refuse_what_is_not_a_bool below.
    ("clubrules.storage.postgres.AsyncPostgresDatabase", "pool_check"): "tested below",
    ("clubrules.storage.postgres.AsyncPostgresDatabase.open", "pool_check"): "tested below",
    ("clubrules.storage.postgres.PostgresDatabase", "pool_check"): "tested below",
    ("clubrules.storage.sqlite.SQLiteDatabase.transaction", "immediate"): "tested below",
    ("clubrules.testing.postgres.throwaway_cluster", "fsync"): "tested below",
    # The PostgreSQL and SQLite activity adapters share one SQL implementation, which
    # hands `attended` to `Roster.record_attendance` (walked in memory): SQLite's is
    # tested below on a database file; PostgreSQL's needs a server.
    (
        "clubrules.storage.postgres.PostgresClubActivityRepository.record_attendance",
        "attended",
    ): "needs a server; the SQLite twin is tested",
    (
        "clubrules.storage.sqlite.SQLiteClubActivityRepository.record_attendance",
        "attended",
    ): "needs a database file: test_sqlite_attendance_refuses_what_is_not_a_bool",
}

# Valid arguments where the walk's samples by name give the wrong kind of value.
ARGUMENTS: dict[str, dict[str, Any]] = {
    "clubrules.words.day": {"value": TODAY},
    "clubrules.words.overdue": {"value": timedelta(hours=1)},
    "clubrules.words.when": {"value": NOW},
}

# (qualified name, field, value) that a business rule refuses for the sample instance.
REFUSED_BY_A_RULE = {
    # The sample consent covers allergies, which need separate consent.
    ("clubrules.privacy.ConsentRecord", "separate", False),
}


def _hints(obj: Any) -> dict[str, Any]:
    try:
        return typing.get_type_hints(obj)
    except NameError:  # a name imported for type checking only: the source text decides
        return {}


def _is_flag(annotation: object, *, optional: bool = False) -> bool:
    """`bool`, or with `optional` also `bool | None`, as a type or as its source text."""
    if annotation is bool or annotation == "bool":
        return True
    if not optional:
        return False
    if annotation in ("bool | None", "None | bool"):
        return True
    return set(typing.get_args(annotation)) == {bool, type(None)}


# Every exported class and function, once, under its first public name.
_FIRST_NAME = {id(value): f"{module}.{attr}" for module, attr, value in reversed(ALL_EXPORTED)}
EXPORTED: dict[str, Any] = {_FIRST_NAME[id(value)]: value for _, _, value in ALL_EXPORTED}


def _flag_fields() -> list[tuple[str, type, str, str, bool]]:
    """(name, class, field, init name, may be None) for each flag field of an attrs class."""
    out = []
    for name, value in EXPORTED.items():
        if not inspect.isclass(value) or not attrs.has(value):
            continue
        hints = _hints(value)
        for f in attrs.fields(value):
            hint = hints.get(f.name, f.type)
            if f.init and _is_flag(hint, optional=True):
                out.append((name, value, f.name, f.alias or f.name, not _is_flag(hint)))
    return sorted(out, key=lambda t: (t[0], t[2]))


FLAG_FIELDS = _flag_fields()


def _refused_as_not_a_bool(error: ValidationError, field: str) -> bool:
    return any((v.field, v.rule) == (field, "not_a_bool") for v in error.violations)


def test_the_walk_finds_the_known_flags() -> None:
    found = {(name, field) for name, _, field, _, _ in FLAG_FIELDS}
    assert set(FLAGS) <= found
    assert ("clubrules.care.ChurnRule", "use_spend") in found
    assert ("clubrules.booking.Requirement", "during_processing") in found


@pytest.mark.parametrize(
    ("name", "cls", "field", "alias", "optional"),
    FLAG_FIELDS,
    ids=[f"{name}.{field}" for name, _, field, _, _ in FLAG_FIELDS],
)
def test_every_flag_field_takes_only_true_or_false(
    name: str, cls: type, field: str, alias: str, optional: bool
) -> None:
    assert cls in FACTORIES, f"no sample of {name} in tests/unit/hostile/_samples.py"
    sample = FACTORIES[cls]()
    for value in WRONG:
        if value is None and optional:
            continue
        with pytest.raises(ValidationError) as caught:
            attrs.evolve(sample, **{alias: value})
        assert _refused_as_not_a_bool(caught.value, field), (value, caught.value)
    for value in (True, False, None) if optional else (True, False):
        if (name, field, value) not in REFUSED_BY_A_RULE:
            assert getattr(attrs.evolve(sample, **{alias: value}), field) is value


def _owned_callables(name: str, value: Any) -> list[tuple[Target, Any]]:
    """The exported callable's targets with their functions: itself, or a class's methods.

    An attrs class's constructor is left out: its fields are walked above.
    """
    if inspect.isfunction(value):
        return [(Target(name, None, None, value), value)]
    if not inspect.isclass(value) or issubclass(value, enum.Enum | BaseException):
        return []
    if getattr(value, "_is_protocol", False):
        return []
    owned: list[tuple[Target, Any]] = []
    if not attrs.has(value):
        owned.append((Target(name, value, None), value.__init__))
    for attr, raw in sorted(vars(value).items()):
        function = raw.__func__ if isinstance(raw, classmethod | staticmethod) else raw
        if not attr.startswith("_") and inspect.isfunction(function):
            owned.append((Target(f"{name}.{attr}", value, attr), function))
    return owned


def _flag_parameters() -> list[tuple[Target, str]]:
    out: list[tuple[Target, str]] = []
    for name, value in EXPORTED.items():
        for target, function in _owned_callables(name, value):
            hints = _hints(function)
            out.extend(
                (target, p.name)
                for p in inspect.signature(function).parameters.values()
                if _is_flag(hints.get(p.name, p.annotation))
            )
    return sorted(out, key=lambda t: (t[0].name, t[1]))


ALL_FLAG_PARAMETERS = _flag_parameters()
FLAG_PARAMETERS = [(t, p) for t, p in ALL_FLAG_PARAMETERS if (t.name, p) not in EXEMPT]


def test_the_walk_finds_the_known_flag_parameters() -> None:
    found = {(target.name, param) for target, param in ALL_FLAG_PARAMETERS}
    assert ("clubrules.booking.success_rate", "exclude_timely_cancellations") in found
    assert ("clubrules.tiering.TierProgram.decide_many", "review") in found
    assert set(EXEMPT) <= found, "an exemption names a parameter that is gone"


@pytest.mark.parametrize(
    ("target", "param"),
    FLAG_PARAMETERS,
    ids=[f"{target.name}({param})" for target, param in FLAG_PARAMETERS],
)
def test_every_flag_parameter_refuses_what_is_not_a_bool(target: Target, param: str) -> None:
    call = valid_call(target)
    call.values.update(ARGUMENTS.get(target.name, {}))
    for value in WRONG:
        with pytest.raises(ValidationError) as caught:
            call.run((param, value))
        assert _refused_as_not_a_bool(caught.value, param), (value, caught.value)
    for value in (True, False):
        call.run((param, value))


def test_sqlite_attendance_refuses_what_is_not_a_bool(tmp_path: Path) -> None:
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        repository = SQLiteClubActivityRepository(db)
        repository.add(activity())
        repository.sign_up("act-1", "c-1", at=NOW)
        after_start = ACTIVITY_START + timedelta(hours=1)
        for value in WRONG:
            with pytest.raises(ValidationError) as caught:
                repository.record_attendance("act-1", "c-1", attended=value, at=after_start)
            assert _refused_as_not_a_bool(caught.value, "attended")
        assert [e.status.value for e in repository.roster("act-1")] == ["confirmed"]
        marked = repository.record_attendance("act-1", "c-1", attended=False, at=after_start)
        assert marked.status.value == "no_show"


def test_connection_options_refuse_what_is_not_a_bool(tmp_path: Path) -> None:
    """Checked before anything connects or starts: no server is needed to see the refusal."""
    nowhere = "postgresql:///clubrules?host=/nonexistent"
    with SQLiteDatabase(tmp_path / "club.db") as db:
        db.migrate()
        calls: list[tuple[str, Callable[[Any], object]]] = [
            ("pool_check", lambda v: PostgresDatabase(nowhere, pool_check=v)),
            ("pool_check", lambda v: AsyncPostgresDatabase(nowhere, pool_check=v)),
            (
                "pool_check",
                lambda v: asyncio.run(AsyncPostgresDatabase.open(nowhere, pool_check=v)),
            ),
            ("immediate", lambda v: db.transaction(immediate=v)),
            ("fsync", lambda v: throwaway_cluster(fsync=v).__enter__()),
        ]
        for field, call in calls:
            for value in WRONG:
                with pytest.raises(ValidationError) as caught:
                    call(value)
                assert _refused_as_not_a_bool(caught.value, field), (field, value)
        for immediate in (True, False):
            with db.transaction(immediate=immediate):
                pass
