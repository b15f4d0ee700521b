"""The shared CSV reading (workforce.csvimport) on its own; each importer's tests
cover its own messages."""

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.management.base import CommandError

from workforce.csvimport import (
    FirstRows,
    ImportFailed,
    ImportProblem,
    NotUtf8,
    check_rows,
    csv_rows,
    date_cell,
    match_header,
    parse_decimal,
    read_rows,
    report_rejection,
    run_import,
    staff_pks,
    unknown_column,
    unknown_employee_ids,
    utf8_text,
)

COLUMNS = ("name", "day")


def test_problem_names_its_row_and_column():
    assert str(ImportProblem(3, "day", "Bad.")) == "row 3, column day: Bad."
    assert str(ImportProblem(3, "", "Bad.")) == "row 3: Bad."
    assert str(ImportProblem(None, "", "Bad.")) == "Bad."


def test_failure_sorts_by_row_and_keeps_the_total():
    exc = ImportFailed([ImportProblem(5, "a", "x"), ImportProblem(None, "", "y")])
    assert [e.row for e in exc.errors] == [None, 5]
    assert exc.total == 2
    assert str(exc) == "2 problem(s) in the file"
    assert ImportFailed([ImportProblem(2, "", "x")], total=40).total == 40


def test_utf8_text_drops_the_bom_and_names_the_bad_line_and_byte():
    assert utf8_text(b"\xef\xbb\xbfname\n") == "name\n"
    assert utf8_text("\ufeffname") == "name"
    with pytest.raises(NotUtf8) as caught:
        utf8_text(b"name,day\nAnn,\xe9t\xe9\n")
    assert (caught.value.line, caught.value.byte) == (2, 0xE9)


def test_header_names_unknown_twice_and_missing_columns():
    positions, problems = match_header(
        ["Name", "extra", "NAME", ""],
        accepted=COLUMNS,
        needed=COLUMNS,
        unexpected=unknown_column("name, day"),
    )
    assert positions == {"name": 0}
    assert [(p.column, p.message) for p in problems] == [
        ("extra", "Unknown column; expected: name, day."),
        ("name", "The column appears twice (columns 1 and 3)."),
        ("#4", "Unknown column; expected: name, day."),
        ("day", "The column is missing."),
    ]


def test_header_can_leave_columns_out_silently():
    positions, problems = match_header(
        ["day", "secret"],
        accepted=COLUMNS,
        needed=("day",),
        unexpected=lambda i, c: None,
    )
    assert (positions, problems) == ({"day": 0}, [])


def test_csv_rows_skips_blank_rows_and_reports_wrong_widths_by_row():
    reader = csv.reader(io.StringIO("a,b\n\n1,2\n3\n4,5\n", newline=""))
    next(reader)
    problems = []
    rows = list(
        csv_rows(reader, width=2, report=lambda *p: problems.append(ImportProblem(*p)))
    )
    assert rows == [(3, ["1", "2"]), (5, ["4", "5"])]
    assert problems == [ImportProblem(4, "", "Has 1 cells; the header has 2.")]


def test_csv_rows_is_lazy():
    def endless():
        yield ["a", "b"]
        number = 0
        while True:
            number += 1
            yield [str(number), "x"]

    rows = csv_rows(endless(), width=2, report=lambda *p: None)
    assert next(rows) == (2, ["a", "b"])
    assert next(rows) == (3, ["1", "x"])


def test_read_rows_strips_cells_and_rejects_with_the_given_class():
    class Rejected(ImportFailed):
        pass

    rows, problems = read_rows(b"\xef\xbb\xbfDay, name\n2024-01-31 , Ann \n", COLUMNS)
    assert (rows, problems) == ([(2, {"day": "2024-01-31", "name": "Ann"})], [])
    with pytest.raises(Rejected) as caught:
        read_rows("name\nAnn\n", COLUMNS, rejected=Rejected)
    assert [str(e) for e in caught.value.errors] == [
        "row 1, column day: The column is missing."
    ]
    with pytest.raises(Rejected) as caught:
        read_rows(b"name,day\n\xff\n", COLUMNS, rejected=Rejected)
    assert "not UTF-8 text (line 2)" in caught.value.errors[0].message


