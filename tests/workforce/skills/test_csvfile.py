import pytest

from workforce.skills.csvfile import SkillsImportError, parse_iso_date, read_rows

COLUMNS = ("site", "team")


def problems(data):
    with pytest.raises(SkillsImportError) as caught:
        read_rows(data, COLUMNS)
    return [str(error) for error in caught.value.errors]


def test_reads_any_column_order_with_a_byte_order_mark_and_blank_lines():
    data = "\ufeffTeam , SITE\n\nFront desk,Northside\n ,  \n".encode()

    rows, errors = read_rows(data, COLUMNS)

    assert rows == [(3, {"site": "Northside", "team": "Front desk"})]
    assert errors == []


def test_not_utf8_says_how_to_save_the_file():
    assert problems("site,team\nCafé,Front desk\n".encode("latin-1")) == [
        "The file is not UTF-8 text (line 2). Save it as “CSV UTF-8 (comma "
        "delimited)” and try again."
    ]


def test_header_problems_are_reported_at_once():
    assert problems("site,site,\n") == [
        "row 1, column site: The column appears twice (columns 1 and 2).",
        "row 1, column #3: Unknown column; expected: site, team.",
        "row 1, column team: The column is missing.",
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "The first row must name the columns: site, team."),
        ("site,team\n", "The file has no data rows."),
    ],
)
def test_empty_files(data, message):
    assert problems(data) == [message]


@pytest.mark.parametrize(
    ("raw", "ok"),
    [("2024-02-29", True), ("2023-02-29", False), ("2024-2-1", False), ("", False)],
)
def test_parse_iso_date(raw, ok):
    assert (parse_iso_date(raw) is not None) is ok
