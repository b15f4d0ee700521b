import datetime
import hashlib
import io
import re
from collections import Counter, defaultdict

import pandas as pd
import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from phonenumbers import PhoneNumberFormat

from reports.models import (
    KPI,
    PatientCapturePoint,
    PatientFeedback,
    PatientFeedbackBatch,
    PracticeKPI,
)
from surveys import tokens
from surveys.models import (
    Answer,
    Frequency,
    Invitation,
    Participation,
    PulseSchedule,
    Response,
    Round,
    RoundStatus,
    TenureBand,
)
from surveys.results import Scope, results_payload
from surveys.services import tenure_band
from surveys.submission import clean_answers, round_questions
from tests.factories import OrganizationFactory, RoundFactory, UserFactory
from workforce import selectors
from workforce.demo import (
    DEMO_PASSWORD,
    SilentWriter,
    demo_usernames,
    history_months,
    purge_demo_organizations,
)
from workforce.demo_pulses import COMMENTS
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
from workforce.recognition.models import (
    Award,
    CompanyValue,
    Recognition,
    RecognitionPreference,
    RecognitionStatus,
)
from workforce.skills.models import Skill, SkillAssessment, TeamSkillRequirement
from workforce.skills.selectors import team_month_coverage
from workforce.training.expiry import Status, classify
from workforce.training.models import Completion, Course, Requirement

E164 = PhoneNumberFormat.E164
TODAY = datetime.date(2026, 3, 18)
MAIN, SECOND = "brightsmile-dental", "lakeside-medical"
DEMO_USERNAMES = ["owner", "hr", "manager", "lead", "staff", "lakeside-owner"]
# Re-running and safety checks need no three years: six months keep them quick.
SHORT = ("--months", "6")


def seed(*args):
    out = io.StringIO()
    call_command("seed_demo", "--today", TODAY.isoformat(), *args, stdout=out)
    return out.getvalue()


