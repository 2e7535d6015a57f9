"""Per-activity figures: invited, signed up, attended, satisfaction, and spend afterwards."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from collections.abc import Iterable, Sequence  # noqa: TC003
from datetime import datetime, tzinfo  # noqa: TC003
from decimal import ROUND_HALF_EVEN, Decimal

import attrs

from clubrules._checks import (
    DECIMALS,
    EXACT_DECIMALS,
    require_flag,
    require_instance,
    require_items,
    require_zone,
)
from clubrules._time import require_aware, shift_days, to_epoch_us
from clubrules.activities._invitations import Invitation
from clubrules.activities._model import Activity, Candidate
from clubrules.activities._roster import SEAT_STATUSES, SignUp, SignUpStatus
from clubrules.care import Questionnaire, SurveyResponse, SurveyStats, aggregate_surveys
from clubrules.customers import ConsumptionRecord, spend_by_customer
from clubrules.errors import ValidationError
from clubrules.money import Money

__all__ = ["ActivityFigures", "SpendComparison", "activity_figures"]

_CENT = Decimal("0.01")


@attrs.frozen(kw_only=True)
class SpendComparison:
    """Spend in the days after an activity: the invited against a comparable group.

    The comparable group is the customers the activity's audience rule
    admits who were not invited (no consent, or left out): the same rule,
    no invitation. Each group's figure is its mean net spend per customer
    (purchases minus refunds, redemptions left out, as `spend_by_customer`
    counts it), customers without any spend counting as zero.

    Attributes:
        days: The window's length: `[activity end, end + days)`.
        complete: Whether the window had ended at `as_of` (if not, the
            figures are so far).
        invited: How many customers were invited.
        invited_mean: Their mean net spend per customer.
        comparison: How many customers are in the comparable group.
        comparison_mean: Their mean net spend per customer (None if none).
        difference: `invited_mean - comparison_mean` (None without a comparable group).
    """

    days: int
    complete: bool
    invited: int
    invited_mean: Money
    comparison: int
    comparison_mean: Money | None
    difference: Money | None

    def __attrs_post_init__(self) -> None:
        require_flag(self.complete, "complete")


@attrs.frozen(kw_only=True)
class ActivityFigures:
    """What an activity achieved.

    Attributes:
        activity_id: The activity.
        invited: Invitations recorded.
        signed_up: Sign-ups holding a seat (confirmed, attended or no-show).
        invited_signed_up: Of those, how many had been invited.
        waitlisted: Still on the waitlist.
        cancelled: Cancelled sign-ups.
        attended: Came.
        no_shows: Held a seat and did not come.
        attendance_rate: `attended / signed_up` as a percentage with two
            places (None with no sign-up).
        satisfaction: Survey results from the attendees' responses after the
            start (None without a questionnaire or any response).
        spend: One comparison per window asked for (30 and 90 days by default).
    """

    activity_id: str
    invited: int
    signed_up: int
    invited_signed_up: int
    waitlisted: int
    cancelled: int
    attended: int
    no_shows: int
    attendance_rate: Decimal | None
    satisfaction: SurveyStats | None
    spend: tuple[SpendComparison, ...]


def _mean(total: Decimal, count: int, currency: str) -> Money:
    # In the library's own contexts: the thread's decimal context never rounds a mean.
    value = (
        DECIMALS.divide(total, count).quantize(_CENT, ROUND_HALF_EVEN, DECIMALS)
        if count
        else Decimal(0)
    )
    return Money(value, currency)


def activity_figures(
    activity: Activity,
    *,
    invitations: Iterable[Invitation],
    sign_ups: Iterable[SignUp],
    candidates: Iterable[Candidate],
    records: Iterable[ConsumptionRecord],
    as_of: datetime,
    zone: tzinfo,
    questionnaire: Questionnaire | None = None,
    responses: Iterable[SurveyResponse] = (),
    survey_days: int = 14,
    windows: Sequence[int] = (30, 90),
    currency: str = "CNY",
) -> ActivityFigures:
    """Count an activity's invitations, sign-ups and attendance, and compare spend afterwards.

    Args:
        activity: The activity.
        invitations: Its invitations (from the activity store).
        sign_ups: Its roster (from the activity store).
        candidates: The customers its audience was chosen from: those the
            audience admits and were not invited form the comparable group.
        records: Consumption records covering the windows after the activity.
        as_of: When the figures are taken (aware): windows not yet over are
            marked incomplete.
        zone: The club's zone, for the survey's period key.
        questionnaire: The questionnaire whose responses rate the activity.
        responses: Survey responses; only the attendees' responses dated
            from the start to `survey_days` after the end count.
        survey_days: How long after the end a response still rates the activity.
        windows: Spend windows in days after the end.
        currency: The currency spend is counted in.

    Returns:
        The figures.

    Raises:
        NaiveDatetimeError: `as_of` is naive.
        ValidationError: `responses` that are not `SurveyResponse`s, a
            `zone` that is not a tzinfo or a `questionnaire` that is not a
            `Questionnaire` (each checked even without a questionnaire, or
            without responses); a window or `survey_days` that is not a positive int,
            or one that runs past year 9999 (rule `out_of_range`; `survey_days`
            is checked even without a questionnaire).
        InvalidMoneyError: a counted record is in another currency.
    """
    require_instance(activity, Activity, "activity")
    invitations = require_items(invitations, Invitation, "invitations")
    sign_ups = require_items(sign_ups, SignUp, "sign_ups")
    candidates = require_items(candidates, Candidate, "candidates")
    records = require_items(records, ConsumptionRecord, "records")
    # Checked whether or not a questionnaire is given, as `survey_days` below.
    responses = require_items(responses, SurveyResponse, "responses")
    require_zone(zone, "zone")
    if questionnaire is not None:
        require_instance(questionnaire, Questionnaire, "questionnaire")
    as_of_us = to_epoch_us(require_aware(as_of, "as_of"))
    checked: list[tuple[str, object]] = [("survey_days", survey_days)]
    checked += [("windows", w) for w in require_items(windows, object, "windows")]
    for name, value in checked:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError("must be a positive int of days", field=name, rule="range")
    # Checked whether or not a questionnaire is given: a survey period past year 9999 is
    # as wrong without one, and would fail only once one is added.
    survey_end = shift_days(activity.end, survey_days, "survey_days")
    invited_ids = {i.customer_id for i in invitations if i.activity_id == activity.id}
    roster = [s for s in sign_ups if s.activity_id == activity.id]
    seated = [s for s in roster if s.status in SEAT_STATUSES]
    attended = [s for s in roster if s.status is SignUpStatus.ATTENDED]
    rate = (
        DECIMALS.divide(Decimal(100 * len(attended)), Decimal(len(seated))).quantize(
            _CENT, ROUND_HALF_EVEN, DECIMALS
        )
        if seated
        else None
    )
    satisfaction = None
    if questionnaire is not None:
        came = {s.customer_id for s in attended}
        lo = to_epoch_us(activity.start)
        hi = to_epoch_us(survey_end)
        chosen = [
            r
            for r in responses
            if r.questionnaire_id == questionnaire.id
            and r.customer_id in came
            and lo <= to_epoch_us(r.at) < hi
        ]
        if chosen:
            stats = aggregate_surveys(questionnaire, chosen, zone=zone, by=())
            satisfaction = next(iter(stats.values()), None)
    admitted = {c.customer_id for c in activity.audience.select(candidates)}
    comparison_ids = admitted - invited_ids
    kept = list(records)
    spend: list[SpendComparison] = []
    for days in windows:
        end = shift_days(activity.end, days, "windows")
        by_customer = spend_by_customer(kept, start=activity.end, end=end, currency=currency)

        def total(ids: set[str], spent: dict[str, Money] = by_customer) -> Decimal:
            add = EXACT_DECIMALS.add
            sum_ = Decimal(0)
            for c in ids:
                if c in spent:
                    sum_ = add(sum_, spent[c].amount)
            return sum_

        invited_mean = _mean(total(invited_ids), len(invited_ids), currency)
        comparison_mean = (
            _mean(total(comparison_ids), len(comparison_ids), currency) if comparison_ids else None
        )
        spend.append(
            SpendComparison(
                days=days,
                complete=to_epoch_us(end) <= as_of_us,
                invited=len(invited_ids),
                invited_mean=invited_mean,
                comparison=len(comparison_ids),
                comparison_mean=comparison_mean,
                difference=None
                if comparison_mean is None
                else Money(
                    EXACT_DECIMALS.subtract(invited_mean.amount, comparison_mean.amount), currency
                ),
            )
        )
    return ActivityFigures(
        activity_id=activity.id,
        invited=len(invited_ids),
        signed_up=len(seated),
        invited_signed_up=sum(s.customer_id in invited_ids for s in seated),
        waitlisted=sum(s.status is SignUpStatus.WAITLISTED for s in roster),
        cancelled=sum(s.status is SignUpStatus.CANCELLED for s in roster),
        attended=len(attended),
        no_shows=sum(s.status is SignUpStatus.NO_SHOW for s in roster),
        attendance_rate=rate,
        satisfaction=satisfaction,
        spend=tuple(spend),
    )
