"""`clubrules customers tier FILE`: RFM scores, segments, tiers and churn warnings from a CSV.

Each row summarises one customer's last 365 days up to the end of `--as-of`.
Amounts are read as exact decimals (`clubrules.money.Money`), never floats.
Errors name the line and the column, never a cell's value.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from clubrules._checks import DECIMALS, EXACT_DECIMALS
from clubrules.cli._io import (
    EXIT_OK,
    EXIT_USAGE,
    add_json_option,
    add_lang_option,
    add_progress_option,
    bad_file,
    command_group,
    counted,
    fail,
    feed_rows,
    is_date,
    open_check,
    parse_date,
    parse_time,
    path_argument,
    whole,
    write,
    write_table,
)
from clubrules.errors import InputError, ValidationError
from clubrules.words import catalogue, message

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from decimal import Decimal
    from pathlib import Path

    from clubrules.care import ChurnWarning
    from clubrules.cli._io import AddParser
    from clubrules.money import Money
    from clubrules.tiering import ActivitySummary, TierDecision, TierProgram

__all__ = ["add_customers_commands"]

WINDOW_DAYS = 365
"""The days of activity each row summarises, and the tier program's trailing window."""
TIERS = (("member", 0, 0), ("silver", 3000, 2400), ("gold", 10000, 8000))
"""The default tier program: `(name, qualify, retain)` on net spend over the window."""
REQUIRED = ("customer_id", "last_visit", "visits", "spend")
OPTIONAL = (
    "first_visit",
    "tier",
    "last_review",
    "baseline_visits",
    "recent_visits",
    "baseline_spend",
    "recent_spend",
)
_AMOUNT = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,6})?")
_SINCE = date(2000, 1, 1)  # tier statuses start long before any review that matters


def add_customers_commands(add_parser: AddParser) -> None:
    """Add `customers tier`."""
    add = command_group(
        add_parser,
        "customers",
        summary="score, segment and tier customers from activity summaries",
        description="Work with exports of customer activity.",
    )
    names = ", ".join(f"{n} {q}" + (f" (kept at {r})" if r else "") for n, q, r in TIERS)
    tier = add(
        "tier",
        help="RFM scores, segments, tiers and churn warnings from a CSV of activity summaries",
        description=(
            "Read a CSV of customer activity summaries, one row per customer, each over "
            f"the {WINDOW_DAYS} days up to the end of --as-of: customer_id, last_visit, "
            "visits, spend (net, an exact decimal); optionally first_visit, tier (the "
            "current tier), last_review, and for the churn scan baseline_visits and "
            "recent_visits (visits in the 90 days before the last 30, and in the last 30), "
            "with baseline_spend and recent_spend. Print RFM quintile scores and "
            f"segments, tier decisions on the default program ({names}, on {WINDOW_DAYS}-day "
            "spend, quarterly reviews from 1 January: upgrades at once, downgrades only at "
            "a review), and churn warnings. "
            # The numbers are ChurnRule's and SingleVisitRule's defaults (a test checks).
            "Churn warnings need the column first_visit. With baseline_visits and "
            "recent_visits too, a customer whose visits (or spend) per day dropped by more "
            "than 30% against the baseline is warned, if they had at least 4 baseline visits "
            "and their first_visit is on or before the baseline's start. And a customer "
            "whose first and last visit fall on one day, 14 to 89 days before the run, is "
            "warned as a one-visit customer who did not return. Without "
            "first_visit there are no churn warnings. Exit codes: 0 done, 2 bad usage "
            "or a bad file."
        ),
    )
    tier.add_argument("file", type=path_argument, metavar="FILE", help="the CSV file to read")
    tier.add_argument(
        "--as-of",
        metavar="DATE",
        default=None,
        help=(
            "the last day the summaries cover (YYYY-MM-DD); the run is at the midnight "
            "after it (default: today in --tz)"
        ),
    )
    tier.add_argument(
        "--tz",
        metavar="ZONE",
        default="Asia/Shanghai",
        help="the club's IANA zone, for dates and times without an offset (default: %(default)s)",
    )
    tier.add_argument(
        "--currency", default="CNY", help="the currency of the amounts (default: %(default)s)"
    )
    add_progress_option(tier)
    add_json_option(tier, "the results")
    add_lang_option(tier)
    tier.set_defaults(handler=_run_tier)


