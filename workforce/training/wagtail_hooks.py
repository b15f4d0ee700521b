"""The training back office: owner and HR keep courses and requirements here.

Built on the organization-scoped viewsets of ``workforce.wagtail_hooks``: every
lookup goes through the viewset's ``scoped_queryset``, so another
organization's course or requirement is a 404 on every URL, and the forms
offer only the user's own courses, job roles and sites.
"""

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.viewsets.model import ModelViewSetGroup

from workforce import selectors
from workforce.admin_forms import CHOICES as WORKFORCE_CHOICES
from workforce.admin_forms import OrganizationScopedForm
from workforce.wagtail_hooks import OrganizationScopedViewSet

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


CHOICES = {**WORKFORCE_CHOICES, Course: organization_courses}


class TrainingScopedForm(OrganizationScopedForm):
    """OrganizationScopedForm that also knows where courses come from."""

    def __init__(self, *args, **kwargs):
        # OrganizationScopedForm.__init__ refuses relations outside workforce;
        # this is the same loop over a map that adds courses.
        super(OrganizationScopedForm, self).__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            raise ImproperlyConfigured("Back-office forms need for_user.")
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if model not in CHOICES:
                    raise ImproperlyConfigured(
                        f"{type(self).__name__}.{name}: no organization scope "
                        f"for {model.__name__}."
                    )
                field.queryset = CHOICES[model](user)
        if self.instance.pk is None and hasattr(self.instance, "organization_id"):
            self.instance.organization_id = user.organization_id


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
    list_display = ["name", "kind", "validity_months"]
    search_fields = ["name"]
    inspect_view_fields = ["name", "kind", "validity_months", "description"]
    base_form_class = CourseForm
    panels = [
        FieldPanel("name"),
        FieldPanel("kind"),
        FieldPanel("validity_months"),
        FieldPanel("description"),
    ]

    def scoped_queryset(self, user):
        return organization_courses(user)


class RequirementViewSet(OrganizationScopedViewSet):
    model = Requirement
    name = "training_requirement"
    url_prefix = "training/requirements"
    icon = "tasks"
    menu_label = _("Required courses")
    list_display = ["course", "job_role", "site"]
    search_fields = ["course__name"]
    inspect_view_fields = ["course", "job_role", "site"]
    base_form_class = RequirementForm
    panels = [FieldPanel("course"), FieldPanel("job_role"), FieldPanel("site")]

    def scoped_queryset(self, user):
        return organization_requirements(user)


class TrainingGroup(ModelViewSetGroup):
    menu_label = _("Training")
    menu_icon = "doc-full"
    menu_order = 220
    items = (CourseViewSet, RequirementViewSet)


@hooks.register("register_admin_viewset")
def register_training_viewsets():
    return TrainingGroup()