def _rows():
    """Every demo row that matters, in a fixed order, without primary keys.

    Codes and digests derive from primary keys and the server secret, so only
    their inputs (nonces) and their number are compared.
    """
    org = "organization__slug"
    return [
        Site.objects.order_by(org, "slug").values_list(org, "slug", "name"),
        Team.objects.order_by(f"site__{org}", "site__slug", "slug").values_list(
            "site__slug", "slug", "name"
        ),
        StaffMember.objects.order_by(org, "employee_id").values_list(
            org,
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
        TeamMembership.objects.order_by(
            f"staff_member__{org}", "staff_member__employee_id", "start_date"
        ).values_list(
            "staff_member__employee_id",
            "team__site__slug",
            "team__slug",
            "start_date",
            "end_date",
        ),
        User.objects.order_by("username").values_list(
            "username",
            "role",
            org,
            "staff_member__employee_id",
            "managed_sites__slug",
            "led_teams__slug",
        ),
        Skill.objects.order_by(org, "name").values_list(org, "name"),
        TeamSkillRequirement.objects.order_by(
            "team__site__slug", "team__slug", "skill__name"
        ).values_list(
            "team__site__slug",
            "team__slug",
            "skill__name",
            "min_competent",
            "start_date",
            "end_date",
        ),
        SkillAssessment.objects.order_by(
            "staff_member__employee_id", "skill__name", "assessed_on"
        ).values_list(
            "staff_member__employee_id", "skill__name", "level", "assessed_on"
        ),
        PulseSchedule.objects.order_by(org).values_list(
            org, "survey__name", "frequency", "open_days", "reminder_after_days"
        ),
        Round.objects.order_by(org, "period").values_list(
            org,
            "name",
            "period",
            "status",
            "opens_at",
            "closes_at",
            "launched_at",
            "closed_at",
            "released_at",
            "min_group_size",
        ),
        Invitation.objects.order_by(
            f"round__{org}", "round__period", "staff_member__employee_id"
        ).values_list(
            "round__period",
            "staff_member__employee_id",
            "nonce",
            "channel",
            "site__slug",
            "team__slug",
            "job_role__slug",
            "tenure_band",
            "employment_type",
            "sent_at",
            "reminded_at",
        ),
        Participation.objects.order_by(f"round__{org}", "round__period")
        .values_list(f"round__{org}", "round__period")
        .distinct(),
        [Participation.objects.count()],
        Response.objects.order_by("id").values_list(
            "id",
            "round__period",
            "site__slug",
            "team__slug",
            "job_role__slug",
            "tenure_band",
            "employment_type",
        ),
        Answer.objects.order_by("id").values_list(
            "id", "response_id", "question__code", "value", "text"
        ),
        CompanyValue.objects.order_by(org, "position").values_list(
            org, "name", "description", "is_active"
        ),
        Recognition.objects.order_by(
            org, "recognised_on", "nominee__employee_id", "value__name"
        ).values_list(
            "nominee__employee_id",
            "nominator_name",
            "value__name",
            "story",
            "recognised_on",
            "team__slug",
            "job_role__slug",
            "status",
            "decided_on",
            "decline_reason",
        ),
        RecognitionPreference.objects.order_by("staff_member__employee_id").values_list(
            "staff_member__employee_id", "wall_opt_out"
        ),
        Award.objects.order_by(org, "period_start", "site__slug").values_list(
            "site__slug",
            "title",
            "period_start",
            "period_end",
            "recognition__nominee__employee_id",
            "recognition__recognised_on",
            "chosen_on",
        ),
        Course.objects.order_by(org, "name").values_list(
            org, "name", "kind", "validity_months"
        ),
        Requirement.objects.order_by(org, "course__name", "job_role__slug").values_list(
            org, "course__name", "job_role__slug", "site__slug"
        ),
        Completion.objects.order_by(
            "staff_member__employee_id", "course__name", "completed_on"
        ).values_list(
            "staff_member__employee_id",
            "course__name",
            "completed_on",
            "expires_on",
            "cpd_hours",
        ),
        PatientFeedbackBatch.objects.order_by(org, "filename").values_list(
            org, "filename", "file_sha256", "rows", "status", "summary"
        ),
        PatientFeedback.objects.order_by(
            "site__slug", "team__slug", "date", "score", "channel"
        ).values_list(
            "batch__filename", "site__slug", "team__slug", "date", "score", "channel"
        ),
        PracticeKPI.objects.order_by("site__slug", "month", "kpi").values_list(
            "site__slug", "month", "kpi", "value"
        ),
    ]


def fingerprint():
    """A digest of every demo row, independent of primary keys."""
    digest = hashlib.sha256()
    for rows in _rows():
        digest.update(repr(list(rows)).encode())
    return digest.hexdigest()


def demo_counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            Organization,
            StaffMember,
            SkillAssessment,
            Round,
            Invitation,
            Participation,
            Response,
            Answer,
            Recognition,
            Award,
            Completion,
            PatientFeedback,
            PracticeKPI,
        )
    }


def annual_rate(leavers, staff, months):
    """Leavers per average head per year, as HR reports turnover."""
    heads = [staff.active_on(month).count() for month in months]
    years = ((TODAY - months[0]).days + 1) / 365.25
    return leavers.count() / (sum(heads) / len(heads)) / years


def next_month(day):
    return (day + datetime.timedelta(days=32)).replace(day=1)


# --- Re-running, determinism and safety, on a short history ------------------


@pytest.mark.django_db
def test_same_seed_rebuilds_identical_data_in_place():
    output = seed(*SHORT)
    first = fingerprint()
    users = dict(User.objects.values_list("username", "pk"))
    counts = demo_counts()

    again = seed(*SHORT)

    assert fingerprint() == first
    assert dict(User.objects.values_list("username", "pk")) == users
    assert demo_counts() == counts
    assert sorted(users) == sorted(DEMO_USERNAMES)
    assert "removing previous demo: Brightsmile Dental Group" in again
    assert "removing previous demo" not in output
    # The short history is short everywhere.
    assert Round.objects.filter(organization__slug=MAIN).count() == 6
    assert "pulses month 6/6" in output
    assert (
        min(Round.objects.values_list("period", flat=True))
        == history_months(TODAY, 6)[0]
    )


