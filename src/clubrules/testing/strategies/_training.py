"""Hypothesis strategies for the training area: sessions, attendance and completions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import strategies as st

from clubrules import training
from clubrules.testing.strategies._core import aware_datetimes, money

__all__ = ["training_attendance", "training_completions", "training_sessions"]

_IDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_TOPICS = st.one_of(
    st.sampled_from(["first aid", "fire safety", "service etiquette", "服務禮儀", "隱私保護"]),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", min_size=1, max_size=20).map(str.strip),
).filter(bool)
_STAFF = st.sampled_from(["st-1", "st-2", "st-7"])


def training_sessions(
    *,
    ids: st.SearchStrategy[str] = _IDS,
    currency: str = "CNY",
    starts: st.SearchStrategy[datetime] | None = None,
) -> st.SearchStrategy[training.TrainingSession]:
    """Valid training sessions of every kind and method, lasting up to a day, some with a cost.

    `starts` draws the start times (`aware_datetimes()` by default); each
    session lasts a whole number of minutes of real time from its start,
    also across a DST change.
    """
    start_times = aware_datetimes() if starts is None else starts

    @st.composite
    def sessions(draw: st.DrawFn) -> training.TrainingSession:
        start = draw(start_times)
        minutes = draw(st.integers(1, 24 * 60))
        return training.TrainingSession(
            id=draw(ids),
            kind=draw(st.sampled_from(training.TrainingKind)),
            topic=draw(_TOPICS),
            method=draw(st.sampled_from(training.TrainingMethod)),
            start=start,
            # Added to the instant, not the wall time: it ends after it starts across DST.
            end=(start.astimezone(UTC) + timedelta(minutes=minutes)).astimezone(start.tzinfo),
            trainer=draw(st.none() | _IDS),
            cost=draw(st.none() | money(currency=currency, max_amount=50_000)),
        )

    return sessions()


def training_attendance(
    session_ids: st.SearchStrategy[str] = _IDS, *, staff_ids: st.SearchStrategy[str] = _STAFF
) -> st.SearchStrategy[training.Attendance]:
    """training.Attendance records of the sessions `session_ids` draws, with every status."""
    return st.builds(
        training.Attendance,
        session_id=session_ids,
        staff_id=staff_ids,
        status=st.sampled_from(training.AttendanceStatus),
    )


def training_completions(
    *,
    ids: st.SearchStrategy[str] = _IDS,
    staff_ids: st.SearchStrategy[str] = _STAFF,
    session_ids: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[training.Completion]:
    """Valid completion records, standing alone or naming a session."""
    return st.builds(
        training.Completion,
        id=ids,
        staff_id=staff_ids,
        kind=st.sampled_from(training.TrainingKind),
        topic=_TOPICS,
        method=st.sampled_from(training.TrainingMethod),
        completed_at=aware_datetimes(),
        session_id=session_ids if session_ids is not None else st.none() | _IDS,
    )
