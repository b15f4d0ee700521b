import datetime
import hashlib
import io
import re
from collections import defaultdict

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from phonenumbers import PhoneNumberFormat

from surveys.models import Response, TenureBand
from tests.factories import OrganizationFactory, RoundFactory, UserFactory
from workforce import selectors
from workforce.demo import DEMO_PASSWORD, history_months
from workforce.models import (
    EmploymentType,
    Organization,
    Role,
    Site,
    StaffMember,
    Team,
    TeamMembership,
    TerminationReason,
    User,
)

E164 = PhoneNumberFormat.E164
TODAY = datetime.date(2026, 3, 18)
MAIN, SECOND = "brightsmile-dental", "lakeside-medical"
DEMO_USERNAMES = ["owner", "hr", "manager", "lead", "staff", "lakeside-owner"]


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def fingerprint():
    """A digest of every demo row that matters, independent of primary keys."""
    rows = [
        *Site.objects.order_by("organization__slug", "slug").values_list(
            "organization__slug", "slug", "name"
        ),
        *Team.objects.order_by(
            "site__organization__slug", "site__slug", "slug"
        ).values_list("site__slug", "slug", "name"),
        *StaffMember.objects.order_by("organization__slug", "employee_id").values_list(
            "organization__slug",
            "employee_id",
            "full_name",
            "email",
            "phone",
            "site__slug",
            "team__slug",
            "job_role__slug",
            "employment_type",
            "fte",
            "hire_date",
            "termination_date",
            "termination_reason",
        ),
        *TeamMembership.objects.order_by(
            "staff_member__organization__slug",
            "staff_member__employee_id",
            "start_date",
        ).values_list(
            "staff_member__employee_id",
            "team__site__slug",
            "team__slug",
            "start_date",
            "end_date",
        ),
        *User.objects.order_by("username").values_list(
            "username",
            "role",
            "organization__slug",
            "staff_member__employee_id",
            "managed_sites__slug",
            "led_teams__slug",
        ),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def annual_rate(leavers, staff, months):
    """Leavers per average head per year, as HR reports turnover."""
    heads = [staff.active_on(month).count() for month in months]
    years = ((TODAY - months[0]).days + 1) / 365.25
    return leavers.count() / (sum(heads) / len(heads)) / years


@pytest.mark.django_db
def test_seed_builds_a_realistic_multi_site_group():
    output = seed()

    org = Organization.objects.get(slug=MAIN)
    staff = StaffMember.objects.filter(organization=org)
    months = history_months(TODAY)
    assert 5 <= org.sites.count() <= 6
    assert 35 <= Team.objects.filter(site__organization=org).count() <= 45
    assert 350 <= staff.active_on(months[0]).count() <= 450
    assert 350 <= staff.active_on(TODAY).count() <= 450
    assert {
        "Dentist",
        "Dental hygienist",
        "Dental assistant",
        "Receptionist",
        "Treatment coordinator",
        "Practice manager",
        "Sterilisation technician",
    } <= set(org.job_roles.values_list("name", flat=True))
    team_sizes = [
        staff.active_on(TODAY).filter(team=team).count()
        for team in Team.objects.filter(site__organization=org)
    ]
    assert min(team_sizes) >= 2
    assert sum(3 <= size <= 6 for size in team_sizes) >= 6
    assert max(team_sizes) >= 25
    types = set(staff.values_list("employment_type", flat=True))
    assert {EmploymentType.FULL_TIME, EmploymentType.PART_TIME} < types
    assert all(0 < fte <= 1 for fte in staff.values_list("fte", flat=True))
    assert staff.filter(employment_type=EmploymentType.PART_TIME, fte=1).count() == 0
    emails = list(staff.values_list("email", flat=True))
    assert len(set(emails)) == len(emails)
    assert all(email.endswith("@brightsmile.example") for email in emails)
    phones = list(staff.values_list("phone", flat=True))
    assert len(set(phones)) == len(phones)
    for phone in phones:
        # Fictional 555-01xx numbers that SMS sending still accepts as E.164.
        assert re.fullmatch(r"\+1\d{3}55501\d{2}", phone)
        number = phonenumbers.parse(phone)
        assert phonenumbers.is_valid_number(number)
        assert phonenumbers.format_number(number, E164) == phone
    assert "sites 6/6" in output
    assert "staff history month 12/36" in output
    assert "staff history month 36/36" in output


@pytest.mark.django_db
def test_second_organization_is_small_and_kept_apart():
    seed()

    lakeside = Organization.objects.get(slug=SECOND)
    assert 1 <= lakeside.sites.count() <= 2
    assert 3 <= Team.objects.filter(site__organization=lakeside).count() <= 8
    assert (
        25
        <= StaffMember.objects.filter(organization=lakeside).active_on(TODAY).count()
        <= 60
    )
    for org in Organization.objects.filter(slug__in=[MAIN, SECOND]):
        other = StaffMember.objects.filter(organization=org).exclude(
            team__site__organization=org
        )
        assert not other.exists()
        assert not TeamMembership.objects.filter(
            staff_member__organization=org
        ).exclude(team__site__organization=org)


@pytest.mark.django_db
def test_leavers_are_replaced_and_turnover_matches_the_literature():
    seed()

    org = Organization.objects.get(slug=MAIN)
    staff = StaffMember.objects.filter(organization=org)
    months = history_months(TODAY)
    leavers = staff.filter(termination_date__isnull=False)
    assert leavers.filter(termination_reason=TerminationReason.VOLUNTARY).exists()
    assert leavers.filter(termination_reason=TerminationReason.INVOLUNTARY).exists()
    assert not leavers.filter(termination_reason="").exists()
    assert not staff.filter(termination_date__isnull=True).exclude(
        termination_reason=""
    )
    assert not leavers.filter(termination_date__lt=months[0]).exists()
    assert not leavers.filter(termination_date__gt=TODAY).exists()
    assert not staff.filter(hire_date__gt=TODAY).exists()

    voluntary = leavers.filter(termination_reason=TerminationReason.VOLUNTARY)
    assert 0.12 <= annual_rate(voluntary, staff, months) <= 0.32
    assert 0.18 <= annual_rate(leavers, staff, months) <= 0.40
    for roles, low, high in [
        (["dental-assistant", "receptionist"], 0.25, 0.45),
        (["hygienist"], 0.10, 0.25),
        (["dentist"], 0.04, 0.20),
    ]:
        group = staff.filter(job_role__slug__in=roles)
        assert low <= annual_rate(leavers & group, group, months) <= high, roles
    # Replacements keep the group near its size all the way through.
    heads = [staff.active_on(month).count() for month in months]
    assert max(heads) - min(heads) <= 30
    hires = staff.filter(hire_date__gte=months[0])
    assert abs(hires.count() - leavers.count()) <= 30


@pytest.mark.django_db
def test_team_history_chains_without_gaps_or_overlaps():
    seed()

    spells = defaultdict(list)
    for spell in TeamMembership.objects.select_related("team").order_by("start_date"):
        spells[spell.staff_member_id].append(spell)
    people = StaffMember.objects.select_related("team")
    assert spells.keys() == set(people.values_list("pk", flat=True))
    for person in people:
        history = spells[person.pk]
        assert history[0].start_date == person.hire_date
        for earlier, later in zip(history, history[1:], strict=False):
            assert earlier.end_date == later.start_date
            assert earlier.team_id != later.team_id
        assert all(spell.start_date < spell.end_date for spell in history[:-1])
        assert history[-1].team_id == person.team_id
        assert person.team.site_id == person.site_id
        assert sum(spell.end_date is None for spell in history) == (
            1 if person.termination_date is None else 0
        )
        if person.termination_date is not None:
            # A leaver's last spell closes on the termination date.
            assert history[-1].end_date == person.termination_date
            assert history[-1].start_date < person.termination_date

    main = [p for p in people if p.organization.slug == MAIN]
    movers = [p for p in main if len(spells[p.pk]) > 1]
    assert len(movers) >= 20
    sites_moved = {
        (earlier.team.site_id == later.team.site_id)
        for p in movers
        for earlier, later in zip(spells[p.pk], spells[p.pk][1:], strict=False)
    }
    assert sites_moved == {True, False}


@pytest.mark.django_db
def test_same_seed_rebuilds_identical_data_in_place():
    seed()
    first = fingerprint()
    users = dict(User.objects.values_list("username", "pk"))
    counts = (Organization.objects.count(), StaffMember.objects.count())

    output = seed()

    assert fingerprint() == first
    assert dict(User.objects.values_list("username", "pk")) == users
    assert (Organization.objects.count(), StaffMember.objects.count()) == counts
    assert sorted(users) == sorted(DEMO_USERNAMES)
    assert "removing previous demo: Brightsmile Dental Group" in output


@pytest.mark.django_db
def test_another_seed_gives_other_people():
    seed()
    first = fingerprint()
    names = set(StaffMember.objects.values_list("full_name", flat=True))

    seed("--seed", "7")

    assert fingerprint() != first
    assert set(StaffMember.objects.values_list("full_name", flat=True)) != names


@pytest.mark.django_db
def test_seeding_leaves_other_organizations_alone(org_world):
    before = StaffMember.objects.filter(organization=org_world["org"]).count()

    seed()
    seed()

    assert StaffMember.objects.filter(organization=org_world["org"]).count() == before
    assert Organization.objects.filter(pk=org_world["other_org"].pk).exists()


@pytest.mark.django_db
def test_demo_logins_sign_in_and_see_their_scope(client):
    output = seed()

    main = Organization.objects.get(slug=MAIN)
    lakeside = Organization.objects.get(slug=SECOND)
    users = {user.username: user for user in User.objects.all()}
    for username in DEMO_USERNAMES:
        response = client.post(
            reverse("login"), {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"] == str(users[username].pk)
        assert re.search(rf"^{re.escape(username)}\s.*{DEMO_PASSWORD}$", output, re.M)
        client.logout()

    for username in ["owner", "hr"]:
        assert users[username].organization == main
        assert selectors.visible_sites(users[username]).count() == main.sites.count()
    assert users["owner"].role == Role.OWNER
    assert users["hr"].role == Role.HR

    manager = users["manager"]
    assert manager.role == Role.SITE_MANAGER
    assert [site.slug for site in selectors.visible_sites(manager)] == ["maple-grove"]

    lead = users["lead"]
    assert lead.role == Role.TEAM_LEAD
    (team,) = selectors.visible_teams(lead)
    assert (team.site.slug, team.slug) == ("maple-grove", "front-desk")
    assert lead.staff_member.team == team

    staff = users["staff"]
    assert staff.role == Role.STAFF
    assert staff.staff_member.organization == main
    assert staff.staff_member.termination_date is None
    assert staff.staff_member.team == team
    assert staff.staff_member != lead.staff_member
    assert not selectors.visible_staff(staff).exists()

    owner = users["lakeside-owner"]
    assert owner.role == Role.OWNER
    assert owner.organization == lakeside
    assert set(selectors.visible_staff(owner).values_list("organization", flat=True))
    assert not selectors.visible_staff(owner).filter(organization=main).exists()


@pytest.mark.django_db
def test_rerun_clears_rows_that_protect_the_previous_demo():
    seed()
    org = Organization.objects.get(slug=MAIN)
    team = Team.objects.filter(site__organization=org).first()
    # Survey responses keep their team with PROTECT: a plain cascade would fail.
    Response.objects.create(
        round=RoundFactory(survey__organization=org),
        site=team.site,
        team=team,
        job_role=org.job_roles.first(),
        tenure_band=TenureBand.ONE_TO_2,
        employment_type=EmploymentType.FULL_TIME,
    )

    seed()

    assert not Response.objects.exists()
    assert Organization.objects.filter(slug=MAIN).count() == 1


@pytest.mark.django_db
def test_refuses_to_take_over_a_real_account():
    UserFactory(username="hr", organization=OrganizationFactory())

    with pytest.raises(CommandError, match="hr"):
        seed()

    assert not Organization.objects.filter(slug=MAIN).exists()


@pytest.mark.django_db
def test_rejects_a_malformed_today():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("seed_demo", "--today", "18/03/2026", stdout=io.StringIO())


def test_history_months_end_with_the_current_month():
    months = history_months(datetime.date(2026, 1, 31))

    assert len(months) == 36
    assert months[0] == datetime.date(2023, 2, 1)
    assert months[-1] == datetime.date(2026, 1, 1)
    assert all(month.day == 1 for month in months)
