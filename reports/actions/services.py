"""Writes for action plans: create and update, validated against the user's scope."""

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from workforce import selectors as scope
from workforce.models import Role, Site, Team, User
from workforce.permissions import MANAGERS
from workforce.recognition.dates import organization_today

from .models import ActionPlan, Measure
from .selectors import visible_actions

MAX_DAYS_AHEAD = 365
# An action started longer ago than this cannot be compared with anything the
# platform still holds in a useful way; it is more likely a typo in the year.
MAX_YEARS_BACK = 5


def _check(
    *,
    user: User,
    title: str,
    team: Team | None,
    site: Site | None,
    measure: str,
    start_date: date,
    owner: User,
    status: str,
) -> None:
    if user.role not in MANAGERS or not user.organization_id:
        raise PermissionDenied
    errors = {}
    if not title.strip():
        errors["title"] = _("Say what the action is.")
    if (team is None) == (site is None):
        errors["team"] = _("Choose either one team or one site.")
    elif team is not None and not scope.visible_teams(user).filter(pk=team.pk).exists():
        errors["team"] = _("You can only plan actions for teams you look after.")
    elif site is not None and (
        user.role == Role.TEAM_LEAD
        or not scope.visible_sites(user).filter(pk=site.pk).exists()
    ):
        errors["site"] = _("You can only plan actions for sites you look after.")
    if measure not in Measure.values:
        errors["measure"] = _("Choose one of the listed measures.")
    if status not in ActionPlan.Status.values:
        errors["status"] = _("Choose one of the listed statuses.")
    today = organization_today(user.organization)
    if start_date > today + timedelta(days=MAX_DAYS_AHEAD):
        errors["start_date"] = _("The start date can be at most a year from today.")
    elif start_date < today.replace(year=today.year - MAX_YEARS_BACK, day=1):
        errors["start_date"] = _(
            "The start date is more than %(years)d years ago: check the year."
        ) % {"years": MAX_YEARS_BACK}
    if (
        owner.organization_id != user.organization_id
        or owner.role not in MANAGERS
        or not owner.is_active
    ):
        errors["owner"] = _(
            "The owner must be an active owner, HR, site manager or team lead of "
            "your practice."
        )
    if errors:
        raise ValidationError(errors)


def action_create(
    *,
    user: User,
    title: str,
    measure: str,
    start_date: date,
    owner: User,
    team: Team | None = None,
    site: Site | None = None,
    status: str = ActionPlan.Status.PLANNED,
    notes: str = "",
) -> ActionPlan:
    _check(
        user=user,
        title=title,
        team=team,
        site=site,
        measure=measure,
        start_date=start_date,
        owner=owner,
        status=status,
    )
    action = ActionPlan(
        organization_id=user.organization_id,
        title=title.strip(),
        team=team,
        site=site,
        measure=measure,
        start_date=start_date,
        owner=owner,
        status=status,
        notes=notes,
        created_by=user,
    )
    action.full_clean()
    with transaction.atomic():
        action.save()
    return action


UPDATABLE = (
    "title",
    "team",
    "site",
    "measure",
    "start_date",
    "owner",
    "status",
    "notes",
)


def action_update(*, action: ActionPlan, user: User, **changes) -> ActionPlan:
    """Change any of UPDATABLE; the user must be able to see the action."""
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise TypeError(f"action_update() got unexpected fields: {sorted(unknown)}")
    if not visible_actions(user).filter(pk=action.pk).exists():
        raise PermissionDenied
    values = {name: changes.get(name, getattr(action, name)) for name in UPDATABLE}
    _check(
        user=user,
        title=values["title"],
        team=values["team"],
        site=values["site"],
        measure=values["measure"],
        start_date=values["start_date"],
        owner=values["owner"],
        status=values["status"],
    )
    with transaction.atomic():
        action = ActionPlan.objects.select_for_update().get(pk=action.pk)
        for name, value in values.items():
            setattr(action, name, value.strip() if name == "title" else value)
        action.full_clean()
        action.save()
    return action
