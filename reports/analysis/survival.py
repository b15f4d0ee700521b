"""Individual retention: Kaplan-Meier curves and a Cox model for cross-training.

Input is person spells in counting-process form, one row per stretch of time in
which a person's covariates did not change: person, site, team, job_role,
tenure_band, start, stop (time since hire, days or months, start < stop), event
(1 = left voluntarily at ``stop``; involuntary leaving and transfers are 0, i.e.
censored), cross_training_breadth (skills at level 2 or above during the spell).
A person with a single row is simply (0 or their first observed tenure, stop].
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .findings import Finding, from_coefficient, refused
from .fitting import fit_cox, group_codes, survival_table, t_coefficient
from .panel import (
    MIN_LEAVING_EVENTS,
    MIN_PEOPLE_PER_CURVE,
    MIN_TEAMS,
    PEOPLE_COLUMNS,
    require_columns,
    team_key,
)
from .wording import Wording

CROSS_TRAINING_KEY = "cross_training_to_leaving"
CROSS_TRAINING_UNIT = (
    "voluntary-leaving hazard ratio per additional cross-trained skill"
)
CROSS_TRAINING_WORDING = Wording(
    link="cross-training breadth and staying",
    comparison="People cross-trained in one more skill (level 2 or above)",
    kind="ratio",
    more="a {pct}% higher rate of leaving voluntarily",
    fewer="a {pct}% lower rate of leaving voluntarily",
    ratio_name="hazard ratio",
    per="per additional skill",
    population="people",
)
CURVE_GROUPINGS = ("site", "job_role", "tenure_band")


def _checked(people: pd.DataFrame) -> pd.DataFrame:
    require_columns(people, PEOPLE_COLUMNS, name="the people spells")
    people = people.sort_values(["person", "start"], kind="stable").reset_index(
        drop=True
    )
    if (people["start"] >= people["stop"]).any():
        raise ValueError("every spell must end after it starts (start < stop)")
    if not people["event"].isin([0, 1]).all():
        raise ValueError("event must be 1 (left voluntarily) or 0 (censored)")
    return people


def retention_curve(people: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Kaplan-Meier share still employed against time since hire, per group.

    Each person belongs to the group on their first row (their site, role or
    tenure band when first seen); their later rows still count through ``entry``
    so people already employed when records begin are only at risk from then on.
    Groups with fewer than MIN_PEOPLE_PER_CURVE people are left out, and so are
    the times at which fewer than that many were still at risk (too few to draw,
    and too close to identifying someone).

    Returns columns group_by, group, time, survival, ci_low, ci_high, at_risk,
    events; ``group_by`` is ``by`` or "all".
    """
    people = _checked(people)
    if by is None:
        groups = pd.Series("all", index=people.index)
    else:
        if by not in CURVE_GROUPINGS:
            raise ValueError(f"by must be one of {', '.join(CURVE_GROUPINGS)}")
        groups = people.groupby("person")[by].transform("first").astype(str)
    tables = []
    for group, rows in people.groupby(groups, sort=True):
        if rows["person"].nunique() < MIN_PEOPLE_PER_CURVE:
            continue
        table = survival_table(
            rows["stop"].to_numpy(dtype=float),
            rows["event"].to_numpy(dtype=float),
            entry=rows["start"].to_numpy(dtype=float),
        )
        # The tail where only a few people remain is both noise and too close to
        # pointing at one person ("the one with 16 years who left in March").
        table = table[table["at_risk"] >= MIN_PEOPLE_PER_CURVE]
        table.insert(0, "group", group)
        table.insert(0, "group_by", by or "all")
        tables.append(table)
    if not tables:
        return pd.DataFrame(
            columns=[
                "group_by",
                "group",
                "time",
                "survival",
                "ci_low",
                "ci_high",
                "at_risk",
                "events",
            ]
        )
    return pd.concat(tables, ignore_index=True)


def retention_curves(people: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Overall curve and curves by site, job role and tenure band (see above)."""
    curves = {"all": retention_curve(people)}
    for by in CURVE_GROUPINGS:
        curves[by] = retention_curve(people, by=by)
    return curves


def cross_training_to_leaving(people: pd.DataFrame) -> Finding:
    """Cox model of voluntary leaving on cross-training breadth, clustered by team.

    Time is time since hire; rows enter at ``start`` (counting process, Efron ties).
    Job roles enter as indicator columns (roles leave at different base rates);
    strata would be the textbook choice but cannot be combined with clustered
    errors in statsmodels 0.15. Each person is clustered in the team of their
    first row so that all of a person's rows fall in one cluster.
    """
    people = _checked(people)
    cluster = team_key(people).groupby(people["person"]).transform("first")
    n_people = int(people["person"].nunique())
    events = int(people["event"].sum())
    _, n_teams = group_codes(cluster)
    common = {
        "key": CROSS_TRAINING_KEY,
        "wording": CROSS_TRAINING_WORDING,
        "unit": CROSS_TRAINING_UNIT,
        "n_teams": n_teams,
        "n_obs": n_people,
    }
    method = (
        "Cox proportional hazards on time since hire (counting process, Efron ties), "
        "job role indicators, cluster-robust by team, t on G-1 df"
    )
    reason = None
    if n_teams < MIN_TEAMS:
        reason = f"needs people in at least {MIN_TEAMS} teams; has {n_teams}"
    elif events < MIN_LEAVING_EVENTS:
        reason = f"needs at least {MIN_LEAVING_EVENTS} voluntary leavers; has {events}"
    elif people["cross_training_breadth"].nunique() < 2:
        reason = "everyone had the same cross-training breadth"
    if reason is not None:
        return refused(
            reason=reason, method=method, details={"events": events}, **common
        )

    exog = pd.DataFrame(
        {"cross_training_breadth": people["cross_training_breadth"].astype(float)}
    )
    roles = pd.get_dummies(people["job_role"].astype(str), prefix="role", dtype=float)
    if roles.shape[1] > 1:
        exog = pd.concat([exog, roles.iloc[:, 1:]], axis=1)
    result = fit_cox(
        people["stop"].to_numpy(dtype=float),
        people["event"].to_numpy(dtype=float),
        exog,
        entry=people["start"].to_numpy(dtype=float),
        groups=cluster.to_numpy(),
    )
    coefficient = t_coefficient(
        float(np.asarray(result.params)[0]),
        float(np.asarray(result.bse)[0]),
        n_teams - 1,
    )
    return from_coefficient(
        coefficient=coefficient,
        per=1.0,
        method=method,
        details={"events": events, "rows": len(people)},
        **common,
    )
