import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from tests.factories import JobRoleFactory, StaffMemberFactory
from tests.workforce.roster_csv import person, roster_csv, spells, table_counts
from workforce.models import JobRole, Site, StaffMember, Team, TeamMembership
from workforce.roster import (
    RosterError,
    RosterImportError,
    decode_roster,
    organization_today,
    parse_roster,
    roster_import,
    roster_preview,
)

EFFECTIVE = datetime.date(2025, 6, 1)


def _errors(exc_info):
    return [(e.row, e.column) for e in exc_info.value.errors]


# --- Parsing (no database) ----------------------------------------------------


def test_parse_reads_rows_with_bom_crlf_and_blank_trailing_lines():
    text = "\ufeff" + roster_csv(person(), person(employee_id="E2")) + "\r\n\r\n,,,\r\n"
    rows = parse_roster(text)
    assert [r.employee_id for r in rows] == ["E1", "E2"]
    row = rows[0]
    assert row.row == 2
    assert row.hire_date == datetime.date(2024, 1, 15)
    assert row.fte == Decimal("1")
    assert row.termination_date is None


def test_parse_normalizes_values():
    text = roster_csv(
        person(
            full_name="  Ana   Diaz ",
            employment_type="Part Time",
            fte=".5",
            termination_date="2025-01-01",
            termination_reason="Voluntary",
        )
    )
    header, body = text.split("\r\n", 1)
    # Spreadsheet-style headings are accepted too.
    text = header.replace("_", " ").title() + "\r\n" + body
    (row,) = parse_roster(text)
    assert row.full_name == "Ana Diaz"
    assert row.employment_type == "part_time"
    assert row.fte == Decimal("0.5")
    assert row.termination_reason == "voluntary"


def test_decode_rejects_non_utf8_with_the_line():
    data = roster_csv(person(), person(employee_id="E2", full_name="José")).encode(
        "latin-1"
    )
    with pytest.raises(RosterImportError) as exc_info:
        decode_roster(data)
    (error,) = exc_info.value.errors
    assert error.row is None
    assert "not UTF-8" in error.message
    assert "line 3" in error.message


def test_decode_strips_bom():
    assert decode_roster("\ufeffa,b".encode()) == "a,b"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", [(None, "")]),
        (roster_csv(), [(2, "")]),
        ("\r\n", [(1, "")]),
    ],
)
def test_parse_rejects_files_without_people(text, expected):
    with pytest.raises(RosterImportError) as exc_info:
        parse_roster(text)
    assert _errors(exc_info) == expected


def test_error_text_names_row_and_column():
    assert str(RosterError(3, "fte", "Bad.")) == "row 3, column fte: Bad."
    assert str(RosterError(3, "", "Bad.")) == "row 3: Bad."
    assert str(RosterError(None, "", "Bad.")) == "Bad."


# --- Every kind of bad row rejects the whole file -----------------------------

BAD_ROWS = [
    ({"hire_date": "15/01/2024"}, "hire_date", "YYYY-MM-DD"),
    ({"hire_date": "2024-1-15"}, "hire_date", "YYYY-MM-DD"),
    ({"hire_date": "20240115"}, "hire_date", "YYYY-MM-DD"),
    ({"hire_date": "2024-02-30"}, "hire_date", "no such date"),
    ({"hire_date": ""}, "hire_date", "required"),
    (
        {"termination_date": "31.01.2025", "termination_reason": "voluntary"},
        "termination_date",
        "YYYY-MM-DD",
    ),
    (
        {"termination_date": "2023-12-31", "termination_reason": "voluntary"},
        "termination_date",
        "before the hire date",
    ),
    ({"employee_id": ""}, "employee_id", "required"),
    ({"employee_id": "E" * 65}, "employee_id", "at most 64"),
    ({"full_name": "   "}, "full_name", "required"),
    ({"site": ""}, "site", "required"),
    ({"team": ""}, "team", "required"),
    ({"job_role": ""}, "job_role", "required"),
    ({"job_role": "x" * 121}, "job_role", "at most 120"),
    ({"employment_type": "FT"}, "employment_type", "full_time, part_time"),
    ({"employment_type": ""}, "employment_type", "required"),
    ({"fte": "1.5"}, "fte", "from 0 to 1"),
    ({"fte": "-0.1"}, "fte", "from 0 to 1"),
    ({"fte": "0.333"}, "fte", "two decimals"),
    ({"fte": "full"}, "fte", "from 0 to 1"),
    ({"fte": ""}, "fte", "required"),
    ({"email": "ana@"}, "email", "Not an email address"),
    ({"email": "=cmd|' /C calc'!A0"}, "email", "Not an email address"),
    ({"phone": "5" * 33}, "phone", "at most 32"),
    (
        {"termination_date": "2025-01-31", "termination_reason": "quit"},
        "termination_reason",
        "voluntary or involuntary",
    ),
    ({"termination_date": "2025-01-31"}, "termination_reason", "say voluntary"),
    ({"termination_reason": "voluntary"}, "termination_reason", "both or neither"),
]


