"""No refused value comes back: the walk, with values that look like personal data.

`docs/explanation/errors.md` promises that an error names the field and the
problem, never a sensitive value. A refused value can be anything a caller
typed into the wrong field: a phone number, an ID-card number, a health or
allergy note, an e-mail address. So every public callable of the walk
(`_walk.targets()`) gets, in each parameter in turn, values that carry such a
marker (and its valid value with a marker added, for a list or a mapping),
while the other arguments stay valid. Whatever the library raises must not
show the marker, nor its run of digits, in `str()`, `repr()`, `args`,
`__notes__` or the violations, nor anywhere down
its `__cause__`/`__context__` chain; nor may a warning or a log record that
the call emits.

Ids are the documented exception (`docs/explanation/security-model.md`): an
id the caller chose is quoted when it is not found or already taken, so that
the error says which one. Only the parameters of `QUOTED_IDS` are exempt,
and only in the errors that name an id.
"""

from __future__ import annotations

import functools
import logging
import re
import signal
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from clubrules._checks import shown
from clubrules.errors import (
    AccessDeniedError,
    ConflictError,
    IllegalTransitionError,
    KeyringError,
    NotFoundError,
    ValidationError,
)
from tests._chains import chain, held_values

from ._walk import LIMIT_SECONDS, Call, Hang, NoSampleError, Target, targets, valid_call

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

TARGETS = targets()
BY_NAME = {t.name: t for t in TARGETS}

PHONE = "13812345678"
ID_CARD = "110101199003077777"


@dataclass(frozen=True)
class Marker:
    """A value that looks like personal data, and the texts that would show it."""

    label: str
    value: Any
    needles: tuple[str, ...]


_PADDING = "x" * 50_000

MARKERS: tuple[Marker, ...] = (
    Marker("spaced phone", "+86 138 1234 5678", ("+86 138 1234 5678", PHONE)),
    Marker("phone", PHONE, (PHONE,)),
    Marker("padded phone", f" {PHONE} ", (PHONE,)),
    Marker("ID card", ID_CARD, (ID_CARD,)),
    Marker("ID card with X", "11010119900307777X", ("11010119900307777",)),
    Marker("health note", "青霉素过敏 hypertension", ("青霉素", "hypertension")),
    Marker("padded health note", " 青霉素过敏 ", ("青霉素",)),
    Marker("e-mail", "alice@example.com", ("alice@example",)),
    Marker("100 kB text", f"{_PADDING} {PHONE} {_PADDING}", (PHONE, "x" * 100)),
    Marker("phone as int", int(PHONE), (PHONE,)),
    Marker("negative phone as int", -int(PHONE), (PHONE,)),
    Marker("ID card as int", int(ID_CARD), (ID_CARD,)),
    Marker("phone as Decimal", Decimal(f"-{PHONE}.5"), (PHONE,)),
)

# Parameters whose value is an id the caller chose: quoted in the errors of
# `ID_ERRORS`, which must say which item they mean ("customer 'c-1' not
# found"). The security model tells callers never to use a phone number or
# an ID-card number as an id. Each entry says why the parameter is an id.
QUOTED_IDS: dict[str, str] = {
    "activity_id": "a club activity's id: not found",
    "actor": "the staff member reading a field: AccessDeniedError names who was refused",
    "booking_id": "a booking's id: not found, or already taken",
    "case_id": "a complaint case's id: not found, or its stream at another version",
    "consent_id": "a consent record's id: not found",
    "customer_id": "a customer's id: not found, or already holding a data key",
    "id": "an item's own id (a lookup by id): not found",
    "key": "a repository key, an id: not found or taken",
    "policy_id": "an SLA policy's id: not found",
    "record_id": "a consumption record's id: not found",
    "response_id": "a survey response's id: not found",
    "role": "the role an actor claims: AccessDeniedError names it, as the policy does",
    "rubric_id": "a rubric's id: not found",
    "staff_id": "a staff member's id: not found",
    "stream": "a complaint case's id as its event stream: at another version",
    # Qualified: a parameter name that elsewhere holds no id.
    "clubrules.staff.ScoreSheet.line.item": "a rubric item's key: the sheet has no such line",
    "clubrules.tiering.TierProgram.index.name": "a tier's name, its id: no such tier",
}

