"""The skills back office: owner and HR keep skills and team requirements here.

Built on the organization-scoped viewsets of ``workforce.wagtail_hooks``: every
lookup goes through the viewset's ``scoped_queryset``, so another
organization's skill or requirement is a 404 on every URL, and the forms offer
only the user's own teams and skills.

A team's requirement is a dated spell (see ``skills.models``), so these screens
never save one directly: adding, changing and ending all go through
``services.requirement_set`` on today's date in the organization's time zone,
which closes the spell in force and opens a new one. Earlier months keep the
minimum they had; ended spells stay listed, read only.
"""

import django_filters
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.viewsets.model import ModelViewSetGroup
from wagtail.log_actions import log

from workforce import selectors
from workforce.admin_forms import CHOICES as WORKFORCE_CHOICES
from workforce.wagtail_hooks import (
    OrganizationScopedForm,
    OrganizationScopedViewSet,
    ScopedCreateView,
    ScopedDeleteView,
    ScopedEditView,
    ScopedIndexView,
    ScopedInspectView,
)

from . import services
from .models import Skill, TeamSkillRequirement


def organization_skills(user):
    if not selectors.can_manage_organization(user):
        return Skill.objects.none()
    return Skill.objects.filter(organization_id=user.organization_id)


def organization_requirements(user):
    """Every requirement spell of the organization's teams, ended ones too."""
    if not selectors.can_manage_organization(user):
        return TeamSkillRequirement.objects.none()
    return TeamSkillRequirement.objects.filter(
        team__site__organization_id=user.organization_id
    ).select_related("team__site", "skill")


def requirements_in_force(user):
    """The spells that may still change: the open ones."""
    return organization_requirements(user).filter(end_date__isnull=True)


def _organization_today(user):
    return services.organization_today(user.organization)


# --- Forms ------------------------------------------------------------------------


class SkillsScopedForm(OrganizationScopedForm):
    """A back-office form that also knows where skills come from."""

    choices = {**WORKFORCE_CHOICES, Skill: organization_skills}


class SkillForm(SkillsScopedForm):
    def clean_name(self):
        # The unique constraint is on LOWER(name) with the organization, which
        # is not a form field, so Django's own check skips it.
        name = services.normalise_skill_name(self.cleaned_data["name"])
        clash = Skill.objects.filter(
            organization_id=self.for_user.organization_id, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("There is already a skill of that name."))
        return name


class RequirementForm(SkillsScopedForm):
    """Team, skill and minimum; saved by ``requirement_set``, never by ``save()``.

    On an existing (open) spell the team and skill are fixed: a new minimum
    starts today and the spell in force ends today.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = _organization_today(self.for_user)
        if self.instance.pk is not None:
            self.fields["team"].disabled = True
            self.fields["skill"].disabled = True
            self.fields["min_competent"].help_text = _(
                "The new minimum applies from today (%(today)s); earlier months "
                "keep %(old)s."
            ) % {"today": self.today.isoformat(), "old": self.instance.min_competent}

    def clean(self):
        cleaned = super().clean()
        team, skill = cleaned.get("team"), cleaned.get("skill")
        if team is None or skill is None:
            return cleaned
        open_spell = TeamSkillRequirement.objects.filter(
            team=team, skill=skill, end_date__isnull=True
        ).first()
        if self.instance.pk is None and open_spell is not None:
            # Reported on the skill so that model validation skips the
            # one-open-spell constraint and its less helpful message.
            self.add_error(
                "skill",
                _(
                    "This team already needs %(min)s competent in this skill "
                    "(since %(start)s): change that requirement instead."
                )
                % {"min": open_spell.min_competent, "start": open_spell.start_date},
            )
            return cleaned
        problem = services.requirement_change_problem(open_spell, self.today)
        if problem:
            self.add_error(None, problem)
        return cleaned

    def set_requirement(self):
        """Write the form through the service; the spell in force afterwards."""
        return services.requirement_set(
            team=self.cleaned_data["team"],
            skill=self.cleaned_data["skill"],
            min_competent=self.cleaned_data["min_competent"],
            on=self.today,
        )


# --- Skill views --------------------------------------------------------------------


class SkillDeleteView(ScopedDeleteView):
    """A skill with requirements or assessments is history: it stays."""

    template_name = "skills/admin/skill_delete.html"

    def in_use(self):
        return self.object.requirements.exists() or self.object.assessments.exists()

    def get_context_data(self, **kwargs):
        return super().get_context_data(in_use=self.in_use(), **kwargs)

    def form_valid(self, form):
        if self.in_use():
            messages.error(
                self.request,
                _gettext(
                    "%(skill)s has requirements or assessments, so deleting it "
                    "would rewrite past coverage. It stays."
                )
                % {"skill": self.object},
            )
            return redirect(self.index_url_name)
        return super().form_valid(form)


# --- Requirement views ---------------------------------------------------------------


class RequirementFilterSet(WagtailFilterSet):
    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=lambda request: selectors.visible_teams(request.user)
    )
    skill = django_filters.ModelChoiceFilter(
        label=_("Skill"),
        queryset=lambda request: organization_skills(request.user),
    )
    in_force = django_filters.BooleanFilter(
        label=_("In force"), field_name="end_date", lookup_expr="isnull"
    )

    class Meta:
        model = TeamSkillRequirement
        fields = []


class RequirementIndexView(ScopedIndexView):
    """Every spell, oldest first per team and skill; only open ones change."""

    def get_edit_url(self, instance):
        if instance.end_date is None:
            return super().get_edit_url(instance)
        return None

    def get_delete_url(self, instance):
        if instance.end_date is None:
            return super().get_delete_url(instance)
        return None

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        # The delete view ends the spell; call it that.
        delete_url = self.get_delete_url(instance)
        for button in buttons:
            if delete_url and button.url == delete_url:
                button.label = _("End")
        return buttons


class RequirementInspectView(ScopedInspectView):
    """Any spell; only one in force offers changing or ending it."""

    def get_edit_url(self):
        if self.object.end_date is None:
            return super().get_edit_url()
        return None

    def get_delete_url(self):
        if self.object.end_date is None:
            return super().get_delete_url()
        return None

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons
        delete_url = self.get_delete_url()
        for button in buttons:
            if delete_url and button.url == delete_url:
                button.label = _("End")
        return buttons


class RequirementWriteMixin:
    """Create and edit views that save through ``requirement_set``."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except ValidationError as error:
            # A change committed by someone else between validation and save.
            form.add_error(None, error)
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)

    def save_instance(self):
        before = getattr(self, "object", None)
        before_pk = before.pk if before is not None else None
        requirement = self.form.set_requirement()
        user = self.request.user
        if before_pk is not None and (
            requirement is None or requirement.pk != before_pk
        ):
            # The spell in force ended today; a new one (if any) starts today.
            before.refresh_from_db()
            log(instance=before, action="wagtail.edit", user=user)
        if requirement is not None:
            action = "wagtail.edit" if requirement.pk == before_pk else "wagtail.create"
            log(instance=requirement, action=action, user=user)
        return requirement


