"""Direct capture: a QR code per site or team, and the one-question page behind it.

A capture point is a random token printed on a poster. Revoking it retires the
code at once (the page answers "no longer in use"); a new point gets a new
token. An answer is stored as a score for the point's site or team dated today
in the organization's time zone, with channel ``qr``: no time of day, no
address, no device. A comment is kept only while the organization collects
comments, and then only in PatientComment (seen by owner and HR).
"""

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from reports.models import (
    PatientCapturePoint,
    PatientComment,
    PatientFeedback,
    PatientFeedbackSettings,
)
from workforce.models import Organization, Role, Site, Team
from workforce.roster import organization_today
from workforce.selectors import can_manage_organization, visible_sites

CAPTURE_CHANNEL = "qr"
COMMENT_MAX_LENGTH = 1000
POSTER_ROLES = (Role.OWNER, Role.HR, Role.SITE_MANAGER)


def feedback_settings(organization: Organization) -> PatientFeedbackSettings:
    """The organization's settings, or the defaults (unsaved) if never changed."""
    current = PatientFeedbackSettings.objects.filter(organization=organization).first()
    return current or PatientFeedbackSettings(organization=organization)


def feedback_settings_update(
    *, organization: Organization, collect_comments: bool
) -> PatientFeedbackSettings:
    settings, _created = PatientFeedbackSettings.objects.update_or_create(
        organization=organization, defaults={"collect_comments": collect_comments}
    )
    return settings


def poster_sites(user) -> QuerySet[Site]:
    """Sites whose posters the user may print: owner and HR all, a site manager
    theirs, nobody else."""
    if user.role not in POSTER_ROLES:
        return Site.objects.none()
    return visible_sites(user)


def capture_points_for(user) -> QuerySet[PatientCapturePoint]:
    return PatientCapturePoint.objects.filter(
        site__in=poster_sites(user).values("pk")
    ).select_related("site", "team")


def capture_point_create(
    *, site: Site, team: Team | None = None, created_by=None
) -> PatientCapturePoint:
    """The live point for the site (or team), made if there is none."""
    if team is not None and team.site_id != site.pk:
        raise ValueError("the team belongs to another site")
    live = PatientCapturePoint.objects.filter(
        site=site, team=team, revoked_at__isnull=True
    )
    point = live.first()
    if point is not None:
        return point
    try:
        with transaction.atomic():
            return PatientCapturePoint.objects.create(
                organization_id=site.organization_id,
                site=site,
                team=team,
                created_by=created_by,
            )
    except IntegrityError:
        # Someone made it at the same moment: theirs is the live one.
        return live.get()


def capture_point_revoke(*, point: PatientCapturePoint) -> bool:
    """Retire a point's code; False if it was already revoked."""
    return bool(
        PatientCapturePoint.objects.filter(pk=point.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
    )


def live_capture_point(token: str) -> PatientCapturePoint | None:
    return (
        PatientCapturePoint.objects.filter(token=token, revoked_at__isnull=True)
        .select_related("organization", "site", "team")
        .first()
    )


def collects_comments(point: PatientCapturePoint) -> bool:
    return feedback_settings(point.organization).collect_comments


def feedback_submit(
    *, point: PatientCapturePoint, score: int, comment: str = ""
) -> PatientFeedback:
    """Store one answer given through ``point``; the comment only if collected."""
    if not 0 <= score <= 10:
        raise ValueError("score must be 0-10")
    day = organization_today(point.organization)
    comment = comment.strip()[:COMMENT_MAX_LENGTH]
    with transaction.atomic():
        feedback = PatientFeedback.objects.create(
            site_id=point.site_id,
            team_id=point.team_id,
            date=day,
            score=score,
            channel=CAPTURE_CHANNEL,
        )
        if comment and collects_comments(point):
            PatientComment.objects.create(
                organization_id=point.organization_id,
                site_id=point.site_id,
                team_id=point.team_id,
                date=day,
                score=score,
                text=comment,
            )
    return feedback


def comments_for(user) -> QuerySet[PatientComment]:
    """Patient comments: owner and HR of the organization only."""
    if not can_manage_organization(user):
        return PatientComment.objects.none()
    return PatientComment.objects.filter(
        organization_id=user.organization_id
    ).select_related("site", "team")
