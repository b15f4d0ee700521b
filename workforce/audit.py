"""The one way to write the audit log (workforce.models.AuditEvent)."""

from __future__ import annotations

from workforce.models import AuditEvent, Organization, User


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
