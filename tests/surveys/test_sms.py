import io

import pytest

from surveys import sms


def test_e164_normalizes_national_and_international_numbers(settings):
    settings.SURVEY_SMS_DEFAULT_REGION = "US"
    assert sms.e164("(212) 555-0123") == "+12125550123"
    assert sms.e164("+44 7911 123456") == "+447911123456"
    assert sms.e164("612 345 678", region="ES") == "+34612345678"


@pytest.mark.parametrize("raw", ["", "12", "not a number", "+1 212 555 01", "+999 1"])
def test_e164_rejects_what_cannot_be_delivered(raw):
    with pytest.raises(sms.InvalidPhoneNumber):
        sms.e164(raw)


def test_message_requires_e164():
    with pytest.raises(sms.InvalidPhoneNumber):
        sms.SmsMessage(to="212 555 0123", body="hi")
    assert sms.SmsMessage(to="+12125550123", body="hi").to == "+12125550123"


def test_locmem_backend_keeps_messages(settings):
    settings.SURVEY_SMS_BACKEND = "surveys.sms.LocmemBackend"
    sms.outbox.clear()
    backend = sms.get_sms_backend()
    assert isinstance(backend, sms.LocmemBackend)
    sent = backend.send_messages(
        [sms.SmsMessage("+12125550123", "one"), sms.SmsMessage("+12125550124", "two")]
    )
    assert sent == 2
    assert [m.body for m in sms.outbox] == ["one", "two"]
    sms.outbox.clear()


def test_console_backend_is_the_default_and_prints(settings):
    del settings.SURVEY_SMS_BACKEND
    settings.DEBUG = True
    stream = io.StringIO()
    backend = sms.get_sms_backend(stream=stream)
    assert isinstance(backend, sms.ConsoleBackend)
    assert backend.send_messages([sms.SmsMessage("+12125550123", "hello")]) == 1
    assert "SMS to +12125550123\nhello\n" in stream.getvalue()


def test_backend_named_explicitly():
    assert isinstance(
        sms.get_sms_backend("surveys.sms.LocmemBackend"), sms.LocmemBackend
    )


def test_console_backend_withholds_bodies_outside_debug(settings):
    settings.DEBUG = False
    stream = io.StringIO()
    backend = sms.ConsoleBackend(stream=stream)
    backend.send_messages([sms.SmsMessage("+12125550123", "link /s/t/SECRET/")])
    assert "SECRET" not in stream.getvalue()
    assert "SMS to +12125550123" in stream.getvalue()
    assert "17 characters withheld" in stream.getvalue()
