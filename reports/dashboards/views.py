"""Dashboard pages and their CSV/XLSX exports.

Who reaches what: staff get no dashboard (403); a team, site or dashboard the
user may not see is a 404 (scoping is ``workforce.selectors``). Every export is
written to the audit log.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from reports.health import ReportPeriod
from workforce import selectors as scope
from workforce.audit import audit_record
from workforce.models import AuditEvent, Role
from workforce.permissions import MANAGERS, role_required
from workforce.spreadsheets import FORMATS, table_response

from . import organization as org_dashboards
from .tables import Table
from .team import team_dashboard

ALL_TABLES = "all"


@role_required(*MANAGERS)
def dashboard_home(request):
    """Send each role to its own dashboard."""
    user = request.user
    if user.role == Role.TEAM_LEAD:
        teams = list(scope.visible_teams(user).order_by("site__name", "name"))
        if len(teams) == 1:
            return redirect("dashboards:team", team_id=teams[0].pk)
        return render(request, "dashboards/team_list.html", {"teams": teams})
    if user.role == Role.SITE_MANAGER:
        sites = list(scope.visible_sites(user).order_by("name"))
        if len(sites) == 1:
            return redirect("dashboards:site", site_id=sites[0].pk)
        return render(request, "dashboards/site_list.html", {"sites": sites})
    if user.role == Role.HR:
        return redirect("dashboards:hr")
    if user.role == Role.OWNER:
        return redirect("dashboards:owner")
    raise PermissionDenied


def _period(request, organization) -> tuple[ReportPeriod, str]:
    """The ``?period=`` asked for, or the last complete month, and any error."""
    default = org_dashboards.default_period(organization)
    text = request.GET.get("period", "").strip()
    if not text:
        return default, ""
    try:
        return ReportPeriod.parse(text), ""
    except ValueError as error:
        return default, f"{error}. Showing {default.label} instead."


def _organization_page(request, dashboard, period, error, url_name, args):
    query = f"?period={period.label}"
    links = export_links(url_name, args, dashboard.tables())
    for formats in links.values():
        for file_format in formats:
            formats[file_format] += query
    return render(
        request,
        "dashboards/organization.html",
        {
            "dashboard": dashboard,
            "health": dashboard.health,
            "period": period,
            "period_error": error,
            "exports": links,
            "sections": [
                (section, [(table, links[table.slug]) for table in section.tables])
                for section in dashboard.sections
            ],
        },
    )


def _organization(request):
    organization = scope.visible_organizations(request.user).first()
    if organization is None:
        raise PermissionDenied
    return organization


def _organization_dashboard(request, build):
    """(organization, period, period error, dashboard) from ``build`` for the
    user's organization and the asked period."""
    organization = _organization(request)
    period, error = _period(request, organization)
    return organization, period, error, build(organization=organization, period=period)


def _site_dashboard(request, site_id):
    """(site, period, period error, dashboard) for a site the user may see."""
    site = get_object_or_404(
        scope.visible_sites(request.user).select_related("organization"), pk=site_id
    )
    period, error = _period(request, site.organization)
    return site, period, error, org_dashboards.site_dashboard(site=site, period=period)


@role_required(Role.OWNER)
def owner_view(request):
    _org, period, error, dashboard = _organization_dashboard(
        request, org_dashboards.owner_dashboard
    )
    return _organization_page(
        request, dashboard, period, error, "dashboards:owner_export", []
    )


@role_required(Role.OWNER, Role.HR)
def hr_view(request):
    _org, period, error, dashboard = _organization_dashboard(
        request, org_dashboards.hr_dashboard
    )
    return _organization_page(
        request, dashboard, period, error, "dashboards:hr_export", []
    )


@role_required(Role.OWNER, Role.HR, Role.SITE_MANAGER)
def site_view(request, site_id):
    site, period, error, dashboard = _site_dashboard(request, site_id)
    return _organization_page(
        request, dashboard, period, error, "dashboards:site_export", [site.pk]
    )


@role_required(*MANAGERS)
def team_view(request, team_id):
    team = get_object_or_404(scope.visible_teams(request.user), pk=team_id)
    dashboard = team_dashboard(user=request.user, team=team)
    return render(
        request,
        "dashboards/team.html",
        {
            "dashboard": dashboard,
            "exports": export_links(
                "dashboards:team_export", [team.pk], dashboard.tables()
            ),
        },
    )


def export_links(url_name: str, args: list, tables: list[Table]) -> dict:
    """``{table slug: {format: url}}`` plus ``all`` (every table as one XLSX)."""
    links = {
        table.slug: {
            file_format: reverse(url_name, args=[*args, table.slug, file_format])
            for file_format in FORMATS
        }
        for table in tables
    }
    links[ALL_TABLES] = {"xlsx": reverse(url_name, args=[*args, ALL_TABLES, "xlsx"])}
    return links


def _export(request, dashboard, *, table: str, file_format: str, stem, what):
    """The dashboard's chosen table (or every table, XLSX only) as a download,
    audited."""
    tables = dashboard.tables()
    if file_format not in FORMATS:
        raise Http404
    if table == ALL_TABLES and file_format == "xlsx":
        chosen = tables
    else:
        chosen = [t for t in tables if t.slug == table]
    if not chosen:
        raise Http404
    audit_record(
        organization=request.user.organization,
        actor=request.user,
        action=AuditEvent.Action.REPORT_EXPORTED,
        target=f"{what}: {', '.join(t.title for t in chosen)} ({file_format})",
        detail={
            "path": request.path,
            "tables": [t.slug for t in chosen],
            "format": file_format,
        },
    )
    return table_response(f"{stem}-{table}", file_format, [t.sheet() for t in chosen])


@role_required(*MANAGERS)
def team_export(request, team_id, table, file_format):
    team = get_object_or_404(scope.visible_teams(request.user), pk=team_id)
    dashboard = team_dashboard(user=request.user, team=team)
    return _export(
        request,
        dashboard,
        table=table,
        file_format=file_format,
        stem=f"team-{team.slug}-{dashboard.today.isoformat()}",
        what=f"Team dashboard {team.name} – {team.site.name}",
    )


def _period_export(request, dashboard, period, kind, subject, table, file_format):
    """An organization or site dashboard's export, named after ``subject`` (the
    organization or the site) and the period."""
    return _export(
        request,
        dashboard,
        table=table,
        file_format=file_format,
        stem=f"{kind.lower()}-{subject.slug}-{period.label}",
        what=f"{kind} dashboard {subject.name} {period.label}",
    )


@role_required(Role.OWNER)
def owner_export(request, table, file_format):
    organization, period, _error, dashboard = _organization_dashboard(
        request, org_dashboards.owner_dashboard
    )
    return _period_export(
        request, dashboard, period, "Owner", organization, table, file_format
    )


@role_required(Role.OWNER, Role.HR)
def hr_export(request, table, file_format):
    organization, period, _error, dashboard = _organization_dashboard(
        request, org_dashboards.hr_dashboard
    )
    return _period_export(
        request, dashboard, period, "HR", organization, table, file_format
    )


@role_required(Role.OWNER, Role.HR, Role.SITE_MANAGER)
def site_export(request, site_id, table, file_format):
    site, period, _error, dashboard = _site_dashboard(request, site_id)
    return _period_export(request, dashboard, period, "Site", site, table, file_format)
