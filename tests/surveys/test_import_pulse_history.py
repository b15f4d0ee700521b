import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from surveys.models import PulseHistory
from surveys.pulse_history import PulseHistoryImportError, pulse_history_import

HEADER = "site,team,month,measure,respondents,value\n"


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="history.csv"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def run(org, text):
    return pulse_history_import(organization=org, file=io.StringIO(text))


def errors_of(org, text):
    with pytest.raises(PulseHistoryImportError) as caught:
        run(org, text)
    return [str(e) for e in caught.value.errors]


def test_import_creates_rows_and_prints_progress(org_world, csv_file):
    path = csv_file(
        "\ufeff"
        + HEADER
        + "Northside,Front desk,2025-01,engagement,8,71.5\n"
        + "northside,hygiene,2025-01,burnout,6,33.3\n"
        + "Southside,front-desk,2025-02,enps,12,-20\n"
    )
    out = io.StringIO()
    call_command("import_pulse_history", path, "--org", "brightsmile", stdout=out)
    assert "Checked 3 of 3 rows" in out.getvalue()
    assert "Imported 3 rows into Brightsmile: 3 new, 0 replaced." in out.getvalue()
    stored = {
        (h.team_id, h.month, h.measure): (h.respondents, h.value)
        for h in PulseHistory.objects.all()
    }
    assert stored == {
        (org_world["team_a1"].pk, datetime.date(2025, 1, 1), "engagement"): (8, 71.5),
        (org_world["team_a2"].pk, datetime.date(2025, 1, 1), "burnout"): (6, 33.3),
        (org_world["team_b1"].pk, datetime.date(2025, 2, 1), "enps"): (12, -20.0),
    }
    assert {h.organization_id for h in PulseHistory.objects.all()} == {
        org_world["org"].pk
    }


def test_reimport_replaces_the_stored_value(org_world):
    org = org_world["org"]
    run(org, HEADER + "Northside,Front desk,2025-01,engagement,8,71.5\n")
    result = run(
        org,
        HEADER
        + "Northside,Front desk,2025-01,engagement,9,74\n"
        + "Northside,Front desk,2025-02,engagement,9,75\n",
    )
    assert (result.created, result.updated) == (1, 1)
    stored = PulseHistory.objects.get(month=datetime.date(2025, 1, 1))
    assert (stored.respondents, stored.value) == (9, 74.0)
    assert PulseHistory.objects.count() == 2


def test_groups_below_k_are_refused(org_world):
    assert errors_of(
        org_world["org"], HEADER + "Northside,Front desk,2025-01,engagement,4,70\n"
    ) == [
        "Row 2, column respondents: 4 is fewer than the minimum group size of 5; "
        "results of groups this small are not imported"
    ]
    assert not PulseHistory.objects.exists()


def test_every_error_is_listed_and_nothing_is_written(org_world):
    text = (
        HEADER
        + "Northside,Front desk,2025-01,engagement,8,70\n"  # valid
        + "Eastside,Front desk,2025-01,engagement,8,70\n"
        + "Northside,Surgery,2025-13,happiness,eight,x\n"
        + "Southside,Front desk,2025-02,enps,8,-140\n"
        + "Northside,Hygiene,2025-03,engagement,8,100.5\n"
        + "Northside,Front desk,2025-01,engagement,9,72\n"
    )
    errors = errors_of(org_world["org"], text)
    assert errors == [
        "Row 3, column site: no site “Eastside” in Brightsmile",
        "Row 4, column team: no team “Surgery” at site “Northside”",
        "Row 4, column month: expected a month as YYYY-MM (e.g. 2025-03), "
        "got “2025-13”",
        "Row 4, column measure: expected engagement, burnout or enps, got “happiness”",
        "Row 4, column respondents: expected a whole number, got “eight”",
        "Row 4, column value: expected a number, got “x”",
        "Row 5, column value: enps must be between -100 and 100, got -140",
        "Row 6, column value: engagement must be between 0 and 100, got 100.5",
        "Row 7, column team, month, measure: repeats row 2 "
        "(same team, month and measure)",
    ]
    assert not PulseHistory.objects.exists()


def test_burnout_given_as_fractions_is_refused(org_world):
    errors = errors_of(
        org_world["org"],
        HEADER
        + "Northside,Front desk,2025-01,burnout,8,0.35\n"
        + "Northside,Front desk,2025-02,burnout,8,0\n",
    )
    assert len(errors) == 2
    assert errors[0].startswith("Row 2, column value: burnout values in this file")
    assert "e.g. 35 for 35%" in errors[0]


def test_burnout_percentages_import(org_world):
    result = run(
        org_world["org"],
        HEADER
        + "Northside,Front desk,2025-01,burnout,8,0.5\n"
        + "Northside,Front desk,2025-02,burnout,8,12.5\n",
    )
    assert result.created == 2


def test_missing_columns_and_empty_file(org_world):
    assert errors_of(org_world["org"], "site,team,month,value\n") == [
        "Row 1, column measure: missing column “measure” in the header",
        "Row 1, column respondents: missing column “respondents” in the header",
    ]
    assert errors_of(org_world["org"], "") == [
        "Row 1, column header: the file is empty"
    ]


def test_other_organizations_sites_are_unknown(org_world):
    errors = errors_of(
        org_world["org"], HEADER + "Elsewhere,Front desk,2025-01,engagement,8,70\n"
    )
    assert errors == ["Row 2, column site: no site “Elsewhere” in Brightsmile"]


def test_command_lists_errors_and_fails(org_world, csv_file):
    path = csv_file(HEADER + "Northside,Front desk,2025/01,engagement,8,70\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 error"):
        call_command("import_pulse_history", path, "--org", "brightsmile", stderr=err)
    assert "Row 2, column month" in err.getvalue()


def test_command_unknown_organization(org_world, csv_file):
    path = csv_file(HEADER)
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_pulse_history", path, "--org", "nope")
