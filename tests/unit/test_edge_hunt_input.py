"""Bad input at the edges of money and of the database handles: typed refusals, exact sums.

- `Money` arithmetic is exact whatever the thread's `decimal` context says:
  a lower precision once rounded a sum silently (or raised
  `decimal.InvalidOperation` from the quantize of a whole amount), and `-m`
  rounded too. The oracle is the sum worked out at a precision that holds
  any two amounts.
- `Money` compared or combined with something that is not Money raises
  `InvalidMoneyError` (rule `not_money`): comparisons once raised
  `AttributeError`, and `+`/`-` (and `sum()`) a plain `TypeError`.
- `SQLiteDatabase(path)` refuses a path that is not one (None, an int, a NUL
  character, a lone surrogate) with a `ValidationError` naming `path`,
  instead of a `TypeError`, `ValueError` or `UnicodeEncodeError` at the
  first call; `migrate("sqlite:///...")` refuses such a path on its `url`.
- `PostgresDatabase(url)` and `AsyncPostgresDatabase(url)` refuse a URL that
  libpq could never use (not a str, a NUL, a lone surrogate, a syntax libpq
  cannot parse) when made, without quoting it: such a URL once raised
  `AttributeError` at the first call, or, behind a pool, waited `timeout`
  seconds for a `RetryableStorageError` that no retry could get past.
"""

from __future__ import annotations

import asyncio
import decimal
import operator
from datetime import datetime, timedelta
from datetime import tzinfo as datetime_tzinfo
from decimal import Decimal, localcontext
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clubrules.errors import ClubRulesError, InvalidMoneyError, StorageError, ValidationError
from clubrules.money import Money
from clubrules.storage.migrations import migrate
from clubrules.storage.postgres import AsyncPostgresDatabase, PostgresDatabase
from clubrules.storage.sqlite import SQLiteDatabase

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# --- Money: exact whatever the decimal context --------------------------------

LIMIT = Decimal(10) ** 18
AMOUNTS = st.decimals(
    min_value=-LIMIT + Decimal("1E-10"),
    max_value=LIMIT - Decimal("1E-10"),
    places=10,
    allow_nan=False,
    allow_infinity=False,
).map(lambda d: d.normalize() if d.is_zero() else d)
SMALL_PLACES = st.integers(min_value=0, max_value=10).flatmap(
    lambda places: st.decimals(
        min_value=-(10**12), max_value=10**12, places=places, allow_nan=False
    )
)


def _exact(op: Callable[[Decimal, Decimal], Decimal], a: Decimal, b: Decimal) -> Decimal | None:
    """The oracle: `op(a, b)` at a precision that holds any two amounts; None if out of range."""
    with localcontext() as wide:
        wide.prec = 60
        result = op(a, b)
    return result if abs(result) < LIMIT else None


@given(
    a=st.one_of(AMOUNTS, SMALL_PLACES),
    b=st.one_of(AMOUNTS, SMALL_PLACES),
    prec=st.integers(min_value=1, max_value=28),
    emax=st.sampled_from([3, 10, decimal.MAX_EMAX]),
    traps=st.booleans(),
)
def test_money_arithmetic_is_exact_in_any_decimal_context(
    a: Decimal, b: Decimal, prec: int, emax: int, traps: bool
) -> None:
    left, right = Money(a), Money(b)
    for op in (operator.add, operator.sub):
        expected = _exact(op, a, b)
        with localcontext() as narrow:
            narrow.prec = prec
            narrow.Emax = emax
            narrow.traps[decimal.Inexact] = traps
            narrow.traps[decimal.Rounded] = traps
            if expected is None:
                with pytest.raises(InvalidMoneyError) as caught:
                    op(left, right)
                assert caught.value.violations[0].rule == "out_of_range"
                continue
            result = op(left, right)
            negated = -left
        assert result.amount == expected
        assert str(result.amount) == str(Money(expected).amount)  # no rounding of its digits
        assert negated.amount == -a
        assert result.currency == "CNY"


def test_a_whole_amount_in_exponent_notation_is_made_plain_in_a_narrow_context() -> None:
    with localcontext() as narrow:
        narrow.prec = 3
        narrow.Emax = 5
        assert Money("1E+17").amount == Decimal(10**17)
        assert Money("123456.789") + Money("0.001") == Money("123456.790")


# --- Money: an operand that is not Money --------------------------------------

