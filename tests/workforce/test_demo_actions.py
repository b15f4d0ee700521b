"""Demo action plans: the planted effects show in /actions/, the others do not."""

import datetime
import io

import pytest
from django.core.management import call_command

from reports.actions.models import ActionPlan
from reports.actions.selectors import action_measured_impact
from reports.analysis.findings import INSUFFICIENT_DATA, OK
from workforce.demo import (
    SilentWriter,
    demo_usernames,
    history_months,
    purge_demo_organizations,
)
from workforce.demo_actions import (
    ACTIONS,
    action_start,
    plant_action_effects,
)
from workforce.demo_climate import build_climate
from workforce.demo_data import BRIGHTSMILE
from workforce.models import User

TODAY = datetime.date(2026, 3, 18)
# Enough months for six before and six after the oldest action, plus burn-in.
MONTHS = 18


def differences(new, old):
    return [a - b for a, b in zip(new, old, strict=True)]


def test_planting_changes_only_the_acted_on_teams_from_the_start_month():
    months = history_months(TODAY, MONTHS)
    before = build_climate(seed=2026, blueprint=BRIGHTSMILE, months=months)
    after = plant_action_effects(before, months)
    actions = {action.site: action for action in ACTIONS[BRIGHTSMILE.slug]}
    riverside = months.index(action_start(actions["riverside"], months).replace(day=1))
    harbor = months.index(action_start(actions["harbor-point"], months).replace(day=1))
    for key, team in after.teams.items():
        untouched = before.teams[key]
        engagement = differences(team.engagement, untouched.engagement)
        burnout = differences(team.burnout, untouched.burnout)
        if key[0] == "riverside":
            # Half the gain in the first month, all of it from the second on
            # (less only where engagement meets the climate's ceiling of 98).
            assert engagement[:riverside] == [0] * riverside
            assert engagement[riverside] == pytest.approx(6.0)
            later = engagement[riverside + 2 :]
            assert all(0 < gain <= 12.0 + 1e-9 for gain in later)
            assert max(later) == pytest.approx(12.0)
            assert all(change < 0 for change in burnout[riverside:])
        elif key[0] == "harbor-point":
            assert engagement == [0] * len(months)
            assert burnout[:harbor] == [0] * harbor
            assert all(change < -0.05 for change in burnout[harbor + 1 :])
        else:
            assert team == untouched


@pytest.fixture(scope="module")
def demo_with_actions(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        out = io.StringIO()
        call_command(
            "seed_demo",
            "--today",
            TODAY.isoformat(),
            "--months",
            str(MONTHS),
            stdout=out,
        )
    yield out.getvalue()
    with django_db_blocker.unblock():
        purge_demo_organizations(stdout=SilentWriter())
        User.objects.filter(username__in=demo_usernames()).delete()


def impact_of(title):
    action = ActionPlan.objects.get(title=title)
    return action_measured_impact(action, today=TODAY).impact


@pytest.mark.django_db
def test_seed_writes_every_action_with_its_owner(demo_with_actions):
    assert "action plans 7/7" in demo_with_actions
    lead_action = ActionPlan.objects.get(title="Weekly shout-outs at the team huddle")
    assert lead_action.owner.username == "lead"
    assert lead_action.team.slug == "front-desk"
    assert lead_action.start_date == datetime.date(2025, 6, 6)
    assert ActionPlan.objects.filter(site__isnull=False).count() == 4


@pytest.mark.django_db
def test_actions_that_worked_show_a_clear_improvement(demo_with_actions):
    engagement = impact_of("Monthly listening sessions with the practice manager")
    assert engagement.status == OK
    assert engagement.ci_low > 0
    assert 6 < engagement.estimate < 18
    burnout = impact_of("Protected lunch breaks and a cover rota")
    assert burnout.status == OK
    assert burnout.ci_high < 0
    assert "an improvement associated with the action" in burnout.sentence


@pytest.mark.django_db
def test_actions_without_an_effect_show_no_clear_change(demo_with_actions):
    for title in (
        "Weekly shout-outs at the team huddle",
        "Patient comment cards at reception",
    ):
        impact = impact_of(title)
        assert impact.status != OK, title
        if impact.status != INSUFFICIENT_DATA:
            assert impact.ci_low <= 0 <= impact.ci_high
            assert impact.sentence.startswith("No clear change yet")
    recent = ActionPlan.objects.get(title="Sterilisation cover training for hygienists")
    assert action_measured_impact(recent, today=TODAY).too_early
