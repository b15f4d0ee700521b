"""Turnover (by site, team, job role and tenure band) and the retention curve."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import pandas as pd

from reports.analysis.survival import retention_curve
from reports.analysis_output import VOLUNTARY_TURNOVER_TARGET, _annualised_rate
from surveys.models import TenureBand
from surveys.services import tenure_band
from workforce.models import StaffMember, TerminationReason

from .periods import Scope
from .statuses import STATUS_LABELS, VOLUNTARY_TURNOVER_WATCH, _round1, status_below


@dataclass(frozen=True)
class TurnoverRow:
    """Annualised leaving, percent a year, over the window for one group."""

    group_by: str  # site, team, job_role, tenure_band or total
    label: str
    headcount: float | None
    voluntary_leavers: int
    involuntary_leavers: int
    voluntary_rate: float | None
    involuntary_rate: float | None
    status: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, "no target")


@dataclass(frozen=True)
class RetentionPoint:
    months: float
    survival: float
    ci_low: float
    ci_high: float
    at_risk: int


def _panel_rate(rows: pd.DataFrame, column: str) -> tuple[float | None, int, float]:
    """(annualised rate, leavers, mean headcount) of panel rows summed per month."""
    if rows.empty:
        return None, 0, 0.0
    monthly = rows.groupby("month")[[column, "headcount"]].sum()
    leavers = int(monthly[column].sum())
    headcount = float(monthly["headcount"].mean())
    return _annualised_rate(leavers, headcount, len(monthly)), leavers, headcount


def _turnover_rows(
    panel: pd.DataFrame, scope: Scope, people: pd.DataFrame, leavers: list[tuple]
) -> list[TurnoverRow]:
    rows = []

    def add(group_by, label, part):
        voluntary, v_count, heads = _panel_rate(part, "voluntary_leavers")
        involuntary, i_count, _heads = _panel_rate(part, "involuntary_leavers")
        rows.append(
            _turnover_row(
                group_by,
                label,
                _round1(heads) if not part.empty else None,
                (v_count, i_count),
                (voluntary, involuntary),
            )
        )

    add("total", scope.label, panel)
    for site, part in panel.groupby("site", sort=True):
        add("site", site, part)
    for (site, team), part in panel.groupby(["site", "team"], sort=True):
        add("team", f"{team} ({site})", part)
    # Job role and tenure band: leavers over person-years at risk (people_frame
    # splits spells where the band changes, so each band gets its own time).
    for group_by in ("job_role", "tenure_band"):
        exposure = people.assign(months=people["stop"] - people["start"])
        years = exposure.groupby(group_by)["months"].sum() / 12.0
        counts = defaultdict(lambda: [0, 0])
        for role, band, reason in leavers:
            key = role if group_by == "job_role" else band
            counts[key][0 if reason == TerminationReason.VOLUNTARY else 1] += 1
        for key in sorted(set(years.index) | set(counts), key=str):
            person_years = float(years.get(key, 0.0))
            voluntary_count, involuntary_count = counts[key]
            v_rate = i_rate = None
            if person_years > 0:
                v_rate = _round1(100.0 * voluntary_count / person_years)
                i_rate = _round1(100.0 * involuntary_count / person_years)
            rows.append(
                _turnover_row(
                    group_by,
                    _group_label(group_by, key),
                    _round1(person_years) if person_years else None,
                    (voluntary_count, involuntary_count),
                    (v_rate, i_rate),
                )
            )
    return rows


def _turnover_row(group_by, label, headcount, leavers, rates) -> TurnoverRow:
    """A row from (voluntary, involuntary) leavers and rates, judged on the
    voluntary rate."""
    (voluntary_leavers, involuntary_leavers), (voluntary, involuntary) = leavers, rates
    return TurnoverRow(
        group_by=group_by,
        label=label,
        headcount=headcount,
        voluntary_leavers=voluntary_leavers,
        involuntary_leavers=involuntary_leavers,
        voluntary_rate=voluntary,
        involuntary_rate=involuntary,
        status=status_below(
            voluntary, VOLUNTARY_TURNOVER_TARGET, VOLUNTARY_TURNOVER_WATCH
        ),
    )


def _group_label(group_by: str, key) -> str:
    if group_by == "tenure_band" and key in TenureBand.values:
        return str(TenureBand(key).label)
    return str(key) or "No job role"


def _leavers(scope: Scope, first: date, last: date) -> list[tuple]:
    """(job role, tenure band at leaving, reason) of people who left in the window."""
    rows = StaffMember.objects.filter(
        organization=scope.organization,
        termination_date__gte=first,
        termination_date__lte=last,
        termination_reason__in=[
            TerminationReason.VOLUNTARY,
            TerminationReason.INVOLUNTARY,
        ],
    )
    if scope.site is not None:
        rows = rows.filter(site=scope.site)
    return [
        (role or "", tenure_band(hire_date=hired, on=left), reason)
        for role, hired, left, reason in rows.values_list(
            "job_role__name", "hire_date", "termination_date", "termination_reason"
        )
    ]


def _retention(people: pd.DataFrame) -> list[RetentionPoint]:
    if people.empty:
        return []
    curve = retention_curve(people)
    return [
        RetentionPoint(
            months=float(row.time),
            survival=float(row.survival),
            ci_low=float(row.ci_low),
            ci_high=float(row.ci_high),
            at_risk=int(row.at_risk),
        )
        for row in curve.itertuples()
    ]
