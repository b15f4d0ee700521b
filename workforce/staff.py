"""Writes for single staff records made outside the roster import."""

from django.db import transaction

from .models import StaffMember, TeamMembership


def staff_member_create(*, staff_member: StaffMember) -> StaffMember:
    """Save a new staff record with its first team spell, as the roster import does.

    ``staff_member`` is unsaved and already carries its organization.
    """
    staff_member.full_clean()
    with transaction.atomic():
        staff_member.save()
        TeamMembership.objects.create(
            staff_member=staff_member,
            team=staff_member.team,
            start_date=staff_member.hire_date,
            end_date=staff_member.termination_date,
        )
    return staff_member