def default_program(zone: tzinfo) -> TierProgram:
    """The default tier program that `customers tier` decides on."""
    from clubrules.tiering import (  # noqa: PLC0415 - keeps --help fast
        QualificationWindow,
        ReviewSchedule,
        Tier,
        TierMetric,
        TierProgram,
    )

    return TierProgram(
        tiers=[Tier(name, qualify, retain) for name, qualify, retain in TIERS],
        metric=TierMetric.SPEND,
        window=QualificationWindow(trailing_days=WINDOW_DAYS),
        reviews=ReviewSchedule(anchor=date(2026, 1, 1), every_months=3),
        zone=zone,
    )


class _Row:
    """What one line gave, besides its summary."""

    __slots__ = ("baseline", "line", "recent", "review", "tier")

    def __init__(self, line: int, tier: str, review: date | None) -> None:
        self.line = line
        self.tier = tier
        self.review = review
        self.baseline: tuple[int, int] = (0, 0)  # visits, spend in minor units
        self.recent: tuple[int, int] = (0, 0)


class _Reader:
    """Turns rows into activity summaries, refusing what the rules would misread."""

    def __init__(self, zone: tzinfo, run: datetime, currency: str, program: TierProgram) -> None:
        self.zone = zone
        self.run = run
        self.start = run - timedelta(days=WINDOW_DAYS)
        self.currency = currency
        self.tiers = [t.name for t in program.tiers]
        self.summaries: dict[str, ActivitySummary] = {}
        self.rows: dict[str, _Row] = {}
        self.first_visit_us: dict[str, int | None] = {}
        self.columns: frozenset[str] = frozenset()

    def _check_columns(self, columns: frozenset[str]) -> None:
        self.columns = columns
        churn = {"baseline_visits", "recent_visits"}
        spend = {"baseline_spend", "recent_spend"}
        for pair in (churn, spend):
            if len(pair & columns) == 1:
                (given,) = pair & columns
                (other,) = pair - columns
                raise InputError(f"column {given!r} needs column {other!r}")
        if spend <= columns and not churn <= columns:
            raise InputError(
                "columns 'baseline_spend' and 'recent_spend' need 'baseline_visits' "
                "and 'recent_visits'",
            )
        if churn <= columns and "first_visit" not in columns:
            raise InputError(
                "the churn columns need column 'first_visit' (the scan judges only "
                "customers who came before the baseline began)",
            )

    def _visit(self, text: str, line: int, column: str) -> datetime:
        # A date alone stands for midday of that day in the club's zone, so
        # that recency counts whole days: today is 0 days ago, yesterday 1.
        if is_date(text):
            day = parse_date(text, line=line, column=column)
            return datetime.combine(day, time(12), tzinfo=self.zone)
        return parse_time(text, line=line, column=column, zone=self.zone)

    def _amount(self, text: str, line: int, column: str) -> Money:
        from clubrules.money import Money  # noqa: PLC0415

        if not text:
            return Money.zero(self.currency)
        if not _AMOUNT.fullmatch(text):
            raise InputError(
                "not an amount (digits with an optional decimal point, such as 1280.50)",
                line=line,
                column=column,
            )
        if text.startswith("-"):
            raise InputError("is negative; net spend is never below 0", line=line, column=column)
        return Money(text, self.currency)

    def _minor(self, text: str, line: int, column: str) -> int:
        amount: Decimal = EXACT_DECIMALS.multiply(self._amount(text, line, column).amount, 100)
        if amount != amount.to_integral_value():
            raise InputError("has more than two decimal places", line=line, column=column)
        return int(amount)

    def add(self, line: int, row: dict[str, str]) -> None:
        from clubrules.tiering import ActivitySummary  # noqa: PLC0415

        if not self.columns:
            self._check_columns(frozenset(row))
        customer = row["customer_id"]
        if not customer:
            raise InputError("is empty", line=line, column="customer_id")
        if customer in self.rows:
            seen = self.rows[customer].line
            raise InputError(
                f"the customer is already on line {seen}", line=line, column="customer_id"
            )
        visits = whole(row["visits"], line=line, column="visits", minimum=0, default=-1)
        if visits < 0:
            raise InputError("is empty", line=line, column="visits")
        spend = self._amount(row["spend"], line, "spend")
        last = self._visit(row["last_visit"], line, "last_visit") if row["last_visit"] else None
        first_text = row.get("first_visit", "")
        first = self._visit(first_text, line, "first_visit") if first_text else None
        day = self.run.date() - timedelta(days=1)
        if last is None:
            if visits:
                raise InputError("is empty, but visits is above 0", line=line, column="last_visit")
            if first is not None:
                raise InputError("is set, but last_visit is empty", line=line, column="first_visit")
        else:
            if last >= self.run:
                raise InputError(
                    f"is after --as-of (the run counts activity through {day})",
                    line=line,
                    column="last_visit",
                )
            if visits and last < self.start:
                raise InputError(
                    f"is more than {WINDOW_DAYS} days before the run, but visits counts "
                    f"the last {WINDOW_DAYS} days",
                    line=line,
                    column="last_visit",
                )
            if "first_visit" in self.columns and first is None:
                raise InputError("is empty, but last_visit is set", line=line, column="first_visit")
            if first is not None and first > last:
                raise InputError("is after last_visit", line=line, column="first_visit")
        tier = row.get("tier", "") or self.tiers[0]
        if tier not in self.tiers:
            raise InputError(
                f"not a tier of the program ({', '.join(self.tiers)})", line=line, column="tier"
            )
        review_text = row.get("last_review", "")
        review = None
        if review_text:
            review = parse_date(review_text, line=line, column="last_review")
        refused: InputError | None = None
        try:
            summary = ActivitySummary(
                customer_id=customer,
                start=self.start,
                end=self.run,
                visits=visits,
                spend=spend,
                # The summary needs both or neither; without the column, first
                # visits are unknown and the single-visit scan does not run.
                first_visit=first or last,
                last_visit=last,
            )
        except ValidationError as error:
            refused = InputError(error.violations[0].message, line=line, column=error.field or None)
        if refused is not None:  # raised outside the handler, as the other cell errors
            raise refused
        record = _Row(line, tier, review)
        if "baseline_visits" in self.columns:
            record.baseline = (
                whole(
                    row["baseline_visits"],
                    line=line,
                    column="baseline_visits",
                    minimum=0,
                    default=0,
                ),
                self._minor(row.get("baseline_spend", ""), line, "baseline_spend"),
            )
            record.recent = (
                whole(
                    row["recent_visits"], line=line, column="recent_visits", minimum=0, default=0
                ),
                self._minor(row.get("recent_spend", ""), line, "recent_spend"),
            )
        self.summaries[customer] = summary
        self.rows[customer] = record
        self.first_visit_us[customer] = None if first is None else _epoch_us(first)


