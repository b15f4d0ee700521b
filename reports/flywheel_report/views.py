"""/reports/flywheel/: the reports a user may read, generate one, download one.

Owners and HR see the organization's report and every site's; site managers
only their sites' (``workforce.selectors.visible_sites``); team leads and staff
none. Another scope's report is a 404. Rendering happens in the Celery task,
never in the request; the page refreshes itself while a report renders.
"""

from django import forms
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from reports.flywheel_report.services import flywheel_report_queue
from reports.flywheel_report.storage import report_storage
from reports.health import ReportPeriod
from reports.models import FlywheelReport
from workforce.audit import audit_record
from workforce.models import AuditEvent, Role
from workforce.permissions import role_required
from workforce.recognition.dates import organization_today
from workforce.selectors import visible_sites

REPORT_ROLES = (Role.OWNER, Role.HR, Role.SITE_MANAGER)
REPORTS_SHOWN = 50
ORGANIZATION_SCOPE = ""


def visible_reports(user):
    """Reports ``user`` may read: the organization's for owner and HR, and those
    of the sites they may see."""
    if not user.is_authenticated or user.role not in REPORT_ROLES:
        return FlywheelReport.objects.none()
    reports = FlywheelReport.objects.filter(
        organization_id=user.organization_id, site__in=visible_sites(user)
    )
    if user.role in (Role.OWNER, Role.HR):
        reports = (
            FlywheelReport.objects.filter(organization_id=user.organization_id).filter(
                site__isnull=True
            )
            | reports
        )
    return reports.select_related("site", "organization")


class GenerateForm(forms.Form):
    scope = forms.ChoiceField(label="Scope")
    period = forms.CharField(
        label="Period",
        max_length=7,
        help_text="A month as YYYY-MM (e.g. 2025-03) or a quarter as YYYY-Qn.",
    )
    paper = forms.ChoiceField(
        label="Paper size", choices=FlywheelReport.Paper.choices, initial="a4"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.sites = {str(site.pk): site for site in visible_sites(user)}
        choices = [(str(pk), site.name) for pk, site in self.sites.items()]
        if user.role in (Role.OWNER, Role.HR):
            choices.insert(0, (ORGANIZATION_SCOPE, "Whole organization"))
        self.fields["scope"].choices = choices
        if not self.is_bound:
            today = organization_today(user.organization)
            self.initial["period"] = ReportPeriod.previous_month(today).label

    def clean_period(self):
        try:
            return ReportPeriod.parse(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        return None if scope == ORGANIZATION_SCOPE else self.sites[scope]


def _page(request, form, status=200):
    reports = list(visible_reports(request.user)[:REPORTS_SHOWN])
    rendering = any(
        r.status in (FlywheelReport.Status.QUEUED, FlywheelReport.Status.RENDERING)
        for r in reports
    )
    return render(
        request,
        "reports/flywheel/list.html",
        {"reports": reports, "form": form, "refresh": rendering},
        status=status,
    )


@role_required(*REPORT_ROLES)
def report_list(request):
    return _page(request, GenerateForm(user=request.user))


@require_POST
@role_required(*REPORT_ROLES)
def report_generate(request):
    form = GenerateForm(request.POST, user=request.user)
    if not form.is_valid():
        return _page(request, form, status=400)
    report, queued = flywheel_report_queue(
        organization=request.user.organization,
        site=form.cleaned_data["scope"],
        period=form.cleaned_data["period"],
        paper=form.cleaned_data["paper"],
        requested_by=request.user,
    )
    if queued:
        messages.success(request, f"Report for {report.period_label} queued.")
    else:
        # One report per scope, period and version (exactly once): a request on
        # other paper gets the existing report, and is told so.
        messages.info(
            request,
            f"The report for {report.period_label} already exists "
            f"({report.get_status_display().lower()}, "
            f"{report.get_paper_display()} paper).",
        )
    return redirect("reports:flywheel_reports")


@role_required(*REPORT_ROLES)
def report_download(request, report_id: int):
    report = get_object_or_404(visible_reports(request.user), pk=report_id)
    if report.status != FlywheelReport.Status.DONE or not report.file:
        raise Http404("This report is not ready yet.")
    audit_record(
        organization=report.organization,
        actor=request.user,
        action=AuditEvent.Action.REPORT_VIEWED,
        target=str(report),
        detail={"report_id": report.pk, "period": report.period_label},
    )
    where = report.site.slug if report.site_id else report.organization.slug
    return FileResponse(
        report_storage().open(report.file.name, "rb"),
        as_attachment=True,
        filename=f"flywheel-{where}-{report.period_label}.pdf",
        content_type="application/pdf",
    )
