"""Demo data: practice groups with three years of hires, leavers and transfers.

Everything is drawn from a ``random.Random`` handed in by the caller, so one seed
gives the same people, names and dates every time; the only outside input is
``today``, the end of the window. The history lives in the database and nowhere
else: ``StaffMember`` (hire and termination dates, current or last team) and
``TeamMembership`` (one dated spell per team, ``end_date`` exclusive).

How the history is simulated is in ``workforce/demo_history.py``; what the
organizations look like on paper is in ``workforce/demo_data.py``. A leaver keeps
their last team, and their last spell closes on the termination date.

``management/commands/seed_demo.py`` runs the steps; later apps add theirs.
"""

import datetime
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from django.db import connection
from django.db.models import ProtectedError

from reports.models import PatientFeedback
from surveys.models import Answer, Invitation, Participation, Response, Round

from .demo_actions import plant_action_effects, step_actions
from .demo_climate import OrganizationClimate, build_climate
from .demo_data import BRIGHTSMILE, DEMO_BLUEPRINTS, LAKESIDE, OrganizationBlueprint
from .demo_history import Person, StaffingHistory
from .models import (
    JobRole,
    Organization,
    Role,
    Site,
    StaffMember,
    Team,
    TeamMembership,
    User,
)
from .recognition.models import Award, Recognition
from .skills.models import SkillAssessment
from .training.models import Completion

DEMO_PASSWORD = "flywheel-demo"
HISTORY_MONTHS = 36
_BATCH_SIZE = 500


class Writer(Protocol):
    def write(self, msg: str) -> None: ...


class SilentWriter:
    def write(self, msg: str) -> None:
        pass


@dataclass
class DemoWorkforce:
    """What a workforce step built, for later steps to hang their data on."""

    blueprint: OrganizationBlueprint
    organization: Organization
    sites: dict[str, Site]
    teams: dict[tuple[str, str], Team]
    job_roles: dict[str, JobRole]
    months: list[datetime.date]
    today: datetime.date
    people: int
    leavers: int
    transfers: int
    # The latent truth behind the history, and the simulated people (with their
    # StaffMember ids and skills), for later steps to draw on.
    climate: OrganizationClimate
    history: list[Person]

    @property
    def window_start(self) -> datetime.date:
        return self.months[0]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    scope: str
    password: str = DEMO_PASSWORD


@dataclass
class DemoContext:
    """Shared state of one ``seed_demo`` run, passed to every step."""

    seed: int
    today: datetime.date
    stdout: Writer = field(default_factory=SilentWriter)
    months: int = HISTORY_MONTHS
    workforces: dict[str, DemoWorkforce] = field(default_factory=dict)
    logins: list[DemoLogin] = field(default_factory=list)

    def rng_for(self, step: str) -> random.Random:
        """One generator per step, so adding a step never changes another's data."""
        return random.Random(f"{self.seed}:{step}")


def history_months(today: datetime.date, count: int = HISTORY_MONTHS):
    """First days of the ``count`` months ending with the month of ``today``."""
    index = today.year * 12 + today.month - 1 - (count - 1)
    return [
        datetime.date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(count)
    ]


_MISSING = object()


def insert_rows(model, fields: list[str], rows) -> int:
    """Insert ``rows`` (tuples in the order of ``fields``) with one prepared INSERT.

    For the demo's largest tables: the same rows as ``bulk_create``, whose values
    the model's own fields prepare, without building a model instance and a
    multi-row statement for each row (several times slower at 100,000+ rows).
    Every column without a database default must be in ``fields``.
    """
    quote = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    statement = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(column.column) for column in columns),
        ", ".join(["%s"] * len(columns)),
    )
    # Values repeat a lot (the same response, question or answer): prepare once.
    caches = [{} for _ in columns]
    prepared = []
    for row in rows:
        values = []
        for column, cache, value in zip(columns, caches, row, strict=True):
            ready = cache.get(value, _MISSING)
            if ready is _MISSING:
                ready = cache[value] = column.get_db_prep_save(value, connection)
            values.append(ready)
        prepared.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(statement, prepared)
    return len(prepared)


# --- Removing the previous demo -------------------------------------------------


def demo_usernames() -> list[str]:
    return [username for username, *_ in _LOGIN_PLAN]


def check_demo_usernames_free() -> list[str]:
    """Demo usernames already taken by someone outside the demo organizations."""
    slugs = [blueprint.slug for blueprint in DEMO_BLUEPRINTS]
    taken = User.objects.filter(username__in=demo_usernames()).exclude(
        organization__isnull=True, is_superuser=False
    )
    return sorted(
        user.username
        for user in taken.select_related("organization")
        if user.is_superuser or user.organization.slug not in slugs
    )


