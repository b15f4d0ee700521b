"""Erasing a leaver's personal data on request, keeping every figure the same.

What identifies the person goes: name, email, phone and employee id become a
tombstone, their login is deactivated and stripped of name and email, and their
survey invitations lose the nonce from which their personal code (and link) is
derived. What the figures are made of stays: employment dates and reason, team
spells, job role, site and team, so headcount, turnover and released survey
results are computed exactly as before. Survey answers were never linked to the
person, so nothing there changes.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from surveys.models import Invitation

from .audit import audit_record
from .models import AuditEvent, StaffMember, User

TOMBSTONE_NAME = "Erased person"


def is_erased(staff_member: StaffMember) -> bool:
    return staff_member.employee_id == f"erased-{staff_member.pk}"


@transaction.atomic
def staff_member_erase(*, staff_member: StaffMember, actor: User | None) -> StaffMember:
    """Replace ``staff_member``'s personal data with a tombstone; audited.

    Only leavers (with a termination date) can be erased: a current employee's
    record is still needed to run surveys and rosters for them.
    """
    person = StaffMember.objects.select_for_update().get(pk=staff_member.pk)
    if person.termination_date is None:
        raise ValidationError(
            f"{person.full_name} has no termination date: only a leaver's data "
            "can be erased. Record the leaving date first."
        )
    if is_erased(person):
        raise ValidationError("This person's personal data is already erased.")
    person.full_name = f"{TOMBSTONE_NAME} {person.pk}"
    person.email = ""
    person.phone = ""
    person.employee_id = f"erased-{person.pk}"
    person.full_clean()
    person.save(update_fields=["full_name", "email", "phone", "employee_id"])
    accounts = User.objects.filter(staff_member=person)
    for user in accounts:
        user.username = f"erased-user-{user.pk}"
        user.first_name = ""
        user.last_name = ""
        user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save()
    invitations = Invitation.objects.filter(staff_member=person).update(nonce="")
    audit_record(
        organization=person.organization,
        actor=actor,
        action=AuditEvent.Action.DATA_ERASED,
        target=f"Staff member {person.pk}",
        detail={
            "staff_member": person.pk,
            "accounts_deactivated": len(accounts),
            "invitations_cleared": invitations,
        },
    )
    return person
