"""Statuses (met, watch, off, unknown), the targets they are judged against, and
the small helpers every part of the health report rounds and lists with.
"""

from __future__ import annotations

import pandas as pd

from reports.analysis.panel import MIN_PATIENT_RESPONSES
from surveys.models import Measure

MET, WATCH, OFF, UNKNOWN = "met", "watch", "off", "unknown"


STATUS_LABELS = {
    MET: "on target",
    WATCH: "watch",
    OFF: "off target",
    UNKNOWN: "no data yet",
}


STATUS_ORDER = {OFF: 0, WATCH: 1, UNKNOWN: 2, MET: 3}


# Targets. Patient NPS and voluntary turnover are the issue's; the others are
# the product's defaults, each with a "watch" band before "off".
ENGAGEMENT_TARGET, ENGAGEMENT_WATCH = 70.0, 60.0  # 0-100, at least


BURNOUT_TARGET, BURNOUT_WATCH = 20.0, 30.0  # % of respondents, below


ENPS_TARGET, ENPS_WATCH = 10.0, 0.0  # at least


AGREEMENT_TARGET, AGREEMENT_WATCH = 70.0, 60.0  # other 0-100 survey measures


TRAINING_TARGET, TRAINING_WATCH = 95.0, 85.0  # % of required certificates valid


COVERAGE_TARGET, COVERAGE_WATCH = 90.0, 75.0  # % of required skills covered


VOLUNTARY_TURNOVER_WATCH = 20.0  # % a year


PATIENT_NPS_WATCH = 60.0


REFERRALS_WATCH_DROP = 10.0  # % fewer than the previous period is "off"


def status_at_least(value: float | None, target: float, watch: float) -> str:
    """``met`` at or above target, ``watch`` down to ``watch``, else ``off``."""
    if value is None:
        return UNKNOWN
    if value >= target:
        return MET
    return WATCH if value >= watch else OFF


def status_below(value: float | None, target: float, watch: float) -> str:
    """``met`` below target, ``watch`` up to (excluding) ``watch``, else ``off``."""
    if value is None:
        return UNKNOWN
    if value < target:
        return MET
    return WATCH if value < watch else OFF


def worst(statuses) -> str:
    """The worst known status; ``unknown`` when none is known."""
    known = [s for s in statuses if s in (MET, WATCH, OFF)]
    if not known:
        return UNKNOWN
    return min(known, key=STATUS_ORDER.__getitem__)


def measure_status(code: str, value: float | None) -> str:
    """A survey measure's status on its published scale."""
    if code == Measure.BURNOUT:
        return status_below(value, BURNOUT_TARGET, BURNOUT_WATCH)
    if code == Measure.ENPS:
        return status_at_least(value, ENPS_TARGET, ENPS_WATCH)
    if code == Measure.ENGAGEMENT:
        return status_at_least(value, ENGAGEMENT_TARGET, ENGAGEMENT_WATCH)
    return status_at_least(value, AGREEMENT_TARGET, AGREEMENT_WATCH)


def nps_value(promoters: int, detractors: int, responses: int) -> float | None:
    """Patient NPS, or None below MIN_PATIENT_RESPONSES answers."""
    if responses < MIN_PATIENT_RESPONSES:
        return None
    return round(100.0 * (promoters - detractors) / responses, 1) + 0.0


def _round1(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return round(float(value), 1) + 0.0


def _list(names: list[str], limit: int = 4) -> str:
    shown = names[:limit]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return f"{text} and {more} more" if more > 0 else text
