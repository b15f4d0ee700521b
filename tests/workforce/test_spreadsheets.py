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


# --- XLSX ---------------------------------------------------------------------


def read_xlsx(data: bytes) -> dict:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)]
        for sheet in workbook.worksheets
    }


def test_xlsx_escapes_formulas_and_keeps_numbers():
    from workforce.spreadsheets import Sheet, xlsx_bytes

    data = xlsx_bytes(
        [Sheet("Scores", ["name", "value"], [["=1+1", -2.5], ["@x", None]])]
    )
    from openpyxl import load_workbook

    cells = load_workbook(io.BytesIO(data))["Scores"]
    assert cells["A2"].value == "'=1+1"
    assert cells["A2"].data_type == "s"  # text, never a formula
    assert cells["B2"].value == -2.5
    assert read_xlsx(data)["Scores"][2] == ["'@x", None]


def test_xlsx_sheet_names_are_legal_and_unique():
    from workforce.spreadsheets import Sheet, xlsx_bytes

    long = "Training compliance by course: Northside front desk"
    data = xlsx_bytes(
        [Sheet("a/b[c]", ["x"], []), Sheet(long, ["x"], []), Sheet(long, ["x"], [])]
    )
    titles = list(read_xlsx(data))
    assert titles[0] == "a b c"
    assert all(len(title) <= 31 for title in titles)
    assert len(set(titles)) == 3


def test_xlsx_drops_control_characters_and_nan():
    from workforce.spreadsheets import Sheet, xlsx_bytes

    data = xlsx_bytes([Sheet("S", ["a", "b"], [["bell\x07", float("nan")]])])
    assert read_xlsx(data)["S"][1] == ["bell", None]


def test_table_response_picks_the_format():
    from workforce.spreadsheets import XLSX_CONTENT_TYPE, Sheet, table_response

    sheet = Sheet("S", ["a"], [["-x"]])
    as_csv = table_response("export", "csv", [sheet])
    assert as_csv["Content-Disposition"] == 'attachment; filename="export.csv"'
    as_xlsx = table_response("export", "xlsx", [sheet, sheet])
    assert as_xlsx["Content-Type"] == XLSX_CONTENT_TYPE
    assert read_xlsx(as_xlsx.content)["S"] == [["a"], ["'-x"]]
    with pytest.raises(ValueError, match="one table"):
        table_response("export", "csv", [sheet, sheet])
    with pytest.raises(ValueError, match="csv or xlsx"):
        table_response("export", "pdf", [sheet])
