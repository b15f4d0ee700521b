import csv
import io
from decimal import Decimal

import pytest

from workforce.spreadsheets import SafeCsvWriter, csv_response, csv_text, escape_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("Ana = boss", "Ana = boss"),
        ("", ""),
        (None, ""),
        ("plain", "plain"),
    ],
)
def test_escape_cell_text(value, expected):
    assert escape_cell(value) == expected


@pytest.mark.parametrize("value", [-3, -0.5, Decimal("-0.25"), 7])
def test_escape_cell_leaves_numbers_alone(value):
    assert escape_cell(value) == value


def test_safe_writer_escapes_every_cell():
    buffer = io.StringIO(newline="")
    SafeCsvWriter(buffer).writerows([["=1+1", "ok", -1], ["@x", None, "b"]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["'=1+1", "ok", "-1"], ["'@x", "", "b"]]


def test_csv_text_writes_header_and_rows():
    text = csv_text(["name"], [["-x"]])
    assert list(csv.reader(io.StringIO(text))) == [["name"], ["'-x"]]


def test_csv_response_is_an_attachment_with_bom():
    response = csv_response("errors.csv", ["a"], [["=cmd"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="errors.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(body.lstrip("\ufeff")))) == [["a"], ["'=cmd"]]
