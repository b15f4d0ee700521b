"""import_patient_feedback: the command people run, and the import behind it."""

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from reports.models import PatientFeedback, PatientFeedbackBatch
from reports.patients.batches import feedback_batch_undo
from reports.patients.csvstream import ImportRejected
from reports.patients.imports import feedback_import
from tests.factories import UserFactory

HEADER = "site,team,date,score\n"


def write(tmp_path, text, name="scores.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def run(path, *args):
    out, err = StringIO(), StringIO()
    call_command(
        "import_patient_feedback",
        str(path),
        "--org",
        "brightsmile",
        *args,
        stdout=out,
        stderr=err,
    )
    return out.getvalue()


def rejected(path, *args):
    """Every line the command prints about the problems; asserts nothing stored."""
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_patient_feedback",
            str(path),
            "--org",
            "brightsmile",
            *args,
            stdout=StringIO(),
            stderr=err,
        )
    assert not PatientFeedback.objects.exists()
    assert not PatientFeedbackBatch.objects.exists()
    return err.getvalue().splitlines()


def stored():
    return sorted(
        PatientFeedback.objects.values_list(
            "site__name", "team__name", "date", "score", "channel"
        ),
        key=lambda row: (row[0], row[1] or "", row[2], row[3]),
    )


def test_imports_scores_for_sites_and_teams_as_one_batch(org_world, tmp_path):
    path = write(
        tmp_path,
        "Site,TEAM,date,score,channel\n"
        "northside,front DESK,2025-01-31,10,SMS\n"
        "Northside,,2025-02-01,0,\n"
        "  Southside ,Front desk,2025-02-03,7,kiosk\n"
        ",,,,\n",
    )

    out = run(path)

    assert "checked 3 rows" in out
    assert "written 3/3" in out
    assert "rows/s" in out
    assert stored() == [
        ("Northside", None, datetime.date(2025, 2, 1), 0, ""),
        ("Northside", "Front desk", datetime.date(2025, 1, 31), 10, "sms"),
        ("Southside", "Front desk", datetime.date(2025, 2, 3), 7, "kiosk"),
    ]
    batch = PatientFeedbackBatch.objects.get()
    assert batch.organization == org_world["org"]
    assert batch.status == PatientFeedbackBatch.Status.DONE
    assert batch.rows == 3
    assert batch.filename == "scores.csv"
    assert len(batch.file_sha256) == 64
    assert batch.summary["site_level_rows"] == 1
    assert batch.summary["promoters"] == 1
    assert batch.summary["detractors"] == 1
    assert f"batch #{batch.pk}" in out
    assert set(PatientFeedback.objects.values_list("batch", flat=True)) == {batch.pk}


def test_channel_column_is_optional_and_a_byte_order_mark_is_fine(org_world, tmp_path):
    run(write(tmp_path, "\ufeff" + HEADER + "Northside,Hygiene,2025-01-02,9\n"))

    assert stored() == [
        ("Northside", "Hygiene", datetime.date(2025, 1, 2), 9, ""),
    ]


@pytest.mark.parametrize(
    "column",
    ["patient_name", "Date of birth", "MRN", "phone", "email", "comment"],
)
def test_any_other_column_rejects_the_file_naming_it(org_world, tmp_path, column):
    path = write(
        tmp_path, f"site,team,date,score,{column}\nNorthside,,2025-01-02,9,x\n"
    )

    errors = rejected(path)

    assert len(errors) == 1
    assert errors[0].startswith(f"row 1, column {column}: This column is not accepted")
    assert "site, team, date, score and optionally channel" in errors[0]


def test_dropping_extra_columns_skips_them_unread_and_says_which(org_world, tmp_path):
    secret = "Jane Q Patient"
    path = write(
        tmp_path,
        "patient_name,site,DOB,team,date,score,notes\n"
        f"{secret},Northside,1970-01-01,,2025-01-02,9,{secret} called back\n"
        f"=cmd|' /C calc'!A0,Southside,not a date,Front desk,2025-01-03,3,\"a,b\"\n",
    )

    out = run(path, "--drop-extra-columns")

    assert "Dropped unread: patient_name, DOB, notes." in out
    assert secret not in out
    batch = PatientFeedbackBatch.objects.get()
    assert batch.dropped_columns == ["patient_name", "DOB", "notes"]
    assert secret not in str(batch.summary)
    assert stored() == [
        ("Northside", None, datetime.date(2025, 1, 2), 9, ""),
        ("Southside", "Front desk", datetime.date(2025, 1, 3), 3, ""),
    ]
    # Nothing of a dropped column anywhere in the stored rows.
    assert all(
        secret not in str(value)
        for row in PatientFeedback.objects.values_list()
        for value in row
    )