@pytest.mark.parametrize(("values", "column", "fragment"), BAD_ROWS)
def test_bad_row_rejects_the_file_and_writes_nothing(
    org_world, values, column, fragment
):
    org = org_world["org"]
    before = table_counts()
    text = roster_csv(
        person(employee_id="OK1", site="Brand new site"), person(**values)
    )
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org, file=text, effective_date=EFFECTIVE)
    (error,) = exc_info.value.errors
    assert (error.row, error.column) == (3, column)
    assert fragment in error.message
    assert table_counts() == before
    assert not StaffMember.objects.filter(employee_id="OK1").exists()


def test_duplicate_employee_id_names_both_rows(org_world):
    before = table_counts()
    text = roster_csv(person(), person(full_name="Someone Else"), person())
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org_world["org"], file=text)
    assert _errors(exc_info) == [(3, "employee_id"), (4, "employee_id")]
    assert "also on row 2" in exc_info.value.errors[0].message
    assert table_counts() == before


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (
            [*person(), "salary"],
            [(1, "salary")],
        ),
        (
            [c for c in person() if c != "hire_date"],
            [(1, "hire_date")],
        ),
        (
            [c for c in person() if c != "phone"],
            [(1, "phone")],
        ),
        (
            [*person(), "fte"],
            [(1, "fte")],
        ),
        (
            [*person(), ""],
            [(1, "")],
        ),
        (
            ["=HYPERLINK(1)", *[c for c in person() if c != "email"]],
            [(1, "=HYPERLINK(1)"), (1, "email")],
        ),
    ],
)
def test_bad_header_rejects_the_file(org_world, columns, expected):
    before = table_counts()
    text = roster_csv(person(), columns=columns)
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org_world["org"], file=text)
    assert _errors(exc_info) == expected
    assert table_counts() == before


def test_row_with_wrong_number_of_cells(org_world):
    text = roster_csv(person()) + "E2,Bo,bo@example.com\r\n"
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org_world["org"], file=text)
    assert _errors(exc_info) == [(3, "")]
    assert "3 cells; the header has 12" in exc_info.value.errors[0].message


def test_non_utf8_file_is_rejected_by_the_service(org_world):
    before = table_counts()
    data = roster_csv(person(full_name="Zoë")).encode("cp1252")
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org_world["org"], file=data)
    assert "not UTF-8" in exc_info.value.errors[0].message
    assert table_counts() == before


def test_every_error_in_the_file_is_reported(org_world):
    before = table_counts()
    text = roster_csv(
        person(employee_id="E1"),
        person(employee_id="E2", hire_date="01/02/2024", fte="2", email="nope"),
        person(employee_id="E3"),
        person(employee_id="E4", employment_type="staff", site=""),
        person(
            employee_id="E1",
            termination_date="2020-01-01",
            termination_reason="",
        ),
    )
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org_world["org"], file=text)
    assert _errors(exc_info) == [
        (3, "email"),
        (3, "fte"),
        (3, "hire_date"),
        (5, "site"),
        (5, "employment_type"),
        (6, "employee_id"),
        (6, "termination_date"),
        (6, "termination_reason"),
    ]
    assert table_counts() == before


