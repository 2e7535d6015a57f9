"""Outcomes of a score sheet: rewards, warnings with deadlines, and dismissal reviews due."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable  # noqa: TC003
from decimal import Decimal  # noqa: TC003

import attrs

from clubrules._checks import require_flag, require_instance, require_port, shown
from clubrules._time import shift_days, to_epoch_us
from clubrules.errors import NotFoundError, ValidationError
from clubrules.staff._bands import BandOutcome
from clubrules.staff._inputs import AssessmentKind
from clubrules.staff._rubric import MissingCycle, Rubric
from clubrules.staff._scoring import ScoreSheet
from clubrules.staff._warnings import WarningRecord
from clubrules.staff.ports import AssessmentRepository  # noqa: TC001
from clubrules.words import message

__all__ = [
    "DismissalReview",
    "Outcome",
    "RewardRecommendation",
    "decide_outcome",
    "record_assessment",
]


@attrs.frozen(kw_only=True)
class RewardRecommendation:
    """An excellent score: a recommendation to reward (表彰和奖励), for a person to act on.

    Attributes:
        staff_id: Who is recommended.
        sheet_id: The score sheet behind it.
        total: The score.
        band: The band's name.
    """

    staff_id: str
    sheet_id: str
    total: Decimal
    band: str


@attrs.frozen(kw_only=True)
class DismissalReview:
    """A flag that a dismissal review is due, with its evidence. Never a decision.

    Raised by a second consecutive failed cycle. A person reviews the
    evidence and decides.

    Attributes:
        staff_id: Who the review is about.
        earlier: The earlier failing score sheet.
        later: The later failing score sheet, which made the review due.
        warning: The warning recorded for `earlier`, or None if none was
            recorded (a gap in the record the reviewer should see).
        missing_cycles: Periodic cycles without an assessment between the
            two sheets (skipped under `MissingCycle.SKIPPED`). Sheets of a
            revised rubric with another `cycle_months` are compared by the
            months their cycles cover, and the gap is counted in `later`'s
            cycles, one only partly in the gap counting as one: a failed
            January (monthly) and a failed third quarter miss February,
            March and the second quarter, two quarterly cycles.
        deadline_passed: Whether the warning's deadline had passed when
            `later` was assessed: True only when `later` was assessed after
            `improve_by` (a sheet assessed exactly at `improve_by` came in
            time, as a target met at its due time is on time); None
            without a warning.
    """

    staff_id: str
    earlier: ScoreSheet
    later: ScoreSheet
    warning: WarningRecord | None
    missing_cycles: int
    deadline_passed: bool | None

    def __attrs_post_init__(self) -> None:
        if self.deadline_passed is not None:
            require_flag(self.deadline_passed, "deadline_passed")

    def summary(self, locale: str | None = None) -> str:
        """One line for a manager: who, which two sheets, and the warning.

        Worded in `locale`, the locale in force by default (see
        [clubrules.words.use_locale][clubrules.words.use_locale]).

        Raises:
            ValidationError: an unknown locale (rule `unknown_locale`).
        """
        warning = (
            message(
                "staff.warning",
                locale=locale,
                id=self.warning.id,
                by=self.warning.improve_by.date().isoformat(),
            )
            if self.warning is not None
            else message("staff.no_warning", locale=locale)
        )
        return message(
            "staff.dismissal_review",
            locale=locale,
            staff=self.staff_id,
            earlier=self.earlier.period.label,
            earlier_total=self.earlier.total,
            later=self.later.period.label,
            later_total=self.later.total,
            warning=warning,
        )


@attrs.frozen(kw_only=True)
class Outcome:
    """What one score sheet brings.

    Attributes:
        sheet: The score sheet.
        reward: A reward recommendation, for an excellent band.
        warning: The warning to record, for a failing band.
        dismissal_review: The review due, for a second consecutive failure.
        in_chain: Whether the sheet counts in the chain of consecutive
            failures (periodic sheets always; ad hoc ones if the rubric says so).
    """

    sheet: ScoreSheet
    reward: RewardRecommendation | None = None
    warning: WarningRecord | None = None
    dismissal_review: DismissalReview | None = None
    in_chain: bool = True

    def __attrs_post_init__(self) -> None:
        require_flag(self.in_chain, "in_chain")


def _chain_key(sheet: ScoreSheet) -> tuple[int, bool, int, str]:
    # Instants, never wall times: two periods in one zone compare by wall time.
    # An ad hoc sheet that ends with a cycle sits before that cycle's periodic
    # sheet, as every ad hoc sheet of the cycle does (see `_missing_cycles`).
    return (
        to_epoch_us(sheet.period.end),
        sheet.kind is AssessmentKind.PERIODIC,
        to_epoch_us(sheet.period.start),
        sheet.id,
    )


def _in_chain(sheet: ScoreSheet, rubric: Rubric) -> bool:
    return sheet.kind is AssessmentKind.PERIODIC or rubric.ad_hoc_in_chain


def decide_outcome(
    sheet: ScoreSheet,
    rubric: Rubric,
    *,
    history: Iterable[ScoreSheet] = (),
    warnings: Iterable[WarningRecord] = (),
) -> Outcome:
    """The outcome of `sheet`: a reward, a warning, and whether a dismissal review is due.

    - A band with outcome `REWARD` brings a
      [RewardRecommendation][clubrules.staff.RewardRecommendation].
    - A band with outcome `WARNING` (a fail) brings a
      [WarningRecord][clubrules.staff.WarningRecord] whose deadline is
      `rubric.improvement_days` days of 24 hours after the instant the
      sheet was assessed, shown in the zone of `assessed_at`.
    - A failing sheet whose predecessor in the chain also failed brings a
      [DismissalReview][clubrules.staff.DismissalReview]. The chain holds
      the staff member's periodic sheets (and ad hoc ones if
      `rubric.ad_hoc_in_chain`), ordered by the end of their periods (an
      ad hoc sheet before a periodic one that ends at the same instant:
      it sits inside the cycle it ends in, before that cycle's periodic
      sheet); the predecessor is the latest one before `sheet` in that order. Any pass in
      the chain between two failures ends the chain. Between two periodic
      sheets, cycles without an assessment follow `rubric.missing_cycle`:
      skipped, or breaking the chain. Sheets are compared by the months
      their cycles cover, so a gap is seen across a revision of the
      rubric's `cycle_months` too (see `DismissalReview.missing_cycles`).

    Args:
        sheet: The new score sheet.
        rubric: The rubric it was scored with (same id and version).
        history: The staff member's earlier score sheets (others' sheets,
            and `sheet` itself, are ignored).
        warnings: The warnings recorded so far (for the review's evidence).

    Returns:
        The [Outcome][clubrules.staff.Outcome].

    Raises:
        ValidationError: `rubric` is not the rubric the sheet names
            (rule `rubric_mismatch`), or a warning's deadline would fall
            after year 9999 (rule `out_of_range`).
    """
    require_instance(sheet, ScoreSheet, "sheet")
    require_instance(rubric, Rubric, "rubric")
    if (rubric.id, rubric.version) != (sheet.rubric_id, sheet.rubric_version):
        raise ValidationError(
            f"the sheet was scored with {sheet.rubric_id} v{sheet.rubric_version}, "
            f"not {rubric.id} v{rubric.version}",
            field="rubric",
            rule="rubric_mismatch",
        )
    reward = None
    warning = None
    if sheet.outcome is BandOutcome.REWARD:
        reward = RewardRecommendation(
            staff_id=sheet.staff_id, sheet_id=sheet.id, total=sheet.total, band=sheet.band
        )
    if sheet.outcome is BandOutcome.WARNING:
        # Days of 24 hours on the instant: the same assessment given in any
        # zone gets the same deadline, whatever DST change lies between.
        improve_by = shift_days(sheet.assessed_at, rubric.improvement_days, "sheet")
        warning = WarningRecord(
            id=f"{sheet.id}:warning",
            staff_id=sheet.staff_id,
            sheet_id=sheet.id,
            issued_at=sheet.assessed_at,
            improve_by=improve_by,
            total=sheet.total,
            band=sheet.band,
        )
    in_chain = _in_chain(sheet, rubric)
    review = None
    if warning is not None and in_chain:
        review = _review(sheet, rubric, history, warnings)
    return Outcome(
        sheet=sheet, reward=reward, warning=warning, dismissal_review=review, in_chain=in_chain
    )


def _review(
    sheet: ScoreSheet,
    rubric: Rubric,
    history: Iterable[ScoreSheet],
    warnings: Iterable[WarningRecord],
) -> DismissalReview | None:
    key = _chain_key(sheet)
    earlier = [
        s
        for s in history
        if s.staff_id == sheet.staff_id
        and s.id != sheet.id
        and _in_chain(s, rubric)
        and _chain_key(s) < key
    ]
    if not earlier:
        return None  # a first assessment (a new hire) never completes a chain
    previous = max(earlier, key=_chain_key)
    if not previous.failed:
        return None
    missing = _missing_cycles(previous, sheet)
    if missing and rubric.missing_cycle is MissingCycle.BREAKS_CHAIN:
        return None
    found = [w for w in warnings if w.sheet_id == previous.id]
    warning = min(found, key=lambda w: (to_epoch_us(w.issued_at), w.id)) if found else None
    return DismissalReview(
        staff_id=sheet.staff_id,
        earlier=previous,
        later=sheet,
        warning=warning,
        missing_cycles=missing,
        deadline_passed=None
        if warning is None
        else to_epoch_us(warning.improve_by) < to_epoch_us(sheet.assessed_at),
    )


def _missing_cycles(earlier: ScoreSheet, later: ScoreSheet) -> int:
    """Periodic cycles that ended between two neighbours in the chain, none of them assessed.

    A periodic sheet is its cycle; an ad hoc sheet sits inside the cycle it
    ends in, before that cycle's own periodic sheet. With the earlier sheet
    the chain predecessor of the later one, every cycle that ended between
    them lacks a periodic sheet (it would be in the chain, between them).
    Unknown cycles (an ad hoc period without one) count no missing cycles.

    The two sheets may number their cycles in different lengths (a rubric
    revised from monthly to quarterly), so the comparison is of the months
    they cover, never of cycle numbers: cycle `c` of `m` months covers the
    months `c * m` to `(c + 1) * m` (counted from year 0, in the club's
    zone). The months from the end of what the earlier sheet accounts for
    to the start of the later sheet's cycle are the gap; it is counted in
    the later sheet's cycles, a cycle only partly in the gap counting as one.
    """
    before, after = earlier.period, later.period
    if before.cycle is None or before.cycle_months is None:
        return 0
    if after.cycle is None or after.cycle_months is None:
        return 0
    passed = 1 if earlier.kind is AssessmentKind.PERIODIC else 0
    gap_start = (before.cycle + passed) * before.cycle_months
    gap_end = after.cycle * after.cycle_months
    if gap_end <= gap_start:
        return 0
    # gap_end starts a later cycle: every later cycle the gap touches, exactly.
    return -(-(gap_end - gap_start) // after.cycle_months)


def record_assessment(repository: AssessmentRepository, sheet: ScoreSheet) -> Outcome:
    """Decide the outcome of `sheet` against the stored history, then store the sheet and warning.

    Reads the rubric the sheet names, the staff member's stored sheets and
    warnings; stores the sheet, then its warning if it failed, so the
    second failure can always show the first one's warning. Storing a sheet
    that is already stored as is changes nothing and gives the same outcome.

    The read and the writes are separate repository calls: record one staff
    member's assessments one at a time (in period order), or a concurrent
    record of the same person may not see the other's sheet.

    Returns:
        The [Outcome][clubrules.staff.Outcome].

    Raises:
        NotFoundError: the repository has no such rubric version.
        DuplicateError: another sheet has this id, or the staff member
            already has a periodic sheet for this cycle.
    """
    require_port(repository, "AssessmentRepository", ("add_sheet", "add_warning"), "repository")
    require_instance(sheet, ScoreSheet, "sheet")
    try:
        rubric = repository.rubric(sheet.rubric_id, sheet.rubric_version)
    except NotFoundError:
        raise NotFoundError("rubric", f"{sheet.rubric_id} v{shown(sheet.rubric_version)}") from None
    history = repository.sheets(sheet.staff_id)
    outcome = decide_outcome(
        sheet, rubric, history=history, warnings=repository.warnings(sheet.staff_id)
    )
    repository.add_sheet(sheet)
    if outcome.warning is not None:
        repository.add_warning(outcome.warning)
    return outcome
