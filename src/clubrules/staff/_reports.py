"""Team reports: score distributions and bands per period, trends per person, weak criteria."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Sequence  # noqa: TC003
from decimal import Decimal

import attrs

from clubrules._checks import require_instance, require_items
from clubrules._time import to_epoch_us
from clubrules.staff._bands import DEFAULT_BANDS, BandScheme
from clubrules.staff._inputs import AssessmentKind
from clubrules.staff._numbers import exact_sub, exact_sum, round_ratio
from clubrules.staff._scoring import ScoreSheet

__all__ = ["CriterionDrag", "PeriodSummary", "TeamReport", "Trend", "team_report"]

_TWO = Decimal(2)


@attrs.frozen(kw_only=True)
class PeriodSummary:
    """The distribution of scores and bands in one period.

    Attributes:
        label: The period's label, such as `"2026-03"`.
        count: How many sheets.
        mean: The mean total, rounded half up to 0.01.
        median: The median total (the mean of the middle two for an even
            count, rounded half up to 0.01).
        lowest: The lowest total.
        highest: The highest total.
        bands: `(band name, count)` for every band of the scheme, from the
            top band down, including bands with no one in them.
    """

    label: str
    count: int
    mean: Decimal
    median: Decimal
    lowest: Decimal
    highest: Decimal
    bands: tuple[tuple[str, int], ...]


@attrs.frozen(kw_only=True)
class Trend:
    """One person's totals over the periods, oldest first.

    Attributes:
        staff_id: Who.
        totals: `(period label, total)` pairs, in period order.
        change: The last total minus the first (None with one period).
    """

    staff_id: str
    totals: tuple[tuple[str, Decimal], ...]
    change: Decimal | None


@attrs.frozen(kw_only=True)
class CriterionDrag:
    """How much one criterion or sub-item pulls scores down.

    Attributes:
        criterion: The criterion's key.
        item: The sub-item's key, or None for the criterion as a whole.
        name: Its name.
        mean_lost: The mean points short of its maximum on the sheets
            where it was scored (rounded half up to 0.01).
        sheets: On how many sheets it was scored (excluded items are not
            counted).
    """

    criterion: str
    item: str | None
    name: str
    mean_lost: Decimal
    sheets: int


@attrs.frozen(kw_only=True)
class TeamReport:
    """A team's assessments at a glance.

    Attributes:
        periods: One [PeriodSummary][clubrules.staff.PeriodSummary] per
            period, oldest first.
        trends: One [Trend][clubrules.staff.Trend] per person, by staff id.
        criteria: Criteria by the points they cost, the largest first.
        items: Sub-items by the points they cost, the largest first.
    """

    periods: tuple[PeriodSummary, ...]
    trends: tuple[Trend, ...]
    criteria: tuple[CriterionDrag, ...]
    items: tuple[CriterionDrag, ...]


def _median(totals: Sequence[Decimal]) -> Decimal:
    ordered = sorted(totals)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return round_ratio(exact_sum(ordered[middle - 1 : middle + 1]), _TWO)


def team_report(
    sheets: Iterable[ScoreSheet],
    *,
    bands: BandScheme = DEFAULT_BANDS,
    kind: AssessmentKind | None = AssessmentKind.PERIODIC,
) -> TeamReport:
    """Summarise score sheets: per period, per person, and per criterion.

    Args:
        sheets: Score sheets of any people and periods.
        bands: The band scheme whose band names to count (the sheets' own
            `band` is counted; bands not in the scheme are counted too).
        kind: Only sheets of this kind (periodic by default); None for all.

    Returns:
        The [TeamReport][clubrules.staff.TeamReport].

    Examples:
        >>> team_report([]).periods
        ()
    """
    sheets = require_items(sheets, ScoreSheet, "sheets")
    require_instance(bands, BandScheme, "bands")
    chosen = sorted(
        (s for s in sheets if kind is None or s.kind is kind),
        key=lambda s: (to_epoch_us(s.period.start), to_epoch_us(s.period.end), s.id),
    )
    by_period: dict[str, list[ScoreSheet]] = {}
    by_person: dict[str, list[ScoreSheet]] = {}
    for sheet in chosen:
        by_period.setdefault(sheet.period.label, []).append(sheet)
        by_person.setdefault(sheet.staff_id, []).append(sheet)
    order = [b.name for b in reversed(bands.bands)]
    periods = []
    for label, group in by_period.items():
        totals = [s.total for s in group]
        counts = dict.fromkeys(order, 0)
        for s in group:
            counts[s.band] = counts.get(s.band, 0) + 1
        periods.append(
            PeriodSummary(
                label=label,
                count=len(group),
                mean=round_ratio(exact_sum(totals), Decimal(len(totals))),
                median=_median(totals),
                lowest=min(totals),
                highest=max(totals),
                bands=tuple(counts.items()),
            )
        )
    trends = tuple(
        Trend(
            staff_id=staff_id,
            totals=tuple((s.period.label, s.total) for s in group),
            change=exact_sub(group[-1].total, group[0].total) if len(group) > 1 else None,
        )
        for staff_id, group in sorted(by_person.items())
    )
    return TeamReport(
        periods=tuple(periods),
        trends=trends,
        criteria=_drags(chosen, per_item=False),
        items=_drags(chosen, per_item=True),
    )


def _drags(sheets: Sequence[ScoreSheet], *, per_item: bool) -> tuple[CriterionDrag, ...]:
    lost: dict[tuple[str, str | None], list[Decimal]] = {}
    names: dict[tuple[str, str | None], str] = {}
    for sheet in sheets:
        if per_item:
            for line in sheet.lines:
                if line.excluded:
                    continue
                key: tuple[str, str | None] = (line.criterion, line.item)
                names[key] = line.name
                lost.setdefault(key, []).append(exact_sub(line.effective_max, line.points))
        else:
            for criterion in sheet.criteria:
                if not criterion.effective_max:
                    continue
                key = (criterion.key, None)
                names[key] = criterion.name
                lost.setdefault(key, []).append(
                    exact_sub(criterion.effective_max, criterion.points)
                )
    drags = [
        CriterionDrag(
            criterion=key[0],
            item=key[1],
            name=names[key],
            mean_lost=round_ratio(exact_sum(values), Decimal(len(values))),
            sheets=len(values),
        )
        for key, values in lost.items()
    ]
    drags.sort(key=lambda d: (d.mean_lost.copy_negate(), d.criterion, d.item or ""))
    return tuple(drags)
