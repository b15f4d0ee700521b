"""Estimates and intervals for survey results. Plain numbers in, numbers out.

All intervals are two-sided 95%. Comparisons between rounds treat the two rounds
as independent samples; many people answer both, and for positively correlated
answers that makes the intervals wider than they need to be (conservative).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

Z95 = stats.norm.ppf(0.975)


@dataclass(frozen=True)
class Estimate:
    value: float
    low: float
    high: float
    n: int
    # Standard deviation of the individual values (means) or the estimate's
    # standard error (eNPS); used to compare rounds.
    spread: float = 0.0


def mean_interval(values: Sequence[float]) -> Estimate:
    """Mean with a t interval (n - 1 degrees of freedom); needs n >= 2."""
    n = len(values)
    if n < 2:
        raise ValueError("a mean interval needs at least two values")
    mean = math.fsum(values) / n
    sd = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half, n, sd)


def wilson_interval(successes: int, n: int) -> Estimate:
    """A proportion with its Wilson score interval (good at small n and near 0 or 1)."""
    if n < 1:
        raise ValueError("a proportion needs at least one observation")
    p = successes / n
    z2 = Z95**2
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def enps(scores: Sequence[int]) -> Estimate:
    """Employee NPS, -100..100: promoters (9–10) minus detractors (0–6), in points.

    SE(NPS/100) = sqrt((p + d - (p - d)^2) / n); the interval is ±1.96 SE, clipped
    to -100..100. ``spread`` holds the standard error in points.
    """
    n = len(scores)
    if n < 1:
        raise ValueError("eNPS needs at least one score")
    promoters = sum(1 for s in scores if s >= 9) / n
    detractors = sum(1 for s in scores if s <= 6) / n
    value = 100 * (promoters - detractors)
    se = 100 * math.sqrt(
        max(0.0, promoters + detractors - (promoters - detractors) ** 2) / n
    )
    return Estimate(
        value, max(-100.0, value - Z95 * se), min(100.0, value + Z95 * se), n, se
    )


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha of complete item rows (respondents x items).

    None when it cannot be computed: fewer than two items or three respondents,
    or no variation in the total score.
    """
    if len(rows) < 3 or len(rows[0]) < 2:
        return None
    items = len(rows[0])

    def variance(values):
        mean = math.fsum(values) / len(values)
        return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)

    item_variance = math.fsum(variance([row[i] for row in rows]) for i in range(items))
    total_variance = variance([math.fsum(row) for row in rows])
    if total_variance == 0:
        return None
    return items / (items - 1) * (1 - item_variance / total_variance)


@dataclass(frozen=True)
class Difference:
    """``current - previous`` with a 95% interval."""

    value: float
    low: float
    high: float


def welch_difference(previous: Estimate, current: Estimate) -> Difference:
    """Difference of two means, Welch's t interval (unequal variances)."""
    v1 = previous.spread**2 / previous.n
    v2 = current.spread**2 / current.n
    diff = current.value - previous.value
    se = math.sqrt(v1 + v2)
    if se == 0:
        return Difference(diff, diff, diff)
    df = (v1 + v2) ** 2 / (v1**2 / (previous.n - 1) + v2**2 / (current.n - 1))
    half = stats.t.ppf(0.975, df) * se
    return Difference(diff, diff - half, diff + half)


def proportion_difference(previous: Estimate, current: Estimate) -> Difference:
    """Difference of two proportions, Newcombe's hybrid score interval.

    Built from each round's Wilson interval (Newcombe 1998, method 10), it keeps
    its coverage for small groups and rates near 0 or 1, where the Wald interval
    does not.
    """
    p1, l1, u1 = previous.value, previous.low, previous.high
    p2, l2, u2 = current.value, current.low, current.high
    diff = p2 - p1
    low = diff - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    high = diff + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return Difference(diff, low, high)


def enps_difference(previous: Estimate, current: Estimate) -> Difference:
    """Difference of two eNPS values: SE = sqrt(SE1² + SE2²), ±1.96 SE."""
    diff = current.value - previous.value
    se = math.sqrt(previous.spread**2 + current.spread**2)
    return Difference(diff, diff - Z95 * se, diff + Z95 * se)