def _epoch_us(value: datetime) -> int:
    from clubrules._time import to_epoch_us  # noqa: PLC0415

    return to_epoch_us(value)


_FIRST_AS_OF = date(2, 1, 1)
_LAST_AS_OF = date(9998, 12, 31)
"""The range of --as-of: its window, a year back, and its next review stay within years 1-9999."""


def _as_of(args: argparse.Namespace, zone: tzinfo) -> date:
    if args.as_of is None:
        return datetime.now(zone).date()
    refused: str | None = None
    try:
        day = parse_date(args.as_of)
    except InputError as error:  # raised below, outside the handler: no context to carry
        refused = error.message
    if refused is not None:
        raise InputError(f"--as-of: {refused}")
    if not _FIRST_AS_OF <= day <= _LAST_AS_OF:
        raise InputError(f"--as-of: must be a date from {_FIRST_AS_OF} to {_LAST_AS_OF}")
    return day


def _run_tier(args: argparse.Namespace) -> int:
    from clubrules._time import zone as to_zone  # noqa: PLC0415 - keeps --help fast
    from clubrules.money import Money  # noqa: PLC0415

    path: Path = args.file
    problem = open_check(path)
    if problem is not None:
        return fail(args, EXIT_USAGE, problem)
    try:
        zone = to_zone(args.tz, "--tz")
        Money.zero(args.currency)
        day = _as_of(args, zone)
    except InputError as error:
        return fail(args, EXIT_USAGE, error.render())
    except ValidationError as error:
        message = str(error).replace("currency:", "--currency:")
        return fail(args, EXIT_USAGE, message, type(error).__name__)
    run = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    program = default_program(zone)
    reader = _Reader(zone, run, args.currency, program)
    try:
        feed_rows(args, path, reader.add, REQUIRED, OPTIONAL)
    except (InputError, OSError) as error:
        return bad_file(args, path, error)
    _report(args, path, day, reader, program)
    return EXIT_OK