@pytest.mark.django_db
def test_another_seed_gives_other_people():
    seed(*SHORT)
    first = fingerprint()
    names = set(StaffMember.objects.values_list("full_name", flat=True))

    seed("--seed", "7", *SHORT)

    assert fingerprint() != first
    assert set(StaffMember.objects.values_list("full_name", flat=True)) != names


@pytest.mark.django_db
def test_seeding_leaves_other_organizations_alone(org_world):
    org = org_world["org"]
    before = StaffMember.objects.filter(organization=org).count()
    round_ = RoundFactory(survey__organization=org)

    seed(*SHORT)
    seed(*SHORT)

    assert StaffMember.objects.filter(organization=org).count() == before
    assert Round.objects.filter(pk=round_.pk).exists()
    assert Organization.objects.filter(pk=org_world["other_org"].pk).exists()


@pytest.mark.django_db
def test_rerun_clears_rows_that_protect_the_previous_demo():
    seed(*SHORT)
    counts = demo_counts()
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

    seed(*SHORT)

    assert demo_counts() == counts
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


@pytest.mark.parametrize("months", ["1", "121", "six"])
def test_rejects_months_out_of_range(months):
    with pytest.raises(CommandError, match="2 to 120"):
        call_command("seed_demo", "--months", months, stdout=io.StringIO())


def test_history_months_end_with_the_current_month():
    months = history_months(datetime.date(2026, 1, 31))

    assert len(months) == 36
    assert months[0] == datetime.date(2023, 2, 1)
    assert months[-1] == datetime.date(2026, 1, 1)
    assert all(month.day == 1 for month in months)


# --- The full demo, built once for the read-only tests below ------------------


@pytest.fixture(scope="module")
def full_demo(django_db_setup, django_db_blocker):
    """The output of a full 36-month seed; its rows stay for the module.

    Each test still runs in a transaction that is rolled back, so what a test
    changes does not reach the next one.
    """
    with django_db_blocker.unblock():
        output = seed()
    yield output
    with django_db_blocker.unblock():
        purge_demo_organizations(stdout=SilentWriter())
        User.objects.filter(username__in=demo_usernames()).delete()


@pytest.mark.django_db
def test_seed_builds_a_realistic_multi_site_group(full_demo):
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
    for line in (
        "sites 6/6",
        "staff history month 12/36",
        "staff history month 36/36",
        "pulses month 12/36",
        "pulses month 36/36",
        "recognition month 36/36",
        "patient feedback month 36/36",
    ):
        assert line in full_demo


@pytest.mark.django_db
def test_second_organization_is_small_and_kept_apart(full_demo):
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
        for model, path in (
            (Invitation, "round__organization"),
            (Response, "round__organization"),
            (Recognition, "organization"),
            (PatientFeedback, "site__organization"),
        ):
            rows = model.objects.filter(**{path: org})
            assert not rows.exclude(site__organization=org).exists(), model
            assert not rows.exclude(team=None).exclude(team__site__organization=org), (
                model
            )


