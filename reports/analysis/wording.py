"""Plain-language sentences for findings.

Team-level findings are worded ecologically ("teams whose engagement was higher
..."), never as claims about individuals, and every estimate is called an
association. An interval that includes "no difference" reads "no clear link yet",
never "no effect".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

CAUTION = "This is an association, not proof of cause."
NOISE_UNDERSTATES = (
    "The survey scores rest on a few answers each, so this uncorrected estimate "
    "probably understates the link."
)
NOISE_BLURS = (
    "The survey scores rest on a few answers each: noise in them usually pulls "
    "uncorrected estimates towards no link, and can move part of one score's link "
    "onto another fitted alongside it."
)
MINUS = "\u2212"


@dataclass(frozen=True)
class Wording:
    """How to talk about one finding.

    kind "difference": ``estimate`` is a change in ``outcome`` measured in
    ``outcome_unit``; kind "ratio": ``estimate`` is a ``ratio_name`` and
    ``more``/``fewer`` are templates with a ``{pct}`` placeholder.
    """

    link: str  # "team engagement and next-month patient NPS"
    comparison: str  # "Teams whose engagement was 10 points higher"
    kind: Literal["difference", "ratio"]
    outcome: str = ""  # difference: "patient NPS"
    outcome_unit: str = "points"
    when: str = ""  # " the next month"
    more: str = ""  # ratio: "{pct}% more voluntary leavers"
    fewer: str = ""  # ratio: "{pct}% fewer voluntary leavers"
    ratio_name: str = "rate ratio"
    per: str = "per 10 points"
    population: str = "teams"
    observations: str = "team-months"


def number(value: float) -> str:
    """A readable number: one decimal below 10, whole numbers above; true minus sign."""
    digits = 1 if abs(value) < 10 else 0
    text = f"{value:,.{digits}f}"
    if text.lstrip("-") in {"0", "0.0"}:
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def ratio(value: float) -> str:
    return f"{value:.2f}"


def count(value: int) -> str:
    return f"{value:,}"


def scope(wording: Wording, n_teams: int, n_obs: int) -> str:
    if wording.population == "teams":
        return (
            f"across {count(n_teams)} teams and {count(n_obs)} {wording.observations}"
        )
    return f"across {count(n_obs)} {wording.population} in {count(n_teams)} teams"


def _percent(value: float) -> str:
    pct = abs(value - 1) * 100
    return f"{pct:.1f}" if pct < 1 else f"{pct:.0f}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def estimate_sentence(
    wording: Wording,
    *,
    clear: bool,
    estimate: float,
    ci_low: float,
    ci_high: float,
    n_teams: int,
    n_obs: int,
    at_least: bool = False,
    allowing: str | None = None,
    uncorrected: tuple[float, float, float] | None = None,
    min_detectable: float | None = None,
    noisy: bool = False,
) -> str:
    """The sentence for a finding with an estimate (clear link or not).

    ``allowing`` (e.g. "noise in the monthly engagement scores (reliability
    0.33)") says the numbers are corrected for measurement noise, and
    ``uncorrected`` (estimate, ci_low, ci_high) adds the uncorrected figures.
    ``noisy``: the predictor is a noisy survey score and the numbers are
    uncorrected; the sentence says what that does, and with ``at_least`` (a single
    noisy predictor, whose noise can only shrink a link) words a clear link as a
    lower bound. ``min_detectable`` (in the finding's unit; a ratio above 1 for
    ratio findings) follows every "no clear link yet", so that it is never read as
    "no effect".
    """
    where = scope(wording, n_teams, n_obs)
    prefix = f"Allowing for {allowing}, " if allowing else ""
    comparison = _lower_first(wording.comparison) if allowing else wording.comparison
    if wording.kind == "difference":
        interval = f"95% CI {number(ci_low)} to {number(ci_high)}"
        direction = "higher" if estimate >= 0 else "lower"
        size = f"{number(abs(estimate))} {wording.outcome_unit} {direction}"
        if clear:
            bound = "at least " if at_least and noisy else ""
            text = (
                f"{prefix}{comparison} saw {wording.outcome} {bound}{size}"
                f"{wording.when} ({interval}), {where}."
            )
        else:
            text = (
                f"No clear link yet between {wording.link}: "
                f"{_lower_first(prefix)}{wording.outcome} was {size} {wording.per}, "
                f"but the {interval} includes no difference. "
                f"{where[0].upper()}{where[1:]}."
            )
        if uncorrected is not None:
            value, low, high = uncorrected
            text += (
                f" Without the correction: {number(value)} {wording.outcome_unit} "
                f"(95% CI {number(low)} to {number(high)})."
            )
        missed = (
            f"a link smaller than about {number(min_detectable)} "
            f"{wording.outcome_unit} {wording.per}"
            if min_detectable is not None and math.isfinite(min_detectable)
            else None
        )
    else:
        interval = f"95% CI {ratio(ci_low)} to {ratio(ci_high)}"
        if clear:
            template = wording.more if estimate >= 1 else wording.fewer
            change = template.format(pct=_percent(estimate))
            bound = "at least " if at_least and noisy else ""
            text = (
                f"{prefix}{comparison} had {bound}{change}{wording.when} "
                f"({wording.ratio_name} {ratio(estimate)}, {interval}), {where}."
            )
        else:
            text = (
                f"No clear link yet between {wording.link}: "
                f"{_lower_first(prefix)}the {wording.ratio_name} {wording.per} was "
                f"{ratio(estimate)}, but the {interval} includes no difference. "
                f"{where[0].upper()}{where[1:]}."
            )
        if uncorrected is not None:
            value, low, high = uncorrected
            text += (
                f" Without the correction: {wording.ratio_name} {ratio(value)} "
                f"(95% CI {ratio(low)} to {ratio(high)})."
            )
        missed = (
            f"a {wording.ratio_name} between about {ratio(1 / min_detectable)} and "
            f"{ratio(min_detectable)} {wording.per}"
            if min_detectable is not None
            and math.isfinite(min_detectable)
            and min_detectable > 0
            else None
        )
    if clear:
        if noisy:
            text += f" {NOISE_UNDERSTATES if at_least else NOISE_BLURS}"
        return f"{text} {CAUTION}"
    if missed is not None:
        hides = ", and noise in the survey scores hides part of any link" * noisy
        text += (
            f" {missed[0].upper()}{missed[1:]} could have gone unseen in these data "
            f"(80% power){hides}, so this is not evidence of no link."
        )
    return text


def insufficient_sentence(wording: Wording, reason: str) -> str:
    return f"Not enough data yet to look for a link between {wording.link}: {reason}."


def is_finite(*values: float | None) -> bool:
    return all(value is not None and math.isfinite(value) for value in values)
