"""Activities: member, holiday and trial events, from audience to figures.

- An [Activity][clubrules.activities.Activity] has a
  [kind][clubrules.activities.ActivityKind] (member, holiday, trial, or the
  club's own), an [Audience][clubrules.activities.Audience] of tier,
  segment and tag rules from `clubrules.tiering`, seats, and a time;
  [schedule_activity][clubrules.activities.schedule_activity] reserves its
  rooms and staff through the booking engine, on the club calendar, so it
  cannot double-book a room or a trainer.
- [plan_invitations][clubrules.activities.plan_invitations] turns the
  audience into care tasks of kind `INVITATION`, only for customers whose
  marketing consent
  ([INVITATION_PURPOSE][clubrules.activities.INVITATION_PURPOSE]) allows it.
- A [Roster][clubrules.activities.Roster] keeps sign-ups, the waitlist
  (first come, first served), cancellations, attendance and no-shows;
  each [SignUp][clubrules.activities.SignUp] is the customer's
  participation record.
- [activity_figures][clubrules.activities.activity_figures]: invited,
  signed up, attended, satisfaction, and spend in the 30 and 90 days after,
  against the audience's customers who were not invited.

The storage port is in `clubrules.activities.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.activities._figures import ActivityFigures, SpendComparison, activity_figures
from clubrules.activities._invitations import (
    INVITATION_PURPOSE,
    Invitation,
    InvitationPlan,
    Skipped,
    marketing_consent,
    plan_invitations,
)
from clubrules.activities._model import (
    Activity,
    ActivityKind,
    Audience,
    Candidate,
    audience_candidates,
)
from clubrules.activities._roster import SEAT_STATUSES, Roster, SignUp, SignUpStatus
from clubrules.activities._schedule import ScheduledActivity, schedule_activity

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "Activity",
    "ActivityFigures",
    "ActivityKind",
    "Audience",
    "Candidate",
    "INVITATION_PURPOSE",
    "Invitation",
    "InvitationPlan",
    "Roster",
    "SEAT_STATUSES",
    "ScheduledActivity",
    "SignUp",
    "SignUpStatus",
    "Skipped",
    "SpendComparison",
    "activity_figures",
    "audience_candidates",
    "marketing_consent",
    "plan_invitations",
    "schedule_activity",
]

publish(__name__)
