"""Fairness numbers checked against a small world computed by hand."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.factories import (
    JobRoleFactory,
    OrganizationFactory,
    SiteFactory,
    StaffMemberFactory,
    TeamFactory,
    UserFactory,
)
from workforce.models import EmploymentType, Role, TeamMembership
from workforce.recognition.fairness import Hidden, fairness_report, suppressed_groups
from workforce.recognition.models import Recognition, RecognitionSettings
from workforce.recognition.selectors import active_values
from workforce.recognition.services import (
    company_values_seed_defaults,
    recognition_nominate,
)

START, END = datetime.date(2026, 1, 1), datetime.date(2026, 1, 10)  # 10 days
TODAY = END
FT, PT = EmploymentType.FULL_TIME, EmploymentType.PART_TIME


def day(n):
    return datetime.date(2026, 1, n)


@pytest.fixture
def world(db):
    """k = 3. Site North: Front desk (A, B, C, D, and J until 4 Jan) and
    Clinical (E, F). Site South: Front desk (G, H, I, and J from 4 Jan).
    D leaves on 6 January."""
    org = OrganizationFactory(slug="fair", min_group_size=3)
    company_values_seed_defaults(organization=org)
    RecognitionSettings.objects.create(organization=org, require_approval=False)
    north = SiteFactory(organization=org, name="North")
    south = SiteFactory(organization=org, name="South")
    t1 = TeamFactory(site=north, name="Front desk")
    t2 = TeamFactory(site=north, name="Clinical")
    t3 = TeamFactory(site=south, name="Front desk")
    receptionist = JobRoleFactory(organization=org, name="Receptionist")
    dentist = JobRoleFactory(organization=org, name="Dentist")
    hygienist = JobRoleFactory(organization=org, name="Hygienist")

    def person(name, team, role, kind=FT, **extra):
        return StaffMemberFactory(
            full_name=name, team=team, job_role=role, employment_type=kind, **extra
        )

    p = {
        "A": person("A", t1, receptionist),
        "B": person("B", t1, receptionist),
        "C": person("C", t1, receptionist),
        "D": person(
            "D",
            t1,
            receptionist,
            termination_date=day(6),
            termination_reason="voluntary",
        ),
        "E": person("E", t2, dentist),
        "F": person("F", t2, hygienist, PT),
        "G": person("G", t3, receptionist, PT),
        "H": person("H", t3, receptionist, PT),
        "I": person("I", t3, hygienist),
        "J": person("J", t3, dentist),
    }
    TeamMembership.objects.filter(staff_member=p["J"]).delete()
    TeamMembership.objects.create(
        staff_member=p["J"], team=t1, start_date=p["J"].hire_date, end_date=day(4)
    )
    TeamMembership.objects.create(staff_member=p["J"], team=t3, start_date=day(4))

    lead = UserFactory(organization=org, role=Role.TEAM_LEAD)
    value = active_values(org).first()
    for name, on in [
        ("A", day(2)),
        ("A", day(5)),
        ("B", day(3)),
        ("J", day(2)),  # in North front desk that day
        ("J", day(8)),  # in South front desk by then
        ("G", day(9)),
        ("E", day(9)),
        ("C", datetime.date(2025, 12, 31)),  # before the window
    ]:
        recognition_nominate(
            nominator=lead,
            nominee=p[name],
            value=value,
            story="Thanks",
            recognised_on=on,
        )
    pending = recognition_nominate(
        nominator=lead,
        nominee=p["H"],
        value=value,
        story="Thanks",
        recognised_on=day(5),
    )
    Recognition.objects.filter(pk=pending.pk).update(status="pending")
    return {"org": org, "people": p}


def _by_label(rows):
    return {row.label: row for row in rows}


def test_rates_per_head_by_site_team_role_and_employment_type(world):
    report = fairness_report(
        organization=world["org"], start=START, end=END, today=TODAY
    )
    assert report.k == 3

    # Everyone employed: 9 people all 10 days, D 5 days -> 95 / 10.
    assert report.total.heads == pytest.approx(9.5)
    assert report.total.recognitions == 7
    assert report.total.per_head == pytest.approx(7 / 9.5)

    sites = _by_label(report.by_site)
    # North: A, B, C, E, F 10 days, D 5, J 3 (1-3 Jan) -> 58 / 10.
    assert sites["North"].people == 7
    assert sites["North"].heads == pytest.approx(5.8)
    assert sites["North"].recognitions == 5
    assert sites["North"].per_head == pytest.approx(5 / 5.8)
    # South: G, H, I 10 days, J 7 (4-10 Jan) -> 37 / 10.
    assert sites["South"].heads == pytest.approx(3.7)
    assert sites["South"].recognitions == 2
    assert sites["South"].per_head == pytest.approx(2 / 3.7)

    teams = _by_label(report.by_team)
    south_desk = teams["Front desk – South"]
    assert (south_desk.people, south_desk.recognitions) == (4, 2)
    assert south_desk.per_head == pytest.approx(2 / 3.7)
    # Clinical has two people: suppressed. North's front desk would then be
    # North minus Clinical, so it is hidden as well.
    clinical = teams["Clinical – North"]
    assert clinical.hidden == Hidden.SMALL
    assert (clinical.recognitions, clinical.per_head) == (None, None)
    north_desk = teams["Front desk – North"]
    assert north_desk.hidden == Hidden.COMPLEMENT
    assert north_desk.heads == pytest.approx(3.8)
    assert (north_desk.recognitions, north_desk.per_head) == (None, None)

    roles = _by_label(report.by_job_role)
    # Receptionists A, B, C, G, H all window, D 5 days -> 5.5; A, A, B, G.
    assert roles["Receptionist"].heads == pytest.approx(5.5)
    assert roles["Receptionist"].recognitions == 4
    assert roles["Receptionist"].per_head == pytest.approx(4 / 5.5)
    # Two dentists and two hygienists: both hidden, four people between them.
    assert roles["Dentist"].hidden == Hidden.SMALL
    assert roles["Hygienist"].hidden == Hidden.SMALL

    kinds = _by_label(report.by_employment_type)
    assert kinds["Full time"].heads == pytest.approx(6.5)
    assert kinds["Full time"].recognitions == 6
    assert kinds["Full time"].per_head == pytest.approx(6 / 6.5)
    # Exactly k part-timers (F, G, H): shown.
    assert kinds["Part time"].people == 3
    assert kinds["Part time"].recognitions == 1
    assert kinds["Part time"].per_head == pytest.approx(1 / 3)


def test_people_and_roles_without_recognition_in_six_months(world):
    report = fairness_report(
        organization=world["org"], start=START, end=END, today=TODAY
    )
    assert report.none_since == datetime.date(2025, 7, 10)
    # D has left; C's recognition on 31 December counts; H's is only pending.
    assert [person.full_name for person in report.people_without] == ["F", "H", "I"]
    assert [role.name for role in report.roles_without] == ["Hygienist"]


def test_a_larger_k_hides_more(world):
    world["org"].min_group_size = 8
    world["org"].save()
    report = fairness_report(
        organization=world["org"], start=START, end=END, today=TODAY
    )
    # Both sites are below 8 people, so both are hidden; the total (10) is not.
    assert {row.hidden for row in report.by_site} == {Hidden.SMALL}
    assert report.total.recognitions == 7


def test_suppression_hides_a_lone_small_group_with_its_smallest_neighbour():
    sizes = {"total": 30, "a": 2, "b": 10, "c": 18}
    hidden = suppressed_groups(sizes, k=5, partitions=[("total", ["a", "b", "c"])])
    assert hidden == {"a": Hidden.SMALL, "b": Hidden.COMPLEMENT}


def test_suppression_keeps_going_until_hidden_groups_hold_k_people():
    sizes = {"total": 40, "a": 1, "b": 2, "c": 3, "d": 34}
    hidden = suppressed_groups(sizes, k=5, partitions=[("total", ["a", "b", "c", "d"])])
    # a, b are small (3 people together); c is small too: 6 >= 5, so d stays.
    assert hidden == {"a": Hidden.SMALL, "b": Hidden.SMALL, "c": Hidden.SMALL}


def test_no_complement_needed_when_the_total_is_hidden():
    sizes = {"site": 4, "t1": 1, "t2": 3}
    hidden = suppressed_groups(sizes, k=5, partitions=[("site", ["t1", "t2"])])
    assert hidden == {"site": Hidden.SMALL, "t1": Hidden.SMALL, "t2": Hidden.SMALL}


@given(
    sizes=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8),
    k=st.integers(min_value=3, max_value=10),
)
def test_a_visible_total_never_reveals_a_small_group(sizes, k):
    parts = {f"g{i}": size for i, size in enumerate(sizes)}
    all_sizes = {"total": sum(sizes), **parts}
    hidden = suppressed_groups(all_sizes, k=k, partitions=[("total", list(parts))])
    for name, size in parts.items():
        if size < k:
            assert name in hidden
    if "total" not in hidden:
        inside = [name for name in parts if name in hidden]
        # Nothing hidden, or hidden groups that are several and hold k people,
        # or everything hidden (then only the total, which is >= k, is shown).
        assert (
            not inside
            or (len(inside) >= 2 and sum(parts[name] for name in inside) >= k)
            or len(inside) == len(parts)
        )
