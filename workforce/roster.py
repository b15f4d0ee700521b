"""Roster import: one CSV of the people employed, applied all-or-nothing.

Three layers, so each can be tested on its own:

1. ``decode_roster`` / ``parse_roster`` turn bytes into :class:`RosterRow` objects
   or a :class:`RosterImportError` listing every problem by row and column. Pure.
2. ``_plan`` compares the rows with the organization's data and decides every
   change (people, sites, teams, job roles, team spells) without writing.
3. ``roster_import`` does 1 and 2 and then writes, in one transaction.

Team history (TeamMembership spells, end date exclusive) is kept so that the
person's last spell ends on their termination date (open while employed):

- a new person gets one spell from their hire date;
- a person whose team changes gets a transfer on the effective date: the
  current spell closes that day and a spell in the new team opens the same day
  (a spell that has not started by then just has its team corrected);
- a changed hire date moves the start of the first spell, unless the person is
  coming back after a termination: then a new spell opens on the new hire date;
- a team change on or after the day a person left cannot be recorded and is an
  error, like any other, that rejects the file.

People missing from the file are left as they are: a roster adds and updates.
"""

import csv
import io
import logging
import re
import zoneinfo
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .models import (
    EmploymentType,
    JobRole,
    Organization,
    RosterImport,
    Site,
    StaffMember,
    Team,
    TeamMembership,
    TerminationReason,
)
from .selectors import can_manage_organization

logger = logging.getLogger(__name__)

COLUMNS = (
    "employee_id",
    "full_name",
    "email",
    "phone",
    "site",
    "team",
    "job_role",
    "employment_type",
    "fte",
    "hire_date",
    "termination_date",
    "termination_reason",
)
REQUIRED = {
    "employee_id",
    "full_name",
    "site",
    "team",
    "job_role",
    "employment_type",
    "fte",
    "hire_date",
}
MAX_LENGTHS = {
    "employee_id": 64,
    "full_name": 200,
    "email": 254,
    "phone": 32,
    "site": 200,
    "team": 200,
    "job_role": 120,
}
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
FTE = re.compile(r"\d+(\.\d{1,2})?|\.\d{1,2}")
WRITE_BATCH = 1000
SAMPLE_SIZE = 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RosterError:
    """One problem: ``row`` as numbered in the file (header = 1), None for the file."""

    row: int | None
    column: str
    message: str

    def __str__(self):
        if self.row is None:
            return self.message
        if not self.column:
            return f"row {self.row}: {self.message}"
        return f"row {self.row}, column {self.column}: {self.message}"


class RosterImportError(Exception):
    """The file was rejected; ``errors`` lists every problem found."""

    def __init__(self, errors):
        self.errors = sorted(errors, key=lambda e: (e.row or 0, _column_order(e)))
        super().__init__(f"{len(self.errors)} problem(s) in the roster")

    def as_dicts(self):
        return [asdict(error) for error in self.errors]


def _column_order(error):
    return COLUMNS.index(error.column) if error.column in COLUMNS else -1


@dataclass(frozen=True)
class RosterRow:
    row: int
    employee_id: str
    full_name: str
    email: str
    phone: str
    site: str
    team: str
    job_role: str
    employment_type: str
    fte: Decimal
    hire_date: date
    termination_date: date | None
    termination_reason: str


@dataclass
class RosterImportResult:
    """What an import changes (preview) or changed (apply)."""

    effective_date: date
    rows: int = 0
    created: int = 0
    updated: int = 0
    transfers: int = 0
    unchanged: int = 0
    not_in_file: int = 0
    new_sites: list[str] = field(default_factory=list)
    new_teams: list[str] = field(default_factory=list)
    new_job_roles: list[str] = field(default_factory=list)
    samples: list[dict] = field(default_factory=list)

    def as_dict(self):
        data = asdict(self)
        data["effective_date"] = self.effective_date.isoformat()
        return data


# --- 1. Reading the file -----------------------------------------------------


