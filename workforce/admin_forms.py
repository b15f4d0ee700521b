"""Back-office (Wagtail admin) forms: only the user's own organization, ever."""

import zoneinfo

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db.models import Q, UniqueConstraint
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from surveys.anonymity import organization_set_min_group_size

from . import selectors
from .audit import audit_record
from .models import AuditEvent, JobRole, Role, Site, StaffMember, Team

# Where the choices for a relation to each model come from. A relation to any
# other model is refused outright, so a new field cannot list every
# organization's rows by accident.
CHOICES = {
    Site: selectors.visible_sites,
    Team: selectors.visible_teams,
    JobRole: selectors.visible_job_roles,
    StaffMember: selectors.visible_staff,
}


class OrganizationScopedForm(WagtailAdminModelForm):
    """Offers only the user's organization's objects and files new ones there.

    ``choices`` maps each related model to ``user -> QuerySet`` of the user's
    organization; a form of an app with models of its own extends the map. A
    relation to a model missing from it is refused.
    """

    choices = CHOICES

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is None:
            raise ImproperlyConfigured("Back-office forms need for_user.")
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                model = field.queryset.model
                if model not in self.choices:
                    raise ImproperlyConfigured(
                        f"{type(self).__name__}.{name}: no organization scope "
                        f"for {model.__name__}."
                    )
                field.queryset = self.choices[model](user)
        if self.instance.pk is None and hasattr(self.instance, "organization_id"):
            self.instance.organization_id = user.organization_id

    def validate_unique(self):
        super().validate_unique()
        # The organization is not a form field, so Django skips the unique
        # constraints that include it; check them here to show a form error
        # instead of failing on save.
        exclude = self._get_validation_exclusions() - {"organization"}
        for constraint in self.instance._meta.constraints:
            if (
                isinstance(constraint, UniqueConstraint)
                and "organization" in constraint.fields
                and not exclude.intersection(constraint.fields)
            ):
                try:
                    constraint.validate(
                        type(self.instance), self.instance, exclude=exclude
                    )
                except ValidationError as error:
                    self._update_errors(error)


class OrganizationForm(OrganizationScopedForm):
    """Name and time zone saved here; the anonymity threshold through its service.

    ``surveys.anonymity.organization_set_min_group_size`` is the one way to
    change the threshold: it refuses a change while a round has unreleased
    responses and writes the audit event. ``save()`` raises its
    ``ValidationError``; :class:`workforce.wagtail_hooks.OrganizationEditView`
    shows it on the field.
    """

    timezone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(name, name) for name in sorted(zoneinfo.available_timezones())],
    )

    def save(self, commit=True):
        if not commit:
            raise ValueError("OrganizationForm saves through a service: commit only.")
        organization = super().save(commit=False)
        min_group_size = organization.min_group_size
        if self.instance.pk is not None and "min_group_size" in self.changed_data:
            # Everything else first, with the stored threshold, then the service.
            organization.min_group_size = self.initial["min_group_size"]
            organization.save()
            self.save_m2m()
            organization.min_group_size = organization_set_min_group_size(
                organization=organization, k=min_group_size, actor=self.for_user
            ).min_group_size
        else:
            organization.save()
            self.save_m2m()
        return organization


class StaffMemberForm(OrganizationScopedForm):
    # Team history (TeamMembership) follows these; the roster import keeps it
    # right for transfers, hire-date corrections and leavers, so here they are
    # set once, when the record is created.
    history_fields = (
        "site",
        "team",
        "hire_date",
        "termination_date",
        "termination_reason",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in self.history_fields:
                if name in self.fields:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "Change this with a roster import, which keeps the "
                        "team history."
                    )


class OrganizationUserForm(OrganizationScopedForm):
    """A login of the organization. Never a superuser or Django staff member."""

    new_password = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave empty to keep the current password."),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if "role" in self.fields and user.role != Role.OWNER:
            # Only an owner may make (or edit) an owner.
            self.fields["role"].choices = [
                choice
                for choice in self.fields["role"].choices
                if choice[0] != Role.OWNER
            ]
        if "staff_member" in self.fields:
            linked = Q(user__isnull=True)
            if self.instance.pk:
                linked |= Q(user=self.instance)
            self.fields["staff_member"].queryset = self.fields[
                "staff_member"
            ].queryset.filter(linked)
        self._scope_before = _scope_of(self.instance)
        if self.instance.pk is None:
            self.fields["new_password"].required = True
            self.fields["new_password"].help_text = ""
            self.fields["new_password_again"].required = True

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("new_password")
        if password and password != cleaned.get("new_password_again"):
            self.add_error("new_password_again", _("The two passwords are different."))
        return cleaned

    def _post_clean(self):
        super()._post_clean()
        # As Django's UserCreationForm: validate once the instance holds the
        # username and names the similarity check compares against.
        password = self.cleaned_data.get("new_password")
        if password and "new_password_again" not in self.errors:
            try:
                validate_password(password, user=self.instance)
            except ValidationError as error:
                self.add_error("new_password", error)

    def save(self, commit=True):
        user = super().save(commit=False)
        if self.cleaned_data.get("new_password"):
            user.set_password(self.cleaned_data["new_password"])
        if commit:
            user.save()
            self.save_m2m()
        return user

    def _save_m2m(self):
        # Runs for save() and for a caller's save_m2m() alike, once the role,
        # managed sites and led teams are all stored.
        super()._save_m2m()
        before, after = self._scope_before, _scope_of(self.instance)
        if before == after:
            return
        audit_record(
            organization=self.instance.organization,
            actor=self.for_user,
            action=AuditEvent.Action.ROLE_CHANGED,
            target=f"User {self.instance.get_username()}",
            detail={"before": before, "after": after},
        )


def _scope_of(user) -> dict | None:
    """Role and scope as the audit log shows them (names, sorted); None if new."""
    if user.pk is None:
        return None
    return {
        "role": user.role,
        "managed_sites": sorted(site.name for site in user.managed_sites.all()),
        "led_teams": sorted(str(team) for team in user.led_teams.all()),
    }