class RequirementCreateView(RequirementWriteMixin, ScopedCreateView):
    pass


class RequirementEditView(RequirementWriteMixin, ScopedEditView):
    success_message = _("Requirement changed: %(object)s from today.")
    delete_item_label = _("End this requirement")

    def get_queryset(self):
        # Ended spells are history: they can be inspected, not changed.
        return requirements_in_force(self.request.user)


class RequirementEndView(ScopedDeleteView):
    """Ends the spell today (or removes it if it started today)."""

    template_name = "skills/admin/requirement_end.html"
    page_title = _("End requirement")
    success_message = _("%(model_name)s '%(object)s' ended today.")

    def get_queryset(self):
        return requirements_in_force(self.request.user)

    @property
    def confirmation_message(self):
        return _gettext(
            "From today (%(today)s) the team no longer needs this skill. Earlier "
            "months keep the requirement."
        ) % {"today": _organization_today(self.request.user).isoformat()}

    def delete_action(self):
        spell = self.object
        services.requirement_set(
            team=spell.team,
            skill=spell.skill,
            min_competent=None,
            on=_organization_today(self.request.user),
        )
        log(instance=spell, action="wagtail.delete", user=self.request.user)

    def form_valid(self, form):
        problem = services.requirement_change_problem(
            self.object, _organization_today(self.request.user)
        )
        if problem:
            messages.error(self.request, problem)
            return redirect(self.index_url_name)
        return super().form_valid(form)


# --- The screens ---------------------------------------------------------------------


class SkillViewSet(OrganizationScopedViewSet):
    model = Skill
    name = "skills_skill"
    url_prefix = "skills/skills"
    icon = "pick"
    menu_label = _("Skills")
    scope = organization_skills
    delete_view_class = SkillDeleteView
    base_form_class = SkillForm
    fields = ["name"]
    list_display = ["name"]
    search_fields = ["name"]


class RequirementViewSet(OrganizationScopedViewSet):
    model = TeamSkillRequirement
    name = "skills_requirement"
    url_prefix = "skills/requirements"
    icon = "tasks"
    menu_label = _("Team requirements")
    index_view_class = RequirementIndexView
    add_view_class = RequirementCreateView
    edit_view_class = RequirementEditView
    delete_view_class = RequirementEndView
    inspect_view_class = RequirementInspectView
    list_display = ["team", "skill", "min_competent", "start_date", "end_date"]
    search_fields = ["skill__name", "team__name"]
    filterset_class = RequirementFilterSet
    scope = organization_requirements
    base_form_class = RequirementForm
    fields = ["team", "skill", "min_competent"]
    inspect_view_fields = ["team", "skill", "min_competent", "start_date", "end_date"]


class SkillsGroup(ModelViewSetGroup):
    menu_label = _("Cross-training")
    menu_icon = "pick"
    menu_order = 230
    items = (SkillViewSet, RequirementViewSet)


@hooks.register("register_admin_viewset")
def register_skills_viewsets():
    return SkillsGroup()
