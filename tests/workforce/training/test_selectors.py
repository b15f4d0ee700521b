"""The compliance matrix, a person's training and the team-month metrics."""

import datetime
from decimal import Decimal

import pytest

from tests.factories import JobRoleFactory, StaffMemberFactory, TeamFactory
from tests.workforce.training.conftest import TODAY
from tests.workforce.training.factories import (
    CompletionFactory,
    CourseFactory,
    RequirementFactory,
)
from workforce import selectors as scope
from workforce.models import Role, StaffMember, TeamMembership
from workforce.training.expiry import Status
from workforce.training.selectors import (
    compliance_matrix,
    person_training,
    team_month_training,
    visible_completions,
)

D = datetime.date


def _statuses(matrix):
    return {
        (row.person.full_name, course.name): cell.status
        for row in matrix.rows
        for course, cell in zip(matrix.courses, row.cells, strict=True)
        if cell is not None
    }


def test_matrix_for_one_team_hand_computed(world, django_assert_max_num_queries):
    people = StaffMember.objects.filter(team=world["team_a1"])
    with django_assert_max_num_queries(4):
        matrix = compliance_matrix(
            people=people, organization=world["org"], today=TODAY
        )

    assert [course.name for course in matrix.courses] == [
        "BLS/CPR",
        "HIPAA",
        "X-ray licence",
    ]
    assert _statuses(matrix) == {
        ("Ann Archer", "BLS/CPR"): Status.EXPIRING_30,
        ("Ann Archer", "HIPAA"): Status.EXPIRED,
        ("Ann Archer", "X-ray licence"): Status.VALID,
        ("Bob Baker", "BLS/CPR"): Status.EXPIRING_60,
        ("Bob Baker", "HIPAA"): Status.MISSING,
        ("Cat Cole", "BLS/CPR"): Status.EXPIRING_90,
        ("Cat Cole", "HIPAA"): Status.VALID,
    }
    # Bob and Cat need no X-ray licence: an empty cell, not "missing".
    bob_row = next(row for row in matrix.rows if row.person == world["bob"])
    assert bob_row.cells[2] is None
    # Cat's renewal is the one shown, not the expired original.
    cat_row = next(row for row in matrix.rows if row.person == world["cat"])
    assert cat_row.cells[0].completion.ref == world["completions"]["cat_bls"].pk
    assert cat_row.cells[0].days_left == 90

    summary = matrix.summary
    assert summary.total == 7
    assert summary.counting == 5
    assert summary.counts[Status.MISSING] == 1
    assert summary.counts[Status.EXPIRED] == 1
    assert summary.compliance == pytest.approx(5 / 7)
    by_course = {course.name: s for course, s in matrix.course_summaries()}
    assert (by_course["HIPAA"].counting, by_course["HIPAA"].total) == (1, 3)
    assert (by_course["X-ray licence"].counting, by_course["X-ray licence"].total) == (
        1,
        1,
    )


def test_matrix_requirements_follow_the_site(world):
    matrix = compliance_matrix(
        people=StaffMember.objects.filter(pk=world["dan"].pk),
        organization=world["org"],
        today=TODAY,
    )
    # Southside: no HIPAA; Dan is a hygienist without his licence.
    assert _statuses(matrix) == {
        ("Dan Dale", "BLS/CPR"): Status.VALID,
        ("Dan Dale", "X-ray licence"): Status.MISSING,
    }


def test_matrix_leaves_out_leavers_and_other_organizations(world):
    leaver = world["bob"]
    leaver.termination_date, leaver.termination_reason = TODAY, "voluntary"
    leaver.save()
    matrix = compliance_matrix(
        people=StaffMember.objects.all(), organization=world["org"], today=TODAY
    )
    names = {row.person.pk for row in matrix.rows}
    assert leaver.pk not in names
    assert world["outsider"].pk not in names
    assert world["ann"].pk in names


def test_person_training_lists_worst_first_and_due(world):
    training = person_training(person=world["ann"], today=TODAY)
    assert [(item.course.name, item.cell.status) for item in training.required] == [
        ("HIPAA", Status.EXPIRED),
        ("BLS/CPR", Status.EXPIRING_30),
        ("X-ray licence", Status.VALID),
    ]
    assert [item.course.name for item in training.due] == ["HIPAA", "BLS/CPR"]
    assert training.required[0].completion == world["completions"]["ann_hipaa"]
    assert len(training.completions) == 3


@pytest.mark.parametrize(
    ("role", "visible"),
    [
        (Role.OWNER, {"ann", "bob", "dan"}),
        (Role.HR, {"ann", "bob", "dan"}),
        (Role.SITE_MANAGER, {"ann", "bob"}),
        (Role.TEAM_LEAD, {"ann", "bob"}),
        # The staff user is ann: her own only.
        (Role.STAFF, {"ann"}),
    ],
)
def test_visible_completions(world, role, visible):
    user = world["users"][role]
    seen = set(visible_completions(user).values_list("staff_member_id", flat=True))
    names = {key: world[key].pk for key in ("ann", "bob", "dan")}
    assert seen & set(names.values()) == {names[key] for key in visible}
    assert world["outsider"].pk not in seen