@pytest.mark.django_db
def test_leavers_are_replaced_and_turnover_matches_the_literature(full_demo):
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
def test_team_history_chains_without_gaps_or_overlaps(full_demo):
    spells = defaultdict(list)
    for spell in TeamMembership.objects.select_related("team").order_by("start_date"):
        spells[spell.staff_member_id].append(spell)
    people = StaffMember.objects.select_related("team", "organization")
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
def test_demo_logins_sign_in_and_see_their_scope(client, full_demo):
    main = Organization.objects.get(slug=MAIN)
    lakeside = Organization.objects.get(slug=SECOND)
    users = {user.username: user for user in User.objects.all()}
    for username in DEMO_USERNAMES:
        response = client.post(
            reverse("login"), {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"] == str(users[username].pk)
        assert re.search(
            rf"^{re.escape(username)}\s.*{DEMO_PASSWORD}$", full_demo, re.M
        )
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
def test_a_monthly_pulse_for_every_month(full_demo):
    months = history_months(TODAY)
    for org in Organization.objects.filter(slug__in=[MAIN, SECOND]):
        (schedule,) = PulseSchedule.objects.filter(organization=org)
        assert schedule.frequency == Frequency.MONTHLY and schedule.active
        rounds = list(Round.objects.filter(organization=org).order_by("period"))
        assert [round_.period for round_ in rounds] == months
        staff = StaffMember.objects.filter(organization=org)
        invited = responded = 0
        for round_ in rounds:
            assert round_.schedule == schedule
            assert round_.status == RoundStatus.RELEASED
            assert round_.min_group_size == org.min_group_size
            assert (
                round_.opens_at
                == round_.launched_at
                < round_.closes_at
                < round_.closed_at
                < round_.released_at
            )
            assert round_.released_at.date() <= TODAY
            # Everyone employed on launch day, and nobody else, was invited.
            invitations = Invitation.objects.filter(round=round_)
            assert set(invitations.values_list("staff_member", flat=True)) == set(
                staff.active_on(round_.period).values_list("pk", flat=True)
            )
            responses = Response.objects.filter(round=round_).count()
            assert Participation.objects.filter(round=round_).count() == responses
            if org.slug == MAIN:
                assert 0.6 <= responses / invitations.count() <= 0.85
            invited += invitations.count()
            responded += responses
        assert 0.65 <= responded / invited <= 0.80
    assert Answer.objects.count() > 10 * Response.objects.count()
    texts = set(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert texts & set(COMMENTS[("negative", "es")] + COMMENTS[("positive", "es")])
    assert texts & set(COMMENTS[("negative", "en")] + COMMENTS[("positive", "en")])


@pytest.mark.django_db
def test_pulse_rows_are_the_ones_the_services_write(full_demo):
    org = Organization.objects.get(slug=SECOND)
    round_ = Round.objects.filter(organization=org).order_by("period")[12]
    invitations = list(
        Invitation.objects.filter(round=round_).select_related("staff_member")
    )
    spells = defaultdict(list)
    for spell in TeamMembership.objects.filter(staff_member__organization=org).order_by(
        "start_date"
    ):
        spells[spell.staff_member_id].append(spell)
    codes = {}
    for invitation in invitations:
        code = tokens.invitation_code(invitation.pk, invitation.nonce)
        codes[code] = invitation
        assert invitation.lookup_digest == tokens.lookup_digest(code)
        person = invitation.staff_member
        (spell,) = [
            spell
            for spell in spells[person.pk]
            if spell.start_date <= round_.period
            and (spell.end_date is None or round_.period < spell.end_date)
        ]
        assert invitation.team_id == spell.team_id
        assert invitation.site_id == spell.team.site_id
        assert invitation.job_role_id == person.job_role_id
        assert invitation.employment_type == person.employment_type
        assert invitation.tenure_band == tenure_band(
            hire_date=person.hire_date, on=round_.period
        )
        assert invitation.sent_at is not None
    # Each participation is the digest of one invitee's code; nothing else ties
    # a code to a response.
    answered = {tokens.participation_digest(code) for code in codes}
    digests = list(
        Participation.objects.filter(round=round_).values_list("digest", flat=True)
    )
    assert len(set(digests)) == len(digests) and set(digests) <= answered
    snapshot = Counter(
        (i.site_id, i.team_id, i.job_role_id, i.tenure_band, i.employment_type)
        for i in invitations
    )
    responses = Response.objects.filter(round=round_).prefetch_related("answers")
    copied = Counter(
        (r.site_id, r.team_id, r.job_role_id, r.tenure_band, r.employment_type)
        for r in responses
    )
    assert not copied - snapshot
    questions = round_questions(round_)
    for response in responses:
        answers = {
            answer.question_id: answer.text or answer.value
            for answer in response.answers.all()
        }
        assert clean_answers(questions, answers) == answers


@pytest.mark.django_db
def test_released_pulses_show_results_with_a_reliable_index(full_demo):
    org = Organization.objects.get(slug=MAIN)
    latest = Round.objects.filter(organization=org).order_by("-period").first()

    payload = results_payload(latest, Scope.whole(org))

    assert payload["engagement_reliability"]["reported"]
    assert payload["engagement_reliability"]["alpha"] >= 0.7
    (total,) = [group for group in payload["groups"] if group["kind"] == "organization"]
    assert 60 <= total["response_rate"] <= 85
    assert 50 <= total["scores"]["engagement"]["value"] <= 80
    assert 10 <= total["scores"]["burnout"]["value"] <= 50
    assert payload["comments"]


@pytest.mark.django_db
def test_skills_requirements_and_dated_assessments(full_demo):
    months = history_months(TODAY)
    for org in Organization.objects.filter(slug__in=[MAIN, SECOND]):
        teams = Team.objects.filter(site__organization=org)
        requirements = TeamSkillRequirement.objects.filter(team__in=teams)
        assert Skill.objects.filter(organization=org).count() >= 15
        assert set(requirements.values_list("min_competent", flat=True)) == {2}
        assert set(requirements.values_list("start_date", flat=True)) == {months[0]}
        assert not requirements.exclude(end_date=None).exists()
        assert all(team.skill_requirements.count() >= 4 for team in teams)
        assessments = SkillAssessment.objects.filter(staff_member__organization=org)
        assert set(assessments.values_list("level", flat=True)) == {1, 2, 3}
        assessed = {
            day.replace(day=1)
            for day in assessments.values_list("assessed_on", flat=True)
        }
        assert len(assessed) >= 30
        coverage = [
            row["coverage"]
            for row in team_month_coverage(
                organization=org, start=months[0], end=TODAY, until=TODAY
            )
        ]
        assert 0.5 <= sum(coverage) / len(coverage) <= 0.95
        assert min(coverage) < 0.5


@pytest.mark.django_db
def test_recognition_values_nominations_and_awards(full_demo):
    months = history_months(TODAY)
    for org, at_least in ((MAIN, 300), (SECOND, 30)):
        org = Organization.objects.get(slug=org)
        assert CompanyValue.objects.filter(organization=org).count() == 5
        recognitions = Recognition.objects.filter(organization=org)
        assert recognitions.count() >= at_least
        statuses = set(recognitions.values_list("status", flat=True))
        assert {RecognitionStatus.APPROVED, RecognitionStatus.DECLINED} <= statuses
        assert not recognitions.filter(
            status=RecognitionStatus.DECLINED, decline_reason=""
        ).exists()
        assert not recognitions.filter(recognised_on__gt=TODAY).exists()
        assert not recognitions.exclude(status=RecognitionStatus.PENDING).filter(
            decided_on__isnull=True
        )
        assert RecognitionPreference.objects.filter(
            staff_member__organization=org, wall_opt_out=True
        ).exists()
        awards = Award.objects.filter(organization=org).select_related("recognition")
        assert awards.count() >= 0.6 * org.sites.count() * (len(months) - 1)
        for award in awards:
            assert award.recognition.status == RecognitionStatus.APPROVED
            assert award.recognition.site_id == award.site_id
            assert award.period_start <= award.recognition.recognised_on
            assert award.recognition.recognised_on <= award.period_end
            assert award.period_end < award.chosen_on <= TODAY


@pytest.mark.django_db
def test_training_with_renewals_and_lapses(full_demo):
    main = Organization.objects.get(slug=MAIN)
    courses = dict(
        Course.objects.filter(organization=main).values_list("name", "validity_months")
    )
    assert courses == {
        "BLS/CPR": 24,
        "Infection control": 12,
        "Radiography licence": 24,
        "HIPAA privacy and security": 12,
        "OSHA bloodborne pathogens": 12,
    }
    assert Requirement.objects.filter(
        organization=main, course__name="HIPAA privacy and security", job_role=None
    ).exists()
    assert set(
        Requirement.objects.filter(
            organization=main, course__name="Radiography licence"
        ).values_list("job_role__slug", flat=True)
    ) == {"hygienist", "dental-assistant"}
    assert not Course.objects.filter(
        organization__slug=SECOND, name="Radiography licence"
    ).exists()
    # Today's status of each active person's latest completion of each course.
    latest = {}
    for person, course, expires in Completion.objects.filter(
        staff_member__organization=main, staff_member__termination_date=None
    ).values_list("staff_member", "course", "expires_on"):
        latest[(person, course)] = max(expires, latest.get((person, course), expires))
    statuses = Counter(classify(expires, TODAY) for expires in latest.values())
    assert statuses[Status.VALID] > 0.7 * len(latest)
    assert statuses[Status.EXPIRED] > 0
    assert statuses[Status.EXPIRING_30] > 0
    renewed = Counter(
        Completion.objects.filter(staff_member__organization=main).values_list(
            "staff_member", "course"
        )
    )
    assert max(renewed.values()) >= 3


@pytest.mark.django_db
def test_patient_feedback_and_kpis_every_month(full_demo):
    months = history_months(TODAY)
    finished = months[:-1]
    for org in Organization.objects.filter(slug__in=[MAIN, SECOND]):
        batches = PatientFeedbackBatch.objects.filter(organization=org)
        assert batches.count() == len(finished)
        assert set(batches.values_list("status", flat=True)) == {"done"}
        feedback = PatientFeedback.objects.filter(site__organization=org)
        for batch in batches:
            assert batch.rows == feedback.filter(batch=batch).count()
        # This month's answers came from the capture page.
        assert not feedback.filter(batch=None, date__lt=months[-1]).exists()
        assert feedback.filter(batch=None).exists()
        assert PatientCapturePoint.objects.filter(organization=org).count() == (
            org.sites.count()
        )
        frame = pd.DataFrame(
            feedback.filter(date__lt=months[-1], team__isnull=False).values_list(
                "team", "date"
            ),
            columns=["team", "date"],
        )
        per_team_month = frame.groupby(
            ["team", frame.date.map(lambda day: day.replace(day=1))]
        ).size()
        assert 25 <= per_team_month.mean() <= 35
        assert feedback.filter(team=None).count() >= 5 * len(finished)
        kpis = PracticeKPI.objects.filter(site__organization=org)
        assert kpis.count() == org.sites.count() * len(finished) * len(KPI)
        values = {
            (site, month, kpi): value
            for site, month, kpi, value in kpis.values_list(
                "site", "month", "kpi", "value"
            )
        }
        for (site, month, kpi), value in values.items():
            if kpi == KPI.COMPLAINTS:
                assert values[(site, month, KPI.COMPLAINTS_RESOLVED)] <= value
            if kpi in (KPI.SHOW_RATE, KPI.CAPACITY_UTILISATION):
                assert 0.5 <= value <= 1


# --- The planted relationships, measured as an analyst would see them ---------


def team_month_engagement():
    """Observed team-month engagement index: mean of respondents' 0-100 scores."""
    answers = pd.DataFrame(
        Answer.objects.filter(question__code__startswith="eng_").values_list(
            "response", "value", "response__team", "response__round__period"
        ),
        columns=["response", "value", "team", "month"],
    )
    answers["score"] = (answers["value"] - 1) / 4 * 100
    people = answers.groupby(["team", "month", "response"])["score"].mean()
    return people.groupby(["team", "month"]).mean().rename("engagement").reset_index()


def team_month_burnout():
    answers = pd.DataFrame(
        Answer.objects.filter(question__code="burnout_single").values_list(
            "value", "response__team", "response__round__period"
        ),
        columns=["value", "team", "month"],
    )
    answers["burnout"] = answers["value"] >= 3
    return answers.groupby(["team", "month"])["burnout"].mean().reset_index()


def team_month_patient_nps():
    scores = pd.DataFrame(
        PatientFeedback.objects.filter(team__isnull=False).values_list(
            "team", "date", "score"
        ),
        columns=["team", "date", "score"],
    )
    scores["month"] = scores["date"].map(lambda day: day.replace(day=1))
    scores["nps"] = (scores["score"] >= 9) * 100.0 - (scores["score"] <= 6) * 100.0
    return scores.groupby(["team", "month"])["nps"].mean().reset_index()


def team_month_voluntary_leaving(months):
    """Heads at the start of each team-month and voluntary leavers during it."""
    spells = pd.DataFrame(
        TeamMembership.objects.values_list(
            "team",
            "start_date",
            "end_date",
            "staff_member__termination_date",
            "staff_member__termination_reason",
        ),
        columns=["team", "start", "end", "left", "reason"],
    )
    voluntary = spells[
        (spells["reason"] == TerminationReason.VOLUNTARY)
        & (spells["end"] == spells["left"])
    ]
    rows = []
    for month in months:
        open_then = spells[
            (spells["start"] <= month)
            & (spells["end"].isna() | (spells["end"] > month))
        ]
        left = voluntary[
            (voluntary["left"] >= month) & (voluntary["left"] < next_month(month))
        ]
        heads = open_then.groupby("team").size()
        leavers = left.groupby("team").size()
        rows += [
            {
                "team": team,
                "month": month,
                "heads": count,
                "leavers": int(leavers.get(team, 0)),
            }
            for team, count in heads.items()
        ]
    return pd.DataFrame(rows)


def leaving_rate(panel):
    return panel["leavers"].sum() / panel["heads"].sum()


def lagged(frame):
    """The same measure, moved to the month after it was taken."""
    return frame.assign(month=frame["month"].map(next_month))


@pytest.mark.django_db
def test_planted_relationships_show_in_the_generated_data(full_demo):
    months = history_months(TODAY)

    # Teams more engaged one month had happier patients the next.
    engagement = team_month_engagement()
    patients = lagged(engagement).merge(team_month_patient_nps(), on=["team", "month"])
    assert len(patients) > 1000
    assert patients["engagement"].corr(patients["nps"]) > 0.1
    within = patients[["engagement", "nps"]] - patients.groupby("team")[
        ["engagement", "nps"]
    ].transform("mean")
    assert (within["engagement"] * within["nps"]).sum() > 0

    # More voluntary leavers after months of high burnout...
    leaving = team_month_voluntary_leaving(months[1:])
    burnout = leaving.merge(lagged(team_month_burnout()), on=["team", "month"])
    high = burnout["burnout"] > burnout["burnout"].median()
    assert leaving_rate(burnout[high]) > 1.1 * leaving_rate(burnout[~high])

    # ...and fewer where every required skill had two people to cover it.
    coverage = pd.DataFrame(
        row
        for org in Organization.objects.filter(slug__in=[MAIN, SECOND])
        for row in team_month_coverage(
            organization=org, start=months[0], end=TODAY, until=TODAY
        )
    ).rename(columns={"team_id": "team"})
    covered = leaving.merge(
        lagged(coverage[["team", "month", "coverage"]]), on=["team", "month"]
    )
    full = covered["coverage"] >= 1
    assert leaving_rate(covered[full]) < leaving_rate(covered[~full])

    # Front desks are recognised less per head than clinicians.
    heads = Counter(
        StaffMember.objects.filter(organization__slug=MAIN)
        .active_on(TODAY)
        .values_list("job_role__slug", flat=True)
    )
    given = Counter(
        Recognition.objects.filter(organization__slug=MAIN).values_list(
            "job_role__slug", flat=True
        )
    )
    per_head = {role: given[role] / heads[role] for role in heads}
    assert per_head["receptionist"] < 0.6 * per_head["hygienist"]
    assert per_head["receptionist"] < 0.6 * per_head["dentist"]


@pytest.mark.slow
@pytest.mark.django_db
def test_the_full_demo_rebuilds_identically(full_demo):
    first = fingerprint()
    counts = demo_counts()

    seed()

    assert fingerprint() == first
    assert demo_counts() == counts
