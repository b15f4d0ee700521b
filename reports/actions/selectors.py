"""Reads for action plans: who sees which, and each action's measured impact.

Scoping follows workforce.selectors: owner and HR see every action in their
organization, a site manager the actions for their sites and those sites' teams,
a team lead the actions for the teams they lead; staff see none.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q, QuerySet

from reports.analysis.impact import (
    MIN_MONTHS_AFTER,
    SKIP_MONTHS,
    ActionImpact,
    action_impact,
    add_months,
    measurable_from,
)
from reports.selectors import team_month_panel
from workforce import selectors as scope
from workforce.models import Role, Team, User

from .models import ActionPlan

MONTHS_BEFORE = 6
MONTHS_AFTER = 6
# Another action on the same measure that started this long before the compared
# months (or during them) may still be moving its teams: they are not comparable.
OTHER_ACTION_REACH_MONTHS = 12


def visible_actions(user: User) -> QuerySet[ActionPlan]:
    if not getattr(user, "is_authenticated", False) or user.role == Role.STAFF:
        return ActionPlan.objects.none()
    sites = scope.visible_sites(user)
    actions = ActionPlan.objects.filter(organization_id=user.organization_id)
    if user.role in (Role.OWNER, Role.HR):
        pass
    elif user.role == Role.SITE_MANAGER:
        actions = actions.filter(Q(site__in=sites) | Q(team__site__in=sites))
    else:
        actions = actions.filter(team__in=scope.visible_teams(user))
    return actions.select_related("team__site", "site", "owner")


def action_teams(action: ActionPlan) -> list[Team]:
    """The teams an action applies to (a site action: all the site's teams)."""
    if action.team_id is not None:
        return [action.team]
    return list(Team.objects.filter(site=action.site).select_related("site"))


@dataclass(frozen=True)
class MeasuredImpact:
    """An action's impact, or the month from which it can be measured."""

    impact: ActionImpact | None
    measurable_from: date
    first_month: date
    last_month: date

    @property
    def too_early(self) -> bool:
        return self.impact is None


def _comparison_exclusions(action: ActionPlan, first: date, after: date):
    """(site, team) names of teams with another live action on the same measure."""
    others = ActionPlan.objects.filter(
        organization_id=action.organization_id,
        measure=action.measure,
        start_date__gte=add_months(first, -OTHER_ACTION_REACH_MONTHS),
        start_date__lt=after,
    ).exclude(pk=action.pk)
    others = others.exclude(status=ActionPlan.Status.DROPPED)
    teams = Team.objects.filter(
        Q(pk__in=others.values("team")) | Q(site__in=others.values("site"))
    )
    return list(teams.values_list("site__name", "name"))


def action_measured_impact(action: ActionPlan, *, today: date) -> MeasuredImpact:
    """The action's difference-in-differences on its measure, as of ``today``.

    Months are compared only once they are over, so nothing is judged on days
    still to come. Before MIN_MONTHS_AFTER whole months have passed since the
    start, no panel is read and ``impact`` is None.
    """
    start = action.start_date.replace(day=1)
    first = add_months(start, -(SKIP_MONTHS + MONTHS_BEFORE))
    last_after = add_months(start, MONTHS_AFTER - 1)
    last_complete = add_months(today.replace(day=1), -1)
    last = min(last_after, last_complete)
    ready = measurable_from(start)
    if today < ready or last < add_months(start, MIN_MONTHS_AFTER - 1):
        return MeasuredImpact(None, ready, first, last)
    panel = team_month_panel(
        organization=action.organization, start=first, end=last, until=today
    )
    treated = [(team.site.name, team.name) for team in action_teams(action)]
    impact = action_impact(
        panel,
        treated_teams=treated,
        start_month=start,
        measure=action.measure,
        months_before=MONTHS_BEFORE,
        months_after=MONTHS_AFTER,
        exclude_teams=_comparison_exclusions(action, first, add_months(last, 1)),
    )
    return MeasuredImpact(impact, ready, first, last)
