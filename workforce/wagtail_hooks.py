"""The back office: owner and HR keep their organization's workforce records here.

Every screen works on the signed-in user's organization only. Wagtail's model
views fetch objects from the whole table (the index, edit, delete, inspect,
history and usage views each have their own lookup), so each view class below
takes the viewset's ``scoped_queryset`` and looks objects up only inside it:
another organization's id is a 404 on every URL. Who may use the screens at
all comes from the role (``workforce.auth_backends.RolePermissionBackend``).
"""

import types

import django_filters
from django import forms
from django.contrib.admin.utils import unquote
from django.core.exceptions import (
    ImproperlyConfigured,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets.button import Button
from wagtail.permission_policies.base import BasePermissionPolicy

from . import selectors, staff
from .admin_forms import (
    OrganizationForm,
    OrganizationScopedForm,
    OrganizationUserForm,
    StaffMemberForm,
)
from .mfa.services import mfa_resettable_users
from .models import (
    JobRole,
    Organization,
    Role,
    Site,
    StaffMember,
    Team,
    TeamMembership,
    User,
)

# --- Views that only ever see the user's organization -------------------------


class ScopedViewMixin:
    #: ``callable(user) -> QuerySet`` of the objects the user may reach here.
    scoped_queryset = None

    def dispatch(self, request, *args, **kwargs):
        # Superusers pass every permission check but belong to no organization
        # as owner or HR; Wagtail's own screens are theirs.
        if not selectors.can_manage_organization(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_scoped_queryset(self):
        return self.scoped_queryset(self.request.user)


class ScopedIndexView(ScopedViewMixin, generic.IndexView):
    def get_base_queryset(self):
        return self.get_scoped_queryset()


class ScopedCreateView(ScopedViewMixin, generic.CreateView):
    pass


class ScopedEditView(ScopedViewMixin, generic.EditView):
    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # Look the object up before the permission check, as the other object
        # views do: another organization's id is a 404 whoever asks.
        self.object = self.get_object()

    def get_queryset(self):
        # SingleObjectMixin.get_object() looks the pk up in this queryset.
        return self.get_scoped_queryset()


class ScopedDeleteView(ScopedViewMixin, generic.DeleteView):
    def get_queryset(self):
        return self.get_scoped_queryset()

    def form_valid(self, form):
        try:
            with transaction.atomic():
                return super().form_valid(form)
        except (ProtectedError, RestrictedError):
            # Reached through a cascade the usage check did not foresee, e.g.
            # a site whose teams still hold team history.
            from wagtail.admin import messages

            messages.error(
                self.request,
                _("%(object)s is still in use (for example in team history).")
                % {"object": self.object},
            )
            return redirect(self.index_url_name)


class ScopedInspectView(ScopedViewMixin, generic.InspectView):
    def get_object(self, queryset=None):
        return get_object_or_404(self.get_scoped_queryset(), pk=unquote(str(self.pk)))


class ScopedHistoryView(ScopedViewMixin, history.HistoryView):
    def get_base_object_queryset(self):
        return self.get_scoped_queryset()


class ScopedUsageView(ScopedViewMixin, usage.UsageView):
    def get_base_object_queryset(self):
        return self.get_scoped_queryset()


class OrganizationScopedViewSet(ModelViewSet):
    """A model's back-office screens, limited to the user's organization.

    A subclass declares only what differs: the model, its ``fields`` (form and
    inspect page, unless ``panels`` or ``inspect_view_fields`` say otherwise),
    the ``scope`` and any view classes of its own. Every view class gets the
    scoped lookup from the ``Scoped*View`` it is built on; ``view_mixins`` are
    put in front of each of them (e.g. another permission policy).
    """

    index_view_class = ScopedIndexView
    add_view_class = ScopedCreateView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView
    inspect_view_enabled = True
    # A copy view would need its own lookup; nothing here is worth copying.
    copy_view_enabled = False
    base_form_class = OrganizationScopedForm

    #: Where the objects come from: a function ``user -> QuerySet`` (a
    #: selector), or the lookup path from the model to its organization, e.g.
    #: ``"team__site__organization"``.
    scope = None
    #: Field names of the form and the inspect page.
    fields = ()
    #: Form widgets by field name, for the panels built from ``fields``.
    widgets = {}
    #: Mixins put in front of every view class of the viewset.
    view_mixins = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        scope = cls.__dict__.get("scope")
        if isinstance(scope, types.FunctionType):
            # A selector, not a method of the viewset.
            cls.scope = staticmethod(scope)

    def scoped_queryset(self, user):
        if self.scope is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a scope.")
        if callable(self.scope):
            return self.scope(user)
        rows = self.model._default_manager
        if not selectors.can_manage_organization(user):
            return rows.none()
        return rows.filter(**{f"{self.scope}_id": user.organization_id})

    @property
    def inspect_view_fields(self):
        return list(self.fields)

    def get_panels(self):
        if hasattr(self, "panels"):
            return self.panels
        return [FieldPanel(name, widget=self.widgets.get(name)) for name in self.fields]

    def construct_view(self, view_class, **kwargs):
        if self.view_mixins:
            view_class = type(view_class.__name__, (*self.view_mixins, view_class), {})
        return super().construct_view(view_class, **kwargs)

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            scoped_queryset=self.scoped_queryset, **kwargs
        )

    def get_edit_handler(self):
        return ObjectList(
            self.get_panels(), base_form_class=self.base_form_class
        ).bind_to_model(self.model)

    @property
    def menu_item_class(self):
        shown_for_role = super().menu_item_class

        class ScopedMenuItem(shown_for_role):
            def is_shown(self, request):
                return selectors.can_manage_organization(request.user) and (
                    super().is_shown(request)
                )

        return ScopedMenuItem


# --- Filters: choices from the user's organization only ----------------------


def _sites(request):
    return selectors.visible_sites(request.user)


def _teams(request):
    return selectors.visible_teams(request.user)


def _job_roles(request):
    return selectors.visible_job_roles(request.user)


class TeamFilterSet(WagtailFilterSet):
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=_sites)

    class Meta:
        model = Team
        fields = []


