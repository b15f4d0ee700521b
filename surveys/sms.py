"""Text messages through a pluggable backend, like Django's email backends.

``SURVEY_SMS_BACKEND`` names the class. The console backend (the default) prints
messages for development; the locmem backend keeps them in :data:`outbox` for
tests. A provider backend only needs ``send_messages``.
"""

import sys
import threading
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_BACKEND = "surveys.sms.ConsoleBackend"

# What the locmem backend has "sent", oldest first. Tests clear it.
outbox: list["SmsMessage"] = []


class InvalidPhoneNumber(ValueError):
    """A number that no carrier could deliver to."""


def e164(raw: str, *, region: str | None = None) -> str:
    """``raw`` as an E.164 number (``+12125550123``), or raise InvalidPhoneNumber.

    Numbers without a ``+`` country code are read as numbers of ``region``
    (``SURVEY_SMS_DEFAULT_REGION``, US unless set).
    """
    region = region or getattr(settings, "SURVEY_SMS_DEFAULT_REGION", "US")
    try:
        number = phonenumbers.parse(raw or "", region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"Not a phone number: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhoneNumber("Not a valid phone number for its country.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class SmsMessage:
    """One text message. ``to`` must already be E.164 (see :func:`e164`)."""

    to: str
    body: str

    def __post_init__(self):
        if e164(self.to) != self.to:
            raise InvalidPhoneNumber("The number is not in E.164 form.")


class BaseSmsBackend:
    def __init__(self, fail_silently: bool = False, **kwargs):
        self.fail_silently = fail_silently

    def send_messages(self, messages: list[SmsMessage]) -> int:
        """Send ``messages``; return how many were accepted for delivery."""
        raise NotImplementedError


class ConsoleBackend(BaseSmsBackend):
    """Writes each message to a stream (stdout) instead of sending it.

    Survey texts carry personal links. Outside DEBUG, stdout usually ends up in
    a server's logs, so there only the number and the length are written.
    """

    def __init__(self, *args, stream=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, messages):
        with self._lock:
            for message in messages:
                body = (
                    message.body
                    if settings.DEBUG
                    else f"({len(message.body)} characters withheld: DEBUG is off)"
                )
                self.stream.write(f"SMS to {message.to}\n{body}\n")
                self.stream.write("-" * 40 + "\n")
            self.stream.flush()
        return len(messages)


class LocmemBackend(BaseSmsBackend):
    """Keeps messages in :data:`surveys.sms.outbox`."""

    def send_messages(self, messages):
        outbox.extend(messages)
        return len(messages)


def get_sms_backend(backend: str | None = None, **kwargs) -> BaseSmsBackend:
    """An instance of ``backend`` or of ``SURVEY_SMS_BACKEND``."""
    path = backend or getattr(settings, "SURVEY_SMS_BACKEND", DEFAULT_BACKEND)
    return import_string(path)(**kwargs)