def test_check_rows_keeps_rows_without_problems_and_names_repeats():
    first_rows = FirstRows()

    def check(number, raw, fail):
        if not raw["name"]:
            fail("name", "Empty.")
        earlier = first_rows.earlier(raw["name"], number)
        if raw["name"] and earlier:
            fail("", f"Same as row {earlier}.")
        return (number, raw["name"])

    rows = [(2, {"name": "Ann"}), (3, {"name": ""}), (4, {"name": "Ann"})]
    checked, problems = check_rows(rows, check)
    assert checked == [(2, "Ann")]
    assert [str(p) for p in problems] == [
        "row 3, column name: Empty.",
        "row 4: Same as row 2.",
    ]


def test_date_cell_reports_row_column_and_value():
    problems = []

    def fail(column, message):
        problems.append(ImportProblem(7, column, message))

    assert date_cell("2024-02-29", "day", fail) == date(2024, 2, 29)
    assert date_cell("31/01/2024", "day", fail) is None
    assert date_cell("2023-02-29", "day", fail, no_such_date=True) is None
    assert [str(p) for p in problems] == [
        "row 7, column day: Expected a date as YYYY-MM-DD (e.g. 2024-01-31), "
        "got “31/01/2024”.",
        "row 7, column day: There is no such date: “2023-02-29”.",
    ]


@pytest.mark.parametrize(
    ("raw", "options", "expected"),
    [
        ("0.75", {"places": 2}, Decimal("0.75")),
        (".5", {"places": 2}, Decimal("0.5")),
        (".5", {"places": 2, "leading_point": False}, None),
        ("0.755", {"places": 2}, None),
        ("-1.5", {"places": 2}, None),
        ("-1.5", {"places": 2, "signed": True}, Decimal("-1.5")),
        ("12", {"places": 0}, Decimal(12)),
        ("1.0", {"places": 0}, None),
        ("1e3", {"places": 4}, None),
        ("1,000", {"places": 4}, None),
        ("", {"places": 2}, None),
    ],
)
def test_parse_decimal(raw, options, expected):
    assert parse_decimal(raw, **options) == expected


class _Command:
    def __init__(self):
        self.stdout, self.stderr = io.StringIO(), io.StringIO()


def test_run_import_prints_every_problem_and_fails():
    command = _Command()

    def rejected():
        raise ImportFailed(
            [ImportProblem(2, "day", "Bad."), ImportProblem(3, "", "No.")]
        )

    with pytest.raises(CommandError, match=r"^2 problem\(s\) in x\.csv; nothing"):
        run_import(command, Path("/tmp/x.csv"), rejected)
    assert command.stderr.getvalue() == "row 2, column day: Bad.row 3: No."
    assert run_import(command, Path("x.csv"), lambda: 5) == 5


def test_report_rejection_counts_the_problems_not_kept():
    command = _Command()
    exc = ImportFailed([ImportProblem(2, "", "Bad.")], total=1234)
    error = report_rejection(command, Path("big.csv"), exc, grouped=True)
    assert str(error) == "1,234 problem(s) in big.csv; nothing was imported."
    assert command.stderr.getvalue().endswith("… and 1,233 more problem(s).")


@pytest.mark.django_db
def test_staff_lookups_stay_inside_the_organization(org_world):
    org = org_world["org"]
    staff = org_world["people"][org_world["team_a1"]][0]
    outsider = org_world["people"][org_world["other_team"]][0]
    rows = [
        SimpleNamespace(row=2, employee_id=staff.employee_id),
        SimpleNamespace(row=3, employee_id="nobody-here"),
        SimpleNamespace(row=4, employee_id=outsider.employee_id),
    ]
    assert staff_pks(org, rows) == {staff.employee_id: staff.pk}
    problems = unknown_employee_ids(org, rows)
    assert [(p.row, p.column) for p in problems] == [
        (3, "employee_id"),
        (4, "employee_id"),
    ]
    assert "“nobody-here”" in problems[0].message
