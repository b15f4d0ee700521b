import logging

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail.backends.base import BaseEmailBackend

from surveys import sms, tokens
from surveys.invitations import (
    code_entry_url,
    invitations_send,
    reminders_send,
    respond_url,
)
from surveys.models import Channel, Invitation
from surveys.services import round_close
from tests.surveys.delivery import answer_as, code_of, invitation_of, launched_round


class RefusingEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("smtp down")


@pytest.fixture(autouse=True)
def _sms_outbox(settings):
    settings.SURVEY_SMS_BACKEND = "surveys.sms.LocmemBackend"
    settings.SITE_URL = "https://survey.example.org/"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def round_(org_world):
    return launched_round(org_world)


def _codes(round_):
    return [code_of(inv) for inv in Invitation.objects.filter(round=round_)]


def test_email_and_sms_go_out_once_even_when_sent_twice(round_):
    first = invitations_send(round_=round_)
    assert (first.sent, first.already_done, first.failed, first.printed) == (8, 0, 0, 1)
    assert len(mail.outbox) == 7
    assert len(sms.outbox) == 1

    second = invitations_send(round_=round_)
    assert (second.sent, second.already_done) == (0, 8)
    assert len(mail.outbox) == 7
    assert len(sms.outbox) == 1
    sent = Invitation.objects.filter(round=round_, sent_at__isnull=False)
    assert set(sent.values_list("channel", flat=True)) == {Channel.EMAIL, Channel.SMS}
    printed = invitation_of(round_, Channel.PRINTED)
    assert printed.sent_at is None


def test_email_is_personal_and_bilingual(round_):
    invitations_send(round_=round_, channel=Channel.EMAIL)
    invitation = invitation_of(round_, Channel.EMAIL)
    code = code_of(invitation)
    message = next(m for m in mail.outbox if m.to == [invitation.staff_member.email])
    link = f"https://survey.example.org/s/t/{code}/"
    assert respond_url(code) == link
    assert link in message.body
    assert tokens.format_code(code) in message.body
    assert code_entry_url() in message.body
    assert "Hello" in message.body and "Hola" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert 'lang="es"' in html
    assert "anonymous" in message.subject and "anónima" in message.subject
    # Nobody else's code is in this message.
    others = set(_codes(round_)) - {code}
    assert not any(other in message.body for other in others)


def test_sms_goes_to_the_e164_number_with_the_link(round_):
    result = invitations_send(round_=round_, channel=Channel.SMS)
    assert result.sent == 1
    assert mail.outbox == []
    (message,) = sms.outbox
    invitation = invitation_of(round_, Channel.SMS)
    assert message.to == "+12125550100"
    assert respond_url(code_of(invitation)) in message.body
    assert "Encuesta" in message.body


def test_invalid_phone_fails_and_is_retried_after_a_fix(round_):
    invitation = invitation_of(round_, Channel.SMS)
    person = invitation.staff_member
    person.phone = "555"
    person.save()
    result = invitations_send(round_=round_, channel=Channel.SMS)
    assert (result.sent, result.failed) == (0, 1)
    invitation.refresh_from_db()
    assert invitation.sent_at is None

    person.phone = "212-555-0199"
    person.save()
    assert invitations_send(round_=round_, channel=Channel.SMS).sent == 1
    assert sms.outbox[0].to == "+12125550199"


def test_refused_email_releases_the_claim(round_, settings, caplog):
    settings.EMAIL_BACKEND = "tests.surveys.test_invitations.RefusingEmailBackend"
    with caplog.at_level(logging.WARNING, logger="surveys.invitations"):
        result = invitations_send(round_=round_, channel=Channel.EMAIL)
    assert (result.sent, result.failed) == (0, 7)
    assert not Invitation.objects.filter(round=round_, sent_at__isnull=False).exists()
    assert "ConnectionRefusedError" in caplog.text

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert invitations_send(round_=round_, channel=Channel.EMAIL).sent == 7


def test_only_open_rounds_send(round_):
    round_close(round_=round_)
    with pytest.raises(ValidationError, match="closed"):
        invitations_send(round_=round_)
    with pytest.raises(ValidationError, match="closed"):
        reminders_send(round_=round_)
    assert mail.outbox == []


def test_reminder_goes_only_to_non_respondents_and_only_once(round_):
    invitations_send(round_=round_)
    mail.outbox.clear()
    sms.outbox.clear()
    respondent = invitation_of(round_, Channel.EMAIL)
    answer_as(respondent)

    first = reminders_send(round_=round_)
    assert (first.sent, first.answered, first.printed) == (7, 1, 1)
    assert len(mail.outbox) == 6
    assert len(sms.outbox) == 1
    recipients = {m.to[0] for m in mail.outbox}
    assert respondent.staff_member.email not in recipients
    assert all("Reminder" in m.subject for m in mail.outbox)
    assert "Recordatorio" in sms.outbox[0].body
    respondent.refresh_from_db()
    assert respondent.reminded_at is None

    second = reminders_send(round_=round_)
    assert (second.sent, second.already_done) == (0, 7)
    assert len(mail.outbox) == 6
    assert len(sms.outbox) == 1


def test_reminders_wait_for_the_invitation(round_):
    result = reminders_send(round_=round_)
    assert result.sent == 0
    assert mail.outbox == []


def test_no_code_or_link_reaches_the_logs(round_, caplog):
    with caplog.at_level(logging.DEBUG):
        invitations_send(round_=round_)
        reminders_send(round_=round_)
    assert "survey invitations for round" in caplog.text
    assert "survey reminders for round" in caplog.text
    for code in _codes(round_):
        assert code not in caplog.text
        assert tokens.format_code(code) not in caplog.text
    assert "/s/t/" not in caplog.text
