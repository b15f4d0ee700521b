"""Patient NPS per team and month, and the practice KPIs (referrals, new
patients, show rate, capacity, days in A/R).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from reports.analysis_output import PATIENT_NPS_TARGET
from reports.selectors import site_month_kpis

from .periods import ReportPeriod, Scope
from .statuses import (
    MET,
    OFF,
    PATIENT_NPS_WATCH,
    STATUS_LABELS,
    UNKNOWN,
    WATCH,
    _round1,
    nps_value,
)


@dataclass(frozen=True)
class NpsCell:
    site: str
    team: str | None  # None: all the site's answers
    month: str
    nps: float | None  # None below MIN_PATIENT_RESPONSES answers
    responses: int
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "no target")


def _patient_cells(
    patients: pd.DataFrame, scope: Scope, period: ReportPeriod
) -> tuple[list[NpsCell], tuple[int, int, int]]:
    """Per team and month and per site and month in the period, plus the scope's
    (promoters, detractors, responses) over the whole period."""
    sites = dict(scope.sites().values_list("pk", "name"))
    teams = dict(scope.teams().values_list("pk", "name"))
    months = {pd.Timestamp(m) for m in period.months}
    rows = patients[patients["site_id"].isin(sites) & patients["month"].isin(months)]
    cells = []
    counts = ["promoters", "detractors", "patient_responses"]
    for (site_id, month), part in rows.groupby(["site_id", "month"], sort=True):
        p, d, n = (int(part[c].sum()) for c in counts)
        value = nps_value(p, d, n)
        cells.append(
            NpsCell(
                site=sites[site_id],
                team=None,
                month=f"{month:%Y-%m}",
                nps=value,
                responses=n,
                status=_nps_status(value),
            )
        )
    team_rows = rows[rows["team_id"].notna()]
    for row in team_rows.itertuples():
        team_id = int(row.team_id)
        if team_id not in teams:
            continue
        value = nps_value(row.promoters, row.detractors, row.patient_responses)
        cells.append(
            NpsCell(
                site=sites[row.site_id],
                team=teams[team_id],
                month=f"{row.month:%Y-%m}",
                nps=value,
                responses=int(row.patient_responses),
                status=_nps_status(value),
            )
        )
    cells.sort(key=lambda c: (c.site, c.team is not None, c.team or "", c.month))
    total = tuple(int(rows[c].sum()) for c in counts)
    return cells, total


def _nps_status(value: float | None) -> str:
    """Met strictly above PATIENT_NPS_TARGET; watch down to PATIENT_NPS_WATCH."""
    if value is None:
        return UNKNOWN
    if value > PATIENT_NPS_TARGET:
        return MET
    return WATCH if value >= PATIENT_NPS_WATCH else OFF


def _kpis(scope: Scope, period: ReportPeriod) -> dict[str, float | None]:
    """Referrals and new patients summed over the period and the one before,
    show rate and capacity utilisation averaged (percent), days in A/R the
    latest month's mean over the scope's sites."""
    previous = period.previous()
    frame = site_month_kpis(
        organization=scope.organization, start=previous.first_day, end=period.last_day
    )
    if scope.site is not None:
        frame = frame[frame["site_id"] == scope.site.pk]
    current = frame[frame["month"] >= pd.Timestamp(period.first_day)]
    before = frame[frame["month"] < pd.Timestamp(period.first_day)]

    def total(part, name):
        values = part[name].dropna()
        return None if values.empty else float(values.sum())

    def mean(part, name, scale=1.0):
        values = part[name].dropna()
        return None if values.empty else _round1(scale * float(values.mean()))

    latest = current[current["month"] == current["month"].max()]
    return {
        "referrals": total(current, "referrals"),
        "referrals_previous": total(before, "referrals"),
        "new_patients": total(current, "new_patients"),
        "new_patients_previous": total(before, "new_patients"),
        "show_rate": mean(current, "show_rate", 100.0),
        "capacity_utilisation": mean(current, "capacity_utilisation", 100.0),
        "days_in_ar": mean(latest, "days_in_ar"),
        "complaints": total(current, "complaints"),
    }