NOT_MONEY: list[object] = [
    0,
    5,
    Decimal(1),
    Decimal("NaN"),
    1.5,
    "1",
    None,
    object(),
    True,
    [Money(1)],
]
OPERATORS: dict[str, Callable[[Any, Any], object]] = {
    "+": operator.add,
    "-": operator.sub,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@pytest.mark.parametrize("other", NOT_MONEY, ids=repr)
@pytest.mark.parametrize("symbol", sorted(OPERATORS))
def test_money_with_what_is_not_money_is_a_typed_refusal(symbol: str, other: object) -> None:
    op = OPERATORS[symbol]
    for a, b in ((Money("13800138000"), other), (other, Money("13800138000"))):
        with pytest.raises(InvalidMoneyError) as caught:
            op(a, b)
        (violation,) = caught.value.violations
        assert (violation.field, violation.rule) == ("other", "not_money")
        assert "13800138000" not in str(caught.value)


def test_sum_of_money_points_at_the_typed_refusal_and_total_adds_up() -> None:
    with pytest.raises(InvalidMoneyError):
        sum([Money(1), Money(2)])
    assert sum([Money(1), Money(2)], Money(0)) == Money(3)
    assert Money.total([Money(1), Money(2)]) == Money(3)
    # The reflected forms are the sums they name when called with Money.
    assert Money(1).__radd__(Money(2)) == Money(3)
    assert Money(1).__rsub__(Money(5)) == Money(4)


def test_money_of_another_currency_is_still_a_mismatch() -> None:
    with pytest.raises(InvalidMoneyError) as caught:
        _ = Money(1) < Money(1, "USD")
    assert caught.value.violations[0].rule == "currency_mismatch"


# --- SQLiteDatabase: a path that is not one ----------------------------------


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        (None, "wrong_type"),
        (3, "wrong_type"),
        (3.5, "wrong_type"),
        (["club.db"], "wrong_type"),
        ("club\x00.db", "not_a_path"),
        (b"club\x00.db", "not_a_path"),
        ("club\ud800.db", "not_a_path"),
    ],
    ids=repr,
)
def test_a_database_path_that_is_not_one_is_refused_when_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: object, rule: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValidationError) as caught:
        SQLiteDatabase(path)  # type: ignore[arg-type]
    (violation,) = caught.value.violations
    assert (violation.field, violation.rule) == ("path", rule)
    assert "club" not in str(caught.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", ["club\x00.db", "club\ud800.db"], ids=["NUL", "surrogate"])
def test_a_sqlite_url_whose_path_is_not_one_is_refused_on_the_url(path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        migrate(f"sqlite:///{path}")
    (violation,) = caught.value.violations
    assert (violation.field, violation.rule) == ("url", "sqlite_path")
    assert "club" not in str(caught.value)


def test_a_path_of_undecodable_bytes_still_opens(tmp_path: Path) -> None:
    # What `os.fsdecode` makes of a file name that is not UTF-8 (argv, listdir).
    name = str(tmp_path / "club-\udcff.db")
    paths: list[Any] = [name, name.encode("utf-8", "surrogateescape")]
    for path in paths:
        with SQLiteDatabase(path) as db:
            assert db.migrate().version >= 1
            assert db.path == name


@given(name=st.text(max_size=20))
def test_any_text_path_opens_or_is_a_typed_refusal(tmp_path_factory: Any, name: str) -> None:
    directory = tmp_path_factory.mktemp("paths")
    refused: ValidationError | None = None
    try:
        with SQLiteDatabase(directory / ("x" + name)) as db:
            db.schema_version()
    except ValidationError as error:
        refused = error
    except StorageError:
        pass  # a name holding "/" names a missing directory: SQLite says so, typed
    if refused is not None:
        assert refused.violations[0].field == "path"


# --- PostgresDatabase: a URL that libpq could never use ----------------------

SECRET = "hunter2-s3cret"  # noqa: S105 - a password in a refused URL: never echoed
GOOD = f"postgresql://clubrules:{SECRET}@/club?host=/nonexistent"


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        (None, "not_a_string"),
        (5, "not_a_string"),
        (GOOD.encode(), "not_a_string"),
        (GOOD + "\x00", "conninfo"),
        (GOOD + "&application_name=a\ud800", "conninfo"),
        (GOOD + "&no_such_option=1", "conninfo"),
        (GOOD + "&application_name=%ZZ", "conninfo"),
        (f"mysql://clubrules:{SECRET}@db/club", "conninfo"),
        (f"password={SECRET} garbage", "conninfo"),
    ],
    ids=["None", "int", "bytes", "NUL", "surrogate", "option", "percent", "scheme", "syntax"],
)
def test_a_postgres_url_libpq_cannot_use_is_refused_when_made(url: object, rule: str) -> None:
    makers: list[Callable[[], object]] = [
        lambda: PostgresDatabase(url),  # type: ignore[arg-type]
        lambda: PostgresDatabase(url, pool_size=2),  # type: ignore[arg-type]
        lambda: AsyncPostgresDatabase(url),  # type: ignore[arg-type]
        lambda: asyncio.run(AsyncPostgresDatabase.open(url)),  # type: ignore[arg-type]
    ]
    for make in makers:
        with pytest.raises(ValidationError) as caught:
            make()
        (violation,) = caught.value.violations
        assert (violation.field, violation.rule) == ("url", rule)
        assert SECRET not in str(caught.value)
        assert caught.value.__cause__ is None
        assert caught.value.__context__ is None


@given(
    url=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("\x00"),
        max_size=40,
    )
)
def test_any_postgres_url_is_taken_or_refused_when_made(url: str) -> None:
    refused: ClubRulesError | None = None
    try:
        PostgresDatabase(url).close()
    except ClubRulesError as error:
        refused = error
    if refused is not None:
        assert isinstance(refused, ValidationError)
        assert refused.violations[0].field == "url"


# -- a tzinfo of the caller's own whose offset datetime refuses ----------------------


class _Offset(datetime_tzinfo):
    def __init__(self, offset: object) -> None:
        self.offset = offset

    def utcoffset(self, dt: datetime | None) -> Any:
        return self.offset

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "odd"


@pytest.mark.parametrize(
    "offset", [timedelta(hours=24), timedelta(hours=-30), "+08:00", 8], ids=repr
)
def test_an_offset_datetime_refuses_is_a_validation_error(offset: object) -> None:
    from clubrules.calendar import to_epoch_us  # noqa: PLC0415
    from clubrules.customers import Customer  # noqa: PLC0415

    at = datetime(2026, 3, 2, 10, tzinfo=_Offset(offset))
    for call in (
        lambda: to_epoch_us(at),
        lambda: Customer(id="c", name="n", registered_at=at),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.violations[0].rule == "bad_offset"
        error = caught.value
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