class StaffMemberFilterSet(WagtailFilterSet):
    site = django_filters.ModelChoiceFilter(label=_("Site"), queryset=_sites)
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=_teams)
    job_role = django_filters.ModelChoiceFilter(
        label=_("Job role"), queryset=_job_roles
    )
    active = django_filters.BooleanFilter(
        label=_("Still employed"),
        field_name="termination_date",
        lookup_expr="isnull",
    )

    class Meta:
        model = StaffMember
        fields = []


class TeamMembershipFilterSet(WagtailFilterSet):
    team = django_filters.ModelChoiceFilter(label=_("Team"), queryset=_teams)

    class Meta:
        model = TeamMembership
        fields = []


class UserFilterSet(WagtailFilterSet):
    role = django_filters.ChoiceFilter(label=_("Role"), choices=Role.choices)
    is_active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = User
        fields = []


# --- The screens ---------------------------------------------------------------


class OrganizationEditView(ScopedEditView):
    def form_valid(self, form):
        # OrganizationForm.save() changes the threshold through its service,
        # which refuses while a round has unreleased responses: show that on
        # the field, with nothing saved (the name and time zone roll back too).
        try:
            return super().form_valid(form)
        except ValidationError as error:
            form.add_error("min_group_size", error)
            self.produced_error_code = "validation_error"
            self.produced_error_message = self.get_error_message()
            return self.form_invalid(form)


class OrganizationViewSet(OrganizationScopedViewSet):
    model = Organization
    name = "workforce_organization"
    url_prefix = "workforce/organization"
    icon = "site"
    menu_label = _("Organization")
    scope = selectors.visible_organizations
    edit_view_class = OrganizationEditView
    list_display = ["name", "timezone", "min_group_size"]
    inspect_view_fields = ["name", "slug", "timezone", "min_group_size"]
    base_form_class = OrganizationForm
    fields = ["name", "timezone", "min_group_size"]


class SiteViewSet(OrganizationScopedViewSet):
    model = Site
    name = "workforce_site"
    url_prefix = "workforce/sites"
    icon = "home"
    scope = selectors.visible_sites
    fields = ["name", "slug"]
    list_display = ["name", "slug"]
    search_fields = ["name"]


class TeamViewSet(OrganizationScopedViewSet):
    model = Team
    name = "workforce_team"
    url_prefix = "workforce/teams"
    icon = "group"
    scope = selectors.visible_teams
    fields = ["site", "name", "slug"]
    list_display = ["name", "site", "slug"]
    search_fields = ["name", "site__name"]
    filterset_class = TeamFilterSet
    inspect_view_fields = ["name", "site", "slug"]


class JobRoleViewSet(OrganizationScopedViewSet):
    model = JobRole
    name = "workforce_jobrole"
    url_prefix = "workforce/job-roles"
    icon = "tag"
    scope = selectors.visible_job_roles
    fields = ["name", "slug"]
    list_display = ["name", "slug"]
    search_fields = ["name"]


class StaffMemberCreateView(ScopedCreateView):
    def save_instance(self):
        instance = staff.staff_member_create(staff_member=self.form.save(commit=False))
        self.form.save_m2m()
        return instance


class StaffMemberViewSet(OrganizationScopedViewSet):
    model = StaffMember
    name = "workforce_staffmember"
    url_prefix = "workforce/people"
    icon = "user"
    scope = selectors.visible_staff
    add_view_class = StaffMemberCreateView
    base_form_class = StaffMemberForm
    fields = [
        "employee_id",
        "full_name",
        "email",
        "phone",
        "site",
        "team",
        "job_role",
        "employment_type",
        "fte",
        "hire_date",
        "termination_date",
        "termination_reason",
    ]
    list_display = [
        "full_name",
        "employee_id",
        "site",
        "team",
        "job_role",
        "hire_date",
        "termination_date",
    ]
    search_fields = ["full_name", "employee_id", "email"]
    filterset_class = StaffMemberFilterSet


