"""The measured impact of an action plan: difference-in-differences against teams
that did not act.

``action_impact(panel, treated_teams=..., start_month=..., measure=...)`` compares
the change in a measure in the acted-on teams, from the months before the action
started to the months after, with the change over the same months in comparable
teams that did not act (difference-in-differences).

Decisions:
- Why not before/after on the acted-on teams alone: teams usually act because
  their latest results were bad, and a team picked for a bad month improves the
  next month anyway (regression to the mean); a group-wide change (a season, a new
  survey vendor) would also pass for the action's effect. Comparison teams
  measured over the same months remove the group-wide change, and team fixed
  effects remove stable differences between teams.
- The month just before the start is left out (``skip_months``): it is usually the
  result that prompted the action, so its dip would make any action look like an
  improvement. This removes the bounce from measurement noise in that month; a
  dip that lasts several months (a slow crisis) can still flatter an action, and
  the sentence never claims cause.
- Inference: with at least MIN_TEAMS_FOR_CLUSTER_ROBUST acted-on and as many
  comparison teams, a two-way fixed-effects regression (team and month effects,
  acted-on x after), cluster-robust by team with t on G - 1 df. With fewer
  acted-on teams (the usual case: one team acts) cluster-robust errors are far too
  small (in simulation a single acted-on team's 95% interval covered the truth
  37% of the time), so each team's change is collapsed to one number (after
  removing month effects estimated on the comparison teams) and the acted-on and
  comparison changes are compared with a pooled-variance t on
  n_treated + n_control - 2 df; that interval covered the truth ~95% of the time
  from one acted-on team up (Bertrand, Duflo and Mullainathan 2004 recommend the
  same collapse for serially correlated panels).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from .findings import INSUFFICIENT_DATA, OK, Status, status_for_interval
from .fitting import fit_within, t_coefficient
from .panel import MIN_PATIENT_RESPONSES, month_index, require_columns, team_key
from .wording import CAUTION, count, number

MIN_MONTHS_BEFORE = 3  # months with acted-on teams measured before the start
MIN_MONTHS_AFTER = 3  # ... and from the start on
MIN_COMPARISON_TEAMS = 5  # teams that did not act, measured before and after
MIN_TEAMS_FOR_CLUSTER_ROBUST = 10  # per side, for the two-way FE + clustered errors
SKIP_MONTHS = 1  # months just before the start left out (the prompting result)

METHOD_CLUSTERED = (
    "difference-in-differences: two-way fixed effects (team, month), "
    "cluster-robust by team, t on G - 1 df"
)
METHOD_COLLAPSED = (
    "difference-in-differences: each team's change after removing month effects, "
    "acted-on vs comparison teams, pooled-variance t on n_treated + n_control - 2 df"
)


@dataclass(frozen=True)
class Measure:
    """A measure an action can target, and how to read it off the panel."""

    key: str
    label: str
    unit: str
    higher_is_better: bool


MEASURES: dict[str, Measure] = {
    measure.key: measure
    for measure in (
        Measure("engagement", "engagement", "points (0-100)", True),
        Measure("burnout_rate", "burnout rate", "percentage points", False),
        Measure("enps", "eNPS", "points", True),
        Measure(
            "voluntary_turnover",
            "voluntary turnover",
            "leavers per 100 staff a month",
            False,
        ),
        Measure("coverage", "cross-training coverage", "percentage points", True),
        Measure(
            "training_compliance", "training compliance", "percentage points", True
        ),
        Measure("patient_nps", "patient NPS", "points", True),
    )
}


@dataclass(frozen=True)
class ActionImpact:
    """The measured change linked to one action, in the measure's units.

    ``estimate`` is the acted-on teams' change minus the comparison teams' change
    (None unless there is an estimate); ``details`` holds the two changes and the
    months compared.
    """

    status: Status
    measure: str
    unit: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    n_treated: int
    n_control: int
    n_obs: int
    method: str
    sentence: str
    reason: str | None = None
    details: dict = field(default_factory=dict)

    @property
    def has_estimate(self) -> bool:
        return self.status != INSUFFICIENT_DATA

    def as_dict(self) -> dict:
        """A JSON-ready dict (NaN becomes None)."""
        out = dataclasses.asdict(self)
        for name, value in out.items():
            if isinstance(value, float) and not math.isfinite(value):
                out[name] = None
        return out


def add_months(month: date, months: int) -> date:
    """The first day of the month ``months`` after ``month``'s (negative: before)."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def measurable_from(start_month: date) -> date:
    """The first day on which MIN_MONTHS_AFTER whole months from the start are over."""
    return add_months(start_month, MIN_MONTHS_AFTER)