# --- Importing ------------------------------------------------------------------


def test_import_creates_people_places_and_history(org_world):
    org = org_world["org"]
    text = roster_csv(
        person(employee_id="N1", site="northside", team="Front Desk"),
        person(
            employee_id="N2",
            full_name="Bo Li",
            site="East End",
            team="Front desk",
            job_role="Hygienist",
            employment_type="part_time",
            fte="0.5",
            email="",
            phone="",
            hire_date="2023-03-01",
            termination_date="2025-02-28",
            termination_reason="involuntary",
        ),
        person(
            employee_id="N3", site="East End", team="Front desk", job_role="hygienist"
        ),
    )
    result = roster_import(organization=org, file=text, effective_date=EFFECTIVE)

    assert (result.rows, result.created, result.updated, result.unchanged) == (
        3,
        3,
        0,
        0,
    )
    assert result.new_sites == ["East End"]
    assert result.new_teams == ["Front desk – East End"]
    assert result.new_job_roles == ["Receptionist", "Hygienist"]

    n1 = StaffMember.objects.get(organization=org, employee_id="N1")
    # Names match whatever the case: the existing site and team are reused.
    assert n1.site == org_world["site_a"]
    assert n1.team == org_world["team_a1"]
    assert spells(n1) == [("Front desk", "2024-01-15", None)]
    n2 = StaffMember.objects.get(organization=org, employee_id="N2")
    east = Site.objects.get(organization=org, name="East End")
    assert east.slug == "east-end"
    assert n2.team == Team.objects.get(site=east, name="Front desk")
    assert n2.team != org_world["team_a1"]
    assert (n2.employment_type, n2.fte) == ("part_time", Decimal("0.50"))
    assert (n2.termination_date, n2.termination_reason) == (
        datetime.date(2025, 2, 28),
        "involuntary",
    )
    assert spells(n2) == [("Front desk", "2023-03-01", "2025-02-28")]
    assert JobRole.objects.get(organization=org, name="Hygienist").slug == "hygienist"
    assert StaffMember.objects.get(employee_id="N3").job_role == n2.job_role


def test_new_names_get_unique_slugs(org_world):
    org = org_world["org"]
    JobRoleFactory(
        organization=org, name="Dental assistant (old)", slug="dental-assistant"
    )
    text = roster_csv(
        person(employee_id="A", site="North side", job_role="Dental Assistant"),
        person(employee_id="B", site="North-Side!", job_role="Dental Assistant"),
        person(employee_id="C", site="North_Side", job_role="Dental assistant"),
        person(employee_id="D", site="東京"),
    )
    roster_import(organization=org, file=text)
    slugs = dict(Site.objects.filter(organization=org).values_list("name", "slug"))
    assert slugs["North side"] == "north-side"
    assert slugs["North-Side!"] == "north-side-2"
    assert slugs["North_Side"] == "north_side"
    assert slugs["東京"] == "site"
    assert JobRole.objects.get(organization=org, name="Dental Assistant").slug == (
        "dental-assistant-2"
    )


def test_other_organizations_are_untouched(org_world):
    other = org_world["other_org"]
    other_person = org_world["people"][org_world["other_team"]][0]
    text = roster_csv(person(employee_id=other_person.employee_id, site="Elsewhere"))
    result = roster_import(organization=org_world["org"], file=text)
    assert result.created == 1
    other_person.refresh_from_db()
    assert other_person.organization == other
    assert Site.objects.filter(name="Elsewhere").count() == 2


