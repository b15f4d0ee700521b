"""import_training, through the management command people run."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from workforce.training.imports import TrainingImportError, parse_training
from workforce.training.models import Completion

HEADER = "employee_id,course,completed_on,expires_on,cpd_hours\n"


def run(tmp_path, text, org="brightsmile"):
    path = tmp_path / "training.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command("import_training", str(path), "--org", org, stdout=out, stderr=err)
    return out.getvalue()


def rejected(tmp_path, text):
    path = tmp_path / "training.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_training",
            str(path),
            "--org",
            "brightsmile",
            stdout=StringIO(),
            stderr=err,
        )
    return err.getvalue().splitlines()


def test_import_writes_completions_and_computes_expiry(world, tmp_path):
    ann, bob = world["ann"].employee_id, world["bob"].employee_id
    before = Completion.objects.count()
    out = run(
        tmp_path,
        "\ufeff"
        + HEADER
        + f"{bob},hipaa,2025-05-20,,2\n"
        + f"{bob}, X-ray  licence ,2025-05-21,,\n"
        + f"{ann},BLS/CPR,2025-05-01,2027-04-30,4.25\n",
    )
    assert "checked 3 rows" in out
    assert "written 3/3" in out
    assert "3 new completions, 0 corrected, 0 unchanged" in out
    assert Completion.objects.count() == before + 3
    hipaa = Completion.objects.get(staff_member=world["bob"], course=world["hipaa"])
    # Matched without regard to case; 12 months' validity.
    assert hipaa.expires_on == datetime.date(2026, 5, 20)
    assert hipaa.cpd_hours == Decimal("2")
    xray = Completion.objects.get(staff_member=world["bob"], course=world["xray"])
    assert xray.expires_on is None and xray.cpd_hours == 0
    bls = Completion.objects.get(
        staff_member=world["ann"], completed_on=datetime.date(2025, 5, 1)
    )
    assert bls.expires_on == datetime.date(2027, 4, 30)
    assert bls.cpd_hours == Decimal("4.25")


def test_reimport_is_unchanged_and_corrections_update(world, tmp_path):
    bob = world["bob"].employee_id
    text = HEADER + f"{bob},HIPAA,2025-05-20,,2\n"
    run(tmp_path, text)
    assert "0 new completions, 0 corrected, 1 unchanged" in run(tmp_path, text)
    out = run(tmp_path, HEADER + f"{bob},HIPAA,2025-05-20,2026-01-31,3\n")
    assert "0 new completions, 1 corrected, 0 unchanged" in out
    hipaa = Completion.objects.get(staff_member=world["bob"], course=world["hipaa"])
    assert (hipaa.expires_on, hipaa.cpd_hours) == (
        datetime.date(2026, 1, 31),
        Decimal("3"),
    )


def test_every_problem_is_reported_by_row_and_column_and_nothing_written(
    world, tmp_path
):
    ann, bob = world["ann"].employee_id, world["bob"].employee_id
    outsider = world["outsider"].employee_id
    before = set(Completion.objects.values_list("pk", "expires_on", "cpd_hours"))
    lines = rejected(
        tmp_path,
        HEADER
        + f"{bob},HIPAA,2025-05-20,,1\n"  # fine on its own
        + "NOBODY,HIPAA,2025-05-20,,1\n"
        + f"{outsider},BLS/CPR,2025-05-20,,1\n"  # another organization's person
        + f"{bob},Fire safety,2025-05-20,,1\n"
        + f"{bob},BLS/CPR,20/05/2025,,1\n"
        + f"{bob},BLS/CPR,2025-05-20,2025-05-19,1\n"
        + f"{bob},BLS/CPR,2025-05-21,,-2\n"
        + f"{bob},BLS/CPR,2025-05-22,,lots\n"
        + f"{bob},HIPAA,2025-05-20,,1\n"  # duplicate of row 2
        + f"{ann},BLS/CPR,2025-06-02,,\n"  # tomorrow
        + f"{ann},BLS/CPR,2025-02-30,not a date,\n"
        + ",,2025-05-20,,\n",
    )
    assert lines == [
        "row 3, column employee_id: No one in Brightsmile has employee id “NOBODY”.",
        f"row 4, column employee_id: No one in Brightsmile has employee id "
        f"“{outsider}”.",
        "row 5, column course: No course “Fire safety” in Brightsmile; add it in "
        "the back office first (its validity decides the expiry). Known courses: "
        "BLS/CPR, HIPAA, X-ray licence.",
        "row 6, column completed_on: Expected a date as YYYY-MM-DD (e.g. "
        "2024-01-31), got “20/05/2025”.",
        "row 7, column expires_on: 2025-05-19 is before the completion date "
        "2025-05-20.",
        "row 8, column cpd_hours: Must be 0 or more, got -2.",
        "row 9, column cpd_hours: Expected a number of hours such as 1.5 (at most "
        "two decimals), got “lots”.",
        "row 10: Same person, course and completion date as row 2; each may "
        "appear once.",
        "row 11, column completed_on: 2025-06-02 is in the future; today is "
        "2025-06-01.",
        "row 12, column completed_on: Expected a date as YYYY-MM-DD (e.g. "
        "2024-01-31), got “2025-02-30”.",
        "row 12, column expires_on: Expected a date as YYYY-MM-DD (e.g. "
        "2024-01-31), got “not a date”.",
        "row 13, column employee_id: Empty; give the person's employee id.",
        "row 13, column course: Empty; name the course.",
    ]
    after = set(Completion.objects.values_list("pk", "expires_on", "cpd_hours"))
    assert after == before


def test_header_problems(world, tmp_path):
    lines = rejected(tmp_path, "employee_id,course,completed,cpd_hours\nE1,HIPAA,x,1\n")
    assert lines == [
        "row 1, column completed: Unknown column; expected: employee_id, course, "
        "completed_on, expires_on, cpd_hours.",
        "row 1, column completed_on: The column is missing.",
        "row 1, column expires_on: The column is missing.",
    ]


def test_not_utf8_and_empty_files(world, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(HEADER.encode() + "E1,Hygiène,2025-01-01,,\n".encode("latin-1"))
    with pytest.raises(CommandError):
        call_command(
            "import_training",
            str(path),
            "--org",
            "brightsmile",
            stdout=StringIO(),
            stderr=StringIO(),
        )
    assert rejected(tmp_path, HEADER) == ["The file has no data rows."]


def test_unknown_organization_and_missing_file(world, tmp_path):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        run(tmp_path, HEADER, org="nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_training", str(tmp_path / "absent.csv"), "--org", "brightsmile"
        )


def test_parse_raises_a_training_import_error(world):
    with pytest.raises(TrainingImportError) as caught:
        parse_training(
            (HEADER + "X,HIPAA,2025-01-01,,\n").encode(), organization=world["org"]
        )
    assert caught.value.as_dicts() == [
        {
            "row": 2,
            "column": "employee_id",
            "message": "No one in Brightsmile has employee id “X”.",
        }
    ]
