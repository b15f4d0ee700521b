import pytest
from django.db import DatabaseError, connection, transaction

from workforce.audit import audit_record
from workforce.models import AuditEvent


def test_the_audit_log_is_append_only(org_world):
    owner = org_world["users"]["owner"]
    event = audit_record(
        organization=org_world["org"],
        actor=owner,
        action=AuditEvent.Action.REPORT_VIEWED,
        target="Flywheel report 2026-10",
    )

    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    if connection.vendor == "postgresql":
        # Even SQL that bypasses the model is refused by the database.
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(target="rewritten")
        with pytest.raises(DatabaseError), transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).delete()
    stored = AuditEvent.objects.get()
    assert (stored.target, stored.actor_name) == (
        "Flywheel report 2026-10",
        owner.username,
    )


def test_removing_an_account_keeps_its_trail(org_world):
    owner = org_world["users"]["owner"]
    audit_record(
        organization=org_world["org"],
        actor=owner,
        action=AuditEvent.Action.ROLE_CHANGED,
        target="hr",
    )

    owner.delete()

    assert AuditEvent.objects.get().actor_name == owner.username
