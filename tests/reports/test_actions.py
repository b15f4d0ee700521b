"""Action plans: services, scoping, pages and the measured impact from the panel."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from reports.actions import selectors, services
from reports.actions.models import ActionPlan, Measure
from reports.analysis.impact import add_months, measurable_from
from surveys.models import PulseHistory
from tests.factories import TeamFactory, UserFactory
from workforce.models import Role
from workforce.recognition.dates import organization_today


@pytest.fixture
def world(org_world):
    return org_world


def make(world, *, by=Role.OWNER, **fields):
    user = world["users"][by]
    values = {
        "title": "Weekly huddles",
        "measure": Measure.ENGAGEMENT,
        "start_date": date(2025, 1, 15),
        "owner": user,
    }
    values.update(fields)
    if "team" not in values and "site" not in values:
        values["team"] = world["team_a1"]
    return services.action_create(user=user, **values)


def login(client, world, role):
    client.force_login(world["users"][role])


# --- services -------------------------------------------------------------------


def test_create_records_who_and_what(world):
    action = make(world, by=Role.TEAM_LEAD, title="  Weekly huddles ")
    assert action.organization == world["org"]
    assert action.title == "Weekly huddles"
    assert action.created_by == world["users"][Role.TEAM_LEAD]
    assert action.status == ActionPlan.Status.PLANNED
    assert action.target == world["team_a1"]


@pytest.mark.parametrize(
    ("by", "fields", "field"),
    [
        (Role.TEAM_LEAD, {"team": "team_a2"}, "team"),
        (Role.SITE_MANAGER, {"team": "team_b1"}, "team"),
        (Role.SITE_MANAGER, {"team": None, "site": "site_b"}, "site"),
        (Role.TEAM_LEAD, {"team": None, "site": "site_a"}, "site"),
        (Role.OWNER, {"team": "other_team"}, "team"),
        (Role.OWNER, {"team": "team_a1", "site": "site_a"}, "team"),
        (Role.OWNER, {"team": None}, "team"),
    ],
)
def test_create_refuses_teams_and_sites_out_of_scope(world, by, fields, field):
    fields = {name: (world[value] if value else None) for name, value in fields.items()}
    with pytest.raises(ValidationError) as error:
        make(world, by=by, **fields)
    assert field in error.value.error_dict
    assert not ActionPlan.objects.exists()


def test_create_checks_dates_owner_and_role(world):
    today = organization_today(world["org"])
    with pytest.raises(ValidationError) as error:
        make(world, start_date=today + timedelta(days=366))
    assert "at most a year" in str(error.value.error_dict["start_date"])
    make(world, start_date=today + timedelta(days=365))
    with pytest.raises(ValidationError) as error:
        make(world, start_date=date(today.year - 6, 1, 1))
    assert "check the year" in str(error.value.error_dict["start_date"])
    outsider = UserFactory(organization=world["other_org"], role=Role.OWNER)
    with pytest.raises(ValidationError) as error:
        make(world, owner=outsider)
    assert "owner" in error.value.error_dict
    with pytest.raises(ValidationError):
        make(world, owner=world["users"][Role.STAFF])
    with pytest.raises(PermissionDenied):
        make(world, by=Role.STAFF)


def test_update_only_what_the_user_may_see(world):
    action = make(world, team=world["team_b1"])
    updated = services.action_update(
        action=action,
        user=world["users"][Role.HR],
        status=ActionPlan.Status.IN_PROGRESS,
    )
    assert updated.status == ActionPlan.Status.IN_PROGRESS
    with pytest.raises(PermissionDenied):
        services.action_update(
            action=action, user=world["users"][Role.SITE_MANAGER], status="done"
        )
    with pytest.raises(ValidationError):
        services.action_update(action=action, user=world["users"][Role.HR], status="x")
    action.refresh_from_db()
    assert action.status == ActionPlan.Status.IN_PROGRESS


def test_visible_actions_follow_the_scoping_rule(world):
    a1 = make(world, team=world["team_a1"])
    a2 = make(world, team=world["team_a2"])
    site_a = make(world, team=None, site=world["site_a"])
    b1 = make(world, team=world["team_b1"])
    users = world["users"]
    seen = {role: set(selectors.visible_actions(users[role])) for role in Role}
    assert seen[Role.OWNER] == seen[Role.HR] == {a1, a2, site_a, b1}
    assert seen[Role.SITE_MANAGER] == {a1, a2, site_a}
    assert seen[Role.TEAM_LEAD] == {a1}
    assert seen[Role.STAFF] == set()
    outsider = UserFactory(organization=world["other_org"], role=Role.OWNER)
    assert not selectors.visible_actions(outsider).exists()


# --- pages ----------------------------------------------------------------------


def test_pages_gate_roles_and_scope(client, world):
    b1 = make(world, team=world["team_b1"])
    a1 = make(world, team=world["team_a1"])
    detail = reverse("actions:detail", args=[b1.pk])
    login(client, world, Role.STAFF)
    assert client.get(reverse("actions:list")).status_code == 403
    assert client.get(detail).status_code == 403
    login(client, world, Role.TEAM_LEAD)
    assert client.get(detail).status_code == 404
    assert client.get(reverse("actions:edit", args=[b1.pk])).status_code == 404
    assert client.get(reverse("actions:detail", args=[a1.pk])).status_code == 200
    client.force_login(UserFactory(organization=world["other_org"], role=Role.OWNER))
    assert client.get(detail).status_code == 404
    client.logout()
    assert client.get(reverse("actions:list")).status_code == 302


def test_list_filters_by_status_and_nav_links_it(client, world):
    make(world, title="Rota swap", status=ActionPlan.Status.DONE)
    make(world, title="Buddy scheme", status=ActionPlan.Status.DROPPED)
    login(client, world, Role.OWNER)
    page = client.get(reverse("actions:list")).content.decode()
    assert "Rota swap" in page and "Buddy scheme" in page
    assert f'href="{reverse("actions:list")}"' in page
    page = client.get(reverse("actions:list"), {"status": "done"}).content.decode()
    assert "Rota swap" in page and "Buddy scheme" not in page


def test_team_lead_creates_and_edits_through_the_form(client, world):
    login(client, world, Role.TEAM_LEAD)
    lead = world["users"][Role.TEAM_LEAD]
    response = client.get(reverse("actions:new"))
    assert 'name="site"' not in response.content.decode()
    response = client.post(
        reverse("actions:new"),
        {
            "title": "Cross-train on the phones",
            "team": world["team_a1"].pk,
            "measure": Measure.COVERAGE,
            "start_date": "2025-03-01",
            "owner": lead.pk,
            "status": "in_progress",
            "notes": "",
        },
    )
    action = ActionPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("actions:detail", args=[action.pk])
    assert action.measure == Measure.COVERAGE and action.created_by == lead

    response = client.post(
        reverse("actions:edit", args=[action.pk]),
        {
            "title": "Cross-train on the phones",
            "team": world["team_a2"].pk,  # not theirs: not offered
            "measure": Measure.COVERAGE,
            "start_date": "2025-03-01",
            "owner": lead.pk,
            "status": "done",
        },
    )
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    action.refresh_from_db()
    assert action.team == world["team_a1"] and action.status == "in_progress"


def test_form_needs_a_team_or_a_site(client, world):
    login(client, world, Role.SITE_MANAGER)
    response = client.post(
        reverse("actions:new"),
        {
            "title": "Huddles",
            "measure": Measure.ENGAGEMENT,
            "start_date": "2025-03-01",
            "owner": world["users"][Role.SITE_MANAGER].pk,
            "status": "planned",
        },
    )
    assert response.status_code == 200
    assert "Choose either one team or one site." in response.content.decode()
    assert not ActionPlan.objects.exists()


# --- measured impact ------------------------------------------------------------


def engagement_history(world, *, start, lift, acted, n_extra_teams=4, seed=0):
    """Monthly engagement for every team from 8 months before ``start`` to the
    last complete month; ``acted`` teams gain ``lift`` points from ``start`` on."""
    for i in range(n_extra_teams):
        TeamFactory(site=world["site_b"], name=f"Team {i}", slug=f"team-{i}")
    teams = list(world["site_a"].teams.all()) + list(world["site_b"].teams.all())
    rng = np.random.default_rng(seed)
    today = organization_today(world["org"])
    month = add_months(start, -8)
    rows = []
    levels = {team.pk: 60 + 3 * i for i, team in enumerate(teams)}
    while month < today.replace(day=1):
        common = rng.normal(0, 2)
        for team in teams:
            value = levels[team.pk] + common + rng.normal(0, 1.5)
            if team in acted and month >= start:
                value += lift
            rows.append(
                PulseHistory(
                    organization=world["org"],
                    team=team,
                    month=month,
                    measure="engagement",
                    respondents=8,
                    value=value,
                )
            )
        month = add_months(month, 1)
    PulseHistory.objects.bulk_create(rows)
    return teams


def test_too_early_says_when_it_becomes_measurable(client, world):
    today = organization_today(world["org"])
    action = make(world, start_date=today.replace(day=1))
    measured = selectors.action_measured_impact(action, today=today)
    assert measured.too_early
    ready = measurable_from(today)
    assert measured.measurable_from == ready
    login(client, world, Role.OWNER)
    page = client.get(reverse("actions:detail", args=[action.pk])).content.decode()
    assert "Not enough months yet — measurable from" in page
    assert ready.strftime("%B %Y") in page


def test_detail_shows_the_measured_change_against_comparable_teams(client, world):
    today = organization_today(world["org"])
    start = add_months(today.replace(day=1), -7)
    teams = engagement_history(world, start=start, lift=12.0, acted=[world["team_a1"]])
    action = make(world, start_date=start)

    measured = selectors.action_measured_impact(action, today=today)
    impact = measured.impact
    assert impact.status == "ok"
    assert impact.estimate == pytest.approx(12.0, abs=3.0)
    assert impact.ci_low < impact.estimate < impact.ci_high
    assert (impact.n_treated, impact.n_control) == (1, len(teams) - 1)
    assert measured.last_month == add_months(start, 5)

    login(client, world, Role.TEAM_LEAD)
    response = client.get(reverse("actions:detail", args=[action.pk]))
    page = response.content.decode()
    assert impact.sentence in page.replace("&#x27;", "'")
    assert "comparable teams that did not act" in page
    assert "95% confidence interval" in page


def test_site_action_and_other_actions_on_the_measure(world):
    today = organization_today(world["org"])
    start = add_months(today.replace(day=1), -7)
    acted = list(world["site_a"].teams.all())
    teams = engagement_history(world, start=start, lift=10.0, acted=acted, seed=1)
    action = make(world, team=None, site=world["site_a"], start_date=start)
    impact = selectors.action_measured_impact(action, today=today).impact
    assert (impact.n_treated, impact.n_control) == (2, len(teams) - 2)
    assert impact.estimate == pytest.approx(10.0, abs=3.0)

    # A live action on the same measure makes team B1 incomparable; a dropped
    # one or one on another measure does not.
    make(world, team=world["team_b1"], start_date=start)
    make(
        world,
        team=world["site_b"].teams.get(name="Team 0"),
        start_date=start,
        status=ActionPlan.Status.DROPPED,
    )
    make(
        world,
        team=world["site_b"].teams.get(name="Team 1"),
        start_date=start,
        measure=Measure.ENPS,
    )
    impact = selectors.action_measured_impact(action, today=today).impact
    assert impact.n_control == len(teams) - 3


def test_too_few_comparison_teams_is_reported(client, world):
    today = organization_today(world["org"])
    start = add_months(today.replace(day=1), -7)
    engagement_history(
        world, start=start, lift=0.0, acted=[world["team_a1"]], n_extra_teams=0
    )
    action = make(world, start_date=start)
    impact = selectors.action_measured_impact(action, today=today).impact
    assert impact.status == "insufficient_data"
    assert impact.reason == (
        "needs at least 5 comparable teams that did not act, measured before and "
        "after; has 2"
    )
    login(client, world, Role.OWNER)
    page = client.get(reverse("actions:detail", args=[action.pk])).content.decode()
    assert "Not enough data yet to measure this action" in page
