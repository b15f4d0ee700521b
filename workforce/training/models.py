"""Training and certifications: courses, who must hold them, who has, reminders.

A completion is history: a renewal is a new row, so whether someone was
compliant at the end of any past month can be read back (see selectors). The
rules for when a completion stops counting are in ``expiry.py``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from workforce.models import JobRole, Organization, Site, StaffMember

from .evidence import evidence_file_name, evidence_storage

MAX_VALIDITY_MONTHS = 240


class CourseKind(models.TextChoices):
    COURSE = "course", _("Course")
    CERTIFICATION = "certification", _("Certification")
    LICENCE = "licence", _("Licence or registration")


class Course(models.Model):
    """BLS/CPR, infection control, HIPAA, OSHA, a radiography licence, …"""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="training_courses"
    )
    name = models.CharField(max_length=160)
    kind = models.CharField(
        max_length=20, choices=CourseKind.choices, default=CourseKind.COURSE
    )
    validity_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_VALIDITY_MONTHS)],
        help_text=_(
            "How long a completion counts, in months. Leave empty if it never expires."
        ),
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Imports match course names without regard to case.
            models.UniqueConstraint(
                "organization",
                Lower("name"),
                name="training_course_unique_name_ci",
                violation_error_message=_("There is already a course of that name."),
            ),
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gte=1),
                name="training_course_validity_positive",
            ),
        ]

    def __str__(self):
        return self.name


class Requirement(models.Model):
    """Who must hold ``course``: people in ``job_role`` at ``site``.

    An empty job role means every role; an empty site means every site. A
    person must hold a course if any requirement for it matches them.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="training_requirements"
    )
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="requirements"
    )
    job_role = models.ForeignKey(
        JobRole,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_requirements",
        help_text=_("Leave empty for every job role."),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="training_requirements",
        help_text=_("Leave empty for every site."),
    )

    class Meta:
        ordering = ["course__name", "job_role__name", "site__name"]
        # One constraint per combination of empty fields: NULLs are distinct in a
        # plain unique constraint, and NULLS NOT DISTINCT is PostgreSQL-only.
        constraints = [
            models.UniqueConstraint(
                fields=fields,
                condition=condition,
                name=f"training_requirement_unique_{suffix}",
                violation_error_message=_("This course is already required here."),
            )
            for fields, condition, suffix in (
                (
                    ["course", "job_role", "site"],
                    Q(job_role__isnull=False, site__isnull=False),
                    "role_site",
                ),
                (
                    ["course", "job_role"],
                    Q(job_role__isnull=False, site__isnull=True),
                    "role",
                ),
                (
                    ["course", "site"],
                    Q(job_role__isnull=True, site__isnull=False),
                    "site",
                ),
                (["course"], Q(job_role__isnull=True, site__isnull=True), "all"),
            )
        ]

    def __str__(self):
        return _("%(course)s for %(role)s at %(site)s") % {
            "course": self.course,
            "role": self.job_role or _("every role"),
            "site": self.site or _("every site"),
        }

    def clean(self):
        organization_id = self.organization_id
        for field in ("course", "job_role", "site"):
            related = getattr(self, field, None)
            if related is not None and related.organization_id != organization_id:
                raise ValidationError({field: _("This belongs to another practice.")})

    def applies_to(self, *, job_role_id, site_id) -> bool:
        return (self.job_role_id is None or self.job_role_id == job_role_id) and (
            self.site_id is None or self.site_id == site_id
        )


class Completion(models.Model):
    """``staff_member`` completed ``course`` on ``completed_on``.

    ``expires_on`` is the last day it counts (None = never expires); when not
    given it is computed from the course's validity (see ``expiry.py``).
    """

    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="training_completions"
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="completions"
    )
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    cpd_hours = models.DecimalField(
        _("CPD hours"),
        max_digits=6,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    evidence = models.FileField(
        storage=evidence_storage,
        upload_to=evidence_file_name,
        max_length=200,
        blank=True,
    )
    #: The uploaded file's own name, offered again on download.
    evidence_name = models.CharField(max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_completions_recorded",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["staff_member", "course__name", "completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "course", "completed_on"],
                name="training_completion_one_per_day",
                violation_error_message=_(
                    "This person already has this course completed on that day."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(expires_on__gte=F("completed_on")),
                name="training_completion_expires_after_completed",
                violation_error_message=_(
                    "The expiry date is before the completion date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(cpd_hours__gte=0),
                name="training_completion_cpd_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["course", "expires_on"])]

    def __str__(self):
        return f"{self.staff_member} · {self.course} on {self.completed_on}"

    def clean(self):
        if (
            self.staff_member_id
            and self.course_id
            and self.course.organization_id != self.staff_member.organization_id
        ):
            raise ValidationError({"course": _("This belongs to another practice.")})


class ReminderThreshold(models.IntegerChoices):
    DAYS_90 = 90, _("90 days before expiry")
    DAYS_60 = 60, _("60 days before expiry")
    DAYS_30 = 30, _("30 days before expiry")
    ON_EXPIRY = 0, _("On expiry")


class TrainingReminder(models.Model):
    """One reminder email about one completion at one threshold.

    The row is created (claimed) before the email goes out and marked sent
    right after, and there is at most one per completion and threshold, so a
    second run finds it and sends nothing. A claim left without "sent" for
    longer than ``reminders.CLAIM_TIMEOUT`` is a worker that died between the
    two steps: the next run takes it over and sends.
    """

    class Status(models.TextChoices):
        CLAIMED = "claimed", _("Claimed")
        SENT = "sent", _("Sent")

    completion = models.ForeignKey(
        Completion, on_delete=models.CASCADE, related_name="reminders"
    )
    threshold = models.PositiveSmallIntegerField(choices=ReminderThreshold.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.CLAIMED
    )
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    recipient_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["completion", "-threshold"]
        constraints = [
            models.UniqueConstraint(
                fields=["completion", "threshold"],
                name="training_reminder_once_per_threshold",
            ),
        ]

    def __str__(self):
        return f"{self.completion}: {self.get_threshold_display()} ({self.status})"
