"""The check on bare ids agrees with the values' own rule, however the id is passed."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules._checks import ID_MAX_CHARS, check_storable
from clubrules.errors import NotFoundError, ValidationError, ViolationCollector
from clubrules.storage._keys import KEYS, unholdable
from clubrules.storage.memory import InMemoryClubActivityRepository, InMemoryDataKeyStore

if TYPE_CHECKING:
    from collections.abc import Mapping

TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "é"])),
    max_size=8,
) | st.integers(ID_MAX_CHARS - 2, ID_MAX_CHARS + 2).flatmap(
    lambda n: st.sampled_from(["x" * n, "é" * n, "\U0001f600" * n])
)


@given(TEXT)
def test_unholdable_is_what_the_values_refuse(text: str) -> None:
    problems = ViolationCollector()
    storable = check_storable(problems, "id", text)
    assert (unholdable(text) is None) == storable


def test_a_left_out_optional_id_is_left_to_the_method() -> None:
    assert unholdable(None) is None


@pytest.mark.parametrize("value", [7, 2**63, b"a\x00", ("a\x00",), object()])
def test_an_id_that_is_no_text_is_refused_naming_the_argument(value: object) -> None:
    # Never sent to a driver, which refuses it with an error naming no argument.
    with pytest.raises(ValidationError) as caught:
        unholdable(value, "customer_id")
    assert [(v.field, v.rule) for v in caught.value.violations] == [("customer_id", "not_a_string")]


def test_an_id_passed_by_keyword_is_checked_too() -> None:
    keys = InMemoryDataKeyStore()
    assert keys.get(customer_id="a\x00") is None
    with pytest.raises(ValidationError) as caught:
        keys.delete(customer_id="a\ud800")
    assert [(v.field, v.rule) for v in caught.value.violations] == [
        ("customer_id", "lone_surrogate")
    ]
    activities = InMemoryClubActivityRepository()
    with pytest.raises(NotFoundError):
        activities.get(activity_id="x" * (ID_MAX_CHARS + 1))
    at = datetime(2026, 4, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as caught:
        activities.sign_up("act-1", customer_id="c\x00", at=at)
    assert caught.value.violations[0].field == "customer_id"


def _adapters() -> list[tuple[str, object]]:
    """Each memory and SQLite adapter of a port that `KEYS` covers, with its port's name."""
    import tempfile  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    from clubrules.storage import memory, sqlite  # noqa: PLC0415

    db = sqlite.SQLiteDatabase(Path(tempfile.mkdtemp()) / "keys.db")
    db.migrate()
    out: list[tuple[str, object]] = []
    for module, prefix, args in ((memory, "InMemory", ()), (sqlite, "SQLite", (db,))):
        for name in module.__all__:
            port = name.removeprefix(prefix)
            if name.startswith(prefix) and port in KEYS:
                cls = getattr(module, name)
                extra = {"zone": UTC} if "zone" in inspect.signature(cls).parameters else {}
                out.append((port, cls(*args, **extra)))
    return out


def test_none_is_refused_where_an_id_is_needed_and_a_filter_left_out_elsewhere() -> None:
    # One answer from every adapter: None for an id without a default is no id.
    adapters = _adapters()
    assert sorted(port for port, _ in adapters) == sorted([*KEYS, *KEYS])  # memory and SQLite
    for port, adapter in adapters:
        for method_name, rule in KEYS[port].items():
            method = getattr(adapter, method_name)
            parameters = inspect.signature(method).parameters
            for name in rule.names:
                if parameters[name].default is None:
                    continue  # a filter: None leaves it out
                with pytest.raises(ValidationError) as caught:
                    method(**{name: None, **_other_arguments(parameters, name)})
                where = f"{type(adapter).__name__}.{method_name}({name}=None)"
                assert [(v.field, v.rule) for v in caught.value.violations] == [
                    (name, "not_a_string")
                ], where


def _other_arguments(parameters: Mapping[str, inspect.Parameter], name: str) -> dict[str, object]:
    """Fillers for the other required parameters: the id check runs before any of them."""
    return {
        p.name: "x"
        for p in parameters.values()
        if p.name != name
        and p.default is inspect.Parameter.empty
        and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    }
