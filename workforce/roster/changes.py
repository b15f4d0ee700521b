"""Deciding what a roster changes, and writing it in bulk.

Team history (TeamMembership spells, end date exclusive) is kept so that the
person's last spell ends on their termination date (open while employed):

- a new person gets one spell from their hire date;
- a person whose team changes gets a transfer on the effective date: the
  current spell closes that day and a spell in the new team opens the same day
  (a spell that has not started by then just has its team corrected);
- a changed hire date moves the start of the first spell, unless the person is
  coming back after a termination: then a new spell opens on the new hire date;
- a leaver whose team differs (they left before the effective date) has the
  team of their last spell corrected: the file names the team they left from;
- a termination date before the current spell began is an error that, like any
  other, rejects the file.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date

from django.utils.text import slugify
from django.utils.translation import gettext as _

from workforce.models import (
    JobRole,
    Organization,
    Site,
    StaffMember,
    Team,
    TeamMembership,
)

from .parsing import RosterError, RosterImportError, RosterRow

WRITE_BATCH = 1000
SAMPLE_SIZE = 20

Progress = Callable[[int, int], None]


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
class _Change:
    """What happens to one person: fields to save and team spells to save or add."""

    person: StaffMember
    is_new: bool
    fields: tuple[str, ...] = ()
    spells_changed: dict[TeamMembership, set[str]] = field(default_factory=dict)
    spells_added: list[TeamMembership] = field(default_factory=list)


@dataclass
class _Plan:
    result: RosterImportResult
    rows: list[RosterRow]
    new_sites: list[Site] = field(default_factory=list)
    new_teams: list[Team] = field(default_factory=list)
    new_roles: list[JobRole] = field(default_factory=list)
    people: list[_Change] = field(default_factory=list)  # in file order


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


def _is_rehire(person: StaffMember, row: RosterRow) -> bool:
    """A leaver listed again with a new hire date on or after they left."""
    return (
        person.termination_date is not None
        and row.hire_date != person.hire_date
        and row.hire_date >= person.termination_date
    )


def _left_by(row: RosterRow, day: date) -> bool:
    return row.termination_date is not None and row.termination_date <= day


def _plan_spells(change, spells, row, team, effective_date, fail):
    """Record on ``change`` the spells to save and add to match ``row``.

    ``spells`` are the person's memberships by start date; they are changed in
    place. ``change.person`` still holds the values from before the import.
    """
    person = change.person
    touched, added = change.spells_changed, change.spells_added

    def touch(spell, field_name):
        if spell.pk:
            touched.setdefault(spell, set()).add(field_name)

    if not spells:
        # A record made without history: start it from what we know.
        spell = TeamMembership(
            staff_member=person,
            team_id=person.team_id,
            start_date=person.hire_date,
            end_date=person.termination_date,
        )
        spells = [spell]
        added.append(spell)

    last = spells[-1]
    if _is_rehire(person, row):
        # Coming back: the earlier employment's history stays as it was.
        if last.end_date is None:
            last.end_date = max(last.start_date, person.termination_date)
            touch(last, "end_date")
        added.append(
            TeamMembership(
                staff_member=person,
                team=team,
                start_date=row.hire_date,
                end_date=row.termination_date,
            )
        )
        return

    first = spells[0]
    if (
        row.hire_date != person.hire_date
        and first.start_date == person.hire_date
        and (first.end_date is None or row.hire_date <= first.end_date)
    ):
        first.start_date = row.hire_date
        touch(first, "start_date")

    if team.pk is None or last.team_id != team.pk:
        if _left_by(row, effective_date) or effective_date <= last.start_date:
            # No dated transfer when the person left before it would take
            # effect (the file names the team they left from) or when the spell
            # has not begun by then: the last spell's team is corrected.
            last.team = team
            touch(last, "team")
        else:
            spell = TeamMembership(
                staff_member=person, team=team, start_date=effective_date
            )
            last.end_date = effective_date
            touch(last, "end_date")
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
            touch(last, "end_date")


def plan_changes(organization: Organization, rows, effective_date: date) -> _Plan:
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
            plan.people.append(_Change(person, True, spells_added=[spell]))
            result.created += 1
            _sample(result, row, "new", [])
            continue

        differences = _differences(person, wanted, catalog)
        is_transfer = (
            (team.pk is None or person.team_id != team.pk)
            and not _is_rehire(person, row)
            and not _left_by(row, effective_date)
        )
        change = _Change(person, False, fields=tuple(differences))
        _plan_spells(change, spells_of[person.pk], row, team, effective_date, fail)
        for name in differences:
            setattr(person, name, wanted[name])
        plan.people.append(change)
        if differences:
            details = list(differences.values())
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


def _differences(person: StaffMember, wanted: dict, catalog: _Catalog) -> dict:
    """Field name → "name: before → after" for every field ``wanted`` changes."""
    differences = {}
    for name, value in wanted.items():
        if name in ("site", "team", "job_role"):
            if getattr(person, f"{name}_id") == value.pk:
                continue
            if name == "site":
                before, after = catalog.sites_by_id[person.site_id].name, value.name
            elif name == "team":
                old = catalog.teams_by_id[person.team_id]
                before = _team_label(old, old.site)
                after = _team_label(value, value.site)
            else:
                before = catalog.roles_by_id[person.job_role_id].name
                after = value.name
        else:
            if getattr(person, name) == value:
                continue
            before, after = _shown_value(getattr(person, name)), _shown_value(value)
        differences[name] = f"{name}: {before} → {after}"
    return differences


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


def write_changes(plan: _Plan, progress: Progress) -> None:
    # bulk_create fills in primary keys (PostgreSQL, SQLite >= 3.35), and Django
    # copies them into the foreign keys of objects that point at these.
    Site.objects.bulk_create(plan.new_sites)
    Team.objects.bulk_create(plan.new_teams)
    JobRole.objects.bulk_create(plan.new_roles)
    total = len(plan.people)
    for start in range(0, total, WRITE_BATCH):
        chunk = plan.people[start : start + WRITE_BATCH]
        StaffMember.objects.bulk_create([c.person for c in chunk if c.is_new])
        _bulk_update(
            StaffMember,
            ((c.person, c.fields) for c in chunk if c.fields and not c.is_new),
        )
        # Closing spells before opening new ones keeps one open spell per person.
        _bulk_update(
            TeamMembership,
            (item for c in chunk for item in c.spells_changed.items()),
        )
        TeamMembership.objects.bulk_create(
            [spell for c in chunk for spell in c.spells_added]
        )
        progress(min(start + WRITE_BATCH, total), total)


def _bulk_update(model, objects_and_fields) -> None:
    """bulk_update grouped by the fields that changed.

    bulk_update writes a CASE per field; most people change one or two fields,
    so updating only those is several times faster than updating all of them.
    """
    groups = defaultdict(list)
    for obj, fields in objects_and_fields:
        groups[tuple(sorted(fields))].append(obj)
    for fields, objs in groups.items():
        model.objects.bulk_update(objs, fields)