def _row_for(staff, **values):
    """The row that describes ``staff`` as stored, with ``values`` changed."""
    stored = {
        "employee_id": staff.employee_id,
        "full_name": staff.full_name,
        "email": staff.email,
        "phone": staff.phone,
        "site": staff.site.name,
        "team": staff.team.name,
        "job_role": staff.job_role.name,
        "employment_type": staff.employment_type,
        "fte": str(staff.fte),
        "hire_date": staff.hire_date.isoformat(),
        "termination_date": (
            staff.termination_date.isoformat() if staff.termination_date else ""
        ),
        "termination_reason": staff.termination_reason,
    }
    return person(**{**stored, **values})


def test_reimport_unchanged_changes_nothing(org_world):
    org = org_world["org"]
    staff = list(StaffMember.objects.filter(organization=org))
    memberships = list(TeamMembership.objects.values_list())
    before = table_counts()
    result = roster_import(
        organization=org, file=roster_csv(*[_row_for(s) for s in staff])
    )
    assert (result.created, result.updated, result.transfers) == (0, 0, 0)
    assert result.unchanged == len(staff) == 9
    assert table_counts() == before
    assert list(TeamMembership.objects.values_list()) == memberships


def test_reimport_with_a_transfer_closes_and_opens_spells(org_world):
    org = org_world["org"]
    mover = org_world["people"][org_world["team_a1"]][0]
    stayer = org_world["people"][org_world["team_a1"]][1]
    text = roster_csv(
        _row_for(mover, team="Front desk", site="Southside", fte="0.8"),
        _row_for(stayer),
    )
    result = roster_import(organization=org, file=text, effective_date=EFFECTIVE)

    assert (result.updated, result.transfers, result.unchanged) == (1, 1, 1)
    assert result.not_in_file == 7
    mover.refresh_from_db()
    assert mover.team == org_world["team_b1"]
    assert mover.site == org_world["site_b"]
    assert mover.fte == Decimal("0.80")
    assert spells(mover) == [
        ("Front desk", "2024-01-15", "2025-06-01"),
        ("Front desk", "2025-06-01", None),
    ]
    closed, opened = mover.memberships.order_by("start_date")
    assert (closed.team, opened.team) == (org_world["team_a1"], org_world["team_b1"])
    assert spells(stayer) == [("Front desk", "2024-01-15", None)]
    (sample,) = result.samples
    assert sample["change"] == "transfer"
    assert "team: Front desk – Northside → Front desk – Southside" in sample["details"]
    assert "fte: 1.00 → 0.8" in sample["details"]

    # The same file again is a no-op: no second transfer.
    again = roster_import(organization=org, file=text, effective_date=EFFECTIVE)
    assert (again.updated, again.transfers, again.unchanged) == (0, 0, 2)
    assert len(spells(mover)) == 2


def test_transfer_into_a_new_team_at_the_default_effective_date(org_world):
    org = org_world["org"]
    mover = org_world["people"][org_world["team_a2"]][0]
    result = roster_import(
        organization=org, file=roster_csv(_row_for(mover, team="Sterilization"))
    )
    today = organization_today(org)
    assert result.effective_date == today
    assert result.new_teams == ["Sterilization – Northside"]
    mover.refresh_from_db()
    assert mover.team.name == "Sterilization"
    assert spells(mover) == [
        ("Hygiene", "2024-01-15", today.isoformat()),
        ("Sterilization", today.isoformat(), None),
    ]


def test_transfer_before_the_spell_began_corrects_it(org_world):
    org = org_world["org"]
    newcomer = StaffMemberFactory(
        team=org_world["team_a1"], hire_date=datetime.date(2025, 7, 1)
    )
    roster_import(
        organization=org,
        file=roster_csv(_row_for(newcomer, team="Hygiene")),
        effective_date=EFFECTIVE,
    )
    assert spells(newcomer) == [("Hygiene", "2025-07-01", None)]


def test_termination_closes_the_open_spell(org_world):
    leaver = org_world["people"][org_world["team_a1"]][0]
    roster_import(
        organization=org_world["org"],
        file=roster_csv(
            _row_for(
                leaver, termination_date="2025-03-31", termination_reason="voluntary"
            )
        ),
        effective_date=EFFECTIVE,
    )
    leaver.refresh_from_db()
    assert leaver.termination_date == datetime.date(2025, 3, 31)
    assert spells(leaver) == [("Front desk", "2024-01-15", "2025-03-31")]