def _team_history(user):
    return TeamMembership.objects.filter(
        staff_member__in=selectors.visible_staff(user)
    ).select_related("staff_member", "team__site")


class TeamMembershipViewSet(OrganizationScopedViewSet):
    """Team history, read only: transfers write it (see workforce.roster)."""

    model = TeamMembership
    name = "workforce_teammembership"
    url_prefix = "workforce/team-history"
    icon = "history"
    menu_label = _("Team history")
    scope = _team_history
    fields = ["staff_member", "team", "start_date", "end_date"]
    list_display = ["staff_member", "team", "start_date", "end_date"]
    search_fields = ["staff_member__full_name", "staff_member__employee_id"]
    filterset_class = TeamMembershipFilterSet


# --- Logins of the organization --------------------------------------------------


class OrganizationUserPolicy(BasePermissionPolicy):
    """Owner and HR manage their organization's logins.

    Deliberately not ``workforce.*_user`` Django permissions: those would also
    open Wagtail's own user admin, which spans every organization.
    """

    def user_has_permission(self, user, action):
        return selectors.can_manage_organization(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return (
            self.user_has_permission(user, action)
            and instance.organization_id == user.organization_id
        )

    def users_with_any_permission(self, actions):
        return User.objects.filter(
            is_active=True,
            organization__isnull=False,
            role__in=[Role.OWNER, Role.HR],
        )


organization_user_policy = OrganizationUserPolicy(User)


def organization_logins(user):
    if not selectors.can_manage_organization(user):
        return User.objects.none()
    users = User.objects.filter(
        organization_id=user.organization_id, is_superuser=False
    )
    if user.role != Role.OWNER:
        # Only an owner may see to an owner's login.
        users = users.exclude(role=Role.OWNER)
    return users


class OrganizationUserPolicyMixin:
    @property
    def permission_policy(self):
        return organization_user_policy


class OrganizationUserEditView(ScopedEditView):
    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        # Owners only (HR edits logins too, but may not reset a second factor).
        if mfa_resettable_users(self.request.user).filter(pk=self.object.pk).exists():
            buttons.append(
                Button(
                    _("Reset two-step sign-in"),
                    url=reverse("workforce:mfa_reset_confirm", args=[self.object.pk]),
                    icon_name="key",
                    priority=40,
                )
            )
        return buttons


class OrganizationUserDeleteView(ScopedDeleteView):
    def dispatch(self, request, *args, **kwargs):
        if self.object == request.user:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


LOGIN_FIELDS = [
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "role",
    "managed_sites",
    "led_teams",
    "staff_member",
]


class OrganizationUserViewSet(OrganizationScopedViewSet):
    model = User
    name = "workforce_user"
    url_prefix = "workforce/users"
    icon = "user"
    menu_label = _("Users")
    scope = organization_logins
    view_mixins = (OrganizationUserPolicyMixin,)
    edit_view_class = OrganizationUserEditView
    delete_view_class = OrganizationUserDeleteView
    list_display = ["username", "first_name", "last_name", "role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    filterset_class = UserFilterSet
    base_form_class = OrganizationUserForm
    fields = [*LOGIN_FIELDS, "new_password", "new_password_again"]
    inspect_view_fields = [*LOGIN_FIELDS, "last_login"]
    widgets = {
        "managed_sites": forms.CheckboxSelectMultiple,
        "led_teams": forms.CheckboxSelectMultiple,
    }
    # Wagtail's user admin registers the model's URL finder and permissions.
    add_to_reference_index = False

    @property
    def menu_item_class(self):
        class OrganizationUserMenuItem(MenuItem):
            def is_shown(self, request):
                return organization_user_policy.user_has_permission(
                    request.user, "change"
                )

        return OrganizationUserMenuItem

    def register_admin_url_finder(self):
        pass

    def register_permissions(self):
        pass


class WorkforceGroup(ModelViewSetGroup):
    menu_label = _("Workforce")
    menu_icon = "group"
    menu_order = 200
    submenu_hook = "register_workforce_menu_item"
    items = (
        OrganizationViewSet,
        SiteViewSet,
        TeamViewSet,
        JobRoleViewSet,
        StaffMemberViewSet,
        TeamMembershipViewSet,
        OrganizationUserViewSet,
    )


@hooks.register("register_admin_viewset")
def register_workforce_viewsets():
    return WorkforceGroup()


class RosterImportMenuItem(MenuItem):
    def is_shown(self, request):
        return selectors.can_manage_organization(request.user)


@hooks.register("register_workforce_menu_item")
def register_roster_import_menu_item():
    return RosterImportMenuItem(
        _("Roster import"),
        reverse_lazy("workforce:roster_import"),
        name="roster-import",
        icon_name="upload",
        order=900,
    )


@hooks.register("construct_settings_menu")
def hide_user_admin_from_non_superusers(request, menu_items):
    # Wagtail's own user and group admin spans every organization and can
    # grant superuser: only superusers get it, whatever else they may do.
    if not request.user.is_superuser:
        menu_items[:] = [
            item for item in menu_items if item.name not in {"users", "groups"}
        ]
