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


def estimate_sentence(
    wording: Wording,
    *,
    clear: bool,
    estimate: float,
    ci_low: float,
    ci_high: float,
    n_teams: int,
    n_obs: int,
) -> str:
    """The sentence for a finding with an estimate (clear link or not)."""
    where = scope(wording, n_teams, n_obs)
    if wording.kind == "difference":
        interval = f"95% CI {number(ci_low)} to {number(ci_high)}"
        direction = "higher" if estimate >= 0 else "lower"
        size = f"{number(abs(estimate))} {wording.outcome_unit} {direction}"
        if clear:
            return (
                f"{wording.comparison} saw {wording.outcome} {size}{wording.when} "
                f"({interval}), {where}. {CAUTION}"
            )
        return (
            f"No clear link yet between {wording.link}: {wording.outcome} was "
            f"{size} {wording.per}, but the {interval} includes no difference. "
            f"{where[0].upper()}{where[1:]}."
        )
    interval = f"95% CI {ratio(ci_low)} to {ratio(ci_high)}"
    template = wording.more if estimate >= 1 else wording.fewer
    change = template.format(pct=_percent(estimate))
    if clear:
        return (
            f"{wording.comparison} had {change}{wording.when} "
            f"({wording.ratio_name} {ratio(estimate)}, {interval}), {where}. {CAUTION}"
        )
    return (
        f"No clear link yet between {wording.link}: the {wording.ratio_name} "
        f"{wording.per} was {ratio(estimate)}, but the {interval} includes no "
        f"difference. {where[0].upper()}{where[1:]}."
    )


def insufficient_sentence(wording: Wording, reason: str) -> str:
    return f"Not enough data yet to look for a link between {wording.link}: {reason}."


def is_finite(*values: float | None) -> bool:
    return all(value is not None and math.isfinite(value) for value in values)