# The errors that quote an id by design.
ID_ERRORS = (AccessDeniedError, ConflictError, IllegalTransitionError, KeyringError, NotFoundError)


def _shaped(valid: Any, marker: Marker) -> Iterator[tuple[str, Any]]:
    """The valid value with the marker added: an item of a list, a key and a value of a mapping."""
    if isinstance(valid, list | tuple | frozenset | set) and valid:
        items: Any = [*valid, marker.value]
        yield (
            f"its items + {marker.label}",
            type(valid)(items) if isinstance(valid, tuple | frozenset | set) else items,
        )
    elif isinstance(valid, dict) and valid:
        key, value = next(iter(valid.items()))
        yield f"its value -> {marker.label}", {**valid, key: marker.value}
        yield f"its key -> {marker.label}", {**valid, marker.value: value}


class _Records(logging.Handler):
    """Every log record of the library, formatted, while it is attached."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())
        self.texts.append(repr(record.args))


@dataclass
class Outcome:
    """What one call showed: its error (if any), its warnings and its log lines."""

    error: BaseException | None
    warned: list[str]
    logged: list[str]


def _alarm(signum: int, frame: object) -> None:
    raise Hang


def _run(run: Callable[[], Any]) -> Outcome:
    """Run `run` under the alarm, recording its warnings and the library's log records."""
    handler = _Records()
    library = logging.getLogger("clubrules")
    level = library.level
    library.addHandler(handler)
    library.setLevel(logging.DEBUG)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, LIMIT_SECONDS)
    error: BaseException | None = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                run()
            except (Exception, Hang) as raised:  # noqa: BLE001 - looking at it is the point
                error = raised
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        library.removeHandler(handler)
        library.setLevel(level)
    warned = [f"{w.category.__name__}: {w.message}" for w in caught]
    return Outcome(error, warned, handler.texts)


def _texts_of(error: BaseException) -> Iterator[str]:
    """Everything an error shows of itself, down its cause/context chain."""
    for current in chain(error):
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        yield from (str(note) for note in getattr(current, "__notes__", ()))
        if isinstance(current, ValidationError):
            yield repr(current.violations)
        yield from held_values(current)


_SEPARATORS = re.compile(r"[\s,._'\"-]")


def _shows(text: str, needle: str) -> bool:
    """Whether `text` shows `needle`: as it is, escaped, or a digit run split by separators."""
    if needle in text or needle in text.encode("unicode_escape").decode("ascii"):
        return True
    return needle.isdigit() and needle in _SEPARATORS.sub("", text)


def _echoes(outcome: Outcome, marker: Marker, target: str, param: str) -> list[str]:
    """Where the outcome shows the marker: "error", "warning" or "log" with the text."""
    found: list[str] = []
    is_id = param in QUOTED_IDS or f"{target}.{param}" in QUOTED_IDS
    quoted_id = is_id and isinstance(outcome.error, ID_ERRORS)
    if outcome.error is not None and not isinstance(outcome.error, Hang) and not quoted_id:
        for text in _texts_of(outcome.error):
            if any(_shows(text, n) for n in marker.needles):
                found.append(f"error {type(outcome.error).__name__}: {text[:300]}")
                break
    for kind, texts in (("warning", outcome.warned), ("log", outcome.logged)):
        if is_id:
            continue
        for text in texts:
            if any(_shows(text, n) for n in marker.needles):
                found.append(f"{kind}: {text[:300]}")
                break
    return found


def marker_cases(
    call: Call, param: str, markers: tuple[Marker, ...] = MARKERS
) -> list[tuple[str, Any, Marker]]:
    """(label, value, marker) for a parameter: each marker, as it is and shaped as its value."""
    cases: list[tuple[str, Any, Marker]] = []
    for marker in markers:
        cases.append((marker.label, marker.value, marker))
        if param in call.values:
            cases += [(label, v, marker) for label, v in _shaped(call.values[param], marker)]
    return cases


def _walk(call: Call) -> list[str]:
    found: list[str] = []
    for p in call.params:
        for label, value, marker in marker_cases(call, p.name):
            outcome = _run(functools.partial(call.run, (p.name, value)))
            found += [
                f"{p.name}={label}: {e}" for e in _echoes(outcome, marker, call.target.name, p.name)
            ]
    return found


