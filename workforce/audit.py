"""The one way to write the audit log (workforce.models.AuditEvent)."""

from __future__ import annotations

from workforce.models import AuditEvent, Organization, Role, User


def audit_record(
    *,
    organization: Organization,
    actor: User | None,
    action: str,
    target: str,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. ``target`` names the thing ("Flywheel report 2026-10")."""
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_name=actor.get_username() if actor else "system",
        action=action,
        target=target[:255],
        detail=detail or {},
    )


def audit_events_visible(user: User):
    """Events ``user`` may read: an owner's organization's; every one for a superuser.

    HR, managers and staff read none: the trail records what HR and managers do.
    """
    events = AuditEvent.objects.select_related("organization")
    if user.is_authenticated and user.is_superuser:
        return events
    if (
        user.is_authenticated
        and user.is_active
        and user.organization_id
        and user.role == Role.OWNER
    ):
        return events.filter(organization_id=user.organization_id)
    return events.none()


def can_read_audit_log(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_superuser or (user.organization_id and user.role == Role.OWNER))
    )
