"""Reads that decide who sees what. Every view and export goes through these.

The rule, in one place:
- owner and HR see their whole organization;
- a site manager sees the sites they manage and everything in them;
- a team lead sees the teams they lead;
- staff see no one else's records;
- nobody sees another organization, and a user with no organization sees nothing.
"""

from django.db.models import QuerySet

from .models import JobRole, Organization, Role, Site, StaffMember, Team, User


def _has_org(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and getattr(user, "organization_id", None)
    )


def visible_organizations(user: User) -> QuerySet[Organization]:
    if not _has_org(user):
        return Organization.objects.none()
    return Organization.objects.filter(pk=user.organization_id)


def visible_sites(user: User) -> QuerySet[Site]:
    if not _has_org(user):
        return Site.objects.none()
    sites = Site.objects.filter(organization_id=user.organization_id)
    if user.role in (Role.OWNER, Role.HR):
        return sites
    if user.role == Role.SITE_MANAGER:
        return sites.filter(pk__in=user.managed_sites.values("pk"))
    if user.role == Role.TEAM_LEAD:
        return sites.filter(teams__in=user.led_teams.values("pk")).distinct()
    return Site.objects.none()


def visible_teams(user: User) -> QuerySet[Team]:
    if not _has_org(user):
        return Team.objects.none()
    teams = Team.objects.filter(site__organization_id=user.organization_id)
    if user.role in (Role.OWNER, Role.HR):
        return teams.select_related("site")
    if user.role == Role.SITE_MANAGER:
        return teams.filter(site__in=user.managed_sites.values("pk")).select_related(
            "site"
        )
    if user.role == Role.TEAM_LEAD:
        return teams.filter(pk__in=user.led_teams.values("pk")).select_related("site")
    return Team.objects.none()


def visible_staff(user: User) -> QuerySet[StaffMember]:
    """Staff records the user may see: those currently in a team they can see."""
    if not _has_org(user):
        return StaffMember.objects.none()
    staff = StaffMember.objects.filter(organization_id=user.organization_id)
    if user.role not in (Role.OWNER, Role.HR):
        staff = staff.filter(team__in=visible_teams(user).values("pk"))
    return staff.select_related("site", "team", "job_role")


def visible_job_roles(user: User) -> QuerySet[JobRole]:
    if not _has_org(user) or user.role == Role.STAFF:
        return JobRole.objects.none()
    return JobRole.objects.filter(organization_id=user.organization_id)


def can_manage_organization(user: User) -> bool:
    """Owner and HR run imports and settings for their organization."""
    return _has_org(user) and user.role in (Role.OWNER, Role.HR)
