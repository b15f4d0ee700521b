"""Writes for the second factor: enrol an authenticator, issue backup codes, verify.

Code attempts are throttled per device by django-otp (``ThrottlingMixin``):
after the n-th wrong code in a row the device refuses every code, right or
wrong, for ``OTP_*_THROTTLE_FACTOR * 2 ** (n - 1)`` seconds. Ten wrong codes
lock it for over eight minutes, fifteen for over four hours.
"""

from __future__ import annotations

import re
from base64 import b32encode
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from workforce.audit import audit_record
from workforce.models import AuditEvent, Role, User

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
_NOT_A_CODE_CHARACTER = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Verification:
    """The outcome of one code attempt: the device that accepted it, or why not."""

    device: Device | None
    error: str = ""


def totp_device_for_enrolment(*, user: User) -> TOTPDevice:
    """The user's pending (unconfirmed) authenticator, created on first call.

    Reloading the enrolment page keeps the same secret, so a code from an app
    that already scanned the QR code still works.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )
    return device


def totp_secret_for_display(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def totp_device_confirm(*, device: TOTPDevice, token: str) -> Verification:
    """Confirm a pending authenticator with a code it produced.

    On success the device becomes the user's only confirmed authenticator.
    """
    token = _normalize(token)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        error = _throttle_error(device)
        if error:
            return Verification(None, error)
        if not device.verify_token(token):
            return Verification(None, _wrong_code_message())
        TOTPDevice.objects.filter(user_id=device.user_id).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return Verification(device)


def backup_codes_issue(*, user: User) -> list[str]:
    """Replace the user's backup codes with a fresh set; returns them (shown once).

    Each code works once. Codes are stored as django-otp keeps them; they are
    only ever displayed right after being made.
    """
    with transaction.atomic():
        device, _created = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": BACKUP_DEVICE_NAME, "confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in codes
        )
    return codes


def mfa_verify(*, user: User, token: str) -> Verification:
    """Check a code from the authenticator app, or a one-time backup code.

    Six digits go to the authenticator only and anything else to the backup
    codes only, so a mistyped app code does not also slow down the backup codes.
    """
    token = _normalize(token)
    if not token:
        return Verification(None, _("Enter the code."))
    model = TOTPDevice if token.isdigit() and len(token) <= 8 else StaticDevice
    with transaction.atomic():
        device = (
            model.objects.select_for_update().filter(user=user, confirmed=True).first()
        )
        if device is None:
            if model is StaticDevice:
                return Verification(None, _wrong_code_message())
            return Verification(None, _("No authenticator app is set up."))
        error = _throttle_error(device)
        if error:
            return Verification(None, error)
        if device.verify_token(token):
            return Verification(device)
    return Verification(None, _wrong_code_message())


def mfa_resettable_users(actor: User):
    """Logins whose second factor ``actor`` may reset (see :func:`mfa_reset`).

    A superuser: every organization's logins. An owner: their organization's
    logins, not superusers. Nobody resets their own: a stolen session must
    not be able to swap in another phone. Everyone else: none.
    """
    if not actor.is_authenticated or not actor.is_active:
        return User.objects.none()
    if actor.is_superuser:
        users = User.objects.filter(organization__isnull=False)
    elif actor.organization_id and actor.role == Role.OWNER:
        users = User.objects.filter(
            organization_id=actor.organization_id, is_superuser=False
        )
    else:
        return User.objects.none()
    return users.exclude(pk=actor.pk).select_related("organization")


def can_reset_mfa(actor: User) -> bool:
    """Whether ``actor`` may reset anyone's second factor at all."""
    return bool(
        actor.is_authenticated
        and actor.is_active
        and (actor.is_superuser or (actor.organization_id and actor.role == Role.OWNER))
    )


def mfa_reset(*, user: User, actor: User) -> int:
    """Remove ``user``'s authenticator and backup codes (a lost phone).

    They enrol a new authenticator at their next sign-in; a session they have
    open stops counting as verified at its next request (django-otp finds no
    device). Written to the audit log. Returns the number of devices removed.
    """
    if not mfa_resettable_users(actor).filter(pk=user.pk).exists():
        raise PermissionError(f"{actor} may not reset the second factor of {user}.")
    with transaction.atomic():
        backup_codes = StaticToken.objects.filter(device__user=user).count()
        authenticators, _ = TOTPDevice.objects.filter(user=user).delete()
        backup_devices, _ = StaticDevice.objects.filter(user=user).delete()
        audit_record(
            organization=user.organization,
            actor=actor,
            action=AuditEvent.Action.MFA_RESET,
            target=f"User {user.get_username()}",
            detail={
                "authenticators_removed": authenticators,
                "unused_backup_codes_removed": backup_codes,
            },
        )
    return authenticators + backup_devices


def has_confirmed_device(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _normalize(token: str) -> str:
    return _NOT_A_CODE_CHARACTER.sub("", token or "").lower()


def _wrong_code_message() -> str:
    return _("That code is not right. Check the app and enter the newest code.")


def _throttle_error(device: Device) -> str:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return ""
    failures = (data or {}).get("failure_count", 0)
    wait = device.get_throttle_factor() * (2 ** (failures - 1))
    until = device.throttling_failure_timestamp + timedelta(seconds=wait)
    seconds = max(int((until - timezone.now()).total_seconds()) + 1, 1)
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second and try again.",
        "Too many wrong codes. Wait %(seconds)d seconds and try again.",
        seconds,
    ) % {"seconds": seconds}
