"""Hypothesis strategies for the complaints values: SLA targets, policies and case facts."""

# No `from __future__ import annotations` here: `st.composite` builds each
# strategy's signature in hypothesis's own module, where a name in a string
# annotation would not resolve, so the annotations are evaluated at once.

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from clubrules._time import to_epoch_us
from clubrules.calendar import BusinessCalendar
from clubrules.complaints import (
    SEED_CHANNELS,
    CaseFacts,
    CaseKind,
    CaseState,
    Escalation,
    SlaPolicy,
    SlaTarget,
    TargetKind,
    TimeBasis,
)

__all__ = ["complaint_facts", "sla_policies", "sla_targets"]

_HOUR_US = 3_600_000_000


def sla_targets(
    kind: TargetKind | None = None, *, calendar: BusinessCalendar | None = None
) -> st.SearchStrategy[SlaTarget]:
    """Valid `SlaTarget`s: 1 to 240 hours; business time only when `calendar` is given."""
    kinds = st.just(kind) if kind is not None else st.sampled_from(TargetKind)
    bases = (
        st.sampled_from(list(TimeBasis)) if calendar is not None else st.just(TimeBasis.CALENDAR)
    )
    return st.builds(
        SlaTarget,
        kind=kinds,
        within=st.integers(1, 240).map(lambda h: timedelta(hours=h)),
        basis=bases,
        calendar=st.just(calendar),
        warn_at=st.sampled_from([0.5, 0.75, 0.8, 1.0]),
        escalation=st.none() | st.builds(Escalation, st.just(("cs_supervisor",))),
        pauses=st.none() | st.booleans(),
    )


@st.composite
def sla_policies(
    draw: st.DrawFn,
    *,
    kind: CaseKind = CaseKind.COMPLAINT,
    calendar: BusinessCalendar | None = None,
) -> SlaPolicy:
    """Valid `SlaPolicy`s of `kind`, with a first-response target and a random set of others."""
    targets = [draw(sla_targets(TargetKind.FIRST_RESPONSE, calendar=calendar))]
    others = [k for k in TargetKind if k is not TargetKind.FIRST_RESPONSE and draw(st.booleans())]
    targets.extend(draw(sla_targets(k, calendar=calendar)) for k in others)
    return SlaPolicy(
        draw(st.sampled_from(["p-a", "p-b"])),
        draw(st.integers(1, 5)),
        kind,
        targets,
        reopen_window=timedelta(days=draw(st.integers(0, 60))),
    )


@st.composite
def complaint_facts(
    draw: st.DrawFn,
    *,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    days: int = 120,
    customers: int = 6,
) -> CaseFacts:
    """`CaseFacts` registered within `days` after `start`, with small id pools so groups repeat."""
    registered = to_epoch_us(start) + draw(st.integers(0, days * 24 * _HOUR_US))
    outcomes = draw(
        st.lists(
            st.tuples(
                st.integers(0, 30 * 24 * _HOUR_US).map(lambda d: registered + d), st.booleans()
            ),
            max_size=5,
        )
    )
    times = st.none() | st.integers(0, 200 * _HOUR_US)
    return CaseFacts(
        case_id=f"k-{draw(st.integers(0, 10**9))}",
        customer_id=f"c-{draw(st.integers(0, customers - 1))}",
        kind=draw(st.sampled_from(CaseKind)),
        channel=draw(st.sampled_from(SEED_CHANNELS)),
        category=draw(st.sampled_from(["hygiene", "service", "price"])),
        assignee=draw(st.sampled_from(["s-1", "s-2", "(unassigned)"])),
        state=draw(st.sampled_from([CaseState.CLOSED_SATISFIED, CaseState.CLOSED_UNRESOLVED])),
        registered_us=registered,
        first_response_us=draw(times),
        resolution_us=draw(times),
        outcomes=tuple(outcomes),
        open_breaches=draw(st.integers(0, 2)),
    )
