"""Bare ids and keys that no stored value can hold: one answer from every adapter.

A stored value's constructor refuses an id with a NUL character, a lone
surrogate or more than `ID_MAX_CHARS` characters (`check_storable`), so no
adapter holds one. A repository method that takes such an id as a bare
argument answers the same way on every adapter, and never sends it to a
database (where SQLite and PostgreSQL would fail to encode it, and
PostgreSQL would abort the caller's open transaction):

- a read answers as for an id that is not stored: `NotFoundError`, None,
  an empty list or dict, version 0;
- a write (or a read whose answer would have to hold the id) raises a
  `ValidationError` naming the argument, and stores nothing;
- an id that is not a string at all (an int, bytes, a list) raises the
  `ValidationError` of `require_str` naming the argument, read or write;
  so does None, unless the argument is an optional filter (a parameter
  whose default is None, such as `find(resource=None)`).

`KEYS` lists, for each port, the methods and arguments this covers; the
adapters' classes take it with the `keys_checked` decorator, so the memory,
SQLite and PostgreSQL adapters share one table. Not part of the public API.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeVar

from clubrules._checks import (
    ID_MAX_CHARS,
    check_storable,
    raise_collected,
    require_str,
    storable,
)
from clubrules.errors import NotFoundError, ViolationCollector
from clubrules.storage._values import VALUES

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from clubrules.storage._values import Check

__all__ = ["KEYS", "keys_checked", "unholdable"]

T = TypeVar("T", bound=type)


def unholdable(value: object, name: str = "id", *, required: bool = False) -> str | None:
    """`value` if it is a string that no stored id can equal, else None.

    None is None (an optional id left out), unless the id is `required` (a
    write's, or a read's that has no default). Any other value that is not a string raises the
    `ValidationError` of `require_str`, naming argument `name`: it never
    reaches a database driver, which would refuse it with an error naming
    no argument (and PostgreSQL would abort the caller's transaction).
    """
    if value is None and not required:
        return None
    text = require_str(value, name)
    if storable(text):
        return None
    return text


@dataclass(frozen=True, slots=True)
class _Rule:
    """The arguments of one method that are ids, and its answer for one no value holds.

    `answer` returns what the method returns for an id that is not stored,
    or raises `NotFoundError`; None means the id is refused.
    """

    names: tuple[str, ...]
    answer: Callable[[str], object] | None


def _not_found(kind: str) -> Callable[[str], object]:
    def answer(key: str) -> object:
        raise NotFoundError(kind, key)

    return answer


def _none(_key: str) -> None:
    return None


def _zero(_key: str) -> int:
    return 0


def _empty_list(_key: str) -> list[Any]:
    return []


def _empty_dict(_key: str) -> dict[str, Any]:
    return {}


def _read(answer: Callable[[str], object], *names: str) -> _Rule:
    return _Rule(names, answer)


def _refused(*names: str) -> _Rule:
    return _Rule(names, None)


KEYS: Final[Mapping[str, Mapping[str, _Rule]]] = {
    "CustomerRepository": {"get": _read(_not_found("customer"), "customer_id")},
    "ConsumptionRepository": {
        "get": _read(_not_found("consumption record"), "record_id"),
        "records": _read(_empty_list, "customer_id"),
        "service_records": _read(_empty_list, "customer_id"),
    },
    "BookingRepository": {
        "get": _read(_not_found("booking"), "booking_id"),
        "find": _read(_empty_list, "resource"),
    },
    "CareTaskRepository": {
        "tasks": _read(_empty_list, "assignee"),
        "last_issued": _read(_empty_dict, "rule"),
    },
    "SurveyResponseRepository": {
        "get": _read(_not_found("survey response"), "response_id"),
        "responses": _read(_empty_list, "questionnaire_id"),
    },
    "ComplaintRepository": {
        "append": _refused("case_id"),
        "events": _read(_not_found("case"), "case_id"),
        "version": _read(_zero, "case_id"),
    },
    "DataKeyStore": {
        "get": _read(_none, "customer_id"),
        "add": _refused("customer_id"),
        "replace": _refused("customer_id"),
        "delete": _refused("customer_id"),
    },
    "ConsentStore": {
        "get": _read(_not_found("consent"), "consent_id"),
        "withdraw": _refused("consent_id"),
        "for_customer": _read(_empty_list, "customer_id"),
    },
    "AccessLog": {
        "for_customer": _read(_empty_list, "customer_id", "field"),
        "by_actor": _read(_empty_list, "actor"),
    },
    "AssessmentRepository": {
        "rubric": _read(_not_found("rubric"), "rubric_id"),
        "sheets": _read(_empty_list, "staff_id"),
        "warnings": _read(_empty_list, "staff_id"),
    },
    # A summary holds its customer's id, so none can be made for this one.
    "ActivityRepository": {"summary": _refused("customer_id")},
    "TrainingRepository": {
        "attendance": _read(_empty_list, "session_id", "staff_id"),
        "completions": _read(_empty_list, "staff_id"),
    },
    "ClubActivityRepository": {
        "get": _read(_not_found("activity"), "activity_id"),
        "invitations": _read(_empty_list, "activity_id"),
        "sign_up": _refused("activity_id", "customer_id"),
        "cancel": _refused("activity_id", "customer_id"),
        "record_attendance": _refused("activity_id", "customer_id"),
        "roster": _read(_empty_list, "activity_id"),
        "participation": _read(_empty_list, "customer_id"),
    },
}
"""Per port (by its Protocol's name): method name -> the id arguments and the answer."""


def _refuse(name: str, value: str) -> NoReturn:
    """Raise the `ValidationError` naming argument `name` for an id no value holds."""
    problems = ViolationCollector()
    check_storable(problems, name, value)
    raise_collected(problems)
    raise AssertionError(name)  # pragma: no cover - check_storable found the problem


def _optional(method: Callable[..., Any], names: tuple[str, ...]) -> frozenset[str]:
    """The arguments of `names` that may be left out: their default is None (a filter)."""
    parameters = inspect.signature(method).parameters
    return frozenset(n for n in names if n in parameters and parameters[n].default is None)


def _positions(method: Callable[..., Any], names: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
    """Where each argument of `names` may come positionally (after self), with its name.

    A keyword-only argument never comes positionally: its index is past the last.
    """
    positional = [
        p.name
        for p in list(inspect.signature(method).parameters.values())[1:]
        if p.kind is not inspect.Parameter.KEYWORD_ONLY
    ]
    return tuple(
        (positional.index(name) if name in positional else len(positional), name) for name in names
    )


def _guarded(
    method: Callable[..., Any], rule: _Rule | None, checks: tuple[tuple[str, Check], ...] = ()
) -> Callable[..., Any]:
    """`method`, answering by `rule` when one of its id arguments is no holdable id.

    The id arguments are looked at first; then each value argument of
    `checks` is checked (and maybe converted) in turn, before `method` runs.
    """
    where = _positions(method, rule.names) if rule is not None else ()
    answer = rule.answer if rule is not None else None
    # None is refused for an id the method needs (a write's, or a read's without a
    # default), and is a filter left out for one whose default is None.
    optional = _optional(method, rule.names) if rule is not None and answer is not None else ()
    required = {name: name not in optional for _, name in where}
    values = tuple(
        (index, name, check)
        for (index, name), (_, check) in zip(
            _positions(method, tuple(n for n, _ in checks)), checks, strict=True
        )
    )

    def refuse_or_answer(name: str, text: str) -> Any:  # noqa: ANN401 - as `method`
        if answer is None:
            _refuse(name, text)
        return answer(text)

    def checked_values(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """`args` (and `kwargs`, in place) with each value argument checked and converted."""
        listed: list[Any] | None = None
        for index, name, check in values:
            if index < len(args):
                if listed is None:
                    listed = list(args)
                listed[index] = check(args[index], name)
            elif name in kwargs:
                kwargs[name] = check(kwargs[name], name)
        return args if listed is None else tuple(listed)

    if inspect.iscoroutinefunction(method):
        return _guarded_async(
            method, where, refuse_or_answer, checked_values if values else None, required=required
        )

    limit = ID_MAX_CHARS
    if values:

        @functools.wraps(method)
        def checked_all(self: object, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            for index, name in where:
                value = args[index] if index < len(args) else kwargs.get(name)
                if (  # a plain ASCII id: the fast path, as in `checked_first`
                    value.__class__ is str
                    and value.isascii()
                    and len(value) <= limit
                    and "\x00" not in value
                ):
                    continue
                text = unholdable(value, name, required=required[name])
                if text is not None:
                    return refuse_or_answer(name, text)
            args = checked_values(args, kwargs)
            return method(self, *args, **kwargs)

        return checked_all

    if len(where) == 1 and where[0][0] == 0:
        # One id, the first parameter (`get(customer_id)`): the common case, kept cheap.
        name = where[0][1]
        first_required = required[name]

        @functools.wraps(method)
        def checked_first(self: object, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
            value = args[0] if args else kwargs.get(name)
            if (  # a plain ASCII id: the fast path
                value.__class__ is str
                and value.isascii()
                and len(value) <= limit
                and "\x00" not in value
            ):
                return method(self, *args, **kwargs)
            text = unholdable(value, name, required=first_required)
            if text is not None:
                return refuse_or_answer(name, text)
            return method(self, *args, **kwargs)

        return checked_first

    @functools.wraps(method)
    def checked(self: object, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - as `method`
        for index, name in where:
            value = args[index] if index < len(args) else kwargs.get(name)
            text = unholdable(value, name, required=required[name])
            if text is not None:
                return refuse_or_answer(name, text)
        return method(self, *args, **kwargs)

    return checked


def _guarded_async(
    method: Callable[..., Any],
    where: tuple[tuple[int, str], ...],
    refuse_or_answer: Callable[[str, str], Any],
    checked_values: Callable[[tuple[Any, ...], dict[str, Any]], tuple[Any, ...]] | None,
    *,
    required: Mapping[str, bool],
) -> Callable[..., Any]:
    """`_guarded` for a coroutine method: the answer or the refusal comes from the coroutine."""

    @functools.wraps(method)
    async def checked(self: object, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401 - as `method`
        for index, name in where:
            value = args[index] if index < len(args) else kwargs.get(name)
            text = unholdable(value, name, required=required[name])
            if text is not None:
                return refuse_or_answer(name, text)
        if checked_values is not None:
            args = checked_values(args, kwargs)
        return await method(self, *args, **kwargs)

    return checked


def keys_checked(port: str) -> Callable[[T], T]:
    """A class decorator: the adapter of `port` answers by `KEYS[port]` for unholdable ids.

    It also checks the value arguments of `VALUES[port]` (see `_values`), so a
    value of the wrong type is refused alike by every adapter of the port.
    A method of `VALUES` that the class does not have is left out.
    """
    rules = KEYS[port]
    checks = VALUES.get(port, {})

    def decorate(cls: T) -> T:
        for name in sorted({*rules, *checks}):
            method = getattr(cls, name, None)
            if method is None:
                if name in rules:
                    raise AttributeError(name)  # pragma: no cover - a table that lost its method
                continue
            setattr(cls, name, _guarded(method, rules.get(name), checks.get(name, ())))
        return cls

    return decorate