def _warnings(reader: _Reader, ids: Sequence[str]) -> dict[str, list[ChurnWarning]]:
    from clubrules.care import (  # noqa: PLC0415
        ChurnRule,
        SingleVisitRule,
        scan_churn_columns,
        scan_single_visits,
    )

    found: list[ChurnWarning] = []
    if "baseline_visits" in reader.columns:
        rows = [reader.rows[c] for c in ids]
        spend = "baseline_spend" in reader.columns
        found += scan_churn_columns(
            ChurnRule(),
            as_of=reader.run,
            customer_ids=ids,
            first_visit_us=[reader.first_visit_us[c] for c in ids],
            baseline_visits=[r.baseline[0] for r in rows],
            recent_visits=[r.recent[0] for r in rows],
            baseline_spend=[r.baseline[1] for r in rows] if spend else None,
            recent_spend=[r.recent[1] for r in rows] if spend else None,
        )
    if "first_visit" in reader.columns:
        found += scan_single_visits(
            SingleVisitRule(),
            (reader.summaries[c] for c in ids),
            as_of=reader.run,
            zone=reader.zone,
        )
    by_customer: dict[str, list[ChurnWarning]] = {}
    for warning in found:
        by_customer.setdefault(warning.customer_id, []).append(warning)
    return by_customer