def test_problems_in_rows_never_quote_a_dropped_column(org_world, tmp_path):
    path = write(
        tmp_path,
        "site,team,date,score,patient_name\nNorthside,,2025-01-02,11,Jane Patient\n"
        "Northside,,2025-01-02,9\n",
    )

    errors = rejected(path, "--drop-extra-columns")

    assert errors == [
        "row 2, column score: Expected a whole number from 0 to 10, got “11”.",
        "row 3: Has 4 cells; the header has 5.",
    ]


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "Westside,,2025-01-02,9",
            "row 2, column site: Brightsmile has no site called “Westside”.",
        ),
        (
            ",,2025-01-02,9",
            "row 2, column site: Empty; name the site.",
        ),
        (
            "Southside,Hygiene,2025-01-02,9",
            "row 2, column team: Southside has no team called “Hygiene” (leave the "
            "cell empty for the whole site).",
        ),
        (
            "Northside,,02/01/2025,9",
            "row 2, column date: Expected a date as YYYY-MM-DD (e.g. 2024-01-31), "
            "got “02/01/2025”.",
        ),
        (
            "Northside,,2025-02-30,9",
            "row 2, column date: Expected a date as YYYY-MM-DD (e.g. 2024-01-31), "
            "got “2025-02-30”.",
        ),
        (
            "Northside,,2025-01-02,-1",
            "row 2, column score: Expected a whole number from 0 to 10, got “-1”.",
        ),
        (
            "Northside,,2025-01-02,7.5",
            "row 2, column score: Expected a whole number from 0 to 10, got “7.5”.",
        ),
        (
            "Northside,,2025-01-02,",
            "row 2, column score: Expected a whole number from 0 to 10, got “”.",
        ),
    ],
)
def test_each_bad_row_rejects_the_file(org_world, tmp_path, row, expected):
    # A good row first: all-or-nothing means it is not written either.
    path = write(tmp_path, HEADER + row + "\nNorthside,Hygiene,2025-01-03,8\n")

    assert rejected(path) == [expected]


def test_other_organizations_sites_are_unknown(org_world, tmp_path):
    path = write(tmp_path, HEADER + "Elsewhere,Front desk,2025-01-02,9\n")

    assert rejected(path) == [
        "row 2, column site: Brightsmile has no site called “Elsewhere”."
    ]


def test_a_future_date_and_a_bad_channel_are_refused(org_world, tmp_path):
    path = write(
        tmp_path,
        "site,team,date,score,channel\n"
        "Northside,,2999-01-01,9,sms\n"
        "Northside,,2025-01-01,9,call me on 555 0100\n",
    )

    errors = rejected(path)

    assert errors[0].startswith("row 2, column date: 2999-01-01 is in the future;")
    assert errors[1].startswith("row 3, column channel: Expected a short code")


def test_every_problem_is_listed_by_row_and_column(org_world, tmp_path):
    path = write(
        tmp_path,
        HEADER + "Nowhere,,2025-13-01,x\nNorthside,Hygiene,2025-01-01,5\n,,,\n",
    )

    assert rejected(path) == [
        "row 2, column site: Brightsmile has no site called “Nowhere”.",
        "row 2, column date: Expected a date as YYYY-MM-DD (e.g. 2024-01-31), "
        "got “2025-13-01”.",
        "row 2, column score: Expected a whole number from 0 to 10, got “x”.",
    ]


def test_errors_are_capped_with_a_total(org_world, tmp_path):
    path = write(tmp_path, HEADER + "Northside,,2025-01-02,99\n" * 1500)

    errors = rejected(path)

    assert len(errors) == 1001
    assert errors[-1] == "… and 500 more problem(s)."


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty."),
        (b"site,team,date\nNorthside,,2025-01-02\n", "column score: The column is"),
        (b"site,team,date,score,Site\n", "column site: The column appears twice"),
        (HEADER.encode(), "The file has no data rows."),
        (
            (HEADER + "Café,,2025-01-02,9\n").encode("latin-1"),
            "The file is not UTF-8 text",
        ),
    ],
)
def test_file_level_problems(org_world, tmp_path, content, expected):
    errors = rejected(write(tmp_path, content))

    assert expected in errors[0]


