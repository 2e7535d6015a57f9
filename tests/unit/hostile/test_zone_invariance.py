"""The zone an instant is written in changes no answer: every public callable, every instant.

The house rule is to compare and subtract instants, never wall times:
Python compares two aware datetimes that share a tzinfo by their wall
fields, `fold` ignored, and `datetime + timedelta` moves the wall clock. A
rule that breaks it answers differently for one instant written in New York
and in UTC, or misorders the two instants of a repeated hour.

For every public callable of the walk whose valid sample call holds an
aware datetime (in an argument, inside a value it takes, or in the value a
method runs on), the same call runs again with every instant written in
other zones, then with all its instants moved together so that one lands on
a DST edge (each pass of a repeated hour, the last microsecond before a
change) and written in that edge's zone. The results, with datetimes taken
as epoch microseconds, must agree; or both runs raise the same error type,
field and rule. A hypothesis variant moves the calls of the time-heavy
rules onto random instants around the DST changes of 2026-2027.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clubrules._time import from_epoch_us, to_epoch_us

from ._walk import Call, NoSampleError, targets, valid_call
from ._zones import (
    DST_ZONES,
    EDGES,
    ZONES,
    Remap,
    as_skipped,
    call_holds_instant,
    call_instants,
    club_in,
    outcome,
    rewrite,
    spring_gaps,
    squeeze,
    transitions,
)

if TYPE_CHECKING:
    from datetime import datetime

_C = "clubrules."

# Callables whose documented meaning depends on the zone the caller writes an
# instant in (no club zone is passed): name -> why.
EXEMPT: dict[str, str] = {
    f"{_C}booking.Recurrence.starts": (
        "without a zone of its own, a recurrence keeps the wall time of `first` in first's zone"
    ),
    f"{_C}complaints.Alert.describe": "shows its instants as wall times in the zone they carry",
    f"{_C}privacy.render_leak_notice": (
        "shows the detection time as a wall time with its offset, in the zone the incident carries"
    ),
    f"{_C}staff.DismissalReview.summary": (
        "shows the improve-by date as the warning record's own zone reads it"
    ),
}

# Arguments whose zone is part of their meaning: they are neither moved nor
# written in another zone. (callable, argument) -> why.
KEPT: dict[tuple[str, str], str] = {
    (f"{_C}staff.assess", "period"): (
        "a monthly cycle runs from local midnights in the zone its bounds carry"
    ),
}


def _instant_calls() -> dict[str, Call]:
    found: dict[str, Call] = {}
    for target in targets():
        try:
            call = valid_call(target)
        except NoSampleError:
            continue  # test_hostile_inputs.py fails for it
        if call_holds_instant(call):
            found[target.name] = call
    return found


CALLS = _instant_calls()
CHECKED = sorted(set(CALLS) - set(EXEMPT))


def _kept(name: str) -> frozenset[str]:
    return frozenset(param for (callable_name, param) in KEPT if callable_name == name)


def _as_given(value: datetime) -> datetime:
    return value


def _run(name: str, delta_us: int, tz: Any, club: str | None = None) -> Any:
    """The call moved by `delta_us` and written in `tz`; kept arguments stay as they are.

    With `club`, the samples' club moves from Asia/Shanghai to that zone,
    with a calendar that knows the holidays of 2020-2030.
    """
    return _run_remapped(name, rewrite(delta_us, tz), club)


def _run_remapped(name: str, f: Remap, club: str | None = None) -> Any:
    return outcome(
        CALLS[name],
        f,
        keep=_as_given,
        kept=_kept(name),
        swap=None if club is None else club_in(club),
    )


def test_the_check_covers_the_instant_taking_callables() -> None:
    # A walk that found fewer would prove less; the exemptions must still name one.
    assert len(CALLS) > 150
    for area in ("activities", "booking", "calendar", "care", "complaints", "customers",
                 "privacy", "staff", "tiering", "training"):  # fmt: skip
        assert any(name.startswith(f"{_C}{area}.") for name in CALLS), area
    stale = sorted(set(EXEMPT) - set(CALLS)) + sorted({n for n, _ in KEPT} - set(CALLS))
    assert not stale, f"exemptions that name no instant-taking callable: {stale}"


def test_the_edges_are_where_the_clocks_change() -> None:
    for label, edge_us, home in EDGES:
        changes = transitions(home)
        assert any(abs(edge_us - change) <= 3_600_000_000 for change in changes), label


@pytest.mark.parametrize("name", CHECKED)
def test_the_same_instants_in_other_zones_give_the_same_answer(name: str) -> None:
    expected = _run(name, 0, None)
    assert outcome(CALLS[name]) == expected, "the call does not give one answer"
    differ = [zone for zone, tz in ZONES.items() if _run(name, 0, tz) != expected]
    assert not differ, f"{name}: another answer with its instants written in {differ}"


@pytest.mark.parametrize("name", CHECKED)
def test_instants_moved_onto_dst_edges_give_the_same_answer_in_every_zone(name: str) -> None:
    anchor = call_instants(CALLS[name])[0]
    differ = [
        f"{label} in {zone}"
        for label, edge_us, home in EDGES
        for zone in (home, "Asia/Shanghai", "+23:59", "-23:59")
        if _run(name, edge_us - anchor, ZONES[zone]) != _run(name, edge_us - anchor, ZONES["UTC"])
    ]
    assert not differ, f"{name}: another answer at {differ}"


_GAPS = [(zone, change, gap) for zone in DST_ZONES for change, gap in spring_gaps(zone)]


def test_the_gaps_skip_wall_times() -> None:
    assert len(_GAPS) == len(DST_ZONES)
    for zone, change, gap in _GAPS:
        spelled = as_skipped(rewrite(0, ZONES[zone]), ZONES[zone], gap)(from_epoch_us(change + 1))
        assert to_epoch_us(spelled) == change + 1
        assert spelled.replace(tzinfo=None) != from_epoch_us(change + 1, ZONES[zone]).replace(
            tzinfo=None
        ), zone


@pytest.mark.parametrize("name", CHECKED)
def test_instants_written_as_skipped_wall_times_give_the_same_answer(name: str) -> None:
    # Every instant moved near a spring-forward change (thirty days apart
    # become thirty minutes apart) and, where it has one, written as the wall
    # time the clocks skip that names it, in the change's zone; the club runs
    # there too. A rule that takes `astimezone(zone)` of such a value for its
    # local date or hour reads the skipped wall time, not the instant's.
    anchor = call_instants(CALLS[name])[0]
    differ = []
    for zone, change, gap in _GAPS:
        for at in (change + gap // 2, change - gap // 2):
            plain = squeeze(anchor, at, 1440, ZONES[zone])
            expected = _run_remapped(name, plain, zone)
            if _run_remapped(name, as_skipped(plain, ZONES[zone], gap), zone) != expected:
                differ.append(f"{zone} at {from_epoch_us(at).isoformat()}")
    assert not differ, f"{name}: another answer with skipped wall times, {differ}"


# --- random instants around the DST changes of 2026-2027 -------------------------------

# The rules that do the most arithmetic on time.
TIME_HEAVY = (
    "booking.BookingRules.alternatives",
    "booking.BookingRules.book",
    "booking.BookingRules.check",
    "booking.BookingRules.check_series",
    "booking.BookingRules.reschedule",
    "booking.Booking.blocks_at",
    "booking.Booking.cancel",
    "booking.Booking.check_in",
    "booking.Booking.reschedule",
    "booking.ReminderPolicy.quiet_period",
    "booking.Schedule.is_free",
    "booking.Schedule.overlapping",
    "booking.check_series",
    "booking.find_alternatives",
    "booking.find_conflicts",
    "booking.reminder_time",
    "calendar.BusinessCalendar.add_business_days",
    "calendar.BusinessCalendar.add_business_time",
    "calendar.BusinessCalendar.business_time_between",
    "calendar.BusinessCalendar.next_closing",
    "calendar.BusinessCalendar.next_opening",
    "calendar.BusinessCalendar.open_intervals",
    "care.ChurnRule.windows",
    "care.assign_tasks",
    "care.follow_up_tasks",
    "care.plan_care",
    "care.scan_churn",
    "care.scan_single_visits",
    "complaints.analyse",
    "complaints.apply",
    "complaints.case_facts",
    "complaints.check_alerts",
    "complaints.register",
    "complaints.sla_status",
    "privacy.ConsentRecord.is_active",
    "privacy.ConsentRecord.withdraw",
    "privacy.active_consent",
    "privacy.deletion_schedule",
    "staff.AssessmentPeriod.ad_hoc",
    "staff.assess",
    "staff.decide_outcome",
    "staff.team_report",
    "tiering.QualificationWindow.window",
    "tiering.TierProgram.decide",
    "tiering.days_since_last_visit",
    "tiering.rfm_scores",
    "tiering.summarize_activity",
    "training.compliance_report",
    "training.spend_against_budget",
    "activities.activity_figures",
    "activities.plan_invitations",
    "activities.Roster.sign_up",
    "testing.ManualClock.advance",
)

_CHANGES = [(zone, us) for zone in DST_ZONES for us in transitions(zone)]
_HOUR_US = 3_600_000_000


@st.composite
def _near_a_change(draw: st.DrawFn) -> tuple[str, int]:
    """A DST zone, and an instant within three hours (often minutes) of one of its changes."""
    zone, change = draw(st.sampled_from(_CHANGES))
    minutes = draw(st.one_of(st.integers(-180, 180), st.integers(-3, 3)))
    nudge = draw(st.sampled_from((0, 0, 0, -1, 1)))
    return zone, change + minutes * 60_000_000 + nudge


def test_the_time_heavy_rules_are_all_checked() -> None:
    missing = sorted({f"{_C}{n}" for n in TIME_HEAVY} - set(CHECKED))
    assert not missing, missing


@pytest.mark.parametrize("name", [f"{_C}{n}" for n in TIME_HEAVY])
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    near=_near_a_change(),
    other=st.sampled_from(sorted(ZONES)),
    which=st.integers(0, 50),
    factor=st.sampled_from((1, 1, 24, 1440, 43_200)),
)
def test_random_instants_around_dst_changes_give_the_same_answer_in_every_zone(
    name: str, near: tuple[str, int], other: str, which: int, factor: int
) -> None:
    # One of the call's instants lands near a change; the others keep their
    # order, `factor` times closer to it (so that two may share the repeated
    # hour); the club runs in Asia/Shanghai, then in the zone of the change.
    home, instant = near
    found = call_instants(CALLS[name])
    anchor = found[which % len(found)]
    for club in ("Asia/Shanghai", home):
        expected = _run_remapped(name, squeeze(anchor, instant, factor, ZONES["UTC"]), club)
        for zone in (home, other):
            got = _run_remapped(name, squeeze(anchor, instant, factor, ZONES[zone]), club)
            assert got == expected, (
                f"{name}: another answer written in {zone} (club in {club}), its instant "
                f"#{which % len(found)} moved to {from_epoch_us(instant).isoformat()}, "
                f"the others {factor} times closer"
            )
