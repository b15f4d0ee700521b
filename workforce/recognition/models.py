"""Recognitions between colleagues, the values they name, and periodic awards.

Privacy by construction: nothing here points at a survey, and no recognition
carries a time finer than a day (``recognised_on``, ``decided_on`` are dates).
Rows are ordered by date and id, so no creation timestamp is needed at all.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from workforce.models import (
    EmploymentType,
    JobRole,
    Organization,
    Site,
    StaffMember,
    Team,
)

STORY_MAX_LENGTH = 500


class RecognitionSettings(models.Model):
    """How an organization runs recognition; owner and HR edit it."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="recognition_settings"
    )
    allow_staff_nominations = models.BooleanField(
        default=False,
        help_text=_("Let every staff member nominate, not only team leads."),
    )
    # On by default: the wall is public inside the organization, so a person
    # reviews free text before it goes up unless the organization opts out.
    require_approval = models.BooleanField(
        default=True,
        help_text=_(
            "A site manager or HR approves each nomination before it is published."
        ),
    )

    class Meta:
        verbose_name = _("recognition settings")
        verbose_name_plural = _("recognition settings")

    def __str__(self):
        return f"Recognition settings for {self.organization}"


class CompanyValue(models.Model):
    """One of the organization's values a recognition is given for."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="company_values"
    )
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=240, blank=True)
    is_active = models.BooleanField(_("offered for new nominations"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["organization", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="companyvalue_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class RecognitionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined")


class Recognition(models.Model):
    """One nomination of a colleague for a value, with a short story.

    The nominee's site, team, job role and employment type are copied on the
    day of recognition, so transfers later do not move it between groups.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="recognitions"
    )
    nominee = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="recognitions_received"
    )
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recognitions_given",
    )
    nominator_name = models.CharField(max_length=200)
    value = models.ForeignKey(
        CompanyValue, on_delete=models.RESTRICT, related_name="recognitions"
    )
    story = models.CharField(_("story"), max_length=STORY_MAX_LENGTH)
    recognised_on = models.DateField()
    # RESTRICT, not PROTECT: a site or team with recognitions cannot be deleted
    # on its own, but deleting the whole organization takes both with it.
    site = models.ForeignKey(Site, on_delete=models.RESTRICT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.RESTRICT, related_name="+")
    job_role = models.ForeignKey(JobRole, on_delete=models.RESTRICT, related_name="+")
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices)
    status = models.CharField(
        max_length=10,
        choices=RecognitionStatus.choices,
        default=RecognitionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="recognitions_decided",
    )
    decided_on = models.DateField(null=True, blank=True)
    decline_reason = models.CharField(_("reason"), max_length=500, blank=True)
    notified_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-recognised_on", "-id"]
        indexes = [
            models.Index(
                fields=["organization", "status", "recognised_on"],
                name="recognition_org_status_day",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RecognitionStatus.DECLINED) | ~Q(decline_reason=""),
                name="recognition_decline_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.nominee.full_name}: {self.value} ({self.recognised_on})"

    def clean(self):
        if self.nominee_id and self.nominee.organization_id != self.organization_id:
            raise ValidationError(
                {"nominee": _("Choose someone in your own organization.")}
            )
        if self.value_id and self.value.organization_id != self.organization_id:
            raise ValidationError(
                {"value": _("Choose one of your organization's values.")}
            )


class RecognitionPreference(models.Model):
    """A person's choice about how they are recognised."""

    staff_member = models.OneToOneField(
        StaffMember, on_delete=models.CASCADE, related_name="recognition_preference"
    )
    wall_opt_out = models.BooleanField(
        _("Recognise me privately"),
        default=False,
        help_text=_(
            "Your recognitions stay off the wall. You and HR still see them, "
            "and they still count in totals."
        ),
    )

    def __str__(self):
        return f"Recognition preference of {self.staff_member}"


class Award(models.Model):
    """A periodic award, e.g. monthly "Patient Experience Star" at one site."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="awards"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="awards",
        help_text=_("Leave empty for an award across the whole organization."),
    )
    title = models.CharField(_("title"), max_length=120)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    # Erasing a person's recognitions erases the awards that name them.
    recognition = models.ForeignKey(
        Recognition, on_delete=models.CASCADE, related_name="awards"
    )
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="awards_chosen",
    )
    chosen_on = models.DateField()

    class Meta:
        ordering = ["-period_start", "title", "site__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["site", "title", "period_start"],
                name="award_unique_per_site_period",
            ),
            # NULLs are distinct in a unique index, so organization-wide awards
            # need their own constraint.
            models.UniqueConstraint(
                fields=["organization", "title", "period_start"],
                condition=Q(site__isnull=True),
                name="award_unique_org_wide_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="award_period_end_after_start",
            ),
        ]

    def __str__(self):
        where = self.site.name if self.site_id else _("whole organization")
        return f"{self.title} – {where} – {self.period_start}"