def decode_roster(data: bytes) -> str:
    """Text of an uploaded roster: UTF-8, with or without a byte order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = _(
            "The file is not UTF-8 text (byte 0x%(byte)02X on line %(line)d). "
            "Save it as “CSV UTF-8 (comma delimited)” and upload it again."
        ) % {"byte": data[exc.start], "line": line}
        raise RosterImportError([RosterError(None, "", message)]) from exc


def _text_of(file) -> str:
    if isinstance(file, str):
        return file.removeprefix("\ufeff")
    if isinstance(file, bytes | bytearray):
        return decode_roster(bytes(file))
    return _text_of(file.read())


def _shown(value: str) -> str:
    return f"“{value[:40]}…”" if len(value) > 40 else f"“{value}”"


def _read_header(cells):
    positions, errors = {}, []
    expected = ", ".join(COLUMNS)
    for index, cell in enumerate(cells):
        name = re.sub(r"[\s-]+", "_", cell.strip().lower())
        if not name:
            errors.append(
                RosterError(
                    1,
                    "",
                    _("Column %(n)d has no name; expected one of: %(expected)s.")
                    % {"n": index + 1, "expected": expected},
                )
            )
        elif name not in COLUMNS:
            errors.append(
                RosterError(
                    1,
                    cell.strip(),
                    _("Unknown column; expected one of: %(expected)s.")
                    % {"expected": expected},
                )
            )
        elif name in positions:
            errors.append(
                RosterError(
                    1,
                    name,
                    _("The column appears twice (columns %(a)d and %(b)d).")
                    % {"a": positions[name] + 1, "b": index + 1},
                )
            )
        else:
            positions[name] = index
    for name in COLUMNS:
        if name not in positions and not any(e.column == name for e in errors):
            errors.append(
                RosterError(
                    1,
                    name,
                    _(
                        "The column is missing; the header must name it (cells may be "
                        "empty where it is optional)."
                    )
                    if name not in REQUIRED
                    else _("The column is missing and it is required."),
                )
            )
    return positions, errors


def _parse_date(raw: str, fail, column: str) -> date | None:
    if not ISO_DATE.fullmatch(raw):
        fail(
            column,
            _("Expected a date as YYYY-MM-DD (e.g. 2024-01-31), got %(value)s.")
            % {"value": _shown(raw)},
        )
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(column, _("There is no such date: %(value)s.") % {"value": _shown(raw)})
        return None


def _parse_row(number: int, raw: dict[str, str]) -> tuple[RosterRow | None, list]:
    errors = []

    def fail(column, message):
        errors.append(RosterError(number, column, message))

    values = {}
    for column in COLUMNS:
        # Names are compared and stored with runs of spaces collapsed.
        value = " ".join(raw[column].split())
        if not value and column in REQUIRED:
            fail(column, _("Empty; this column is required."))
        elif column in MAX_LENGTHS and len(value) > MAX_LENGTHS[column]:
            fail(
                column,
                _("%(length)d characters long; at most %(max)d are allowed.")
                % {"length": len(value), "max": MAX_LENGTHS[column]},
            )
        values[column] = value

    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            fail(
                "email",
                _("Not an email address: %(value)s.")
                % {"value": _shown(values["email"])},
            )

    employment_type = re.sub(r"[\s-]+", "_", values["employment_type"].lower())
    if values["employment_type"] and employment_type not in EmploymentType.values:
        fail(
            "employment_type",
            _("Unknown employment type %(value)s; expected one of: %(expected)s.")
            % {
                "value": _shown(values["employment_type"]),
                "expected": ", ".join(EmploymentType.values),
            },
        )

    fte = None
    if values["fte"]:
        try:
            fte = Decimal(values["fte"]) if FTE.fullmatch(values["fte"]) else None
        except InvalidOperation:
            fte = None
        if fte is None or fte > 1:
            fte = None
            fail(
                "fte",
                _(
                    "Expected a number from 0 to 1 with at most two decimals "
                    "(e.g. 0.8), got %(value)s."
                )
                % {"value": _shown(values["fte"])},
            )

    hire_date = (
        _parse_date(values["hire_date"], fail, "hire_date")
        if values["hire_date"]
        else None
    )
    termination_date = (
        _parse_date(values["termination_date"], fail, "termination_date")
        if values["termination_date"]
        else None
    )
    if hire_date and termination_date and termination_date < hire_date:
        fail(
            "termination_date",
            _("%(end)s is before the hire date %(start)s.")
            % {"end": termination_date.isoformat(), "start": hire_date.isoformat()},
        )

    reason = values["termination_reason"].lower()
    if reason and reason not in TerminationReason.values:
        fail(
            "termination_reason",
            _("Expected voluntary or involuntary, got %(value)s.")
            % {"value": _shown(values["termination_reason"])},
        )
    elif values["termination_date"] and not reason:
        fail(
            "termination_reason",
            _("Empty; a termination date is given, so say voluntary or involuntary."),
        )
    elif reason and not values["termination_date"]:
        fail(
            "termination_reason",
            _("Given, but termination_date is empty; fill in both or neither."),
        )

    if errors:
        return None, errors
    return (
        RosterRow(
            row=number,
            employee_id=values["employee_id"],
            full_name=values["full_name"],
            email=values["email"],
            phone=values["phone"],
            site=values["site"],
            team=values["team"],
            job_role=values["job_role"],
            employment_type=employment_type,
            fte=fte,
            hire_date=hire_date,
            termination_date=termination_date,
            termination_reason=reason,
        ),
        [],
    )


def parse_roster(text: str) -> list[RosterRow]:
    """Every row of ``text`` checked; raises RosterImportError listing all problems.

    Only ISO dates (YYYY-MM-DD) are accepted: 03/04/2024 means different days in
    different countries. Blank lines are skipped; row numbers are those a
    spreadsheet shows (header = row 1).
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    errors, rows, first_row_of = [], [], {}
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(
                RosterError(
                    number, "", _("Cannot be read as CSV: %(error)s.") % {"error": exc}
                )
            )
            break
        if number == 1:
            if not any(cell.strip() for cell in cells):
                raise RosterImportError(
                    [
                        RosterError(
                            1,
                            "",
                            _("The first row must name the columns: %(expected)s.")
                            % {"expected": ", ".join(COLUMNS)},
                        )
                    ]
                )
            positions, header_errors = _read_header(cells)
            if header_errors:
                # Without a trustworthy header no cell can be read for sure.
                raise RosterImportError(header_errors)
            width = len(cells)
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != width:
            errors.append(
                RosterError(
                    number,
                    "",
                    _("Has %(found)d cells; the header has %(expected)d.")
                    % {"found": len(cells), "expected": width},
                )
            )
            continue
        row, row_errors = _parse_row(
            number, {name: cells[index] for name, index in positions.items()}
        )
        employee_id = cells[positions["employee_id"]].strip()
        if employee_id in first_row_of:
            row_errors.append(
                RosterError(
                    number,
                    "employee_id",
                    _("%(value)s is also on row %(row)d; each person may appear once.")
                    % {"value": _shown(employee_id), "row": first_row_of[employee_id]},
                )
            )
        elif employee_id:
            first_row_of[employee_id] = number
        errors.extend(row_errors)
        if row is not None and not row_errors:
            rows.append(row)
    if number == 1 and not errors:
        raise RosterImportError([RosterError(None, "", _("The file is empty."))])
    if not errors and not rows:
        errors.append(RosterError(2, "", _("The file has a header but no people.")))
    if errors:
        raise RosterImportError(errors)
    return rows


