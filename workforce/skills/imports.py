"""CSV imports for the skills matrix, all-or-nothing like the roster import.

- ``skills_import``: ``employee_id, skill, level, assessed_on`` — one dated
  assessment per row.
- ``team_skills_import``: ``site, team, skill, min_competent`` — the minimum
  each team needs, in force from an effective date (earlier months keep the
  minimum they had).

Each file is read completely and checked against the database before anything
is written; every problem is reported by row (as a spreadsheet numbers them,
header = 1) and column. Skills are created on first sight by name, matched
without regard to case or repeated spaces. Re-importing the same file changes
nothing.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from workforce.audit import audit_record
from workforce.csvimport import (
    WRITE_BATCH,
    FirstRows,
    ImportProblem,
    Progress,
    bulk_write,
    check_rows,
    date_cell,
    no_progress,
    shown,
    staff_pks,
    unknown_employee_ids,
)
from workforce.models import AuditEvent, Organization, Site, Team

from .csvfile import SkillsImportError, read_rows
from .models import Level, Skill, SkillAssessment, TeamSkillRequirement
from .services import (
    normalise_skill_name,
    organization_today,
    requirement_change_problem,
    requirement_set,
)

SKILL_COLUMNS = ("employee_id", "skill", "level", "assessed_on")
TEAM_SKILL_COLUMNS = ("site", "team", "skill", "min_competent")
SKILL_NAME_MAX = Skill._meta.get_field("name").max_length
MAX_MIN_COMPETENT = 99


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_skills: list[str] = field(default_factory=list)


def _check_skill_name(raw: str, fail) -> str | None:
    name = normalise_skill_name(raw)
    if not name:
        fail("skill", _("Empty; name the skill."))
        return None
    if len(name) > SKILL_NAME_MAX:
        fail(
            "skill",
            _("%(length)d characters long; at most %(max)d are allowed.")
            % {"length": len(name), "max": SKILL_NAME_MAX},
        )
        return None
    return name


def _skills_by_key(organization: Organization, names) -> tuple[dict, list[str]]:
    """``{casefolded name: Skill}`` for ``names``, creating the missing ones."""
    existing = {
        skill.name.casefold(): skill
        for skill in Skill.objects.filter(organization=organization)
    }
    new = []
    for name in names:
        key = name.casefold()
        if key not in existing:
            skill = Skill(organization=organization, name=name)
            skill.save()
            existing[key] = skill
            new.append(name)
    return existing, new


# --- Assessments ---------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentRow:
    row: int
    employee_id: str
    skill: str
    level: int
    assessed_on: date


def parse_skills(
    data, *, organization: Organization, today: date | None = None
) -> list[AssessmentRow]:
    """Every row checked, against the organization's staff too; raises
    SkillsImportError listing all problems."""
    today = today or organization_today(organization)
    rows, errors = read_rows(data, SKILL_COLUMNS)
    first_rows = FirstRows()

    def check(number, raw, fail):
        employee_id = raw["employee_id"]
        if not employee_id:
            fail("employee_id", _("Empty; give the person's employee id."))
        name = _check_skill_name(raw["skill"], fail)
        level = None
        if raw["level"] not in {str(value) for value in Level.values}:
            fail(
                "level",
                _(
                    "Expected a level from 0 to 3 (0 none, 1 learning, 2 competent, "
                    "3 can train others), got %(value)s."
                )
                % {"value": shown(raw["level"])},
            )
        else:
            level = int(raw["level"])
        assessed_on = date_cell(raw["assessed_on"], "assessed_on", fail)
        if assessed_on is not None and assessed_on > today:
            fail(
                "assessed_on",
                _("%(day)s is in the future; today is %(today)s.")
                % {"day": assessed_on.isoformat(), "today": today.isoformat()},
            )
        if employee_id and name and assessed_on:
            key = (employee_id, name.casefold(), assessed_on)
            earlier = first_rows.earlier(key, number)
            if earlier:
                fail(
                    "",
                    _(
                        "Same person, skill and date as row %(row)d; each may "
                        "appear once."
                    )
                    % {"row": earlier},
                )
        return AssessmentRow(number, employee_id, name, level, assessed_on)

    parsed, row_errors = check_rows(rows, check)
    errors.extend(row_errors)
    errors.extend(unknown_employee_ids(organization, parsed))
    if errors:
        raise SkillsImportError(errors)
    return parsed


def skills_import(
    *,
    organization: Organization,
    file,
    progress: Progress = no_progress,
    actor=None,
) -> ImportResult:
    """Check the whole file, then write every assessment in one transaction.

    A row for a person, skill and day that already has an assessment corrects
    its level (unchanged if equal); any other row adds an assessment.
    """
    rows = parse_skills(file, organization=organization)
    progress("checked", len(rows), len(rows))
    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        skills, result.new_skills = _skills_by_key(
            organization, dict.fromkeys(row.skill for row in rows)
        )
        people = staff_pks(organization, rows)
        existing = {
            (a.staff_member_id, a.skill_id, a.assessed_on): a
            for a in SkillAssessment.objects.filter(
                staff_member__organization=organization,
                skill__in=[skills[row.skill.casefold()] for row in rows],
                staff_member_id__in=people.values(),
            )
        }
        to_create, to_update = [], []
        for row in rows:
            skill = skills[row.skill.casefold()]
            key = (people[row.employee_id], skill.pk, row.assessed_on)
            current = existing.get(key)
            if current is None:
                to_create.append(
                    SkillAssessment(
                        staff_member_id=key[0],
                        skill=skill,
                        level=row.level,
                        assessed_on=row.assessed_on,
                    )
                )
            elif current.level != row.level:
                current.level = row.level
                to_update.append(current)
            else:
                result.unchanged += 1
        bulk_write(SkillAssessment, to_create, to_update, ["level"], progress)
        result.created, result.updated = len(to_create), len(to_update)
        _audit(organization, actor, "skill assessments", result)
    return result


def _audit(organization, actor, kind, result: ImportResult) -> None:
    audit_record(
        organization=organization,
        actor=actor,
        action=AuditEvent.Action.IMPORT_APPLIED,
        target=f"Import of {kind}",
        detail={"kind": kind, **asdict(result)},
    )


# --- Team requirements -------------------------------------------------------


@dataclass(frozen=True)
class RequirementRow:
    row: int
    team: Team
    skill: str
    min_competent: int


def parse_team_skills(data, *, organization: Organization) -> list[RequirementRow]:
    """Every row checked, sites and teams looked up by name or slug; raises
    SkillsImportError listing all problems."""
    sites = {}
    for site in Site.objects.filter(organization=organization):
        sites[site.name.casefold()] = site
        sites.setdefault(site.slug.casefold(), site)
    teams = {}
    for team in Team.objects.filter(site__organization=organization):
        teams[(team.site_id, team.name.casefold())] = team
        teams.setdefault((team.site_id, team.slug.casefold()), team)

    rows, errors = read_rows(data, TEAM_SKILL_COLUMNS)
    first_rows = FirstRows()

    def check(number, raw, fail):
        site_name, team_name = (
            " ".join(raw["site"].split()),
            " ".join(raw["team"].split()),
        )
        site = team = None
        if not site_name:
            fail("site", _("Empty; name the site."))
        else:
            site = sites.get(site_name.casefold())
            if site is None:
                fail(
                    "site",
                    _("No site %(value)s in %(org)s; expected one of: %(names)s.")
                    % {
                        "value": shown(site_name),
                        "org": organization.name,
                        "names": ", ".join(sorted({s.name for s in sites.values()})),
                    },
                )
        if not team_name:
            fail("team", _("Empty; name the team."))
        elif site is not None:
            team = teams.get((site.pk, team_name.casefold()))
            if team is None:
                fail(
                    "team",
                    _("No team %(value)s at %(site)s.")
                    % {"value": shown(team_name), "site": site.name},
                )
        name = _check_skill_name(raw["skill"], fail)
        minimum = None
        if not re.fullmatch(r"\d+", raw["min_competent"]):
            fail(
                "min_competent",
                _("Expected a whole number of people, 1 or more, got %(value)s.")
                % {"value": shown(raw["min_competent"])},
            )
        else:
            minimum = int(raw["min_competent"])
            if not 1 <= minimum <= MAX_MIN_COMPETENT:
                fail(
                    "min_competent",
                    _("Must be from 1 to %(max)d, got %(value)d.")
                    % {"max": MAX_MIN_COMPETENT, "value": minimum},
                )
        if team is not None and name:
            # By the team found, so a site named in one row and slugged in
            # another is still caught.
            key = (team.pk, name.casefold())
            earlier = first_rows.earlier(key, number)
            if earlier:
                fail(
                    "",
                    _("Same site, team and skill as row %(row)d; each may appear once.")
                    % {"row": earlier},
                )
        return RequirementRow(number, team, name, minimum)

    parsed, row_errors = check_rows(rows, check)
    errors.extend(row_errors)
    if errors:
        raise SkillsImportError(errors)
    return parsed


def team_skills_import(
    *,
    organization: Organization,
    file,
    effective_date: date | None = None,
    progress: Progress = no_progress,
    actor=None,
) -> ImportResult:
    """Set each team's minimum per skill from ``effective_date`` (default today).

    Requirements missing from the file are left as they are: the file adds and
    changes, it does not remove.
    """
    effective_date = effective_date or organization_today(organization)
    rows = parse_team_skills(file, organization=organization)
    progress("checked", len(rows), len(rows))
    result = ImportResult(rows=len(rows))
    with transaction.atomic():
        open_spells = {
            (spell.team_id, spell.skill.name.casefold()): spell
            for spell in TeamSkillRequirement.objects.filter(
                team__site__organization=organization, end_date__isnull=True
            ).select_related("skill")
        }
        errors = []
        for row in rows:
            spell = open_spells.get((row.team.pk, row.skill.casefold()))
            problem = requirement_change_problem(spell, effective_date)
            if problem:
                errors.append(ImportProblem(row.row, "", problem))
        if errors:
            raise SkillsImportError(errors)
        skills, result.new_skills = _skills_by_key(
            organization, dict.fromkeys(row.skill for row in rows)
        )
        for done, row in enumerate(rows, start=1):
            spell = open_spells.get((row.team.pk, row.skill.casefold()))
            if spell is not None and spell.min_competent == row.min_competent:
                result.unchanged += 1
            else:
                requirement_set(
                    team=row.team,
                    skill=skills[row.skill.casefold()],
                    min_competent=row.min_competent,
                    on=effective_date,
                )
                if spell is None:
                    result.created += 1
                else:
                    result.updated += 1
            if done % WRITE_BATCH == 0 or done == len(rows):
                progress("written", done, len(rows))
        _audit(organization, actor, "team skill requirements", result)
    return result
