"""Workforce pages: a signed-in user's home, sites, teams and people in scope."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from . import selectors
from .permissions import MANAGERS, role_required


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
    return render(
        request,
        "workforce/staff_detail.html",
        {"person": person, "memberships": memberships},
    )
