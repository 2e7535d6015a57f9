"""Every public callable answers the same whatever the thread's `decimal` context.

An application may lower the precision (`decimal.getcontext().prec = 6`),
narrow the exponent range, round down or trap `Inexact` for its own money
code. The library does its Decimal arithmetic in contexts of its own, so the
walk runs the valid call of every public constructor, function and method
(the samples of the hostile-input walk) under the harshest such context and
under Python's defaults (the oracle): the answers must be equal, or the same
error, and the caller's context must be left as it was.

A call whose answer cannot be compared (a live object, a strategy, a call
that answers differently when run twice under the defaults) says nothing
here, and is left out; `test_the_walk_compares_most_callables` keeps that
share small.
"""

from __future__ import annotations

import decimal
import warnings
from decimal import Context, getcontext, localcontext
from typing import Any

import pytest

from ._walk import NoSampleError, Target, guarded, targets, valid_call

HARSHEST = Context(
    prec=1,
    rounding=decimal.ROUND_DOWN,
    Emin=-2,
    Emax=2,
    capitals=0,
    traps=[
        decimal.InvalidOperation,
        decimal.DivisionByZero,
        decimal.Overflow,
        decimal.Inexact,
        decimal.Rounded,
        decimal.Subnormal,
        decimal.Underflow,
    ],
)

TARGETS = targets()


def _settings(context: Context) -> tuple[object, ...]:
    traps = frozenset(signal for signal, on in context.traps.items() if on)
    return (context.prec, context.rounding, context.Emin, context.Emax, context.capitals, traps)


def _answer(target: Target, context: Context) -> tuple[str, Any]:
    """What the target's valid call gives in `context`: its result, or its error's type and text."""
    call = valid_call(target)
    box: list[Any] = []
    with localcontext(context) as inner:
        before = _settings(inner)
        raised = guarded(lambda: box.append(call.run()))
        assert getcontext() is inner, f"{target.name} replaced the thread's context"
        assert _settings(inner) == before, f"{target.name} changed the thread's context"
    if raised is not None:
        return ("raised", (type(raised).__name__, str(raised)))
    return ("returned", box[0])


def _comparable(target: Target) -> tuple[str, Any] | None:
    """The oracle's answer, if two runs under the defaults give equal ones."""
    try:
        first, second = _answer(target, Context()), _answer(target, Context())
    except NoSampleError:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            same = bool(first == second)
        except Exception:  # noqa: BLE001 - an answer that cannot compare says nothing here
            return None
    return first if same else None


ORACLES = {t.name: _comparable(t) for t in TARGETS}
COMPARED = sorted(name for name, answer in ORACLES.items() if answer is not None)
BY_NAME = {t.name: t for t in TARGETS}


def test_the_walk_compares_most_callables() -> None:
    assert len(COMPARED) > 0.6 * len(TARGETS), (len(COMPARED), len(TARGETS))


@pytest.mark.parametrize("name", COMPARED)
def test_the_answer_ignores_the_threads_decimal_context(name: str) -> None:
    target = BY_NAME[name]
    # The oracle again, just before: a shared sample (a key file) may have moved since.
    assert _answer(target, HARSHEST) == _answer(target, Context())
