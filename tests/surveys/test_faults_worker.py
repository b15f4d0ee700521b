"""A Celery worker killed with SIGKILL in the middle of sending reminders.

A real worker process sends a round's reminders through a slow file-backed
provider; it is killed while a message is in the provider's hands. A second
worker, once the dead one's lease has expired, finishes the job (as the hourly
``pulse_tick`` would queue it again). Each invitee must be reminded exactly once.
"""

import datetime

import pytest
from django.utils import timezone

from surveys import sms
from surveys.invitations import reminders_send
from surveys.models import Channel, Invitation
from tests.faults import celery_subprocess_worker, wait_for  # noqa: F401
from tests.surveys.delivery import launched_round

SEND_DELAY_SECONDS = 1.5
LEASE_SECONDS = 3


def _recipients(records):
    return sorted(to for record in records for to in record["to"])


@pytest.mark.fault
@pytest.mark.postgres
@pytest.mark.redis
def test_killed_worker_mid_reminders_each_reminder_sent_exactly_once(
    celery_subprocess_worker,  # noqa: F811 (the fixture, imported above)
    org_world,
):
    round_ = launched_round(org_world)
    reminded = round_.invitations.exclude(channel=Channel.PRINTED)
    reminded.update(sent_at=timezone.now())
    expected = sorted(
        invitation.staff_member.email or sms.e164(invitation.staff_member.phone)
        for invitation in reminded.select_related("staff_member")
    )
    assert len(expected) == 8
    outbox = celery_subprocess_worker.outbox
    first = celery_subprocess_worker(
        FAULT_SEND_DELAY_SECONDS=SEND_DELAY_SECONDS,
        SURVEY_DELIVERY_LEASE_SECONDS=LEASE_SECONDS,
    )

    celery_subprocess_worker.send(
        "surveys.tasks.round_send_reminders", round_.pk, when_due=False
    )
    # Two reminders out, a third in the provider's hands: kill the worker there.
    wait_for(
        lambda: len(outbox.sent()) >= 2 and len(outbox.attempts()) > len(outbox.sent()),
        timeout=40,
        what="the worker to be in the middle of a send",
        interval=0.05,
    )
    first.kill9()

    sent_before = outbox.sent()
    assert 2 <= len(sent_before) < len(expected)
    in_flight = Invitation.objects.filter(
        round=round_, reminded_at__isnull=True, delivery_lease_until__isnull=False
    )
    assert in_flight.count() == 1, "the killed send should be leased, not recorded"
    assert Invitation.objects.filter(
        round=round_, reminded_at__isnull=False
    ).count() == len(sent_before)

    lease_until = in_flight.get().delivery_lease_until
    wait_for(
        lambda: timezone.now() > lease_until + datetime.timedelta(milliseconds=100),
        timeout=LEASE_SECONDS + 5,
        what="the dead worker's lease to expire",
    )
    celery_subprocess_worker(SURVEY_DELIVERY_LEASE_SECONDS=LEASE_SECONDS)
    result = celery_subprocess_worker.send(
        "surveys.tasks.round_send_reminders", round_.pk, when_due=False
    )
    result.get(timeout=40)

    assert _recipients(outbox.sent()) == expected
    assert not Invitation.objects.filter(
        round=round_, channel__in=[Channel.EMAIL, Channel.SMS], reminded_at=None
    ).exists()
    assert not Invitation.objects.filter(delivery_lease_until__isnull=False).exists()


def test_a_live_lease_keeps_another_run_off_the_invitation(org_world, mailoutbox):
    round_ = launched_round(org_world)
    round_.invitations.exclude(channel=Channel.PRINTED).update(sent_at=timezone.now())
    busy = round_.invitations.filter(channel=Channel.EMAIL).first()
    busy.delivery_lease_until = timezone.now() + datetime.timedelta(minutes=5)
    busy.save()

    result = reminders_send(round_=round_)

    assert result.sent == 7
    assert result.already_done == 1
    assert busy.staff_member.email not in [m.to[0] for m in mailoutbox]
    busy.refresh_from_db()
    assert busy.reminded_at is None


def test_an_expired_lease_is_taken_over_and_sent_once(org_world, mailoutbox):
    round_ = launched_round(org_world)
    round_.invitations.exclude(channel=Channel.PRINTED).update(sent_at=timezone.now())
    stale = round_.invitations.filter(channel=Channel.EMAIL).first()
    stale.delivery_lease_until = timezone.now() - datetime.timedelta(seconds=1)
    stale.save()

    assert reminders_send(round_=round_).sent == 8
    assert reminders_send(round_=round_).sent == 0

    assert [m.to[0] for m in mailoutbox].count(stale.staff_member.email) == 1
    stale.refresh_from_db()
    assert stale.reminded_at is not None
    assert stale.delivery_lease_until is None