def test_reimporting_the_same_file_is_refused_naming_the_batch(org_world, tmp_path):
    path = write(tmp_path, HEADER + "Northside,,2025-01-02,9\n")
    run(path)
    batch = PatientFeedbackBatch.objects.get()
    # Same bytes under another name are the same file.
    copy = write(tmp_path, path.read_bytes(), name="copy.csv")

    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            "import_patient_feedback",
            str(copy),
            "--org",
            "brightsmile",
            stdout=StringIO(),
            stderr=err,
        )

    assert f"already imported as batch #{batch.pk} (“scores.csv”" in err.getvalue()
    assert PatientFeedback.objects.count() == 1


def test_undo_deletes_the_rows_and_allows_the_file_again(org_world, tmp_path):
    owner = org_world["users"]["owner"]
    path = write(
        tmp_path, HEADER + "Northside,,2025-01-02,9\nSouthside,,2025-01-03,2\n"
    )
    run(path)
    other = write(tmp_path, HEADER + "Northside,,2025-01-05,4\n", name="other.csv")
    run(other)
    batch = PatientFeedbackBatch.objects.get(filename="scores.csv")

    assert feedback_batch_undo(batch=batch, undone_by=owner) == 2
    assert feedback_batch_undo(batch=batch, undone_by=owner) is None

    batch.refresh_from_db()
    assert batch.status == PatientFeedbackBatch.Status.UNDONE
    assert batch.undone_by == owner
    assert batch.undone_at is not None
    assert stored() == [("Northside", None, datetime.date(2025, 1, 5), 4, "")]

    run(path)
    assert PatientFeedback.objects.count() == 3


def test_the_same_file_may_be_imported_by_another_organization(org_world, tmp_path):
    path = write(tmp_path, HEADER + "Northside,,2025-01-02,9\n")
    run(path)
    from tests.factories import SiteFactory

    SiteFactory(organization=org_world["other_org"], name="Northside")

    call_command(
        "import_patient_feedback", str(path), "--org", "other", stdout=StringIO()
    )

    assert PatientFeedbackBatch.objects.count() == 2


def test_a_failure_while_writing_leaves_nothing(org_world, tmp_path, monkeypatch):
    path = write(tmp_path, HEADER + "Northside,,2025-01-02,9\n" * 12_000)
    from reports.patients import imports

    calls = {"n": 0}

    def progress(stage, done, total):
        calls["n"] += 1
        if stage == "written" and done >= 10_000:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        imports.feedback_import(
            organization=org_world["org"],
            open_file=lambda: path.open("rb"),
            filename="scores.csv",
            progress=progress,
        )

    assert not PatientFeedback.objects.exists()
    assert not PatientFeedbackBatch.objects.exists()


def test_a_file_changed_between_the_passes_is_refused(org_world, tmp_path):
    path = write(tmp_path, HEADER + "Northside,,2025-01-02,9\n")
    opened = {"n": 0}

    def open_file():
        opened["n"] += 1
        if opened["n"] == 2:
            path.write_text(HEADER + "Northside,,2025-01-02,1\n")
        return path.open("rb")

    with pytest.raises(ImportRejected) as caught:
        feedback_import(
            organization=org_world["org"],
            open_file=open_file,
            filename="scores.csv",
            created_by=UserFactory(),
        )

    assert "changed while it was being imported" in str(caught.value.errors[0])
    assert not PatientFeedback.objects.exists()
    assert not PatientFeedbackBatch.objects.exists()


def test_unknown_organization_and_missing_file(org_world, tmp_path):
    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command(
            "import_patient_feedback", str(tmp_path / "x.csv"), "--org", "nope"
        )
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "import_patient_feedback", str(tmp_path / "x.csv"), "--org", "brightsmile"
        )


def test_undo_is_one_delete_statement_however_big_the_batch(org_world, tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    run(write(tmp_path, HEADER + "Northside,,2025-01-02,9\n" * 3000))
    batch = PatientFeedbackBatch.objects.get()

    with CaptureQueriesContext(connection) as queries:
        assert feedback_batch_undo(batch=batch, undone_by=None) == 3000

    feedback_queries = [
        q["sql"] for q in queries if 'reports_patientfeedback"' in q["sql"]
    ]
    assert len(feedback_queries) == 1
    assert feedback_queries[0].startswith("DELETE")


def test_progress_lines_show_rows_per_second_once_per_pass(org_world, tmp_path):
    out = run(write(tmp_path, HEADER + "Northside,,2025-01-02,9\n" * 10_000))

    lines = out.splitlines()
    assert [line.split(" (")[0] for line in lines[:2]] == [
        "checked 10,000 rows",
        "written 10,000/10,000",
    ]
    assert all(line.endswith(" rows/s)") for line in lines[:2])
    assert lines[2].startswith("Imported 10,000 scores into Brightsmile as batch #")