def measure_values(panel: pd.DataFrame, measure: str) -> pd.Series:
    """The measure per panel row in its reported unit (NaN where not measured).

    Needs the panel columns the measure is built from: ``engagement``, ``enps``,
    ``burnout_rate``, ``coverage``, ``training_compliance`` (0-1 shares become
    percentage points), ``voluntary_leavers`` and ``headcount`` (leavers per 100
    staff), ``patient_nps`` and ``patient_responses`` (months with fewer than
    MIN_PATIENT_RESPONSES answers are left out).
    """
    if measure not in MEASURES:
        raise ValueError(
            f"unknown measure {measure!r}; expected one of {', '.join(MEASURES)}"
        )
    if measure in ("engagement", "enps"):
        require_columns(panel, [measure], name="panel")
        return panel[measure].astype(float)
    if measure in ("burnout_rate", "coverage", "training_compliance"):
        require_columns(panel, [measure], name="panel")
        return panel[measure].astype(float) * 100.0
    if measure == "voluntary_turnover":
        require_columns(panel, ["voluntary_leavers", "headcount"], name="panel")
        headcount = panel["headcount"].astype(float)
        rate = panel["voluntary_leavers"].astype(float) / headcount * 100.0
        return rate.where(headcount > 0)
    require_columns(panel, ["patient_nps", "patient_responses"], name="panel")
    return (
        panel["patient_nps"]
        .astype(float)
        .where(panel["patient_responses"] >= MIN_PATIENT_RESPONSES)
    )


def _keys(teams: Iterable[tuple[str, str]]) -> set[str]:
    return {f"{site}\x1f{team}" for site, team in teams}


def action_impact(
    panel: pd.DataFrame,
    *,
    treated_teams: Iterable[tuple[str, str]],
    start_month: date,
    measure: str,
    months_before: int = 6,
    months_after: int = 6,
    exclude_teams: Iterable[tuple[str, str]] = (),
    comparison_sites: Iterable[str] | None = None,
    skip_months: int = SKIP_MONTHS,
) -> ActionImpact:
    """Difference-in-differences for one action on the team-month ``panel``.

    ``panel`` has ``site``, ``team``, ``month`` (first day of the month) and the
    columns ``measure_values`` needs for ``measure``. ``treated_teams`` are the
    acted-on teams as (site, team) names. Comparison teams are every other team in
    the panel except ``exclude_teams`` (teams that acted on the same measure in the
    window), restricted to ``comparison_sites`` when given. Before: the
    ``months_before`` months ending ``skip_months`` months before ``start_month``;
    after: ``start_month`` and the ``months_after - 1`` months following it.
    """
    info = MEASURES.get(measure)
    values = measure_values(panel, measure)
    require_columns(panel, ["site", "team", "month"], name="panel")
    if months_before < 1 or months_after < 1 or skip_months < 0:
        raise ValueError("months_before and months_after must be at least 1")
    start = date(start_month.year, start_month.month, 1)
    start_index = start.year * 12 + start.month - 1
    first_before = start_index - skip_months - months_before
    last_before = start_index - skip_months - 1
    last_after = start_index + months_after - 1

    frame = pd.DataFrame(
        {
            "team_key": team_key(panel).to_numpy(),
            "site": panel["site"].astype(str).to_numpy(),
            "month_index": month_index(panel["month"]).to_numpy(),
            "y": values.to_numpy(dtype=float),
        }
    )
    in_window = (
        (frame["month_index"] >= first_before) & (frame["month_index"] <= last_before)
    ) | ((frame["month_index"] >= start_index) & (frame["month_index"] <= last_after))
    frame = frame[in_window & np.isfinite(frame["y"])].copy()
    frame["post"] = frame["month_index"] >= start_index

    treated_keys = _keys(treated_teams)
    excluded = _keys(exclude_teams) | treated_keys
    frame["treated"] = frame["team_key"].isin(treated_keys)
    comparison = ~frame["team_key"].isin(excluded)
    if comparison_sites is not None:
        comparison &= frame["site"].isin(set(comparison_sites))
    frame = frame[frame["treated"] | comparison]
    # A team measured only before or only after says nothing about a change.
    sides = frame.groupby("team_key")["post"].nunique()
    frame = frame[frame["team_key"].map(sides) == 2]

    treated_rows = frame[frame["treated"]]
    n_treated = int(treated_rows["team_key"].nunique())
    n_control = int(frame.loc[~frame["treated"], "team_key"].nunique())
    n_obs = len(frame)
    months_with_before = int(
        treated_rows.loc[~treated_rows["post"], "month_index"].nunique()
    )
    months_with_after = int(
        treated_rows.loc[treated_rows["post"], "month_index"].nunique()
    )

    def refuse(reason: str) -> ActionImpact:
        return ActionImpact(
            status=INSUFFICIENT_DATA,
            measure=measure,
            unit=info.unit,
            estimate=None,
            ci_low=None,
            ci_high=None,
            p_value=None,
            n_treated=n_treated,
            n_control=n_control,
            n_obs=n_obs,
            method="difference-in-differences",
            sentence=f"Not enough data yet to measure this action's impact on "
            f"{info.label}: {reason}.",
            reason=reason,
        )

    if n_treated == 0:
        return refuse(
            f"no acted-on team has {info.label} measured both before and after the "
            "start"
        )
    if months_with_before < MIN_MONTHS_BEFORE:
        return refuse(
            f"needs at least {MIN_MONTHS_BEFORE} months measured before the start; "
            f"has {months_with_before}"
        )
    if months_with_after < MIN_MONTHS_AFTER:
        return refuse(
            f"needs at least {MIN_MONTHS_AFTER} months measured from the start on; "
            f"has {months_with_after}"
        )
    if n_control < MIN_COMPARISON_TEAMS:
        return refuse(
            f"needs at least {MIN_COMPARISON_TEAMS} comparable teams that did not "
            f"act, measured before and after; has {n_control}"
        )

    changes = _team_changes(frame)
    treated_change = float(changes[changes.index.isin(treated_keys)].mean())
    comparison_change = float(changes[~changes.index.isin(treated_keys)].mean())
    if min(n_treated, n_control) >= MIN_TEAMS_FOR_CLUSTER_ROBUST:
        fit = fit_within(
            frame["y"].to_numpy(),
            pd.DataFrame(
                {"did": (frame["treated"] & frame["post"]).to_numpy(dtype=float)}
            ),
            groups=frame["team_key"].to_numpy(),
            periods=frame["month_index"].to_numpy(),
        )
        coefficient = fit.coefficients["did"]
        method = METHOD_CLUSTERED
    else:
        treated_changes = changes[changes.index.isin(treated_keys)]
        comparison_changes = changes[~changes.index.isin(treated_keys)]
        squares = ((treated_changes - treated_changes.mean()) ** 2).sum() + (
            (comparison_changes - comparison_changes.mean()) ** 2
        ).sum()
        df = n_treated + n_control - 2
        pooled_sd = math.sqrt(squares / df)
        se = pooled_sd * math.sqrt(1 / n_treated + 1 / n_control)
        coefficient = t_coefficient(treated_change - comparison_change, se, df)
        method = METHOD_COLLAPSED
    if not all(
        math.isfinite(v)
        for v in (coefficient.estimate, coefficient.ci_low, coefficient.ci_high)
    ):
        return refuse("the comparison could not put an interval on the change")

    status = status_for_interval(coefficient.ci_low, coefficient.ci_high, 0.0)
    details = {
        "treated_change": treated_change,
        "comparison_change": comparison_change,
        "months_before": months_with_before,
        "months_after": months_with_after,
        "first_month_before": _month(first_before).isoformat(),
        "last_month_after": _month(last_after).isoformat(),
    }
    return ActionImpact(
        status=status,
        measure=measure,
        unit=info.unit,
        estimate=coefficient.estimate,
        ci_low=coefficient.ci_low,
        ci_high=coefficient.ci_high,
        p_value=coefficient.p_value,
        n_treated=n_treated,
        n_control=n_control,
        n_obs=n_obs,
        method=method,
        sentence=_sentence(
            info,
            clear=status == OK,
            estimate=coefficient.estimate,
            ci_low=coefficient.ci_low,
            ci_high=coefficient.ci_high,
            n_treated=n_treated,
            n_control=n_control,
        ),
        details=details,
    )


