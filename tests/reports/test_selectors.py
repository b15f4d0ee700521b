"""The ORM → DataFrame seam, on data small enough to compute by hand."""

import datetime

import pandas as pd
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import KPI, PatientFeedback, PracticeKPI
from reports.selectors import (
    PATIENT_NPS_COLUMNS,
    month_window,
    site_month_kpis,
    team_month_patient_nps,
)

D = datetime.date


def scores(site, team, day, *values):
    PatientFeedback.objects.bulk_create(
        PatientFeedback(site=site, team=team, date=day, score=v) for v in values
    )


@pytest.fixture
def feedback(org_world):
    w = org_world
    a, b, a1, a2 = w["site_a"], w["site_b"], w["team_a1"], w["team_a2"]
    scores(a, a1, D(2025, 1, 1), 10, 9, 8)
    scores(a, a1, D(2025, 1, 31), 6, 3)
    scores(a, a1, D(2025, 2, 14), 10, 10, 7)
    scores(a, a2, D(2025, 2, 28), 4)
    scores(a, None, D(2025, 1, 20), 0, 9)
    scores(b, None, D(2025, 1, 5), 9, 9, 9, 5)
    # Outside the months asked for, and another organization's.
    scores(a, a1, D(2024, 12, 31), 0, 0)
    scores(b, w["team_b1"], D(2025, 3, 1), 10)
    scores(w["other_site"], w["other_team"], D(2025, 1, 10), 0)
    return w


def test_team_and_site_level_nps_by_month(feedback):
    w = feedback

    frame = team_month_patient_nps(
        organization=w["org"], start=D(2025, 1, 15), end=D(2025, 2, 3)
    )

    assert tuple(frame.columns) == PATIENT_NPS_COLUMNS
    rows = [
        (
            None if pd.isna(r.team_id) else int(r.team_id),
            r.site_id,
            r.month.date(),
            round(r.patient_nps, 4),
            r.patient_responses,
            r.promoters,
            r.detractors,
        )
        for r in frame.itertuples()
    ]
    a, b = w["site_a"].pk, w["site_b"].pk
    a1, a2 = w["team_a1"].pk, w["team_a2"].pk
    jan, feb = D(2025, 1, 1), D(2025, 2, 1)
    expected = [
        # Site level counts only feedback for the whole site: 0 and 9.
        (None, a, jan, 0.0, 2, 1, 1),
        # 10, 9, 8, 6, 3: two promoters, two detractors.
        (a1, a, jan, 0.0, 5, 2, 2),
        # 10, 10, 7: 100 × (2 − 0) / 3.
        (a1, a, feb, 66.6667, 3, 2, 0),
        (a2, a, feb, -100.0, 1, 0, 1),
        # 9, 9, 9, 5: 100 × (3 − 1) / 4.
        (None, b, jan, 50.0, 4, 3, 1),
    ]
    site_order = sorted([a, b])
    expected.sort(
        key=lambda r: (site_order.index(r[1]), r[0] is not None, r[0] or 0, r[2])
    )
    assert rows == expected
    assert str(frame["team_id"].dtype) == "Int64"
    assert str(frame["month"].dtype).startswith("datetime64")


def test_nps_range_covers_whole_months_and_empty_is_typed(feedback):
    w = feedback
    frame = team_month_patient_nps(
        organization=w["org"], start=D(2024, 12, 31), end=D(2024, 12, 31)
    )
    assert frame["patient_responses"].tolist() == [2]
    assert frame["patient_nps"].tolist() == [-100.0]

    empty = team_month_patient_nps(
        organization=w["org"], start=D(2020, 1, 1), end=D(2020, 12, 31)
    )
    assert tuple(empty.columns) == PATIENT_NPS_COLUMNS
    assert empty.empty
    assert str(empty["month"].dtype).startswith("datetime64")


def test_nps_is_one_grouped_query(feedback):
    with CaptureQueriesContext(connection) as queries:
        team_month_patient_nps(
            organization=feedback["org"], start=D(2020, 1, 1), end=D(2030, 1, 1)
        )
    assert len(queries) == 1
    assert "GROUP BY" in queries[0]["sql"]


def test_month_window_crosses_the_year():
    assert month_window(D(2024, 12, 5), D(2024, 12, 31)) == (
        D(2024, 12, 1),
        D(2025, 1, 1),
    )
    assert month_window(D(2024, 3, 9), D(2024, 11, 2)) == (
        D(2024, 3, 1),
        D(2024, 12, 1),
    )


def test_site_month_kpis_wide_with_gaps(org_world):
    w = org_world
    a, b = w["site_a"], w["site_b"]
    for site, month, kpi, value in [
        (a, D(2025, 1, 1), KPI.SHOW_RATE, "0.9"),
        (a, D(2025, 1, 1), KPI.NEW_PATIENTS, "40"),
        (a, D(2025, 2, 1), KPI.COMPLAINTS, "2"),
        (b, D(2025, 1, 1), KPI.DAYS_IN_AR, "31.5"),
        (b, D(2025, 4, 1), KPI.DAYS_IN_AR, "29"),
        (w["other_site"], D(2025, 1, 1), KPI.REFERRALS, "3"),
    ]:
        PracticeKPI.objects.create(site=site, month=month, kpi=kpi, value=value)

    frame = site_month_kpis(
        organization=w["org"], start=D(2025, 1, 1), end=D(2025, 3, 31)
    )

    assert list(frame.columns) == ["site_id", "month", *KPI.values]
    by_key = {(r["site_id"], r["month"].date()): r for r in frame.to_dict("records")}
    assert set(by_key) == {
        (a.pk, D(2025, 1, 1)),
        (a.pk, D(2025, 2, 1)),
        (b.pk, D(2025, 1, 1)),
    }
    jan_a = by_key[(a.pk, D(2025, 1, 1))]
    assert jan_a["show_rate"] == 0.9
    assert jan_a["new_patients"] == 40.0
    assert pd.isna(jan_a["complaints"])
    assert by_key[(a.pk, D(2025, 2, 1))]["complaints"] == 2.0
    assert by_key[(b.pk, D(2025, 1, 1))]["days_in_ar"] == 31.5
    assert frame[list(KPI.values)].dtypes.eq("float64").all()


def test_site_month_kpis_empty_has_the_columns(org_world):
    frame = site_month_kpis(
        organization=org_world["org"], start=D(2025, 1, 1), end=D(2025, 3, 31)
    )
    assert frame.empty
    assert list(frame.columns) == ["site_id", "month", *KPI.values]
