"""What an analysis run shows: findings, the teams table, KPIs against targets.

The result of a run is built here from the panel and the analysis, with survey
numbers already limited to what surveys/anonymity.py releases, and stored on the
run; :func:`analysis_payload` turns a stored run into the one JSON payload the
page's JSON view and the ``flywheel_analysis`` command both write.

Suppression: a team's survey-based numbers (engagement raw and shrunk, burnout
raw and shrunk, eNPS, respondents) come from its latest month with a survey. If
that month's numbers come from released rounds, they show only where the
rounds' results show the team (the survey results' computation, which asks
``surveys.anonymity``): a team below the round's k, rolled into "Other teams" or
hidden to protect a smaller group is ``suppressed`` and its survey numbers are
null, and a measure hidden on its own (answered by fewer than k, or an engagement
index whose items did not agree) is null. Imported pulse history shows only for
groups of at least the organization's k.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

from reports.analysis.flywheel import FlywheelAnalysis
from reports.analysis.panel import MIN_PATIENT_RESPONSES
from reports.models import AnalysisRun
from reports.selectors import site_month_kpis, team_month_patient_nps
from surveys import results as survey_results
from surveys.anonymity import TEAM, GroupKey
from surveys.models import Measure, Response, Round, RoundStatus
from workforce.models import Organization, Site, Team

# Top-level keys of the payload and the findings behind the first four.
PAYLOAD_FINDINGS = {
    "engagement_to_nps": "engagement_to_patient_nps",
    "engagement_to_turnover": "engagement_to_turnover",
    "burnout_to_turnover": "burnout_to_turnover",
    "coverage_to_turnover": "coverage_to_turnover",
}
PAYLOAD_KEYS = (*PAYLOAD_FINDINGS, "teams", "kpis", "run")
FINDING_FIELDS = (
    "status",
    "estimate",
    "ci_low",
    "ci_high",
    "p_value",
    "q_value",
    "n_teams",
    "n_obs",
    "method",
    "unit",
    "sentence",
    "reason",
    "estimate_corrected",
    "ci_low_corrected",
    "ci_high_corrected",
    "reliability",
    "min_detectable_effect",
    "uses_correction",
    "attenuation_flag",
    "attenuation_note",
)
SURVEY_FIELDS = (
    "respondents",
    "engagement",
    "engagement_shrunk",
    "burnout_rate",
    "burnout_rate_shrunk",
    "enps",
)
# Which results measure hides which survey field of the teams table.
MEASURE_FIELDS = {
    Measure.ENGAGEMENT.value: ("engagement", "engagement_shrunk"),
    Measure.BURNOUT.value: ("burnout_rate", "burnout_rate_shrunk"),
    Measure.ENPS.value: ("enps",),
}

# Flywheel targets.
PATIENT_NPS_TARGET = 70.0  # above
VOLUNTARY_TURNOVER_TARGET = 15.0  # below, percent a year
DAYS_IN_AR_TARGET = (30.0, 45.0)  # inclusive
TURNOVER_WINDOW_MONTHS = 12


def json_ready(value):
    """Plain JSON values: NaN and infinities become None, numpy scalars Python."""
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(value, digits: int):
    if value is None or pd.isna(value):
        return None
    return round(float(value), digits) + 0.0


def _month(value) -> str:
    return pd.Timestamp(value).strftime("%Y-%m")


# --- findings -------------------------------------------------------------------


def findings_result(analysis: FlywheelAnalysis) -> dict[str, dict]:
    """Every finding of the run by key, JSON-ready."""
    return {f.key: json_ready(f.as_dict()) for f in analysis.findings}


def finding_payload(finding: dict) -> dict:
    return {field: finding.get(field) for field in FINDING_FIELDS}


# --- the teams table --------------------------------------------------------------


def _survey_visibility(
    organization: Organization, survey_months: dict[int, pd.Timestamp]
) -> dict[int, tuple[bool, set[str]]]:
    """Per team: (suppressed, hidden measures) for its latest survey month."""
    if not survey_months:
        return {}
    months = {pd.Timestamp(m).date() for m in survey_months.values()}
    contributions = defaultdict(set)
    rows = (
        Response.objects.filter(
            round__organization=organization,
            round__status=RoundStatus.RELEASED,
            round__period__in=months,
            team_id__in=list(survey_months),
        )
        .values_list("round_id", "round__period", "site_id", "team_id")
        .distinct()
    )
    for round_id, period, site_id, team_id in rows:
        if pd.Timestamp(period) == survey_months[team_id]:
            contributions[team_id].add((round_id, site_id))
    rounds = {
        r.pk: r
        for r in Round.objects.filter(
            pk__in={
                round_id for pairs in contributions.values() for round_id, _ in pairs
            }
        ).select_related("organization", "survey")
    }
    groups: dict[int, dict[str, dict]] = {}
    visibility = {}
    for team_id in survey_months:
        pairs = contributions.get(team_id)
        if not pairs:
            continue  # imported history: decided on its respondents below
        suppressed = False
        hidden: set[str] = set()
        for round_id, site_id in pairs:
            if round_id not in groups:
                groups[round_id] = _released_groups(rounds[round_id])
            group = groups[round_id].get(str(GroupKey(TEAM, site_id, team_id)))
            if group is None or "scores" not in group:
                suppressed = True
                continue
            for code, cell in group["scores"].items():
                if isinstance(cell, dict) and "hidden" in cell:
                    hidden.add(code)
        visibility[team_id] = (suppressed, hidden)
    return visibility


def _released_groups(round_: Round) -> dict[str, dict]:
    """The round's result groups by key, as the survey results publish them.

    The same cached computation as the results pages (surveys.results), without
    the comparison with the previous round that ``released_results`` adds: for a
    large group each round's anonymity decisions take minutes, and the previous
    round's are not needed here.
    """
    return {g["key"]: g for g in survey_results._computed(round_).payload["groups"]}


def teams_table(
    *,
    organization: Organization,
    panel: pd.DataFrame,
    analysis: FlywheelAnalysis,
) -> list[dict]:
    """One row per team: its latest metrics, raw and shrunk, suppressed as needed.

    Non-survey metrics are the team's latest month in the panel; voluntary
    leavers and the annualised voluntary turnover rate (percent a year) cover
    its last TURNOVER_WINDOW_MONTHS months there; survey numbers are its latest
    month with a survey (``survey_month``). Shares (burnout, coverage, training
    compliance) are 0-1.
    """
    if panel.empty:
        return []
    team_ids = {
        (site, name): pk
        for pk, site, name in Team.objects.filter(
            site__organization=organization
        ).values_list("pk", "site__name", "name")
    }
    shrunk = {}
    for name, frame in (
        ("engagement", analysis.engagement),
        ("burnout_rate", analysis.burnout),
    ):
        for row in frame.itertuples():
            shrunk[(name, row.site, row.team, pd.Timestamp(row.month))] = row.shrunk
    surveyed = panel["respondents"] > 0
    latest_survey = {}
    for (site, team), rows in panel[surveyed].groupby(["site", "team"], sort=False):
        latest_survey[team_ids[(site, team)]] = pd.Timestamp(rows["month"].max())
    visibility = _survey_visibility(organization, latest_survey)
    k = organization.min_group_size

    table = []
    for (site, team), rows in panel.groupby(["site", "team"], sort=True):
        team_id = team_ids[(site, team)]
        rows = rows.sort_values("month")
        last = rows.iloc[-1]
        recent = rows[
            rows["month"]
            > pd.Timestamp(last["month"]) - pd.DateOffset(months=TURNOVER_WINDOW_MONTHS)
        ]
        entry = {
            "site": site,
            "team": team,
            "month": _month(last["month"]),
            "headcount": _number(last["headcount"], 2),
            "voluntary_leavers_12m": int(recent["voluntary_leavers"].sum()),
            "voluntary_turnover_rate": _annualised_rate(
                recent["voluntary_leavers"].sum(),
                recent["headcount"].mean(),
                len(recent),
            ),
            "recognitions_per_head": _number(last["recognitions_per_head"], 3),
            "training_compliance": _number(last["training_compliance"], 3),
            "cpd_hours_per_head": _number(last["cpd_hours_per_head"], 2),
            "coverage": _number(last["coverage"], 3),
            "spof_count": int(last["spof_count"]),
            "patient_nps": _number(last["patient_nps"], 1),
            "patient_responses": int(last["patient_responses"]),
            "survey_month": None,
            **dict.fromkeys(SURVEY_FIELDS),
            "suppressed": False,
        }
        month = latest_survey.get(team_id)
        if month is not None:
            survey = rows[rows["month"] == month].iloc[0]
            entry["survey_month"] = _month(month)
            if team_id in visibility:
                suppressed, hidden = visibility[team_id]
            else:
                suppressed, hidden = int(survey["respondents"]) < k, set()
            entry["suppressed"] = suppressed
            if not suppressed:
                key = (site, team, month)
                entry.update(
                    {
                        "respondents": int(survey["respondents"]),
                        "engagement": _number(survey["engagement"], 1),
                        "engagement_shrunk": _number(
                            shrunk.get(("engagement", *key)), 1
                        ),
                        "burnout_rate": _number(survey["burnout_rate"], 3),
                        "burnout_rate_shrunk": _number(
                            shrunk.get(("burnout_rate", *key)), 3
                        ),
                        "enps": _number(survey["enps"], 1),
                    }
                )
                for code in hidden:
                    for field in MEASURE_FIELDS.get(code, ()):
                        entry[field] = None
        table.append(entry)
    return table


def _annualised_rate(leavers: float, headcount: float, months: int) -> float | None:
    """Leavers per head over ``months`` months, scaled to a year, in percent."""
    if not months or headcount is None or pd.isna(headcount) or headcount <= 0:
        return None
    return _number(100.0 * float(leavers) / float(headcount) * 12 / months, 1)


# --- KPIs against targets --------------------------------------------------------


def _target(value, met) -> dict:
    return {"value": value, "met": None if value is None else bool(met(value))}


def kpi_table(
    *,
    organization: Organization,
    panel: pd.DataFrame,
    start,
    end,
    patients: pd.DataFrame | None = None,
) -> list[dict]:
    """Flywheel KPIs per site and month, each with its target and whether it was met.

    ``patients`` is ``team_month_patient_nps`` for the period if the caller has it.

    - patient NPS: all the site's patient answers that month (teams' and the
      site's own), target above PATIENT_NPS_TARGET; not judged with fewer than
      MIN_PATIENT_RESPONSES answers;
    - voluntary staff turnover: voluntary leavers over the last
      TURNOVER_WINDOW_MONTHS months of the period (fewer at its start) per
      average head, annualised, percent; target below VOLUNTARY_TURNOVER_TARGET;
    - days in accounts receivable, from the practice KPIs: target
      DAYS_IN_AR_TARGET inclusive.
    """
    sites = dict(
        Site.objects.filter(organization=organization).values_list("pk", "name")
    )
    keys = ["site", "month"]
    if patients is None:
        patients = team_month_patient_nps(
            organization=organization, start=start, end=end
        )
    patients = patients.assign(site=patients["site_id"].map(sites))
    nps = patients.groupby(keys)[["patient_responses", "promoters", "detractors"]].sum()
    practice = site_month_kpis(organization=organization, start=start, end=end)
    practice["site"] = practice["site_id"].map(sites)
    practice = practice.set_index(keys)[["days_in_ar"]]
    turnover = _site_turnover(panel)
    frame = nps.join(turnover, how="outer").join(practice, how="outer").reset_index()
    frame = frame.sort_values(keys, kind="stable")

    table = []
    for row in frame.itertuples(index=False):
        responses = 0 if pd.isna(row.patient_responses) else int(row.patient_responses)
        nps_value = None
        if responses >= MIN_PATIENT_RESPONSES:
            nps_value = _number(100.0 * (row.promoters - row.detractors) / responses, 1)
        months = 0 if pd.isna(row.months) else int(row.months)
        rate = None
        if months:
            rate = _annualised_rate(row.leavers, row.mean_headcount, months)
        ar_value = _number(row.days_in_ar, 1)
        table.append(
            {
                "site": row.site,
                "month": _month(row.month),
                "patient_nps": {
                    **_target(nps_value, lambda v: v > PATIENT_NPS_TARGET),
                    "responses": responses,
                    "target": f"above {PATIENT_NPS_TARGET:g}",
                },
                "voluntary_turnover": {
                    **_target(rate, lambda v: v < VOLUNTARY_TURNOVER_TARGET),
                    "unit": "% a year",
                    "leavers": 0 if pd.isna(row.leavers) else int(row.leavers),
                    "months": months,
                    "target": f"below {VOLUNTARY_TURNOVER_TARGET:g}% a year",
                },
                "days_in_ar": {
                    **_target(
                        ar_value,
                        lambda v: DAYS_IN_AR_TARGET[0] <= v <= DAYS_IN_AR_TARGET[1],
                    ),
                    "target": f"{DAYS_IN_AR_TARGET[0]:g}-{DAYS_IN_AR_TARGET[1]:g} days",
                },
            }
        )
    return table


def _site_turnover(panel: pd.DataFrame) -> pd.DataFrame:
    """Per site and month: voluntary leavers, months and mean site headcount over
    the trailing TURNOVER_WINDOW_MONTHS months that have panel rows."""
    columns = ["leavers", "months", "mean_headcount"]
    if panel.empty:
        return pd.DataFrame(
            columns=columns,
            index=pd.MultiIndex.from_arrays([[], []], names=["site", "month"]),
        )
    monthly = panel.groupby(["site", "month"])[["voluntary_leavers", "headcount"]].sum()
    parts = []
    for site, rows in monthly.groupby(level="site", sort=False):
        rows = rows.droplevel("site")
        # Every calendar month, so that a window of 12 rows is 12 months; the
        # months without rows stay NaN and count for nothing.
        every = pd.date_range(rows.index.min(), rows.index.max(), freq="MS")
        rows = rows.reindex(every)
        window = rows.rolling(TURNOVER_WINDOW_MONTHS, min_periods=1)
        part = pd.DataFrame(
            {
                "leavers": window["voluntary_leavers"].sum(),
                "months": window["headcount"].count(),
                "mean_headcount": window["headcount"].mean(),
            }
        )[rows["headcount"].notna()]
        part.index = pd.MultiIndex.from_product(
            [[site], part.index], names=["site", "month"]
        )
        parts.append(part)
    return pd.concat(parts)


def latest_kpis(kpis: Iterable[dict]) -> list[dict]:
    """Each site's latest month of the KPI table."""
    latest: dict[str, dict] = {}
    for row in kpis:
        if row["site"] not in latest or row["month"] > latest[row["site"]]["month"]:
            latest[row["site"]] = row
    return [latest[site] for site in sorted(latest)]


# --- the payload ----------------------------------------------------------------


def analysis_payload(run: AnalysisRun) -> dict:
    """The JSON of a finished run: the page's JSON view and the command write it."""
    if run.status != AnalysisRun.Status.DONE:
        raise ValueError("only a finished run has results")
    findings = run.result["findings"]
    payload = {
        name: finding_payload(findings[key]) for name, key in PAYLOAD_FINDINGS.items()
    }
    payload["teams"] = run.result["teams"]
    payload["kpis"] = run.result["kpis"]
    payload["run"] = {
        "id": run.pk,
        "fingerprint": run.fingerprint,
        "period": {
            "from": run.period_start.strftime("%Y-%m"),
            "to": run.period_end.strftime("%Y-%m"),
        },
        "created_at": run.created_at.isoformat(),
    }
    return payload
