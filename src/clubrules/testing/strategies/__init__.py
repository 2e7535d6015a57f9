"""Hypothesis strategies for the value types of every area.

Needs the `testing` extra (hypothesis).
"""

from __future__ import annotations

# One import line per area, kept sorted by module name.
from clubrules._public import publish
from clubrules.testing.strategies._booking import DST_DAYS, booking_lists, bookings
from clubrules.testing.strategies._calendar import business_calendars, day_hours, time_ranges
from clubrules.testing.strategies._complaints import complaint_facts, sla_policies, sla_targets
from clubrules.testing.strategies._core import SAMPLE_ZONES, aware_datetimes, money, time_zones
from clubrules.testing.strategies._customers import (
    CN_MOBILE_PREFIXES,
    cn_mobile_numbers,
    consumption_records,
    customers,
    phone_numbers,
    phone_texts,
    sealed_values,
    service_records,
)
from clubrules.testing.strategies._staff import (
    assessment_inputs,
    points_up_to,
    rubrics,
    staff_kpis,
    staff_rates,
)
from clubrules.testing.strategies._tiering import activity_summaries, tier_programs
from clubrules.testing.strategies._training import (
    training_attendance,
    training_completions,
    training_sessions,
)

__all__: list[str] = [
    "CN_MOBILE_PREFIXES",
    "DST_DAYS",
    "SAMPLE_ZONES",
    "activity_summaries",
    "assessment_inputs",
    "aware_datetimes",
    "booking_lists",
    "bookings",
    "business_calendars",
    "cn_mobile_numbers",
    "complaint_facts",
    "consumption_records",
    "customers",
    "day_hours",
    "money",
    "phone_numbers",
    "phone_texts",
    "points_up_to",
    "rubrics",
    "sealed_values",
    "service_records",
    "sla_policies",
    "sla_targets",
    "staff_kpis",
    "staff_rates",
    "tier_programs",
    "time_ranges",
    "time_zones",
    "training_attendance",
    "training_completions",
    "training_sessions",
]

publish(__name__)
