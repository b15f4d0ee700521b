"""The training back office: owner and HR keep courses and requirements here.

Built on the organization-scoped viewsets of ``workforce.wagtail_hooks``: every
lookup goes through the viewset's ``scoped_queryset``, so another
organization's course or requirement is a 404 on every URL, and the forms
offer only the user's own courses, job roles and sites.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSetGroup

from workforce import selectors
from workforce.admin_forms import CHOICES as WORKFORCE_CHOICES
from workforce.wagtail_hooks import OrganizationScopedForm, OrganizationScopedViewSet

from .models import Course, Requirement
from .services import normalise_course_name


def organization_courses(user):
    if not selectors.can_manage_organization(user):
        return Course.objects.none()
    return Course.objects.filter(organization_id=user.organization_id)


def organization_requirements(user):
    if not selectors.can_manage_organization(user):
        return Requirement.objects.none()
    return Requirement.objects.filter(
        organization_id=user.organization_id
    ).select_related("course", "job_role", "site")


class TrainingScopedForm(OrganizationScopedForm):
    """A back-office form that also knows where courses come from."""

    choices = {**WORKFORCE_CHOICES, Course: organization_courses}


class CourseForm(TrainingScopedForm):
    def clean_name(self):
        # The unique constraint is on LOWER(name) with the organization, which
        # is not a form field, so Django's own check skips it.
        name = normalise_course_name(self.cleaned_data["name"])
        clash = Course.objects.filter(
            organization_id=self.for_user.organization_id, name__iexact=name
        ).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("There is already a course of that name."))
        return name


class RequirementForm(TrainingScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job_role"].empty_label = _("Every job role")
        self.fields["site"].empty_label = _("Every site")


class CourseViewSet(OrganizationScopedViewSet):
    model = Course
    name = "training_course"
    url_prefix = "training/courses"
    icon = "doc-full"
    menu_label = _("Courses")
    scope = organization_courses
    base_form_class = CourseForm
    fields = ["name", "kind", "validity_months", "description"]
    list_display = ["name", "kind", "validity_months"]
    search_fields = ["name"]


class RequirementViewSet(OrganizationScopedViewSet):
    model = Requirement
    name = "training_requirement"
    url_prefix = "training/requirements"
    icon = "tasks"
    menu_label = _("Required courses")
    scope = organization_requirements
    base_form_class = RequirementForm
    fields = ["course", "job_role", "site"]
    list_display = ["course", "job_role", "site"]
    search_fields = ["course__name"]


class TrainingGroup(ModelViewSetGroup):
    menu_label = _("Training")
    menu_icon = "doc-full"
    menu_order = 220
    items = (CourseViewSet, RequirementViewSet)


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingGroup()
