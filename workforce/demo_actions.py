"""Demo action plans, some of which worked.

Each organization gets a fixed list of actions (what, which team or site, which
measure, when it started, who owns it). Those marked with an effect change the
team's latent climate (workforce/demo_climate.py) from the start month on,
before anything is drawn from it, so the effect runs through everything the
climate drives: survey answers, burnout, voluntary leaving and patient scores.
The others change nothing, so /actions/ should measure a clear improvement for
the first kind and "no clear change" for most of the second (an action with no
effect still crosses the 95% line one time in twenty).

The planted effects:

- ``engagement_gain``: points of latent engagement (0-100) added to every team
  the action covers, reached after ``RAMP_MONTHS`` months and kept; burnout
  follows through the climate's own link (``BURNOUT_PER_ENGAGEMENT_POINT``);
- ``burnout_log_odds``: a shift of latent burnout on the log-odds scale.

They are site-wide on purpose: with one acted-on team the difference-in-
differences interval is about ±11 engagement points (one team's change against
the spread of the others' changes), so a realistic single-team effect would
rarely read as clear; six teams narrow it to about ±5.

Action rows are written by ``step_actions`` once the logins exist (every action
has an owner). They are validated by the model (``full_clean``) rather than
``reports.actions.services.action_create``, whose start-date check reads the
wall clock: the demo's only outside input is ``--today``.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import random

from reports.actions.models import ActionPlan, Measure

from .demo_climate import (
    BURNOUT_PER_ENGAGEMENT_POINT,
    OrganizationClimate,
    TeamClimate,
)
from .demo_data import BRIGHTSMILE, LAKESIDE
from .models import Site, Team, User

RAMP_MONTHS = 2
# The day of the month actions start on: after the monthly pulse's results.
START_DAY = 6


@dataclasses.dataclass(frozen=True)
class DemoAction:
    """One action: ``team`` None means every team at ``site``.

    ``months_ago`` counts back from the last month of the history: 1 is the
    month before the current one.
    """

    title: str
    site: str
    team: str | None
    measure: str
    months_ago: int
    status: str
    owner: str
    notes: str = ""
    engagement_gain: float = 0.0
    burnout_log_odds: float = 0.0

    @property
    def planted(self) -> bool:
        return bool(self.engagement_gain or self.burnout_log_odds)


DONE, IN_PROGRESS, PLANNED = (
    ActionPlan.Status.DONE,
    ActionPlan.Status.IN_PROGRESS,
    ActionPlan.Status.PLANNED,
)

ACTIONS: dict[str, tuple[DemoAction, ...]] = {
    BRIGHTSMILE.slug: (
        DemoAction(
            "Monthly listening sessions with the practice manager",
            "riverside",
            None,
            Measure.ENGAGEMENT,
            months_ago=10,
            status=DONE,
            owner="owner",
            notes="Every team meets the practice manager once a month; actions "
            "agreed are posted in the staff room.",
            engagement_gain=12.0,
        ),
        DemoAction(
            "Protected lunch breaks and a cover rota",
            "harbor-point",
            None,
            Measure.BURNOUT_RATE,
            months_ago=9,
            status=IN_PROGRESS,
            owner="hr",
            notes="No appointments booked over lunch; a rota covers the phones.",
            burnout_log_odds=-1.3,
        ),
        DemoAction(
            "Weekly shout-outs at the team huddle",
            "maple-grove",
            "front-desk",
            Measure.ENGAGEMENT,
            months_ago=9,
            status=IN_PROGRESS,
            owner="lead",
            notes="Each Monday the huddle names one thing someone did well.",
        ),
        DemoAction(
            "Patient comment cards at reception",
            "old-town",
            None,
            Measure.PATIENT_NPS,
            months_ago=10,
            status=DONE,
            owner="owner",
        ),
        DemoAction(
            "Quarterly skills days",
            "maple-grove",
            None,
            Measure.COVERAGE,
            months_ago=8,
            status=IN_PROGRESS,
            owner="manager",
            notes="Half a day each quarter to learn one skill from a colleague.",
        ),
        DemoAction(
            "Sterilisation cover training for hygienists",
            "westfield",
            "hygiene",
            Measure.COVERAGE,
            months_ago=1,
            status=PLANNED,
            owner="hr",
        ),
    ),
    LAKESIDE.slug: (
        DemoAction(
            "Nurse-led follow-up calls after visits",
            "lakeshore",
            "nursing",
            Measure.PATIENT_NPS,
            months_ago=9,
            status=IN_PROGRESS,
            owner="lakeside-owner",
        ),
    ),
}


def action_month_index(action: DemoAction, months: list[datetime.date]) -> int | None:
    """Index in ``months`` of the action's start month; None if before the window."""
    index = len(months) - 1 - action.months_ago
    return index if index >= 0 else None


def action_start(action: DemoAction, months: list[datetime.date]) -> datetime.date:
    index = action_month_index(action, months)
    return months[index].replace(day=START_DAY)


def _expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _acted_on(team: TeamClimate, action: DemoAction) -> bool:
    site, slug = team.key
    return site == action.site and action.team in (None, slug)


def plant_action_effects(
    climate: OrganizationClimate, months: list[datetime.date]
) -> OrganizationClimate:
    """``climate`` with the planted effects of its organization's actions."""
    planted = [a for a in ACTIONS.get(climate.slug, ()) if a.planted]
    teams = dict(climate.teams)
    for action in planted:
        start = action_month_index(action, months)
        if start is None:
            continue
        for key, team in teams.items():
            if not _acted_on(team, action):
                continue
            engagement, burnout = list(team.engagement), list(team.burnout)
            for index in range(start, len(months)):
                ramp = min(1.0, (index - start + 1) / RAMP_MONTHS)
                gain = action.engagement_gain * ramp
                engagement[index] = min(98.0, max(5.0, engagement[index] + gain))
                shift = BURNOUT_PER_ENGAGEMENT_POINT * gain
                shift += action.burnout_log_odds * ramp
                burnout[index] = _expit(_logit(burnout[index]) + shift)
            teams[key] = dataclasses.replace(
                team, engagement=tuple(engagement), burnout=tuple(burnout)
            )
    return dataclasses.replace(climate, teams=teams)


def step_actions(*, context, rng: random.Random) -> None:
    """Write each organization's actions, owned by the demo logins."""
    written = total = 0
    for slug, actions in ACTIONS.items():
        workforce = context.workforces.get(slug)
        if workforce is None:
            continue
        organization = workforce.organization
        for action in actions:
            total += 1
            if action_month_index(action, workforce.months) is None:
                continue
            owner = User.objects.get(username=action.owner, organization=organization)
            site = Site.objects.get(organization=organization, slug=action.site)
            team = (
                Team.objects.get(site=site, slug=action.team) if action.team else None
            )
            plan = ActionPlan(
                organization=organization,
                title=action.title,
                team=team,
                site=None if team else site,
                measure=action.measure,
                start_date=action_start(action, workforce.months),
                owner=owner,
                status=action.status,
                notes=action.notes,
                created_by=owner,
            )
            plan.full_clean()
            plan.save()
            written += 1
    context.stdout.write(f"action plans {written}/{total}")
