"""The two skills imports, through the management commands people run."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import (
    OrganizationFactory,
    SiteFactory,
    StaffMemberFactory,
    TeamFactory,
)
from tests.workforce.skills.factories import SkillFactory
from workforce.skills.imports import SkillsImportError, parse_skills
from workforce.skills.models import Skill, SkillAssessment, TeamSkillRequirement


@pytest.fixture
def world(db):
    org = OrganizationFactory(slug="brightsmile", name="Brightsmile")
    site = SiteFactory(organization=org, name="Northside", slug="northside")
    team = TeamFactory(site=site, name="Front desk", slug="front-desk")
    TeamFactory(site=site, name="Hygiene", slug="hygiene")
    ann = StaffMemberFactory(team=team, employee_id="E1")
    bob = StaffMemberFactory(team=team, employee_id="E2")
    # Same employee id in another organization: must not be found.
    StaffMemberFactory(employee_id="X9")
    billing = SkillFactory(organization=org, name="Billing")
    return {
        "org": org,
        "site": site,
        "team": team,
        "ann": ann,
        "bob": bob,
        "billing": billing,
    }


def run(command, tmp_path, text, *args):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    out, err = StringIO(), StringIO()
    call_command(
        command, str(path), "--org", "brightsmile", *args, stdout=out, stderr=err
    )
    return out.getvalue()


def rejected(command, tmp_path, text, *args):
    path = tmp_path / "file.csv"
    path.write_text(text, encoding="utf-8")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command(
            command,
            str(path),
            "--org",
            "brightsmile",
            *args,
            stdout=StringIO(),
            stderr=err,
        )
    return err.getvalue().splitlines()


def test_import_skills_writes_assessments_and_creates_skills(world, tmp_path):
    text = (
        "\ufeffemployee_id,skill,level,assessed_on\n"
        "E1,billing,3,2025-01-10\n"
        "E1,Check-in,2,2025-01-10\n"
        "E2,check-in,1,2025-01-10\n"
        "E2,Check-in,2,2025-03-01\n"
    )

    out = run("import_skills", tmp_path, text)

    assert "checked 4 rows" in out
    assert "written 4/4" in out
    assert "4 new assessments" in out and "1 new skills" in out
    # "billing" is the existing "Billing"; "check-in" the new "Check-in".
    assert sorted(Skill.objects.values_list("name", flat=True)) == [
        "Billing",
        "Check-in",
    ]
    assert list(
        SkillAssessment.objects.filter(staff_member=world["bob"])
        .order_by("assessed_on")
        .values_list("level", "assessed_on", "assessed_by")
    ) == [(1, date(2025, 1, 10), None), (2, date(2025, 3, 1), None)]

    again = run("import_skills", tmp_path, text)
    assert "0 new assessments, 0 corrected, 4 unchanged" in again
    assert SkillAssessment.objects.count() == 4


def test_import_skills_corrects_the_level_of_the_same_day(world, tmp_path):
    run(
        "import_skills",
        tmp_path,
        "employee_id,skill,level,assessed_on\nE1,Billing,1,2025-01-10\n",
    )
    out = run(
        "import_skills",
        tmp_path,
        "employee_id,skill,level,assessed_on\nE1,Billing,2,2025-01-10\n",
    )

    assert "1 corrected" in out
    assert list(SkillAssessment.objects.values_list("level", flat=True)) == [2]


def test_import_skills_reports_every_problem_and_writes_nothing(world, tmp_path):
    text = (
        "employee_id,skill,level,assessed_on\n"
        "E1,Radiographs,2,2025-01-10\n"  # fine on its own: must not be written
        "X9,Billing,2,2025-01-10\n"  # another organization's person
        "E1,Billing,4,2025-01-10\n"
        "E2,Billing,two,2025-01-10\n"
        "E2,Sterilisation,2,03/04/2025\n"
        "E2,Sterilisation,2,2025-02-30\n"
        "E1,,2,2025-01-10\n"
        "E1, radiographs ,3,2025-01-10\n"  # duplicate of row 2
        "E1,Billing,1\n"
    )

    errors = rejected("import_skills", tmp_path, text)

    assert errors == [
        "row 3, column employee_id: No one in Brightsmile has employee id “X9”.",
        "row 4, column level: Expected a level from 0 to 3 (0 none, 1 learning, "
        "2 competent, 3 can train others), got “4”.",
        "row 5, column level: Expected a level from 0 to 3 (0 none, 1 learning, "
        "2 competent, 3 can train others), got “two”.",
        "row 6, column assessed_on: Expected a date as YYYY-MM-DD (e.g. 2024-01-31), "
        "got “03/04/2025”.",
        "row 7, column assessed_on: Expected a date as YYYY-MM-DD (e.g. 2024-01-31), "
        "got “2025-02-30”.",
        "row 8, column skill: Empty; name the skill.",
        "row 9: Same person, skill and date as row 2; each may appear once.",
        "row 10: Has 3 cells; the header has 4.",
    ]
    assert not SkillAssessment.objects.exists()
    assert list(Skill.objects.values_list("name", flat=True)) == ["Billing"]


def test_import_skills_names_missing_and_unknown_columns(world, tmp_path):
    errors = rejected(
        "import_skills", tmp_path, "employee_id,skill,grade\nE1,Billing,2\n"
    )

    assert errors == [
        "row 1, column grade: Unknown column; expected: employee_id, skill, level, "
        "assessed_on.",
        "row 1, column level: The column is missing.",
        "row 1, column assessed_on: The column is missing.",
    ]


def test_import_skills_refuses_future_dates(world):
    with pytest.raises(SkillsImportError) as caught:
        parse_skills(
            "employee_id,skill,level,assessed_on\nE1,Billing,2,2025-06-02\n",
            organization=world["org"],
            today=date(2025, 6, 1),
        )

    assert [str(e) for e in caught.value.errors] == [
        "row 2, column assessed_on: 2025-06-02 is in the future; today is 2025-06-01."
    ]


def test_import_team_skills_sets_dated_minimums(world, tmp_path):
    text = (
        "site,team,skill,min_competent\n"
        "Northside,Front desk,Billing,2\n"
        "northside,hygiene,Sterilisation,1\n"
    )

    out = run("import_team_skills", tmp_path, text, "--effective-date", "2025-01-01")
    later = run(
        "import_team_skills",
        tmp_path,
        "site,team,skill,min_competent\nnorthside,front-desk,billing,3\n",
        "--effective-date",
        "2025-04-01",
    )

    assert "checked 2 rows" in out and "2 new requirements" in out
    assert "1 new skills" in out
    assert "1 changed" in later
    assert list(
        TeamSkillRequirement.objects.filter(team=world["team"]).values_list(
            "min_competent", "start_date", "end_date"
        )
    ) == [(2, date(2025, 1, 1), date(2025, 4, 1)), (3, date(2025, 4, 1), None)]


def test_import_team_skills_reports_every_problem_and_writes_nothing(world, tmp_path):
    text = (
        "site,team,skill,min_competent\n"
        "Northside,Front desk,Radiographs,2\n"  # fine on its own
        "Eastside,Front desk,Billing,1\n"
        "Northside,Lab,Billing,1\n"
        "Northside,Hygiene,Billing,0\n"
        "Northside,Hygiene,Scheduling,two\n"
        "northside,front-desk,radiographs,1\n"  # duplicate of row 2 by slug
    )

    errors = rejected("import_team_skills", tmp_path, text)

    assert errors == [
        "row 3, column site: No site “Eastside” in Brightsmile; expected one of: "
        "Northside.",
        "row 4, column team: No team “Lab” at Northside.",
        "row 5, column min_competent: Must be from 1 to 99, got 0.",
        "row 6, column min_competent: Expected a whole number of people, 1 or more, "
        "got “two”.",
        "row 7: Same site, team and skill as row 2; each may appear once.",
    ]
    assert not TeamSkillRequirement.objects.exists()
    assert list(Skill.objects.values_list("name", flat=True)) == ["Billing"]


def test_import_team_skills_refuses_a_change_before_the_last_one(world, tmp_path):
    header = "site,team,skill,min_competent\n"
    run(
        "import_team_skills",
        tmp_path,
        header + "Northside,Front desk,Billing,2\n",
        "--effective-date",
        "2025-04-01",
    )

    errors = rejected(
        "import_team_skills",
        tmp_path,
        header + "Northside,Hygiene,Billing,1\nNorthside,Front desk,Billing,1\n",
        "--effective-date",
        "2025-03-01",
    )

    assert errors == [
        "row 3: The requirement already changes on 2025-04-01; a change cannot take "
        "effect before that (on 2025-03-01)."
    ]
    assert TeamSkillRequirement.objects.count() == 1


def test_import_team_skills_names_missing_columns(world, tmp_path):
    errors = rejected(
        "import_team_skills",
        tmp_path,
        "site,team,skill\nNorthside,Front desk,Billing\n",
    )

    assert errors == ["row 1, column min_competent: The column is missing."]


def test_import_unknown_organization(world, tmp_path):
    path = tmp_path / "file.csv"
    path.write_text("site,team,skill,min_competent\n", encoding="utf-8")

    with pytest.raises(CommandError, match="No organization with slug 'nope'"):
        call_command("import_team_skills", str(path), "--org", "nope")