def _report(
    args: argparse.Namespace, path: Path, day: date, reader: _Reader, program: TierProgram
) -> None:
    from clubrules.tiering import (  # noqa: PLC0415
        SegmentScheme,
        TierChange,
        TierStatus,
        rfm_scores,
    )

    ids = sorted(reader.summaries)
    summaries = [reader.summaries[c] for c in ids]
    scores = rfm_scores(summaries, as_of=reader.run, segments=SegmentScheme())
    run_day = reader.run.date()
    previous = program.reviews.latest_on_or_before(run_day - timedelta(days=1))
    since = datetime.combine(_SINCE, time(0), tzinfo=reader.zone)
    decisions: list[TierDecision] = []
    for summary in summaries:
        row = reader.rows[summary.customer_id]
        status = TierStatus(
            customer_id=summary.customer_id,
            tier=row.tier,
            since=since,
            last_review=row.review or previous,
        )
        decisions.append(program.decide(status, program.value_of(summary), as_of=reader.run))
    warnings = _warnings(reader, ids)
    review = program.reviews.latest_on_or_before(run_day)
    review_due = review > previous
    changes = sum(d.change is not TierChange.KEEP for d in decisions)
    if args.json:
        customers = [
            {
                "customer_id": s.customer_id,
                "line": reader.rows[s.customer_id].line,
                "recency_days": score.recency_days,
                "visits": s.visits,
                "spend": _amount_text(s.spend.amount),
                "rfm": {"r": score.r, "f": score.f, "m": score.m, "code": score.code},
                "segment": score.segment,
                "tier": {
                    "previous": d.previous,
                    "tier": d.tier,
                    "change": d.change.value,
                    "reason": d.reason.value,
                    "message": d.message,
                    "review": None if d.review is None else d.review.isoformat(),
                    "next_review": d.next_review.isoformat(),
                    "to_keep": str(d.to_keep),
                    "next_tier": d.next_tier,
                    "to_reach_next": None if d.to_reach_next is None else str(d.to_reach_next),
                },
                "churn": [_warning_json(w) for w in warnings.get(s.customer_id, [])],
            }
            for s, score, d in zip(summaries, scores, decisions, strict=True)
        ]
        write(
            json.dumps(
                {
                    "file": str(path),
                    "as_of": day.isoformat(),
                    "run_at": reader.run.isoformat(),
                    "zone": args.tz,
                    "currency": reader.currency,
                    "program": {
                        "metric": "spend",
                        "window_days": WINDOW_DAYS,
                        "tiers": [
                            {"name": n, "qualify": str(q), "retain": str(r)} for n, q, r in TIERS
                        ],
                        "review_due": review.isoformat() if review_due else None,
                    },
                    "tier_changes": changes,
                    "churn_warnings": sum(len(w) for w in warnings.values()),
                    "customers": customers,
                },
                ensure_ascii=False,
            )
        )
        return
    if review_due:
        when = message("cli.tier.review", review=review)
    else:
        when = message("cli.tier.no_review", next=program.reviews.next_after(run_day))
    write(
        message(
            "cli.tier.head",
            path=path,
            customers=counted("cli.tier.customers", len(ids)),
            days=timedelta(days=WINDOW_DAYS),
            day=day,
            zone=args.tz,
            currency=reader.currency,
        )
    )
    write(message("cli.tier.program", days=WINDOW_DAYS, when=when))
    write("")
    table = [tuple(message("cli.tier.columns").split("|"))]
    for s, score, d in zip(summaries, scores, decisions, strict=True):
        tier = d.tier
        if d.change is not TierChange.KEEP:
            reason = message(f"tiering.reason.{d.reason.value}")
            tier = f"{d.tier} <- {d.previous} ({reason})"
        table.append(
            (
                s.customer_id,
                "-" if score.recency_days is None else str(score.recency_days),
                str(s.visits),
                _amount_text(s.spend.amount),
                score.code,
                _segment(score.segment),
                tier,
            )
        )
    write_table(table, right=frozenset({1, 2, 3}))
    count = sum(len(w) for w in warnings.values())
    write("")
    changed = message("cli.tier.change" if changes == 1 else "cli.tier.changes", count=changes)
    warned = message("cli.tier.warning" if count == 1 else "cli.tier.warnings", count=count)
    write(f"{changed}{message('cli.sep')}{warned}")
    if count:
        write("")
        rows = [tuple(message("cli.tier.warning_columns").split("|"))]
        rows.extend(
            (
                customer,
                message(f"care.severity.{w.severity.value}"),
                message(f"care.action.{w.action.value}"),
                w.message,
            )
            for customer in ids
            for w in warnings.get(customer, [])
        )
        write_table(rows)


def _segment(name: str | None) -> str:
    """A segment's name in the locale in force (a custom name as it is)."""
    if name is None:
        return "-"
    key = f"tiering.segment.{name}"
    return message(key) if key in catalogue() else name


def _amount_text(amount: Decimal) -> str:
    """An amount as it is echoed: at least two decimal places, no trailing zeros beyond.

    `1280.5` is shown as `1280.50`, `7` as `7.00`, `12.000000` as `12.00`;
    `12.345` keeps its three places, so that nothing is rounded away.
    """
    from decimal import Decimal  # noqa: PLC0415

    # In the library's own context, whatever the caller's (`main` may run in its process).
    exponent = amount.normalize(DECIMALS).as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -2:
        return format(amount.quantize(Decimal("0.01"), context=DECIMALS), "f")
    return format(amount.normalize(DECIMALS), "f")


def _warning_json(warning: ChurnWarning) -> dict[str, object]:
    return {
        "rule": warning.rule,
        "severity": warning.severity.value,
        "action": warning.action.value,
        "visit_drop": None if warning.visit_drop is None else str(warning.visit_drop),
        "spend_drop": None if warning.spend_drop is None else str(warning.spend_drop),
        "baseline_visits": warning.baseline_visits,
        "recent_visits": warning.recent_visits,
        "message": warning.message,
    }
