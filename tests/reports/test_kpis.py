"""import_practice_kpis, through the command."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.kpis import AMOUNTS, COUNTS, RATES
from reports.models import KPI, PracticeKPI

HEADER = "site,month,kpi,value\n"


def run(tmp_path, text):
    path = tmp_path / "kpis.csv"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command(
        "import_practice_kpis",
        str(path),
        "--org",
        "brightsmile",
        stdout=out,
        stderr=StringIO(),
    )
    return out.getvalue()


def rejected(tmp_path, text):
    path = tmp_path / "kpis.csv"
    path.write_text(text, encoding="utf-8")
    before = list(PracticeKPI.objects.values_list("site", "month", "kpi", "value"))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_practice_kpis",
            str(path),
            "--org",
            "brightsmile",
            stdout=StringIO(),
            stderr=err,
        )
    after = list(PracticeKPI.objects.values_list("site", "month", "kpi", "value"))
    assert after == before
    return err.getvalue().splitlines()


def stored():
    return sorted(
        PracticeKPI.objects.values_list("site__name", "month", "kpi", "value")
    )


def test_every_kpi_has_a_validation_rule():
    assert RATES | COUNTS | AMOUNTS == set(KPI)
    assert not (RATES & COUNTS or RATES & AMOUNTS or COUNTS & AMOUNTS)


def test_imports_every_kpi(org_world, tmp_path):
    out = run(
        tmp_path,
        HEADER + "northside,2025-01,new_patients,42\n"
        "Northside,2025-01,referrals,7\n"
        "Northside,2025-01,SHOW_RATE,0.93\n"
        "Northside,2025-01,capacity_utilisation,1\n"
        "Northside,2025-01,days_in_ar,31.5\n"
        "Northside,2025-01,average_wait_minutes,12.25\n"
        "Southside,2025-02,complaints,3\n"
        "Southside,2025-02,complaints_resolved,4\n",
    )

    assert "Imported 8 KPI values into Brightsmile: 8 new" in out
    jan, feb = datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)
    assert stored() == [
        ("Northside", jan, "average_wait_minutes", Decimal("12.25")),
        ("Northside", jan, "capacity_utilisation", Decimal("1")),
        ("Northside", jan, "days_in_ar", Decimal("31.5")),
        ("Northside", jan, "new_patients", Decimal("42")),
        ("Northside", jan, "referrals", Decimal("7")),
        ("Northside", jan, "show_rate", Decimal("0.93")),
        # Resolved may exceed received: earlier months' complaints close too.
        ("Southside", feb, "complaints", Decimal("3")),
        ("Southside", feb, "complaints_resolved", Decimal("4")),
    ]


def test_reimporting_a_site_month_kpi_replaces_its_value(org_world, tmp_path):
    run(
        tmp_path,
        HEADER + "Northside,2025-01,show_rate,0.9\nNorthside,2025-01,referrals,7\n",
    )

    out = run(
        tmp_path,
        HEADER + "Northside,2025-01,show_rate,0.85\nNorthside,2025-01,referrals,7\n"
        "Northside,2025-02,referrals,9\n",
    )

    assert "3 KPI values into Brightsmile: 1 new, 1 replaced, 1 unchanged" in out
    assert stored() == [
        ("Northside", datetime.date(2025, 1, 1), "referrals", Decimal("7")),
        ("Northside", datetime.date(2025, 1, 1), "show_rate", Decimal("0.85")),
        ("Northside", datetime.date(2025, 2, 1), "referrals", Decimal("9")),
    ]


def test_unknown_kpi_is_refused_with_the_known_ones(org_world, tmp_path):
    errors = rejected(
        tmp_path,
        HEADER + "Northside,2025-01,new_patients,3\nNorthside,2025-01,nps,40\n",
    )

    assert errors == [
        "row 3, column kpi: Unknown KPI “nps”; the known KPIs are: new_patients, "
        "referrals, show_rate, capacity_utilisation, days_in_ar, "
        "average_wait_minutes, complaints, complaints_resolved."
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("Northside,2025-01,show_rate,1.2", "column value: show_rate is a rate"),
        ("Northside,2025-01,show_rate,93%", "(write 85% as 0.85), got “93%”."),
        ("Northside,2025-01,capacity_utilisation,-0.1", "capacity_utilisation is a"),
        ("Northside,2025-01,new_patients,4.5", "new_patients is a count"),
        ("Northside,2025-01,complaints,-1", "complaints is a count"),
        ("Northside,2025-01,referrals,", "referrals is a count"),
        ("Northside,2025-01,days_in_ar,abc", "days_in_ar: expected a number"),
        ("Northside,2025-01,average_wait_minutes,1e3", "average_wait_minutes: exp"),
        ("Northside,2025-01,days_in_ar,1.23456", "at most four decimals"),
        ("Northside,2025-13,referrals,1", "column month: Expected a month as YYYY"),
        ("Northside,2025-1,referrals,1", "column month: Expected a month as YYYY"),
        ("Northside,2999-01,referrals,1", "column month: 2999-01 has not happened"),
        ("Westside,2025-01,referrals,1", "column site: Brightsmile has no site"),
        ("Elsewhere,2025-01,referrals,1", "column site: Brightsmile has no site"),
        (",2025-01,referrals,1", "column site: Empty; name the site."),
    ],
)
def test_each_bad_value_rejects_the_file(org_world, tmp_path, row, expected):
    run(tmp_path, HEADER + "Northside,2024-12,referrals,5\n")

    errors = rejected(tmp_path, HEADER + "Southside,2025-01,referrals,5\n" + row + "\n")

    assert len(errors) == 1
    assert errors[0].startswith("row 3, ")
    assert expected in errors[0]


def test_a_site_month_kpi_twice_in_one_file_is_refused(org_world, tmp_path):
    errors = rejected(
        tmp_path,
        HEADER + "Northside,2025-01,referrals,5\nnorthside,2025-01,Referrals,6\n",
    )

    assert errors == ["row 3: Same site, month and KPI as row 2; each may appear once."]


def test_header_must_be_exactly_the_kpi_columns(org_world, tmp_path):
    errors = rejected(
        tmp_path, "site,month,kpi,value,notes\nNorthside,2025-01,referrals,5,x\n"
    )

    assert errors == [
        "row 1, column notes: Unknown column; expected: site, month, kpi, value."
    ]
