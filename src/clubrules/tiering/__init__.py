"""Tiering: activity summaries, classification, RFM and tier programs.

- [summarize_activity][clubrules.tiering.summarize_activity] turns consumption
  records into an [ActivitySummary][clubrules.tiering.ActivitySummary] per
  customer: first and last visit, visits and net spend in a window.
- [classify][clubrules.tiering.classify]: spend and frequency
  [BandScheme][clubrules.tiering.BandScheme]s (half-open, the lowest from 0),
  [TagClass][clubrules.tiering.TagClass]es by needs and preferences, and an
  additive [ScoringModel][clubrules.tiering.ScoringModel].
- RFM: [quantile_scores][clubrules.tiering.quantile_scores] (ties broken so
  every bin is filled, equal to pandas' `qcut` over `rank(method="first")`),
  [RfmThresholds][clubrules.tiering.RfmThresholds], and
  [SegmentScheme][clubrules.tiering.SegmentScheme] in priority order with a
  catch-all.
- [TierProgram][clubrules.tiering.TierProgram]: upgrade at once, downgrade
  only at a review, retain below qualify, optional one-step-down cap, manual
  floors; every [TierDecision][clubrules.tiering.TierDecision] carries its
  reason and what the customer needs.

The storage port is in `clubrules.tiering.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.tiering._activity import (
    US_PER_DAY,
    ActivitySummary,
    days_since_last_visit,
    summarize_activity,
)
from clubrules.tiering._classify import (
    Band,
    BandScheme,
    Classification,
    Score,
    ScoreRule,
    ScoringModel,
    TagClass,
    classify,
)
from clubrules.tiering._rfm import (
    DEFAULT_SEGMENTS,
    RfmScore,
    RfmThresholds,
    Segment,
    SegmentScheme,
    quantile_scores,
    rfm_scores,
)
from clubrules.tiering._tiers import (
    QualificationWindow,
    ReviewSchedule,
    Tier,
    TierBatch,
    TierChange,
    TierDecision,
    TierMetric,
    TierProgram,
    TierReason,
    TierStatus,
)

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "ActivitySummary",
    "Band",
    "BandScheme",
    "Classification",
    "DEFAULT_SEGMENTS",
    "QualificationWindow",
    "ReviewSchedule",
    "RfmScore",
    "RfmThresholds",
    "Score",
    "ScoreRule",
    "ScoringModel",
    "Segment",
    "SegmentScheme",
    "TagClass",
    "Tier",
    "TierBatch",
    "TierChange",
    "TierDecision",
    "TierMetric",
    "TierProgram",
    "TierReason",
    "TierStatus",
    "US_PER_DAY",
    "classify",
    "days_since_last_visit",
    "quantile_scores",
    "rfm_scores",
    "summarize_activity",
]

publish(__name__)
