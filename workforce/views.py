"""Workforce pages: a signed-in user's home, sites, teams and people in scope."""

import datetime
import json

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import roster, selectors
from .audit import audit_events_visible, can_read_audit_log
from .erasure import is_erased, staff_member_erase
from .forms import RosterUploadForm, StaffEraseForm
from .models import AuditEvent, RosterImport
from .permissions import MANAGERS, ORG_ADMINS, role_required
from .spreadsheets import csv_response


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    context = {
        "organization": selectors.visible_organizations(user).first(),
        "site_count": selectors.visible_sites(user).count(),
        "team_count": selectors.visible_teams(user).count(),
        "headcount": selectors.visible_staff(user).active_on(today).count(),
        "can_manage": selectors.can_manage_organization(user),
        # Managers start from their role's dashboard (reports/dashboards).
        "has_dashboard": bool(user.organization_id) and user.role in MANAGERS,
    }
    return render(request, "workforce/home.html", context)


@role_required(*MANAGERS)
def site_list(request):
    today = timezone.localdate()
    sites = selectors.visible_sites(request.user).annotate(
        team_total=Count("teams", distinct=True),
        headcount=Count(
            "staff",
            filter=Q(staff__hire_date__lte=today)
            & (
                Q(staff__termination_date__isnull=True)
                | Q(staff__termination_date__gt=today)
            ),
            distinct=True,
        ),
    )
    return render(request, "workforce/site_list.html", {"sites": sites})


@role_required(*MANAGERS)
def site_detail(request, site_id):
    site = get_object_or_404(selectors.visible_sites(request.user), pk=site_id)
    teams = selectors.visible_teams(request.user).filter(site=site)
    return render(request, "workforce/site_detail.html", {"site": site, "teams": teams})


@role_required(*MANAGERS)
def team_detail(request, team_id):
    team = get_object_or_404(selectors.visible_teams(request.user), pk=team_id)
    today = timezone.localdate()
    members = selectors.visible_staff(request.user).filter(team=team).active_on(today)
    return render(
        request, "workforce/team_detail.html", {"team": team, "members": members}
    )


@role_required(*MANAGERS)
def staff_list(request):
    staff = selectors.visible_staff(request.user)
    query = request.GET.get("q", "").strip()
    if query:
        staff = staff.filter(
            Q(full_name__icontains=query) | Q(employee_id__icontains=query)
        )
    if request.GET.get("include") != "leavers":
        staff = staff.filter(termination_date__isnull=True)
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "workforce/staff_list.html",
        {"page": page, "query": query, "include": request.GET.get("include", "")},
    )


@role_required(*MANAGERS)
def staff_detail(request, staff_id):
    person = get_object_or_404(selectors.visible_staff(request.user), pk=staff_id)
    memberships = person.memberships.select_related("team__site")
    erased = is_erased(person)
    can_erase = (
        request.user.role in ORG_ADMINS
        and person.termination_date is not None
        and not erased
    )
    return render(
        request,
        "workforce/staff_detail.html",
        {
            "person": person,
            "memberships": memberships,
            "erased": erased,
            "can_erase": can_erase,
        },
    )