def _month(index: int) -> date:
    return date(index // 12, index % 12 + 1, 1)


def _team_changes(frame: pd.DataFrame) -> pd.Series:
    """Each team's mean after minus mean before, after removing month effects.

    Month effects come from the comparison teams only (team and month effects by
    alternating projections), so the action cannot leak into them.
    """
    comparison = frame[~frame["treated"]]
    month_effect = pd.Series(0.0, index=np.unique(frame["month_index"]))
    for _ in range(100):
        team_level = (
            (comparison["y"] - comparison["month_index"].map(month_effect))
            .groupby(comparison["team_key"])
            .transform("mean")
        )
        updated = (
            (comparison["y"] - team_level).groupby(comparison["month_index"]).mean()
        )
        updated = updated.reindex(month_effect.index).fillna(0.0)
        converged = np.allclose(updated, month_effect, atol=1e-9)
        month_effect = updated
        if converged:
            break
    adjusted = frame["y"] - frame["month_index"].map(month_effect)
    means = pd.DataFrame(
        {"team_key": frame["team_key"], "post": frame["post"], "y": adjusted}
    ).pivot_table(index="team_key", columns="post", values="y", aggfunc="mean")
    return means[True] - means[False]


def _sentence(
    info: Measure,
    *,
    clear: bool,
    estimate: float,
    ci_low: float,
    ci_high: float,
    n_treated: int,
    n_control: int,
) -> str:
    acted = (
        "the team that acted" if n_treated == 1 else f"the {n_treated} teams that acted"
    )
    compared = f"{count(n_control)} comparable teams that did not act"
    direction = "higher" if estimate >= 0 else "lower"
    better = (estimate >= 0) == info.higher_is_better
    interval = f"95% CI {number(ci_low)} to {number(ci_high)}"
    size = f"{number(abs(estimate))} {info.unit}"
    if clear:
        verdict = "an improvement" if better else "a worsening"
        return (
            f"Since the action started, {info.label} in {acted} moved {size} "
            f"{direction} than in {compared} over the same months ({interval}), "
            f"{verdict} associated with the action. {CAUTION}"
        )
    return (
        f"No clear change yet: since the action started, {info.label} in {acted} "
        f"moved {size} {direction} than in {compared}, but the {interval} includes "
        "no difference."
    )