def purge_demo_organizations(*, stdout: Writer) -> None:
    """Delete the demo organizations and everything in them; keep the demo logins.

    Foreign keys that PROTECT (a staff member's site, a survey response's team)
    stop a plain cascade, so rows holding them are deleted first. They all belong
    to the demo organization being removed.
    """
    organizations = Organization.objects.filter(
        slug__in=[blueprint.slug for blueprint in DEMO_BLUEPRINTS]
    )
    # Detached rather than deleted, so re-seeding keeps the users' ids.
    User.objects.filter(
        username__in=demo_usernames(), organization__in=organizations
    ).update(organization=None, staff_member=None)
    for organization in organizations:
        stdout.write(f"removing previous demo: {organization.name}")
        # The big history tables go first, each in one filtered DELETE where it
        # can: a cascade from the organization would load every row first.
        for rows in _bulky_rows(organization):
            _delete_protected_first(rows)
        _delete_protected_first(Organization.objects.filter(pk=organization.pk))


def _bulky_rows(organization):
    """Querysets of an organization's largest tables, children before parents."""
    return [
        Answer.objects.filter(response__round__organization=organization),
        Response.objects.filter(round__organization=organization),
        Participation.objects.filter(round__organization=organization),
        Invitation.objects.filter(round__organization=organization),
        Round.objects.filter(organization=organization),
        SkillAssessment.objects.filter(staff_member__organization=organization),
        Award.objects.filter(organization=organization),
        Recognition.objects.filter(organization=organization),
        PatientFeedback.objects.filter(site__organization=organization),
        Completion.objects.filter(staff_member__organization=organization),
    ]


def _delete_protected_first(queryset, depth: int = 0) -> None:
    if depth > 10:
        raise RuntimeError("Demo data is protected by a cycle of foreign keys.")
    while True:
        try:
            queryset.delete()
            return
        except ProtectedError as error:
            # Raised while collecting, before anything was deleted.
            by_model = defaultdict(set)
            for obj in error.protected_objects:
                by_model[type(obj)].add(obj.pk)
            for model, pks in by_model.items():
                _delete_protected_first(
                    model._base_manager.filter(pk__in=pks), depth + 1
                )


# --- Writing it ---------------------------------------------------------------


def seed_workforce(
    *,
    rng: random.Random,
    today: datetime.date,
    stdout: Writer,
    seed: int,
    blueprint: OrganizationBlueprint = BRIGHTSMILE,
    months: int = HISTORY_MONTHS,
) -> DemoWorkforce:
    """Create one demo organization with ``months`` months of staffing history."""
    organization = Organization.objects.create(
        name=blueprint.name, slug=blueprint.slug, timezone=blueprint.timezone
    )
    prefix = blueprint.name
    job_roles = {
        job_role.slug: job_role
        for job_role in JobRole.objects.bulk_create(
            JobRole(organization=organization, name=role.name, slug=role.slug)
            for role in blueprint.roles
        )
    }
    stdout.write(f"{prefix}: job roles {len(job_roles)}/{len(blueprint.roles)}")
    sites = {
        site.slug: site
        for site in Site.objects.bulk_create(
            Site(organization=organization, name=spec.name, slug=spec.slug)
            for spec in blueprint.sites
        )
    }
    stdout.write(f"{prefix}: sites {len(sites)}/{len(blueprint.sites)}")
    team_specs = [(site, team) for site in blueprint.sites for team in site.teams]
    created = Team.objects.bulk_create(
        Team(site=sites[site.slug], name=team.name, slug=team.slug)
        for site, team in team_specs
    )
    teams = {
        (site.slug, spec.slug): team
        for (site, spec), team in zip(team_specs, created, strict=True)
    }
    stdout.write(f"{prefix}: teams {len(teams)}/{len(team_specs)}")

    months = history_months(today, months)
    climate = build_climate(seed=seed, blueprint=blueprint, months=months)
    # Actions that worked change the climate before anything is drawn from it.
    climate = plant_action_effects(climate, months)
    history = StaffingHistory(
        blueprint=blueprint,
        rng=rng,
        months=months,
        today=today,
        stdout=stdout,
        climate=climate,
    )
    people = history.run()
    # Employee numbers follow the order people joined, as an HR system's would.
    people.sort(key=lambda person: person.hire_date)
    staff = StaffMember.objects.bulk_create(
        (
            StaffMember(
                organization=organization,
                employee_id=f"{blueprint.employee_prefix}{number:05d}",
                full_name=person.full_name,
                email=person.email,
                phone=person.phone,
                site=sites[person.spells[-1][0][0]],
                team=teams[person.spells[-1][0]],
                job_role=job_roles[person.role],
                employment_type=person.employment_type,
                fte=person.fte,
                hire_date=person.hire_date,
                termination_date=person.termination_date,
                termination_reason=person.termination_reason,
            )
            for number, person in enumerate(people, start=1)
        ),
        batch_size=_BATCH_SIZE,
    )
    for member, person in zip(staff, people, strict=True):
        person.staff_id = member.pk
    TeamMembership.objects.bulk_create(
        (
            TeamMembership(
                staff_member=member, team=teams[team], start_date=start, end_date=end
            )
            for member, person in zip(staff, people, strict=True)
            for team, start, end in person.spells
        ),
        batch_size=_BATCH_SIZE,
    )
    leavers = sum(person.termination_date is not None for person in people)
    active = len(people) - leavers
    stdout.write(
        f"{prefix}: staff {len(people)} over {len(months)} months, "
        f"{active} employed today, {leavers} leavers, {history.transfers} transfers"
    )
    return DemoWorkforce(
        blueprint=blueprint,
        organization=organization,
        sites=sites,
        teams=teams,
        job_roles=job_roles,
        months=months,
        today=today,
        people=len(people),
        leavers=leavers,
        transfers=history.transfers,
        climate=climate,
        history=people,
    )