@role_required(*ORG_ADMINS)
def staff_erase(request, staff_id):
    """Confirm, then erase a leaver's personal data (workforce/erasure.py)."""
    person = get_object_or_404(selectors.visible_staff(request.user), pk=staff_id)
    if is_erased(person):
        messages.info(request, _("This person's personal data is already erased."))
        return redirect("workforce:staff_detail", staff_id=person.pk)
    if person.termination_date is None:
        return render(
            request,
            "workforce/staff_erase_refused.html",
            {"person": person},
            status=409,
        )
    form = StaffEraseForm(request.POST or None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            staff_member_erase(staff_member=person, actor=request.user)
        except ValidationError as error:
            # Erased or re-hired by someone else between the page and the click.
            messages.error(request, " ".join(error.messages))
        else:
            # No name in the message: it is kept in the session until shown.
            messages.success(
                request,
                _(
                    "Personal data erased: name, email, phone, employee id and "
                    "login. Dates, leaving reason and team history are kept."
                ),
            )
        return redirect("workforce:staff_detail", staff_id=person.pk)
    return render(
        request,
        "workforce/staff_erase.html",
        {
            "person": person,
            "form": form,
            "memberships": person.memberships.select_related("team__site"),
        },
        status=400 if form.is_bound else 200,
    )


# --- Roster import: upload → preview → apply → status ------------------------

ERRORS_SHOWN = 1000


def _roster_import_or_404(request, import_id):
    return get_object_or_404(roster.roster_imports_for(request.user), pk=import_id)


@role_required(*ORG_ADMINS)
def roster_import(request):
    organization = request.user.organization
    form = RosterUploadForm(
        request.POST or None,
        request.FILES or None,
        initial={"effective_date": roster.organization_today(organization)},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        record = roster.roster_import_upload(
            organization=organization,
            uploaded_by=request.user,
            filename=upload.name,
            data=upload.read(),
            effective_date=form.cleaned_data["effective_date"],
        )
        return redirect("workforce:roster_import_preview", import_id=record.pk)
    return render(
        request,
        "workforce/roster_import.html",
        {
            "form": form,
            "recent": roster.roster_imports_for(request.user)
            .select_related("uploaded_by")
            .defer("content")[:10],
        },
    )


@role_required(*ORG_ADMINS)
def roster_import_preview(request, import_id):
    record = _roster_import_or_404(request, import_id)
    if record.status not in (
        RosterImport.Status.PREVIEWED,
        RosterImport.Status.INVALID,
    ):
        return redirect("workforce:roster_import_status", import_id=record.pk)
    return render(
        request,
        "workforce/roster_preview.html",
        {
            "record": record,
            "errors": record.errors[:ERRORS_SHOWN],
            "errors_hidden": max(len(record.errors) - ERRORS_SHOWN, 0),
        },
    )


@require_POST
@role_required(*ORG_ADMINS)
def roster_import_apply(request, import_id):
    record = _roster_import_or_404(request, import_id)
    if not roster.roster_import_queue(roster_import=record):
        messages.info(request, _("This import was already applied or queued."))
    return redirect("workforce:roster_import_status", import_id=record.pk)


@role_required(*ORG_ADMINS)
def roster_import_status(request, import_id):
    record = _roster_import_or_404(request, import_id)
    if record.status in (RosterImport.Status.PREVIEWED, RosterImport.Status.INVALID):
        return redirect("workforce:roster_import_preview", import_id=record.pk)
    done, total = roster.roster_import_progress(record)
    return render(
        request,
        "workforce/roster_status.html",
        {
            "record": record,
            "done": done,
            "total": total,
            "errors": record.errors[:ERRORS_SHOWN],
            "errors_hidden": max(len(record.errors) - ERRORS_SHOWN, 0),
        },
    )


@role_required(*ORG_ADMINS)
def roster_import_errors_csv(request, import_id):
    record = _roster_import_or_404(request, import_id)
    if not record.errors:
        raise Http404
    return csv_response(
        f"roster-import-{record.pk}-errors.csv",
        ["row", "column", "message"],
        ([e["row"], e["column"], e["message"]] for e in record.errors),
    )


# --- The audit log: owners (and superusers) only --------------------------------

AUDIT_PAGE_SIZE = 50


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("What"),
        required=False,
        choices=[("", _("Everything"))] + list(AuditEvent.Action.choices),
    )
    start = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=_("Until (inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return cleaned

    def filter(self, events):
        """``events`` narrowed to the choices; dates are in the site's time zone."""
        if not self.is_valid():
            return events.none()
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data["start"]:
            events = events.filter(
                created_at__gte=datetime.datetime.combine(
                    data["start"], datetime.time.min, tzinfo=zone
                )
            )
        if data["end"]:
            events = events.filter(
                created_at__lt=datetime.datetime.combine(
                    data["end"] + datetime.timedelta(days=1),
                    datetime.time.min,
                    tzinfo=zone,
                )
            )
        return events


def _audit_log_allowed(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not can_read_audit_log(request.user):
        raise PermissionDenied
    return None


def _filtered_audit_events(request):
    form = AuditFilterForm(request.GET or None)
    events = audit_events_visible(request.user)
    if request.GET:
        events = form.filter(events)
    return form, events


def audit_log(request):
    """Who viewed or exported which report, and changes to roles, k and data."""
    refused = _audit_log_allowed(request)
    if refused:
        return refused
    form, events = _filtered_audit_events(request)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workforce/audit_log.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "show_organization": request.user.is_superuser,
        },
    )


def audit_log_csv(request):
    """The filtered audit log as CSV (every matching event, not one page)."""
    refused = _audit_log_allowed(request)
    if refused:
        return refused
    _form, events = _filtered_audit_events(request)
    return csv_response(
        f"audit-log-{timezone.localdate():%Y-%m-%d}.csv",
        ["time", "organization", "who", "action", "target", "detail"],
        (
            [
                event.created_at.isoformat(),
                event.organization.name,
                event.actor_name,
                event.get_action_display(),
                event.target,
                json.dumps(event.detail, sort_keys=True, ensure_ascii=False),
            ]
            for event in events.iterator(chunk_size=2000)
        ),
    )