def test_the_exemptions_are_few_and_named() -> None:
    # Not a pattern: each exempt parameter is listed with its reason.
    assert len(QUOTED_IDS) <= 20
    assert all(reason.strip() for reason in QUOTED_IDS.values())


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_no_refused_value_is_echoed(name: str) -> None:
    target: Target = BY_NAME[name]
    try:
        call = valid_call(target)
    except NoSampleError:
        pytest.skip("no valid call (test_hostile_inputs reports it)")
    found = _walk(call)
    assert not found, f"{name} echoed:\n" + "\n".join(found[:20])


# --- the rendering of a refused value ---


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Asia/Shangai", "'Asia/Shangai'"),
        ("RMB", "'RMB'"),
        ("en-GB", "'en-GB'"),
        ("+8", "'+8'"),
        (42, "42"),
        (-1, "-1"),
        (PHONE, "a str of 11 characters"),
        ("1234", "'1234'"),
        ("12345", "a str of 5 characters"),
        ("a" * 33, "a str of 33 characters"),
        ("a" * 32, repr("a" * 32)),
        ("青霉素", "a str of 3 characters"),
        ("alice@example.com", "a str of 17 characters"),
        ("two words", "a str of 9 characters"),
        ("", "an empty str"),
        ("x", "'x'"),
        (10**400, "an int of 401 digits"),
        (-int(PHONE), "an int of 11 digits"),
        (Decimal("1.5"), "1.5"),
        (Decimal(f"-{PHONE}.5"), "a Decimal"),
        (Decimal("NaN"), "NaN"),
        (12345, "an int of 5 digits"),
        (9999, "9999"),
        ("138-1234-5678", "a str of 13 characters"),
        ("Etc/GMT+10", "'Etc/GMT+10'"),
        (object(), "an object"),
        (1.5, "1.5"),
        (1e308, "1e+308"),
        (None, "None"),
        (True, "True"),
        (b"x", "a bytes"),
        (["x"], "a list"),
    ],
)
def test_shown_quotes_only_short_tokens(value: object, expected: str) -> None:
    assert shown(value) == expected


def test_shown_describes_an_int_too_long_to_print() -> None:
    assert shown(10**5000) == "an int of thousands of digits"


# --- the command line ---


@pytest.mark.parametrize(
    "argv",
    [
        ["keys", "retire", "--keyring", "k.json", "--key-id", PHONE],
        ["keys", "retire", "--keyring", "k.json", "--key-id", "青霉素过敏"],
        ["keys", "retire", "--keyring", "k.json", "--key-id", "1" + "0" * 400],
        ["customers", PHONE],
        ["customers", "tier", "FILE", "--tz", PHONE],
        ["customers", "tier", "FILE", "--currency", ID_CARD],
        ["bookings", PHONE, ID_CARD],
    ],
)
def test_the_command_line_does_not_echo_a_refused_value(
    argv: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from clubrules.cli import main  # noqa: PLC0415

    export = tmp_path / "customers.csv"
    export.write_text("customer_id,visits\n", encoding="utf-8")
    argv = [str(export) if a == "FILE" else a for a in argv]
    assert main([*argv, "--json"] if argv[0] == "bookings" else argv) != 0
    out, err = capsys.readouterr()
    assert out + err
    for needle in (PHONE, ID_CARD, "青霉素", "0" * 50):
        assert needle not in out + err


def test_a_mistyped_option_value_that_is_a_short_token_is_still_quoted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from clubrules.cli import main  # noqa: PLC0415

    main(["keys", "retire", "--keyring", "k.json", "--key-id", "one"])
    assert "'one'" in capsys.readouterr().err


def test_a_migration_dialect_is_not_echoed() -> None:
    from clubrules.storage.sql._migrations import available_migrations  # noqa: PLC0415

    with pytest.raises(ValidationError) as caught:
        available_migrations(PHONE)
    assert PHONE not in str(caught.value)
    with pytest.raises(ValidationError, match="'mysql' is not one of"):
        available_migrations("mysql")