# --- Steps run by seed_demo ---------------------------------------------------


def step_main_organization(*, context: DemoContext, rng: random.Random) -> None:
    context.workforces[BRIGHTSMILE.slug] = seed_workforce(
        rng=rng,
        today=context.today,
        stdout=context.stdout,
        seed=context.seed,
        blueprint=BRIGHTSMILE,
        months=context.months,
    )


def step_second_organization(*, context: DemoContext, rng: random.Random) -> None:
    context.workforces[LAKESIDE.slug] = seed_workforce(
        rng=rng,
        today=context.today,
        stdout=context.stdout,
        seed=context.seed,
        blueprint=LAKESIDE,
        months=context.months,
    )


# username, role, organization, managed site, led team
_LOGIN_PLAN = (
    ("owner", Role.OWNER, BRIGHTSMILE.slug, None, None),
    ("hr", Role.HR, BRIGHTSMILE.slug, None, None),
    ("manager", Role.SITE_MANAGER, BRIGHTSMILE.slug, "maple-grove", None),
    ("lead", Role.TEAM_LEAD, BRIGHTSMILE.slug, None, ("maple-grove", "front-desk")),
    ("staff", Role.STAFF, BRIGHTSMILE.slug, None, ("maple-grove", "front-desk")),
    ("lakeside-owner", Role.OWNER, LAKESIDE.slug, None, None),
)


def step_logins(*, context: DemoContext, rng: random.Random) -> None:
    """One login per role, all with ``DEMO_PASSWORD``; reused across runs."""
    today = context.today
    for username, role, org_slug, site_slug, team_key in _LOGIN_PLAN:
        workforce = context.workforces[org_slug]
        organization = workforce.organization
        staff_member = None
        if role == Role.SITE_MANAGER:
            site = workforce.sites[site_slug]
            staff_member = (
                StaffMember.objects.active_on(today)
                .filter(site=site, job_role__slug="practice-manager")
                .order_by("hire_date", "employee_id")
                .first()
            )
            scope = f"site {site.name}"
        elif team_key:
            team = workforce.teams[team_key]
            # The longest-serving member leads the team; the next one is "staff".
            members = list(
                StaffMember.objects.active_on(today)
                .filter(team=team)
                .order_by("hire_date", "employee_id")[:2]
            )
            staff_member = members[0] if role == Role.TEAM_LEAD else members[1]
            scope = (
                f"team {team.name} – {team.site.name}"
                if role == Role.TEAM_LEAD
                else f"own record: {staff_member.full_name}, {team.name} – "
                f"{team.site.name}"
            )
        else:
            scope = f"{organization.name}, all sites"
        first_name, last_name = (
            staff_member.full_name.split(" ", 1)
            if staff_member
            else (str(Role(role).label), "(demo)")
        )
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "organization": organization,
                "role": role,
                "staff_member": staff_member,
                "email": f"{username}@{workforce.blueprint.email_domain}",
                "first_name": first_name,
                "last_name": last_name,
                "is_active": True,
                "is_staff": False,
                "is_superuser": False,
            },
        )
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        user.managed_sites.set(
            [workforce.sites[site_slug]] if role == Role.SITE_MANAGER else []
        )
        user.led_teams.set(
            [workforce.teams[team_key]] if role == Role.TEAM_LEAD else []
        )
        context.logins.append(
            DemoLogin(username=username, role=str(Role(role).label), scope=scope)
        )
    context.stdout.write(f"logins {len(context.logins)}/{len(_LOGIN_PLAN)}")
    # Every action plan has an owner, so the demo's actions follow the logins.
    step_actions(context=context, rng=rng)


def format_logins(logins: list[DemoLogin]) -> str:
    """The logins as a plain-text table."""
    rows = [("username", "role", "scope", "password")] + [
        (login.username, str(login.role), login.scope, login.password)
        for login in logins
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(
            cell.ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