# --- 2. Deciding what changes ------------------------------------------------


def _key(name: str) -> str:
    """How names are matched: case and runs of spaces do not matter."""
    return " ".join(name.split()).casefold()


def _unique_slug(name: str, taken: set, fallback: str) -> str:
    base = slugify(name)[:80].strip("-") or fallback
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: 80 - len(suffix)].rstrip("-") + suffix
        n += 1
    taken.add(slug)
    return slug


def _team_label(team: Team, site: Site) -> str:
    return f"{team.name} – {site.name}"


def _shown_value(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class _Plan:
    result: RosterImportResult
    rows: list[RosterRow]
    new_sites: list[Site] = field(default_factory=list)
    new_teams: list[Team] = field(default_factory=list)
    new_roles: list[JobRole] = field(default_factory=list)
    # Per row, in file order: (staff, is_new, changed, spells to save, spells to add)
    people: list[tuple] = field(default_factory=list)


class _Catalog:
    """The organization's sites, teams and job roles, growing as rows name new ones."""

    def __init__(self, organization: Organization, plan: _Plan):
        self.organization = organization
        self.plan = plan
        self.sites = {}
        self.sites_by_id = {}
        self.site_slugs = set()
        for site in Site.objects.filter(organization=organization):
            self.sites.setdefault(_key(site.name), site)
            self.sites_by_id[site.pk] = site
            self.site_slugs.add(site.slug)
        self.teams = {}
        self.teams_by_id = {}
        self.team_slugs = defaultdict(set)
        for team in Team.objects.filter(site__organization=organization):
            site = self.sites_by_id[team.site_id]
            team.site = site
            self.teams.setdefault((_key(site.name), _key(team.name)), team)
            self.teams_by_id[team.pk] = team
            self.team_slugs[_key(site.name)].add(team.slug)
        self.roles = {}
        self.roles_by_id = {}
        self.role_slugs = set()
        for role in JobRole.objects.filter(organization=organization):
            self.roles.setdefault(_key(role.name), role)
            self.roles_by_id[role.pk] = role
            self.role_slugs.add(role.slug)

    def site(self, name: str) -> Site:
        key = _key(name)
        if key not in self.sites:
            site = Site(
                organization=self.organization,
                name=name,
                slug=_unique_slug(name, self.site_slugs, "site"),
            )
            self.sites[key] = site
            self.plan.new_sites.append(site)
        return self.sites[key]

    def team(self, site: Site, name: str) -> Team:
        key = (_key(site.name), _key(name))
        if key not in self.teams:
            team = Team(
                site=site,
                name=name,
                slug=_unique_slug(name, self.team_slugs[key[0]], "team"),
            )
            self.teams[key] = team
            self.plan.new_teams.append(team)
        return self.teams[key]

    def role(self, name: str) -> JobRole:
        key = _key(name)
        if key not in self.roles:
            role = JobRole(
                organization=self.organization,
                name=name,
                slug=_unique_slug(name, self.role_slugs, "role"),
            )
            self.roles[key] = role
            self.plan.new_roles.append(role)
        return self.roles[key]


STAFF_FIELDS = (
    "full_name",
    "email",
    "phone",
    "site",
    "team",
    "job_role",
    "employment_type",
    "fte",
    "hire_date",
    "termination_date",
    "termination_reason",
)


def _is_rehire(person: StaffMember, row: RosterRow) -> bool:
    """A leaver listed again with a new hire date on or after they left."""
    return (
        person.termination_date is not None
        and row.hire_date != person.hire_date
        and row.hire_date >= person.termination_date
    )


def _plan_spells(person, spells, row, team, effective_date, fail):
    """Spells to save and spells to add so ``person``'s history matches ``row``.

    ``spells`` are the person's memberships by start date; they are changed in
    place. ``person`` still holds the values from before the import.
    """
    touched, added = [], []

    def touch(spell):
        if spell.pk and spell not in touched:
            touched.append(spell)

    if not spells:
        # A record made without history: start it from what we know.
        spell = TeamMembership(
            staff_member=person,
            team_id=person.team_id,
            start_date=person.hire_date,
            end_date=person.termination_date,
        )
        spells, added = [spell], [spell]

    last = spells[-1]
    if _is_rehire(person, row):
        # Coming back: the earlier employment's history stays as it was.
        if last.end_date is None:
            last.end_date = max(last.start_date, person.termination_date)
            touch(last)
        spell = TeamMembership(
            staff_member=person,
            team=team,
            start_date=row.hire_date,
            end_date=row.termination_date,
        )
        return touched, [*added, spell]

    first = spells[0]
    if (
        row.hire_date != person.hire_date
        and first.start_date == person.hire_date
        and (first.end_date is None or row.hire_date <= first.end_date)
    ):
        first.start_date = row.hire_date
        touch(first)

    if team.pk is None or last.team_id != team.pk:
        if row.termination_date and row.termination_date <= effective_date:
            fail(
                "team",
                _(
                    "The team changes, but the person left on %(left)s, on or "
                    "before the effective date %(effective)s; keep the team they "
                    "left from."
                )
                % {
                    "left": row.termination_date.isoformat(),
                    "effective": effective_date.isoformat(),
                },
            )
            return touched, added
        if effective_date <= last.start_date:
            # The spell has not begun by the effective date: correct it.
            last.team = team
            touch(last)
        else:
            spell = TeamMembership(
                staff_member=person, team=team, start_date=effective_date
            )
            last.end_date = effective_date
            touch(last)
            added.append(spell)
            last = spell

    if last.end_date != row.termination_date:
        if row.termination_date and row.termination_date < last.start_date:
            fail(
                "termination_date",
                _(
                    "%(end)s is before the person's current team spell began "
                    "(%(start)s)."
                )
                % {
                    "end": row.termination_date.isoformat(),
                    "start": last.start_date.isoformat(),
                },
            )
        else:
            last.end_date = row.termination_date
            touch(last)
    return touched, added


def _plan(organization: Organization, rows, effective_date: date) -> _Plan:
    """Decide every change; raises RosterImportError for conflicts with the data."""
    plan = _Plan(result=RosterImportResult(effective_date=effective_date), rows=rows)
    result = plan.result
    result.rows = len(rows)
    catalog = _Catalog(organization, plan)
    existing = {
        person.employee_id: person
        for person in StaffMember.objects.filter(organization=organization)
    }
    spells_of = defaultdict(list)
    for spell in TeamMembership.objects.filter(
        staff_member__organization=organization
    ).order_by("start_date", "pk"):
        spells_of[spell.staff_member_id].append(spell)

    errors = []
    for row in rows:

        def fail(column, message, row=row):
            errors.append(RosterError(row.row, column, message))

        site = catalog.site(row.site)
        team = catalog.team(site, row.team)
        role = catalog.role(row.job_role)
        person = existing.get(row.employee_id)
        wanted = {
            "full_name": row.full_name,
            "email": row.email,
            "phone": row.phone,
            "site": site,
            "team": team,
            "job_role": role,
            "employment_type": row.employment_type,
            "fte": row.fte,
            "hire_date": row.hire_date,
            "termination_date": row.termination_date,
            "termination_reason": row.termination_reason,
        }
        if person is None:
            person = StaffMember(
                organization=organization, employee_id=row.employee_id, **wanted
            )
            spell = TeamMembership(
                staff_member=person,
                team=team,
                start_date=row.hire_date,
                end_date=row.termination_date,
            )
            plan.people.append((person, True, True, [], [spell]))
            result.created += 1
            _sample(result, row, "new", [])
            continue

        details = _differences(person, wanted, catalog)
        is_transfer = (team.pk is None or person.team_id != team.pk) and not (
            _is_rehire(person, row)
        )
        touched, added = _plan_spells(
            person, spells_of[person.pk], row, team, effective_date, fail
        )
        for name, value in wanted.items():
            setattr(person, name, value)
        plan.people.append((person, False, bool(details), touched, added))
        if details:
            result.updated += 1
            result.transfers += is_transfer
            _sample(result, row, "transfer" if is_transfer else "updated", details)
        else:
            result.unchanged += 1
    if errors:
        raise RosterImportError(errors)

    in_file = {row.employee_id for row in rows}
    result.not_in_file = sum(1 for key in existing if key not in in_file)
    result.new_sites = [site.name for site in plan.new_sites]
    result.new_teams = [_team_label(team, team.site) for team in plan.new_teams]
    result.new_job_roles = [role.name for role in plan.new_roles]
    return plan


def _differences(person: StaffMember, wanted: dict, catalog: _Catalog) -> list[str]:
    details = []
    for name, value in wanted.items():
        if name == "site":
            before, after = person.site_id, value.pk
            shown = (catalog.sites_by_id[person.site_id].name, value.name)
        elif name == "team":
            before, after = person.team_id, value.pk
            old = catalog.teams_by_id[person.team_id]
            shown = (_team_label(old, old.site), _team_label(value, value.site))
        elif name == "job_role":
            before, after = person.job_role_id, value.pk
            shown = (catalog.roles_by_id[person.job_role_id].name, value.name)
        else:
            before, after = getattr(person, name), value
            shown = (_shown_value(before), _shown_value(after))
        if before != after:
            details.append(f"{name}: {shown[0]} → {shown[1]}")
    return details


def _sample(result: RosterImportResult, row: RosterRow, change: str, details):
    if len(result.samples) < SAMPLE_SIZE:
        result.samples.append(
            {
                "row": row.row,
                "employee_id": row.employee_id,
                "full_name": row.full_name,
                "change": change,
                "details": details,
            }
        )


# --- 3. Writing --------------------------------------------------------------


def _write(plan: _Plan, progress: Progress) -> None:
    # bulk_create fills in primary keys (PostgreSQL, SQLite >= 3.35), and Django
    # copies them into the foreign keys of objects that point at these.
    Site.objects.bulk_create(plan.new_sites)
    Team.objects.bulk_create(plan.new_teams)
    JobRole.objects.bulk_create(plan.new_roles)
    total = len(plan.people)
    for start in range(0, total, WRITE_BATCH):
        chunk = plan.people[start : start + WRITE_BATCH]
        StaffMember.objects.bulk_create(
            [person for person, is_new, *_ in chunk if is_new]
        )
        StaffMember.objects.bulk_update(
            [person for person, is_new, changed, *_ in chunk if changed and not is_new],
            STAFF_FIELDS,
        )
        # Closing spells before opening new ones keeps one open spell per person.
        TeamMembership.objects.bulk_update(
            [spell for *_, touched, _added in chunk for spell in touched],
            ["team", "start_date", "end_date"],
        )
        TeamMembership.objects.bulk_create(
            [spell for *_, added in chunk for spell in added]
        )
        progress(min(start + WRITE_BATCH, total), total)


def organization_today(organization: Organization) -> date:
    """Today's date where the organization is (the default effective date)."""
    try:
        zone = zoneinfo.ZoneInfo(organization.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = timezone.get_default_timezone()
    return timezone.localdate(timezone=zone)


def roster_preview(
    *, organization: Organization, file, effective_date: date | None = None
) -> RosterImportResult:
    """What importing ``file`` would change; writes nothing."""
    rows = parse_roster(_text_of(file))
    effective_date = effective_date or organization_today(organization)
    return _plan(organization, rows, effective_date).result


def roster_import(
    *,
    organization: Organization,
    file,
    effective_date: date | None = None,
    progress: Progress | None = None,
) -> RosterImportResult:
    """Import a roster CSV (bytes, text or a file) all-or-nothing.

    Raises RosterImportError with every problem found, having written nothing.
    ``progress(done, total)`` is called with done=0 once every row has been
    checked, then after each batch of people written.
    """
    rows = parse_roster(_text_of(file))
    effective_date = effective_date or organization_today(organization)
    report = progress or (lambda done, total: None)
    with transaction.atomic():
        # One import at a time per organization: a plan is only right for the
        # data it was made from.
        Organization.objects.select_for_update().get(pk=organization.pk)
        plan = _plan(organization, rows, effective_date)
        report(0, len(rows))
        _write(plan, report)
    return plan.result


# --- The back-office flow: upload, preview, apply in the background ----------


def roster_import_upload(
    *,
    organization: Organization,
    uploaded_by,
    filename: str,
    data: bytes,
    effective_date: date | None = None,
) -> RosterImport:
    """Check an uploaded roster and keep it for preview; nothing is applied yet."""
    record = RosterImport(
        organization=organization,
        uploaded_by=uploaded_by,
        original_filename=filename[:255],
        effective_date=effective_date or organization_today(organization),
    )
    try:
        text = decode_roster(data)
        result = roster_preview(
            organization=organization, file=text, effective_date=record.effective_date
        )
    except RosterImportError as exc:
        record.status = RosterImport.Status.INVALID
        record.errors = exc.as_dicts()
    else:
        record.status = RosterImport.Status.PREVIEWED
        record.content = text
        record.summary = result.as_dict()
        record.progress_total = result.rows
    record.full_clean()
    record.save()
    return record


def roster_import_queue(*, roster_import: RosterImport) -> bool:
    """Queue a previewed import to be applied; False if it was already queued."""
    from .tasks import roster_import_apply

    claimed = RosterImport.objects.filter(
        pk=roster_import.pk, status=RosterImport.Status.PREVIEWED
    ).update(status=RosterImport.Status.QUEUED)
    if claimed:
        import_id = roster_import.pk
        transaction.on_commit(lambda: roster_import_apply.delay(import_id))
    return bool(claimed)


# A worker killed mid-import leaves "running" behind; its transaction rolled
# back, so after this long the import may be claimed again.
STALE_RUNNING = timezone.timedelta(hours=1)


def _progress_key(import_id: int) -> str:
    return f"roster-import:{import_id}:progress"


def roster_import_run(*, import_id: int) -> bool:
    """Apply a queued import once. Returns False when there was nothing to do.

    The conditional UPDATE is the claim: of two workers given the same id only
    one moves it from queued to running.
    """
    now = timezone.now()
    claimable = Q(status=RosterImport.Status.QUEUED) | Q(
        status=RosterImport.Status.RUNNING, started_at__lt=now - STALE_RUNNING
    )
    claimed = RosterImport.objects.filter(claimable, pk=import_id).update(
        status=RosterImport.Status.RUNNING, started_at=now
    )
    if not claimed:
        return False
    record = RosterImport.objects.select_related("organization").get(pk=import_id)
    key = _progress_key(import_id)

    def progress(done, total):
        # The writes are one transaction, invisible to the status page until
        # the end, so live progress travels through the cache instead.
        cache.set(key, (done, total), timeout=int(STALE_RUNNING.total_seconds()))

    try:
        result = roster_import(
            organization=record.organization,
            file=record.content,
            effective_date=record.effective_date,
            progress=progress,
        )
    except RosterImportError as exc:
        record.status = RosterImport.Status.FAILED
        record.errors = exc.as_dicts()
    except Exception:
        logger.exception("Roster import %s failed", import_id)
        record.status = RosterImport.Status.FAILED
        record.errors = [
            asdict(
                RosterError(
                    None,
                    "",
                    _(
                        "An unexpected error stopped the import and nothing was "
                        "changed. Upload the file again; if it happens again, "
                        "contact support."
                    ),
                )
            )
        ]
    else:
        record.status = RosterImport.Status.DONE
        record.summary = result.as_dict()
        record.progress_done = record.progress_total = result.rows
    record.finished_at = timezone.now()
    record.save(
        update_fields=[
            "status",
            "errors",
            "summary",
            "progress_done",
            "progress_total",
            "finished_at",
        ]
    )
    cache.delete(key)
    return record.status == RosterImport.Status.DONE


def roster_import_progress(record: RosterImport) -> tuple[int, int]:
    """(rows written, rows in the file) for the status page."""
    if record.status == RosterImport.Status.RUNNING:
        done, total = cache.get(_progress_key(record.pk)) or (0, 0)
        return done, total or record.progress_total
    return record.progress_done, record.progress_total


def roster_imports_for(user) -> QuerySet[RosterImport]:
    """Imports the user may see: their own organization's, for owner and HR."""
    if not can_manage_organization(user):
        return RosterImport.objects.none()
    return RosterImport.objects.filter(organization_id=user.organization_id)
