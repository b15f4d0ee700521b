import datetime
import zoneinfo

import pytest
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone

from config.celery import app
from surveys import pulses, sms, tasks
from surveys.models import Channel, Frequency, PulseSchedule, Round, RoundStatus
from surveys.services import round_launch
from surveys.slips import slips_file_path
from tests.factories import RoundFactory, SurveyFactory, SurveyQuestionFactory
from tests.surveys.delivery import answer_as, invitation_of, launched_round

UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SURVEY_SMS_BACKEND = "surveys.sms.LocmemBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def schedule(org_world):
    survey = SurveyFactory(organization=org_world["org"], name="Monthly pulse")
    SurveyQuestionFactory(survey=survey)
    return PulseSchedule.objects.create(
        organization=org_world["org"],
        survey=survey,
        frequency=Frequency.MONTHLY,
        open_days=7,
        reminder_after_days=3,
    )


def _this_month(organization):
    tz = zoneinfo.ZoneInfo(organization.timezone)
    return timezone.localtime(timezone.now(), tz).date().replace(day=1)


def test_tick_twice_creates_one_round_per_period_and_invites_once(schedule):
    before = _this_month(schedule.organization)
    tasks.pulse_tick.delay()
    tasks.pulse_tick.delay()
    after = _this_month(schedule.organization)
    (round_,) = Round.objects.filter(schedule=schedule)
    assert round_.status == RoundStatus.OPEN
    assert round_.period in {before, after}
    assert round_.name.startswith("Monthly pulse – ")
    assert round_.invitations.count() == 9
    assert len(mail.outbox) == 9
    assert not round_.invitations.filter(sent_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("frequency", "moments", "periods"),
    [
        (
            Frequency.MONTHLY,
            [(2026, 10, 5), (2026, 10, 30), (2026, 11, 2)],
            [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1)],
        ),
        (
            Frequency.QUARTERLY,
            [(2026, 10, 5), (2026, 12, 30), (2027, 1, 2)],
            [datetime.date(2026, 10, 1), datetime.date(2027, 1, 1)],
        ),
    ],
)
def test_one_round_per_period(schedule, frequency, moments, periods):
    schedule.frequency = frequency
    schedule.save()
    for year, month, day in moments:
        now = datetime.datetime(year, month, day, 15, tzinfo=UTC)
        pulses.schedule_round_ensure(schedule=schedule, now=now)
        pulses.schedule_round_ensure(schedule=schedule, now=now)
    rounds = Round.objects.filter(schedule=schedule).order_by("period")
    assert [r.period for r in rounds] == periods
    first = rounds[0]
    assert first.status == RoundStatus.SCHEDULED
    assert first.opens_at == datetime.datetime(2026, 10, 5, 15, tzinfo=UTC)
    assert first.closes_at - first.opens_at == datetime.timedelta(days=7)


def test_quarter_names():
    assert pulses.period_label(Frequency.QUARTERLY, datetime.date(2026, 10, 1)) == (
        "Q4 2026"
    )
    assert pulses.period_label(Frequency.MONTHLY, datetime.date(2026, 10, 1)) == (
        "October 2026"
    )


def test_period_follows_the_organization_time_zone(schedule):
    # 03:00 UTC on 1 November is still 31 October in New York.
    schedule.organization.timezone = "America/New_York"
    schedule.organization.save()
    now = datetime.datetime(2026, 11, 1, 3, tzinfo=UTC)
    round_, created = pulses.schedule_round_ensure(schedule=schedule, now=now)
    assert created
    assert round_.period == datetime.date(2026, 10, 1)


def test_race_loser_reads_the_winners_round(schedule, monkeypatch):
    now = datetime.datetime(2026, 10, 5, tzinfo=UTC)
    winner, _ = pulses.schedule_round_ensure(schedule=schedule, now=now)

    def insert_loses_the_race(**kwargs):
        # Our read missed the other worker's row; our insert hits the constraint.
        raise IntegrityError("round_one_per_schedule_period")

    monkeypatch.setattr(Round.objects, "get_or_create", insert_loses_the_race)
    round_, created = pulses.schedule_round_ensure(schedule=schedule, now=now)
    assert not created
    assert round_ == winner


def test_constraint_allows_one_round_per_schedule_period(schedule):
    pulses.schedule_round_ensure(schedule=schedule)
    existing = Round.objects.get(schedule=schedule)
    with pytest.raises(IntegrityError):
        RoundFactory(survey=schedule.survey, schedule=schedule, period=existing.period)


def test_schedule_audience_is_copied(schedule, org_world):
    schedule.sites.set([org_world["site_b"]])
    tasks.pulse_tick.delay()
    round_ = Round.objects.get(schedule=schedule)
    assert list(round_.sites.all()) == [org_world["site_b"]]
    assert set(round_.invitations.values_list("team", flat=True)) == {
        org_world["team_b1"].pk
    }


def test_inactive_schedule_makes_no_round(schedule):
    schedule.active = False
    schedule.save()
    tasks.pulse_tick.delay()
    assert not Round.objects.exists()


