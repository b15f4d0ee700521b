"""The one seam from the database to ``reports/analysis``: ORM in, DataFrames out.

Every function takes an organization the caller has already scoped (see
``workforce.selectors``) and a date range, aggregates in the database, and
returns a DataFrame whose columns its docstring names. ``month`` is always the
first day of a calendar month as ``datetime64``; a range covers every calendar
month from ``start``'s through ``end``'s.
"""

from datetime import date

import pandas as pd
from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from reports.models import (
    DETRACTOR_MAX,
    KPI,
    PROMOTER_MIN,
    PatientFeedback,
    PracticeKPI,
)
from workforce.models import Organization, Site

PATIENT_NPS_COLUMNS = (
    "team_id",
    "site_id",
    "month",
    "patient_nps",
    "patient_responses",
    "promoters",
    "detractors",
)
KPI_NAMES = tuple(KPI.values)


def month_window(start: date, end: date) -> tuple[date, date]:
    """``(first day of start's month, first day after end's month)``."""
    first = start.replace(day=1)
    after = date(end.year + end.month // 12, end.month % 12 + 1, 1)
    return first, after


def _organization_sites(organization: Organization):
    return Site.objects.filter(organization=organization).values("pk")


def team_month_patient_nps(
    *, organization: Organization, start: date, end: date
) -> pd.DataFrame:
    """Patient NPS per team and month, and per site and month for site-level
    feedback.

    Columns: ``team_id`` (nullable Int64; empty for a site-level row, which
    counts only feedback given for the whole site, never its teams'),
    ``site_id``, ``month``, ``patient_nps`` (100 × (promoters − detractors) /
    responses), ``patient_responses``, ``promoters`` (scores 9-10),
    ``detractors`` (scores 0-6). One row per team-month (or site-month) with
    at least one response; sorted by site, team (site level first), month.
    """
    first, after = month_window(start, end)
    rows = (
        PatientFeedback.objects.filter(
            site_id__in=_organization_sites(organization),
            date__gte=first,
            date__lt=after,
        )
        .annotate(month=TruncMonth("date"))
        .values("site_id", "team_id", "month")
        .annotate(
            patient_responses=Count("pk"),
            promoters=Count("pk", filter=Q(score__gte=PROMOTER_MIN)),
            detractors=Count("pk", filter=Q(score__lte=DETRACTOR_MAX)),
        )
        .order_by()
    )
    frame = pd.DataFrame.from_records(
        list(rows),
        columns=[
            "site_id",
            "team_id",
            "month",
            "patient_responses",
            "promoters",
            "detractors",
        ],
    )
    frame["team_id"] = frame["team_id"].astype("Int64")
    frame["site_id"] = frame["site_id"].astype("int64")
    frame["month"] = pd.to_datetime(frame["month"])
    for column in ("patient_responses", "promoters", "detractors"):
        frame[column] = frame[column].astype("int64")
    frame["patient_nps"] = (
        100.0 * (frame["promoters"] - frame["detractors"]) / frame["patient_responses"]
    ).astype("float64")
    frame = frame.sort_values(
        ["site_id", "team_id", "month"], na_position="first", kind="stable"
    ).reset_index(drop=True)
    return frame[list(PATIENT_NPS_COLUMNS)]


def site_month_kpis(
    *, organization: Organization, start: date, end: date
) -> pd.DataFrame:
    """Practice KPIs per site and month, one column per KPI.

    Columns: ``site_id``, ``month``, then ``new_patients``, ``referrals``,
    ``show_rate`` (0-1), ``capacity_utilisation`` (0-1, actual / potential
    appointment slots), ``days_in_ar``, ``average_wait_minutes``,
    ``complaints``, ``complaints_resolved`` as floats, NaN where the KPI was not
    reported that month. One row per site-month with at least one KPI; sorted
    by site and month.
    """
    first, after = month_window(start, end)
    rows = PracticeKPI.objects.filter(
        site_id__in=_organization_sites(organization),
        month__gte=first,
        month__lt=after,
    ).values_list("site_id", "month", "kpi", "value")
    long = pd.DataFrame.from_records(
        list(rows), columns=["site_id", "month", "kpi", "value"]
    )
    long["value"] = long["value"].astype("float64")
    if long.empty:
        wide = pd.DataFrame(columns=["site_id", "month", *KPI_NAMES])
    else:
        # (site, month, kpi) is unique in the table: "first" takes the value.
        wide = long.pivot_table(
            index=["site_id", "month"], columns="kpi", values="value", aggfunc="first"
        )
        wide = wide.reindex(columns=list(KPI_NAMES)).reset_index()
        wide.columns.name = None
    wide["site_id"] = wide["site_id"].astype("int64")
    wide["month"] = pd.to_datetime(wide["month"])
    for name in KPI_NAMES:
        wide[name] = wide[name].astype("float64")
    wide = wide.sort_values(["site_id", "month"], kind="stable")
    return wide.reset_index(drop=True)[["site_id", "month", *KPI_NAMES]]