def test_transfer_and_later_termination(org_world):
    mover = org_world["people"][org_world["team_a1"]][0]
    roster_import(
        organization=org_world["org"],
        file=roster_csv(
            _row_for(
                mover,
                team="Hygiene",
                termination_date="2025-09-30",
                termination_reason="involuntary",
            )
        ),
        effective_date=EFFECTIVE,
    )
    assert spells(mover) == [
        ("Front desk", "2024-01-15", "2025-06-01"),
        ("Hygiene", "2025-06-01", "2025-09-30"),
    ]


def test_leaver_with_another_team_has_their_last_spell_corrected(org_world):
    """Leaving before the effective date, the file names the team they left from."""
    leaver = org_world["people"][org_world["team_a1"]][0]
    text = roster_csv(
        _row_for(
            leaver,
            team="Hygiene",
            termination_date="2025-05-31",
            termination_reason="voluntary",
        )
    )
    result = roster_import(
        organization=org_world["org"], file=text, effective_date=EFFECTIVE
    )
    assert (result.updated, result.transfers) == (1, 0)
    assert result.samples[0]["change"] == "updated"
    leaver.refresh_from_db()
    assert leaver.team == org_world["team_a2"]
    assert spells(leaver) == [("Hygiene", "2024-01-15", "2025-05-31")]


def test_termination_before_the_current_spell_is_an_error(org_world):
    org = org_world["org"]
    mover = org_world["people"][org_world["team_a1"]][0]
    roster_import(
        organization=org,
        file=roster_csv(_row_for(mover, team="Hygiene")),
        effective_date=EFFECTIVE,
    )
    mover.refresh_from_db()
    text = roster_csv(
        _row_for(mover, termination_date="2025-05-01", termination_reason="voluntary")
    )
    with pytest.raises(RosterImportError) as exc_info:
        roster_import(organization=org, file=text, effective_date=EFFECTIVE)
    assert _errors(exc_info) == [(2, "termination_date")]
    assert "2025-06-01" in exc_info.value.errors[0].message


def test_rehire_starts_a_new_spell(org_world):
    org = org_world["org"]
    person_ = org_world["people"][org_world["team_a1"]][0]
    roster_import(
        organization=org,
        file=roster_csv(
            _row_for(
                person_, termination_date="2024-12-31", termination_reason="voluntary"
            )
        ),
        effective_date=EFFECTIVE,
    )
    person_.refresh_from_db()
    result = roster_import(
        organization=org,
        file=roster_csv(
            _row_for(
                person_,
                team="Hygiene",
                hire_date="2025-03-01",
                termination_date="",
                termination_reason="",
            )
        ),
        effective_date=EFFECTIVE,
    )
    assert (result.updated, result.transfers) == (1, 0)
    person_.refresh_from_db()
    assert person_.termination_date is None
    assert person_.hire_date == datetime.date(2025, 3, 1)
    assert spells(person_) == [
        ("Front desk", "2024-01-15", "2024-12-31"),
        ("Hygiene", "2025-03-01", None),
    ]


def test_corrected_hire_date_moves_the_first_spell(org_world):
    staff = org_world["people"][org_world["team_a1"]][0]
    roster_import(
        organization=org_world["org"],
        file=roster_csv(_row_for(staff, hire_date="2023-11-01")),
    )
    assert spells(staff) == [("Front desk", "2023-11-01", None)]


def test_cleared_termination_reopens_the_spell(org_world):
    org = org_world["org"]
    staff = org_world["people"][org_world["team_a1"]][0]
    row = _row_for(staff, termination_date="2025-01-31", termination_reason="voluntary")
    roster_import(organization=org, file=roster_csv(row))
    staff.refresh_from_db()
    roster_import(
        organization=org,
        file=roster_csv(_row_for(staff, termination_date="", termination_reason="")),
    )
    staff.refresh_from_db()
    assert (staff.termination_date, staff.termination_reason) == (None, "")
    assert spells(staff) == [("Front desk", "2024-01-15", None)]


