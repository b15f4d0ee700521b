"""Background work for recognition: telling a nominee they were recognised."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from .dates import organization_today
from .models import Recognition, RecognitionStatus


@shared_task(name="recognition.notify_nominee")
def recognition_notify_nominee(recognition_id: int) -> bool:
    """Email the nominee once about an approved recognition; safe to run twice.

    The row is claimed by setting ``notified_on`` in one UPDATE, so a repeated
    or concurrent run finds nothing to do. Returns whether an email was sent.
    """
    recognition = (
        Recognition.objects.select_related("nominee", "value", "organization")
        .filter(pk=recognition_id, status=RecognitionStatus.APPROVED)
        .first()
    )
    if recognition is None or not recognition.nominee.email:
        return False
    claimed = Recognition.objects.filter(
        pk=recognition_id, notified_on__isnull=True
    ).update(notified_on=organization_today(recognition.organization))
    if not claimed:
        return False
    try:
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("You have been recognised for “%(value)s”") % {
                "value": recognition.value.name
            }
            body = render_to_string(
                "recognition/email/recognised.txt", {"recognition": recognition}
            )
        send_mail(
            subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [recognition.nominee.email],
        )
    except Exception:
        # Give the claim back so a retry can send it.
        Recognition.objects.filter(pk=recognition_id).update(notified_on=None)
        raise
    return True
