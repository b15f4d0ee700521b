"""The whole analysis in one call: findings, retention curves, shrunk scores."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from .engagement import engagement_to_patient_nps, engagement_to_patient_nps_between
from .findings import Finding, refused, with_q_values
from .panel import PANEL_COLUMNS, require_columns
from .reliability import (
    BURNOUT,
    ENGAGEMENT,
    RankingGate,
    measure_reliability,
    ranking_gate,
    team_reliability,
)
from .shrinkage import shrink_team_scores
from .survival import (
    CROSS_TRAINING_KEY,
    CROSS_TRAINING_UNIT,
    CROSS_TRAINING_WORDING,
    cross_training_to_leaving,
    retention_curves,
)
from .turnover import turnover_findings


@dataclass(frozen=True)
class FlywheelAnalysis:
    """Everything the reports show.

    findings: engagement -> patient NPS (within and between teams), engagement /
    burnout / coverage -> voluntary leaving, cross-training -> leaving (people),
    each with a Benjamini-Hochberg q-value across the run.
    retention: Kaplan-Meier tables keyed "all", "site", "job_role", "tenure_band".
    engagement, burnout: raw and shrunk team-month scores (see shrinkage.py).
    reliability: ICC(1) and ICC(2) of each survey measure (reliability.py,
    RELIABILITY_COLUMNS); teams: each team's mean respondents and ICC(2) per
    measure; ranking: per measure ("engagement", "burnout_rate"), whether a league
    table of teams may be shown and why (ICC(2) of at least 0.6 for every team).
    """

    findings: list[Finding]
    retention: dict[str, pd.DataFrame]
    engagement: pd.DataFrame
    burnout: pd.DataFrame
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    teams: pd.DataFrame = field(default_factory=pd.DataFrame)
    ranking: dict[str, RankingGate] = field(default_factory=dict)

    def finding(self, key: str) -> Finding:
        for finding in self.findings:
            if finding.key == key:
                return finding
        raise KeyError(key)


def flywheel_analysis(
    *,
    panel: pd.DataFrame,
    people: pd.DataFrame | None = None,
    engagement_individual_variance: float | None = None,
) -> FlywheelAnalysis:
    """Run every model on a team-month panel (PANEL_COLUMNS) and person spells.

    ``people`` holds counting-process spells (see survival.py); without it the
    cross-training finding is reported as insufficient data and there are no
    retention curves. ``engagement_individual_variance`` is one person's variance
    around their team-month engagement mean, pooled from the responses (default:
    ``panel.attrs["engagement_individual_variance"]``, which
    reports/selectors.team_month_panel sets). It measures the noise in team
    scores: without it engagement's reliability is unknown, nothing is corrected
    for noise and engagement rankings stay hidden.
    """
    require_columns(panel, PANEL_COLUMNS, name="the team-month panel")
    variance = engagement_individual_variance
    if variance is None:
        variance = panel.attrs.get("engagement_individual_variance")
    if variance is not None and not (math.isfinite(variance) and variance > 0):
        variance = None
    findings = [
        engagement_to_patient_nps(panel, answer_variance=variance),
        engagement_to_patient_nps_between(panel),
        *turnover_findings(panel, answer_variance=variance),
    ]
    if people is not None and len(people):
        findings.append(cross_training_to_leaving(people))
        retention = retention_curves(people)
    else:
        findings.append(
            refused(
                key=CROSS_TRAINING_KEY,
                reason="there are no staff records to follow yet",
                wording=CROSS_TRAINING_WORDING,
                method="Cox proportional hazards",
                unit=CROSS_TRAINING_UNIT,
                n_teams=0,
                n_obs=0,
            )
        )
        retention = {}
    reliability = measure_reliability(panel, engagement_variance=variance)
    teams = team_reliability(
        panel, dict(zip(reliability["measure"], reliability["icc1"], strict=True))
    )
    return FlywheelAnalysis(
        findings=with_q_values(findings),
        retention=retention,
        engagement=shrink_team_scores(
            panel, value="engagement", individual_variance=variance
        ),
        burnout=shrink_team_scores(panel, value="burnout_rate", proportion=True),
        reliability=reliability,
        teams=teams,
        ranking={
            measure: ranking_gate(teams, measure=measure)
            for measure in (ENGAGEMENT, BURNOUT)
        },
    )
