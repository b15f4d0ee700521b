"""Expiry reminders: the right ones, to the right people, exactly once."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from tests.factories import UserFactory
from tests.workforce.training.conftest import NOW
from tests.workforce.training.factories import CompletionFactory
from workforce.models import Role
from workforce.training import reminders
from workforce.training.models import ReminderThreshold, TrainingReminder
from workforce.training.reminders import (
    CLAIM_TIMEOUT,
    reminders_send_due,
    threshold_for,
)
from workforce.training.tasks import training_send_reminders

D = datetime.date


@pytest.mark.parametrize(
    ("left", "threshold"),
    [
        (91, None),
        (90, 90),
        (61, 90),
        (60, 60),
        (31, 60),
        (30, 30),
        (1, 30),
        (0, 0),
        (-7, 0),
        (-8, None),
        (None, None),
    ],
)
def test_threshold_bands(left, threshold):
    assert threshold_for(left) == threshold


def _sent(world):
    """{(completion key, threshold)} of the reminders marked sent."""
    keys = {c.pk: key for key, c in world["completions"].items()}
    return {
        (keys[r.completion_id], r.threshold)
        for r in TrainingReminder.objects.filter(status=TrainingReminder.Status.SENT)
    }


def test_due_reminders_on_the_worlds_today(world):
    # ann's BLS: 30 days; ann's HIPAA: expired yesterday (catch-up);
    # bob's BLS: 31 days; cat's BLS: 90 days (the expired original is
    # superseded by the renewal); cat's HIPAA: 91 days, not yet.
    result = reminders_send_due(organization=world["org"], now=NOW)

    assert _sent(world) == {
        ("ann_bls", ReminderThreshold.DAYS_30),
        ("ann_hipaa", ReminderThreshold.ON_EXPIRY),
        ("bob_bls", ReminderThreshold.DAYS_60),
        ("cat_bls", ReminderThreshold.DAYS_90),
    }
    assert (result.sent, result.skipped, result.failed) == (4, 0, 0)
    assert len(mail.outbox) == 4


def test_reminder_goes_to_the_person_with_their_leads_copied(world):
    lead = world["users"][Role.TEAM_LEAD]  # leads team A1
    second_lead = UserFactory(
        organization=world["org"], role=Role.TEAM_LEAD, led_teams=[world["team_a1"]]
    )
    # Leads of other teams, and inactive leads, are not told.
    UserFactory(
        organization=world["org"], role=Role.TEAM_LEAD, led_teams=[world["team_a2"]]
    )
    UserFactory(
        organization=world["org"],
        role=Role.TEAM_LEAD,
        led_teams=[world["team_a1"]],
        is_active=False,
    )
    reminders_send_due(organization=world["org"], now=NOW)

    message = next(m for m in mail.outbox if "HIPAA" in m.subject)
    assert message.to == [world["ann"].email]
    assert sorted(message.cc) == sorted([lead.email, second_lead.email])
    assert message.subject == "HIPAA has expired for Ann Archer"
    assert "expired on 2025-05-31" in message.body
    assert "/training/me/" in message.body
    soon = next(
        m for m in mail.outbox if m.to == [world["ann"].email] and m is not message
    )
    assert soon.subject == "BLS/CPR expires in 30 days for Ann Archer"
    reminder = TrainingReminder.objects.get(
        completion=world["completions"]["ann_hipaa"]
    )
    assert reminder.recipient_count == 3


def test_without_an_address_the_leads_get_it(world):
    world["ann"].email = ""
    world["ann"].save()
    lead = world["users"][Role.TEAM_LEAD]
    reminders_send_due(organization=world["org"], now=NOW)
    message = next(m for m in mail.outbox if "HIPAA" in m.subject)
    assert message.to == [lead.email] and message.cc == []
    assert "no email address on file" in message.body


def test_running_twice_sends_each_reminder_once(world):
    reminders_send_due(organization=world["org"], now=NOW)
    first = len(mail.outbox)
    second = reminders_send_due(
        organization=world["org"], now=NOW + datetime.timedelta(minutes=1)
    )
    assert len(mail.outbox) == first == 4
    assert (second.sent, second.skipped) == (0, 4)
    assert TrainingReminder.objects.count() == 4


def test_the_beat_task_twice_sends_once(world):
    assert training_send_reminders.delay().get()["sent"] == 4
    assert training_send_reminders.delay().get() == {
        "sent": 0,
        "skipped": 4,
        "failed": 0,
    }
    assert len(mail.outbox) == 4


def test_next_band_sends_the_next_reminder(world, now_is):
    reminders_send_due(organization=world["org"], now=NOW)
    mail.outbox.clear()
    # A day later bob's BLS is 30 days away and cat's HIPAA 90: one reminder
    # each, however often the task runs; the others stay in their band.
    later = now_is(NOW + datetime.timedelta(days=1))
    reminders_send_due(organization=world["org"], now=later)
    reminders_send_due(organization=world["org"], now=later)
    assert sorted(m.subject for m in mail.outbox) == [
        "BLS/CPR expires in 30 days for Bob Baker",
        "HIPAA expires in 90 days for Cat Cole",
    ]


class WorkerDied(BaseException):
    """What a killed worker looks like from inside: nothing after it runs."""


def test_crash_between_claim_and_send_is_retried_once(world, monkeypatch):
    completion = world["completions"]["ann_hipaa"]
    real_send = reminders.EmailMessage.send

    def die(self, *args, **kwargs):
        raise WorkerDied

    monkeypatch.setattr(reminders.EmailMessage, "send", die)
    with pytest.raises(WorkerDied):
        reminders.reminder_send(
            completion=completion,
            threshold=ReminderThreshold.ON_EXPIRY,
            today=D(2025, 6, 1),
            now=NOW,
        )
    claim = TrainingReminder.objects.get(completion=completion)
    assert claim.status == TrainingReminder.Status.CLAIMED
    assert len(mail.outbox) == 0
    monkeypatch.setattr(reminders.EmailMessage, "send", real_send)

    # Soon after (e.g. the task redelivered), the claim may still be live:
    # nothing is sent for it.
    soon = NOW + CLAIM_TIMEOUT - datetime.timedelta(seconds=1)
    reminders_send_due(organization=world["org"], now=soon)
    assert not [m for m in mail.outbox if "HIPAA" in m.subject]

    # Once the claim is stale the next run takes it over and sends, once.
    later = NOW + CLAIM_TIMEOUT + datetime.timedelta(seconds=1)
    reminders_send_due(organization=world["org"], now=later)
    reminders_send_due(organization=world["org"], now=later)
    reminders_send_due(organization=world["org"], now=later + CLAIM_TIMEOUT * 2)
    assert len([m for m in mail.outbox if "HIPAA" in m.subject]) == 1
    claim.refresh_from_db()
    assert claim.status == TrainingReminder.Status.SENT
    assert claim.attempts == 2
    assert claim.sent_at is not None


def test_a_failed_send_gives_the_claim_back(world, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(reminders.EmailMessage, "send", refuse)
    result = reminders_send_due(organization=world["org"], now=NOW)
    assert (result.sent, result.failed) == (0, 4)
    assert not TrainingReminder.objects.exists()

    monkeypatch.undo()
    retry = reminders_send_due(organization=world["org"], now=NOW)
    assert retry.sent == 4
    assert len(mail.outbox) == 4


def test_a_sent_reminder_is_never_taken_over(world):
    reminders_send_due(organization=world["org"], now=NOW)
    much_later = NOW + datetime.timedelta(hours=5)
    assert (
        reminders.reminder_claim(
            completion_id=world["completions"]["ann_bls"].pk,
            threshold=ReminderThreshold.DAYS_30,
            now=much_later,
        )
        is None
    )


def test_no_reminders_for_leavers_renewed_or_never_expiring(world, now_is):
    bob = world["bob"]
    bob.termination_date, bob.termination_reason = D(2025, 6, 1), "voluntary"
    bob.save()
    # ann renewed HIPAA yesterday: the expired one is superseded.
    CompletionFactory(
        staff_member=world["ann"],
        course=world["hipaa"],
        completed_on=D(2025, 5, 31),
        expires_on=D(2026, 5, 31),
    )
    reminders_send_due(organization=world["org"], now=NOW)
    assert _sent(world) == {
        ("ann_bls", ReminderThreshold.DAYS_30),
        ("cat_bls", ReminderThreshold.DAYS_90),
    }


def test_reminders_use_the_organizations_date(world):
    # 03:30 UTC on 1 July is still 30 June in New York: ann's BLS (last day
    # 1 July) is 1 day away, not expiring today.
    moment = datetime.datetime(2025, 7, 1, 3, 30, tzinfo=datetime.UTC)
    reminders_send_due(organization=world["org"], now=moment)
    assert ("ann_bls", ReminderThreshold.DAYS_30) in _sent(world)
    assert ("ann_bls", ReminderThreshold.ON_EXPIRY) not in _sent(world)
    later = datetime.datetime(2025, 7, 1, 4, 30, tzinfo=datetime.UTC)
    reminders_send_due(organization=world["org"], now=later)
    assert ("ann_bls", ReminderThreshold.ON_EXPIRY) in _sent(world)
    assert any(m.subject == "BLS/CPR expires today for Ann Archer" for m in mail.outbox)


def _race(target, count=2):
    barrier = threading.Barrier(count)
    errors = []

    def run():
        try:
            barrier.wait(timeout=10)
            target()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every write on one file lock: no real race")
    _race(lambda: reminders_send_due(organization=world["org"], now=NOW))
    assert len(mail.outbox) == 4
    assert (
        TrainingReminder.objects.filter(status=TrainingReminder.Status.SENT).count()
        == 4
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_racing_for_a_stale_claim_send_once(world):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes every write on one file lock: no real race")
    completion = world["completions"]["ann_hipaa"]
    TrainingReminder.objects.create(
        completion=completion,
        threshold=ReminderThreshold.ON_EXPIRY,
        claimed_at=NOW - CLAIM_TIMEOUT * 2,
    )
    _race(
        lambda: reminders.reminder_send(
            completion=completion,
            threshold=ReminderThreshold.ON_EXPIRY,
            today=D(2025, 6, 1),
            now=NOW,
        )
    )
    assert len(mail.outbox) == 1
    claim = TrainingReminder.objects.get(completion=completion)
    assert (claim.status, claim.attempts) == (TrainingReminder.Status.SENT, 2)