def test_person_without_history_gets_it(org_world):
    staff = org_world["people"][org_world["team_a1"]][0]
    staff.memberships.all().delete()
    roster_import(
        organization=org_world["org"],
        file=roster_csv(_row_for(staff, team="Hygiene")),
        effective_date=EFFECTIVE,
    )
    assert spells(staff) == [
        ("Front desk", "2024-01-15", "2025-06-01"),
        ("Hygiene", "2025-06-01", None),
    ]


def test_preview_writes_nothing(org_world):
    before = table_counts()
    mover = org_world["people"][org_world["team_a1"]][0]
    result = roster_preview(
        organization=org_world["org"],
        file=roster_csv(
            person(employee_id="NEW", site="Uptown"), _row_for(mover, team="Hygiene")
        ),
        effective_date=EFFECTIVE,
    )
    assert (result.created, result.transfers, result.new_sites) == (1, 1, ["Uptown"])
    assert [s["change"] for s in result.samples] == ["new", "transfer"]
    assert table_counts() == before


def test_progress_is_reported(org_world, monkeypatch):
    monkeypatch.setattr("workforce.roster.changes.WRITE_BATCH", 2)
    calls = []
    rows = [person(employee_id=f"P{i}") for i in range(5)]
    roster_import(
        organization=org_world["org"],
        file=roster_csv(*rows),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]


def test_import_takes_a_fixed_number_of_queries(
    org_world, django_assert_max_num_queries
):
    """Bulk writes: 1,200 new people and 9 updates in a few dozen queries, not N+1."""
    org = org_world["org"]
    staff = list(StaffMember.objects.filter(organization=org))
    rows = [_row_for(s, fte="0.9", team="Hygiene") for s in staff]
    rows += [
        person(employee_id=f"B{i:05d}", site=f"Site {i % 7}", team=f"Team {i % 5}")
        for i in range(1200)
    ]
    with django_assert_max_num_queries(40):
        result = roster_import(organization=org, file=roster_csv(*rows))
    assert (result.created, result.updated) == (1200, 9)
    assert TeamMembership.objects.filter(staff_member__organization=org).count() == (
        1200 + 9 + 6  # every newcomer, everyone, and the six who moved team
    )


# --- The management command ------------------------------------------------------


def test_command_imports_and_reports(org_world, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_bytes(
        ("\ufeff" + roster_csv(person(), person(employee_id="E2"))).encode()
    )
    call_command(
        "import_roster",
        str(path),
        "--org",
        "brightsmile",
        "--effective-date",
        "2025-06-01",
    )
    out = capsys.readouterr().out
    assert "validated 2 rows" in out
    assert "written 2/2" in out
    assert "2 new, 0 updated" in out
    assert StaffMember.objects.filter(organization=org_world["org"]).count() == 11


def test_command_lists_errors_and_writes_nothing(org_world, tmp_path, capsys):
    path = tmp_path / "roster.csv"
    path.write_text(
        roster_csv(person(), person(employee_id="E2", hire_date="1/2/2024", fte="x"))
    )
    before = table_counts()
    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_roster", str(path), "--org", "brightsmile")
    err = capsys.readouterr().err
    assert "row 3, column fte: Expected a number" in err
    assert "row 3, column hire_date: Expected a date as YYYY-MM-DD" in err
    assert table_counts() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--org", "nope"], "No organization"),
        (["--org", "brightsmile", "--effective-date", "06/01/2025"], "YYYY-MM-DD"),
    ],
)
def test_command_rejects_bad_arguments(org_world, tmp_path, args, message):
    path = tmp_path / "roster.csv"
    path.write_text(roster_csv(person()))
    with pytest.raises(CommandError, match=message):
        call_command("import_roster", str(path), *args)


def test_command_reports_a_missing_file(org_world, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command(
            "import_roster", str(tmp_path / "nope.csv"), "--org", "brightsmile"
        )
