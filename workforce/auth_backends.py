"""Permissions that follow from a user's role, not from Django groups.

Owner and HR run the Wagtail back office for their own organization; nobody
else gets admin access. Which rows they may touch is decided by the scoped
querysets in ``workforce/wagtail_hooks.py``; this backend only answers
"may this role use this kind of screen at all".
"""

from django.contrib.auth.backends import BaseBackend

from .models import Organization, Team, TeamMembership
from .selectors import can_manage_organization

ACTIONS = ("add", "change", "delete", "view")

# Organizations are created by the platform, never from the back office, and
# membership history is written by transfers, so those two are narrower.
# User is absent on purpose: ``workforce.change_user`` would open Wagtail's own
# user admin, which lists every organization's users and can make superusers.
# The organization's user screen checks the role itself (see wagtail_hooks).
MODEL_ACTIONS = {
    "organization": ("change", "view"),
    "site": ACTIONS,
    "team": ACTIONS,
    "jobrole": ACTIONS,
    "staffmember": ACTIONS,
    "teammembership": ("view",),
}

# The survey back office (surveys/wagtail_hooks.py). Invitations, responses and
# participations have no screens: nobody edits them by hand.
SURVEY_MODEL_ACTIONS = {
    "question": ACTIONS,
    "survey": ACTIONS,
    "surveyquestion": ACTIONS,
    "round": ACTIONS,
    "pulseschedule": ACTIONS,
}

# The training back office (workforce/training/wagtail_hooks.py). Completions
# and reminders have no back-office screens: pages and imports write them.
TRAINING_MODEL_ACTIONS = {
    "course": ACTIONS,
    "requirement": ACTIONS,
}

# The skills back office (workforce/skills/wagtail_hooks.py). Requirement
# changes go through requirement_set; assessments are written by the grid and
# imports, and have no back-office screen.
SKILLS_MODEL_ACTIONS = {
    "skill": ACTIONS,
    "teamskillrequirement": ACTIONS,
}

ORG_ADMIN_PERMISSIONS = frozenset(
    {"wagtailadmin.access_admin"}
    | {
        f"workforce.{action}_{model}"
        for model, actions in MODEL_ACTIONS.items()
        for action in actions
    }
    | {
        f"surveys.{action}_{model}"
        for model, actions in SURVEY_MODEL_ACTIONS.items()
        for action in actions
    }
    | {
        f"training.{action}_{model}"
        for model, actions in TRAINING_MODEL_ACTIONS.items()
        for action in actions
    }
    | {
        f"skills.{action}_{model}"
        for model, actions in SKILLS_MODEL_ACTIONS.items()
        for action in actions
    }
)


def organization_id_of(obj):
    """The organization a workforce object belongs to, or None if it has none."""
    if isinstance(obj, Organization):
        return obj.pk
    if isinstance(obj, Team):
        return obj.site.organization_id
    if isinstance(obj, TeamMembership):
        return obj.staff_member.organization_id
    if obj._meta.label == "surveys.SurveyQuestion":
        return obj.survey.organization_id
    if obj._meta.label == "skills.TeamSkillRequirement":
        return obj.team.site.organization_id
    # Site, JobRole, StaffMember, User, Question, Survey, Round, PulseSchedule
    # and anything else tied to one. A built-in question has none: read only.
    return getattr(obj, "organization_id", None)


class RolePermissionBackend(BaseBackend):
    """Grants owner and HR the back-office permissions; authenticates no one."""

    def get_all_permissions(self, user_obj, obj=None):
        if not can_manage_organization(user_obj):
            return set()
        # Object-level checks: only objects of the user's own organization.
        if obj is not None and organization_id_of(obj) != user_obj.organization_id:
            return set()
        return set(ORG_ADMIN_PERMISSIONS)

    def has_perm(self, user_obj, perm, obj=None):
        return perm in self.get_all_permissions(user_obj, obj=obj)

    def has_module_perms(self, user_obj, app_label):
        return any(
            perm.startswith(f"{app_label}.")
            for perm in self.get_all_permissions(user_obj)
        )