def test_visible_completions_of_inactive_or_orgless_users_is_empty(world):
    user = world["users"][Role.STAFF]
    user.is_active = False
    assert not visible_completions(user).exists()
    hr = world["users"][Role.HR]
    hr.organization = None
    hr.organization_id = None
    assert not visible_completions(hr).exists()
    assert not scope.visible_staff(hr).exists()


# --- team_month_training on dated history ------------------------------------


@pytest.fixture
def history(db):
    """The hand-computed scenario of test_compliance, in the database.

    T1 at site 1 and T2 at site 2; course A required of everyone, B of role 2
    at site 2. p1 in T1 throughout; p2 moves from T1 to T2 on 15 February
    (a transfer: two spells); p3 joins T2 on 1 January and leaves on 1 March
    (termination date, spell left open as a roster import would).
    """
    from tests.factories import OrganizationFactory, SiteFactory

    org = OrganizationFactory()
    t1 = TeamFactory(site=SiteFactory(organization=org))
    t2 = TeamFactory(site=SiteFactory(organization=org))
    r1 = JobRoleFactory(organization=org)
    r2 = JobRoleFactory(organization=org)
    p1 = StaffMemberFactory(team=t1, job_role=r1, hire_date=D(2024, 1, 1))
    p2 = StaffMemberFactory(team=t2, job_role=r2, hire_date=D(2024, 6, 1))
    p2.memberships.all().delete()
    TeamMembership.objects.create(
        staff_member=p2, team=t1, start_date=D(2024, 6, 1), end_date=D(2025, 2, 15)
    )
    TeamMembership.objects.create(staff_member=p2, team=t2, start_date=D(2025, 2, 15))
    StaffMemberFactory(
        team=t2,
        job_role=r2,
        hire_date=D(2025, 1, 1),
        termination_date=D(2025, 3, 1),
        termination_reason="voluntary",
    )
    course_a = CourseFactory(organization=org, name="A")
    course_b = CourseFactory(organization=org, name="B")
    RequirementFactory(course=course_a)
    RequirementFactory(course=course_b, job_role=r2, site=t2.site)
    for person, course, done, expires, hours in (
        (p1, course_a, D(2024, 6, 1), D(2025, 2, 10), "2"),
        (p1, course_a, D(2025, 3, 5), D(2027, 3, 5), "3"),
        (p2, course_a, D(2025, 1, 20), None, "4"),
        (p2, course_b, D(2025, 2, 20), D(2025, 3, 20), "1.5"),
    ):
        CompletionFactory(
            staff_member=person,
            course=course,
            completed_on=done,
            expires_on=expires,
            cpd_hours=Decimal(hours),
        )
    # Someone in another organization, fully compliant: must not show up.
    CompletionFactory(completed_on=D(2025, 1, 5), cpd_hours=Decimal("9"))
    return {"org": org, "t1": t1, "t2": t2}


def test_team_month_training_from_dated_history(
    history, world_now, django_assert_num_queries
):
    with django_assert_num_queries(4):
        rows = team_month_training(
            organization=history["org"], start=D(2025, 1, 1), end=D(2025, 3, 31)
        )
    by_key = {(row["team_id"], row["month"].month): row for row in rows}
    t1, t2 = history["t1"].pk, history["t2"].pk
    assert set(by_key) == {(t, m) for t in (t1, t2) for m in (1, 2, 3)}
    assert [
        by_key[(t, m)]["training_compliance"] for t in (t1, t2) for m in (1, 2, 3)
    ] == [1.0, 0.0, 1.0, 0.0, 0.5, 0.5]
    assert by_key[(t1, 1)]["cpd_hours_per_head"] == pytest.approx(4 / 2)
    assert by_key[(t1, 2)]["cpd_hours_per_head"] == 0.0
    assert by_key[(t2, 2)]["cpd_hours_per_head"] == pytest.approx(1.5 / 1.5)
    assert by_key[(t1, 3)]["cpd_hours_per_head"] == pytest.approx(3.0)
    # p3 left on 1 March: no March days, though the spell is still open.
    assert by_key[(t2, 3)]["headcount"] == pytest.approx(1.0)


def test_team_month_training_judges_the_current_month_on_today(history, now_is):
    # On 15 March (New York), p2's course B (to 20 March) still counts.
    now_is(datetime.datetime(2025, 3, 15, 16, 0, tzinfo=datetime.UTC))
    rows = team_month_training(
        organization=history["org"], start=D(2025, 3, 1), end=D(2025, 3, 31)
    )
    march = {row["team_id"]: row for row in rows}
    assert march[history["t2"].pk]["training_compliance"] == 1.0


def test_team_month_training_of_an_empty_range(history):
    assert (
        team_month_training(
            organization=history["org"], start=D(2025, 3, 1), end=D(2025, 2, 1)
        )
        == []
    )


@pytest.fixture
def world_now(now_is):
    """Well after the history, so no month is cut short."""
    now_is(datetime.datetime(2025, 9, 1, 12, 0, tzinfo=datetime.UTC))