def _scheduled_round(org_world, *, opens_in, closes_in):
    now = timezone.now()
    round_ = RoundFactory(
        survey__organization=org_world["org"],
        status=RoundStatus.SCHEDULED,
        opens_at=now + opens_in,
        closes_at=now + closes_in,
    )
    SurveyQuestionFactory(survey=round_.survey)
    return round_


def test_scheduled_round_opens_only_when_its_time_has_come(org_world):
    day = datetime.timedelta(days=1)
    later = _scheduled_round(org_world, opens_in=day, closes_in=8 * day)
    due = _scheduled_round(org_world, opens_in=-day, closes_in=6 * day)
    missed = _scheduled_round(org_world, opens_in=-9 * day, closes_in=-2 * day)
    tasks.pulse_tick.delay()
    statuses = {r.pk: r.status for r in Round.objects.all()}
    assert statuses == {
        later.pk: RoundStatus.SCHEDULED,
        due.pk: RoundStatus.OPEN,
        missed.pk: RoundStatus.SCHEDULED,
    }
    assert len(mail.outbox) == 9
    # A second run of the same task finds nothing left to do.
    assert tasks.round_open.delay(due.pk).get() is False
    assert len(mail.outbox) == 9


def test_open_round_closes_after_closes_at(org_world):
    round_ = launched_round(org_world)
    still_open = launched_round(org_world)
    Round.objects.filter(pk=round_.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    tasks.pulse_tick.delay()
    round_.refresh_from_db()
    still_open.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    assert still_open.status == RoundStatus.OPEN
    assert tasks.round_close_due.delay(round_.pk).get() is False


def test_reminders_after_reminder_days_to_non_respondents_once(org_world):
    round_ = launched_round(org_world)
    tasks.round_send_invitations.delay(round_.pk)
    answer_as(invitation_of(round_, Channel.EMAIL))
    mail.outbox.clear()
    sms.outbox.clear()

    # Two days after launch: too early under the default of three days.
    Round.objects.filter(pk=round_.pk).update(
        launched_at=timezone.now() - datetime.timedelta(days=2)
    )
    tasks.pulse_tick.delay()
    assert mail.outbox == [] and sms.outbox == []

    Round.objects.filter(pk=round_.pk).update(
        launched_at=timezone.now() - datetime.timedelta(days=4)
    )
    tasks.pulse_tick.delay()
    tasks.pulse_tick.delay()
    assert len(mail.outbox) == 6
    assert len(sms.outbox) == 1
    assert all("Reminder" in m.subject for m in mail.outbox)


def test_schedule_reminder_days_apply(schedule):
    schedule.reminder_after_days = 1
    schedule.save()
    tasks.pulse_tick.delay()
    round_ = Round.objects.get(schedule=schedule)
    mail.outbox.clear()
    Round.objects.filter(pk=round_.pk).update(
        launched_at=timezone.now() - datetime.timedelta(days=1, minutes=1)
    )
    tasks.pulse_tick.delay()
    assert len(mail.outbox) == 9


def test_open_rounds_retry_unsent_invitations(org_world):
    round_ = launched_round(org_world)
    assert round_.invitations.filter(sent_at__isnull=True).count() == 9
    tasks.pulse_tick.delay()
    tasks.pulse_tick.delay()
    assert len(mail.outbox) == 7
    assert len(sms.outbox) == 1


def test_tasks_on_missing_ids_do_nothing(db):
    assert tasks.pulse_schedule_tick.delay(999_999).get() is None
    assert tasks.round_open.delay(999_999).get() is False
    assert tasks.round_send_invitations.delay(999_999).get() == 0
    assert tasks.round_send_reminders.delay(999_999).get() == 0
    assert tasks.round_close_due.delay(999_999).get() is False


def test_launch_failure_is_reported_not_raised(org_world, caplog):
    round_ = RoundFactory(
        survey__organization=org_world["org"],
        status=RoundStatus.SCHEDULED,
        opens_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert tasks.round_open.delay(round_.pk).get() is False
    assert "has no questions" in caplog.text
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCHEDULED


def test_beat_schedule_names_registered_tasks(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["surveys-pulse-tick"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == datetime.timedelta(hours=1)


def test_manual_round_launched_already_is_left_alone(org_world):
    round_ = RoundFactory(survey__organization=org_world["org"])
    SurveyQuestionFactory(survey=round_.survey)
    round_launch(round_=round_)
    assert tasks.round_open.delay(round_.pk).get() is False


def test_closing_deletes_prepared_slips(org_world, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path)
    round_ = launched_round(org_world)
    assert tasks.round_slips_render.delay(round_.pk, "printed-letter").get()
    path = slips_file_path(round_id=round_.pk, variant="printed-letter")
    assert path.read_bytes().startswith(b"%PDF")
    Round.objects.filter(pk=round_.pk).update(
        closes_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    tasks.pulse_tick.delay()
    assert not path.exists()
    # A closed round's slips are not prepared again.
    assert tasks.round_slips_render.delay(round_.pk, "printed-letter").get() is False
