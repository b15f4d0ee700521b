"""How reliable team survey scores are: ICC(1), ICC(2), Cronbach's alpha, ranking gate.

- ICC(1): the share of one person's answer variance that lies between team-months
  (one-way ANOVA estimator, groups = team-months). Computed from individual answers,
  or from team-month aggregates (means and respondent counts) plus the pooled
  within-group variance when only history is imported: the ANOVA needs nothing more.
- ICC(2): how reliably a team's mean of k answers reflects its climate, by
  Spearman-Brown, k ICC(1) / (1 + (k - 1) ICC(1)), at the team's usual respondents.
  ANALYSIS.md: at ICC(1) = 0.10 and k = 8 it is only 0.47.
- Cronbach's alpha: internal consistency of the engagement items, per round; the
  composite is not reported below ALPHA_MINIMUM.
- ranking_gate: league tables of teams are hidden, with the reason, when a team's
  score is too unreliable to rank (ICC(2) below MIN_RANKING_RELIABILITY); compare
  teams with the shrunken scores of shrinkage.py instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .panel import require_columns, team_key

MIN_RANKING_RELIABILITY = 0.6
ALPHA_MINIMUM = 0.70
# Survey measures whose per-answer spread the panel itself reveals or is given.
BURNOUT = "burnout_rate"
ENGAGEMENT = "engagement"

RELIABILITY_COLUMNS = (
    "measure",
    "icc1",
    "team_months",
    "answers",
    "mean_respondents",
    "icc2_at_mean_respondents",
    "respondents_for_ranking",
    "source",
)


@dataclass(frozen=True)
class OneWayAnova:
    """One-way ANOVA pieces behind ICC(1)."""

    icc1: float
    between_mean_square: float
    within_mean_square: float
    groups: int
    answers: int
    n0: float  # the ANOVA's "average" group size (N - sum n^2 / N) / (G - 1)


def icc1_from_aggregates(
    means: Sequence[float] | np.ndarray,
    counts: Sequence[float] | np.ndarray,
    within_variance: float,
) -> OneWayAnova:
    """ICC(1) from group means, group sizes and the pooled within-group variance.

    ``within_variance`` is sum (n_g - 1) s_g^2 / (N - G), the ANOVA's within mean
    square (for a 0/1 answer, sum n_g p_g (1 - p_g) / (N - G)). Groups with fewer
    than two answers are left out (they carry no within-group spread). ICC(1) =
    (MSB - MSW) / (MSB + (n0 - 1) MSW); it can come out negative when groups differ
    less than chance allows, and is NaN with fewer than two groups.
    """
    means = np.asarray(means, dtype=float)
    counts = np.asarray(counts, dtype=float)
    keep = np.isfinite(means) & (counts >= 2)
    means, counts = means[keep], counts[keep]
    groups = int(means.size)
    answers = int(counts.sum())
    if groups < 2 or not (math.isfinite(within_variance) and within_variance > 0):
        return OneWayAnova(np.nan, np.nan, float(within_variance), groups, answers, 0)
    grand = float(np.sum(counts * means) / answers)
    between = float(np.sum(counts * (means - grand) ** 2) / (groups - 1))
    n0 = float((answers - np.sum(counts**2) / answers) / (groups - 1))
    icc1 = (between - within_variance) / (between + (n0 - 1) * within_variance)
    return OneWayAnova(
        float(icc1), between, float(within_variance), groups, answers, n0
    )


def icc1_from_responses(
    responses: pd.DataFrame,
    *,
    value: str = ENGAGEMENT,
    by: Sequence[str] = ("site", "team", "month"),
) -> OneWayAnova:
    """ICC(1) from individual answers: one row per respondent, ``by`` columns + value.

    Groups are the ``by`` combinations (team-months by default); missing answers
    are dropped.
    """
    require_columns(responses, (*by, value), name="the responses")
    answers = responses.loc[responses[value].notna(), [*by, value]]
    grouped = answers.groupby(list(by), sort=False, observed=True)[value]
    stats = grouped.agg(["mean", "count", "var"])
    stats = stats[stats["count"] >= 2]
    degrees = float((stats["count"] - 1).sum())
    if degrees <= 0:
        return OneWayAnova(np.nan, np.nan, np.nan, len(stats), 0, 0)
    within = float(((stats["count"] - 1) * stats["var"]).sum() / degrees)
    return icc1_from_aggregates(stats["mean"], stats["count"], within)


def spearman_brown(icc1: float | np.ndarray, k: float | np.ndarray):
    """ICC(2): reliability of a mean of k answers, k ICC(1) / (1 + (k - 1) ICC(1)).

    A negative ICC(1) (no measurable difference between groups) counts as 0.
    """
    icc1 = np.maximum(np.asarray(icc1, dtype=float), 0.0)
    k = np.asarray(k, dtype=float)
    result = k * icc1 / (1 + (k - 1) * icc1)
    return float(result) if result.ndim == 0 else result


def respondents_needed(icc1: float, reliability: float) -> float:
    """Answers per team for a mean with the given ICC(2) (Spearman-Brown inverted)."""
    if not (math.isfinite(icc1) and icc1 > 0):
        return math.inf
    return reliability * (1 - icc1) / (icc1 * (1 - reliability))


def cronbach_alpha(items: np.ndarray | pd.DataFrame) -> float:
    """Cronbach's alpha of an item matrix (respondents x items), complete rows only.

    alpha = k / (k - 1) x (1 - sum of item variances / variance of the total),
    sample variances (ddof = 1). NaN with fewer than two items, fewer than two
    complete rows, or no variance in the totals.
    """
    matrix = np.asarray(items, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("items must be a respondents x items matrix")
    matrix = matrix[np.isfinite(matrix).all(axis=1)]
    n, k = matrix.shape
    if k < 2 or n < 2:
        return float("nan")
    total_variance = float(matrix.sum(axis=1).var(ddof=1))
    if total_variance <= 0:
        return float("nan")
    item_variances = float(matrix.var(axis=0, ddof=1).sum())
    return k / (k - 1) * (1 - item_variances / total_variance)


def alpha_by_round(
    answers: pd.DataFrame, *, items: Sequence[str], round_column: str = "round"
) -> pd.DataFrame:
    """Cronbach's alpha of the engagement items for each survey round.

    ``answers``: one row per respondent with ``round_column`` and the ``items``
    columns (1-5 agreement; NaN where skipped). Returns round, respondents
    (complete answer sets), alpha, reported (alpha >= ALPHA_MINIMUM: below it the
    composite index is not shown for that round).
    """
    require_columns(answers, (round_column, *items), name="the item answers")
    rows = []
    for round_id, frame in answers.groupby(round_column, sort=True):
        matrix = frame[list(items)].to_numpy(dtype=float)
        complete = int(np.isfinite(matrix).all(axis=1).sum())
        alpha = cronbach_alpha(matrix)
        rows.append(
            {
                "round": round_id,
                "respondents": complete,
                "alpha": alpha,
                "reported": bool(math.isfinite(alpha) and alpha >= ALPHA_MINIMUM),
            }
        )
    return pd.DataFrame(rows, columns=["round", "respondents", "alpha", "reported"])


def _measured(panel: pd.DataFrame, value: str, count: str) -> pd.DataFrame:
    rows = panel.loc[
        panel[value].notna() & (panel[count] >= 2), ["site", "team", value, count]
    ]
    return rows.rename(columns={value: "mean", count: "n"})


def answer_variances(
    panel: pd.DataFrame,
    *,
    engagement_variance: float | None,
    count: str = "respondents",
) -> dict[str, tuple[float, str]]:
    """Pooled per-answer variance of each survey measure, and where it came from.

    Engagement: ``engagement_variance`` (pooled from the responses by the caller),
    when known. Burnout rate: a 0/1 answer, so the panel's shares and counts give
    it exactly, sum n p (1 - p) / (N - G).
    """
    out: dict[str, tuple[float, str]] = {}
    if engagement_variance is not None and math.isfinite(engagement_variance):
        out[ENGAGEMENT] = (float(engagement_variance), "pooled from the responses")
    if BURNOUT in panel.columns:
        rows = _measured(panel, BURNOUT, count)
        degrees = float((rows["n"] - 1).sum())
        if degrees > 0:
            p = rows["mean"].clip(0, 1)
            within = float((rows["n"] * p * (1 - p)).sum() / degrees)
            out[BURNOUT] = (within, "yes/no answers: from the shares themselves")
    return out


def measure_reliability(
    panel: pd.DataFrame,
    *,
    engagement_variance: float | None,
    count: str = "respondents",
) -> pd.DataFrame:
    """ICC(1) and ICC(2) of each survey measure over the panel's team-months.

    Expects panel columns site, team, the measures (engagement, burnout_rate) and
    ``count``. Returns RELIABILITY_COLUMNS, one row per measure whose per-answer
    variance is known (see ``answer_variances``): ICC(1) over team-months, answers,
    the mean respondents per team-month, ICC(2) there, and the respondents a team
    needs for an ICC(2) of MIN_RANKING_RELIABILITY.
    """
    rows = []
    variances = answer_variances(
        panel, engagement_variance=engagement_variance, count=count
    )
    for measure, (variance, source) in variances.items():
        measured = _measured(panel, measure, count)
        anova = icc1_from_aggregates(measured["mean"], measured["n"], variance)
        mean_n = float(measured["n"].mean()) if len(measured) else np.nan
        rows.append(
            {
                "measure": measure,
                "icc1": anova.icc1,
                "team_months": anova.groups,
                "answers": anova.answers,
                "mean_respondents": mean_n,
                "icc2_at_mean_respondents": spearman_brown(anova.icc1, mean_n),
                "respondents_for_ranking": respondents_needed(
                    anova.icc1, MIN_RANKING_RELIABILITY
                ),
                "source": source,
            }
        )
    return pd.DataFrame(rows, columns=list(RELIABILITY_COLUMNS))


def team_reliability(
    panel: pd.DataFrame,
    icc1: Mapping[str, float],
    *,
    count: str = "respondents",
) -> pd.DataFrame:
    """Per team: months with a score, mean respondents, and ICC(2) of each measure.

    Only months in which at least one of the measures has a score count.

    Expects panel columns site, team, ``count`` and the measures named in ``icc1``
    (measure -> ICC(1), e.g. from ``measure_reliability``). Returns site, team,
    months, mean_respondents, then ``<measure>_icc1`` and ``<measure>_icc2`` (ICC(2)
    at the team's mean respondents over its measured months).
    """
    require_columns(panel, ("site", "team", count, *icc1), name="the team-month panel")
    scored = panel[list(icc1)].notna().any(axis=1) if icc1 else True
    measured = panel[(panel[count] > 0) & scored]
    keys = team_key(measured)
    teams = (
        measured.groupby(keys, sort=True)
        .agg(
            site=("site", "first"),
            team=("team", "first"),
            months=(count, "size"),
            mean_respondents=(count, "mean"),
        )
        .reset_index(drop=True)
    )
    for measure, value in icc1.items():
        teams[f"{measure}_icc1"] = value
        teams[f"{measure}_icc2"] = spearman_brown(value, teams["mean_respondents"])
    return teams


@dataclass(frozen=True)
class RankingGate:
    """Whether a league table of teams may be shown for a measure, and why."""

    measure: str
    allowed: bool
    reason: str
    threshold: float
    lowest_icc2: float | None
    respondents_needed: float | None
    unreliable_teams: tuple[str, ...]


def ranking_gate(
    teams: pd.DataFrame,
    *,
    measure: str = ENGAGEMENT,
    threshold: float = MIN_RANKING_RELIABILITY,
) -> RankingGate:
    """Allow ranking teams on ``measure`` only if every team's ICC(2) reaches threshold.

    ``teams`` is ``team_reliability`` output (site, team, mean_respondents,
    ``<measure>_icc1``, ``<measure>_icc2``). A league table is only as trustworthy
    as its least reliable entry: a team below the threshold would land at the top
    or bottom by chance, so the whole table is hidden and the reason says how many
    respondents a team would need.
    """
    label = measure.replace("_rate", "").replace("_", " ")
    icc2_column, icc1_column = f"{measure}_icc2", f"{measure}_icc1"
    if teams.empty or icc2_column not in teams.columns:
        return RankingGate(
            measure=measure,
            allowed=False,
            reason=(
                f"Team rankings on {label} are hidden: its reliability cannot be "
                "measured yet (no team scores with a known spread of answers)."
            ),
            threshold=threshold,
            lowest_icc2=None,
            respondents_needed=None,
            unreliable_teams=(),
        )
    icc1 = float(teams[icc1_column].iloc[0])
    icc2 = teams[icc2_column].astype(float)
    lowest = float(icc2.min())
    needed = respondents_needed(icc1, threshold)
    below = teams.loc[~(icc2 >= threshold)]
    names = tuple(
        f"{site} / {team}"
        for site, team in zip(below["site"], below["team"], strict=True)
    )
    common = {
        "measure": measure,
        "threshold": threshold,
        "lowest_icc2": lowest,
        "respondents_needed": needed if math.isfinite(needed) else None,
        "unreliable_teams": names,
    }
    if not names:
        return RankingGate(
            allowed=True,
            reason=(
                f"Every team's monthly {label} score has a reliability (ICC(2)) of "
                f"at least {threshold:.2f} at its usual number of respondents "
                f"(lowest {lowest:.2f})."
            ),
            **common,
        )
    if not (math.isfinite(icc1) and icc1 > 0):
        why = (
            f"teams do not differ measurably in {label} beyond chance "
            f"(ICC(1) {icc1:.2f}), so any order between them would be noise"
        )
    else:
        why = (
            f"a team's monthly {label} score needs about {math.ceil(needed)} "
            f"respondents to reach a reliability (ICC(2)) of {threshold:.2f}, and "
            f"{len(names)} of {len(teams)} teams usually have fewer (lowest "
            f"{lowest:.2f})"
        )
    return RankingGate(
        allowed=False,
        reason=(
            f"Team rankings on {label} are hidden: {why}. Compare teams with the "
            "shrunken scores shown beside the raw ones instead."
        ),
        **common,
    )
