"""Patient feedback and practice KPIs: the outcome side of the flywheel.

Patient feedback is de-identified at the door. A row is a score from 0 to 10 for
a site (``team`` empty) or a team on a day, nothing else: imports refuse any
column that could identify a patient, and the capture page stores neither the
address nor a timestamp. Comments are kept only when the organization turns
them on, apart from the scores.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workforce.models import Organization, Site, Team

PROMOTER_MIN = 9
DETRACTOR_MAX = 6
SCORE_MAX = 10
CHANNEL_MAX_LENGTH = 20


class PatientFeedbackBatch(models.Model):
    """One imported file of patient scores; undoing it deletes its rows."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Ready to import")
        INVALID = "invalid", _("Rejected")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        UNDONE = "undone", _("Undone")

    # A file counts once: while a batch of it is queued, running or imported,
    # the same file (by SHA-256) cannot be imported again for the organization.
    COUNTING = (Status.QUEUED, Status.RUNNING, Status.DONE)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="patient_feedback_batches"
    )
    filename = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PREVIEWED
    )
    dropped_columns = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Columns left out unread (their names only)."),
    )
    summary = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # The checked copy waiting for the worker, under PRIVATE_STORAGE_ROOT: only
    # the accepted columns, never a dropped one. Removed once imported.
    pending_file = models.CharField(max_length=255, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "patient feedback batches"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "file_sha256"],
                condition=Q(status__in=["queued", "running", "done"]),
                name="patient_feedback_file_counted_once",
            )
        ]

    def __str__(self):
        return f"#{self.pk} {self.filename} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (
            self.Status.INVALID,
            self.Status.DONE,
            self.Status.FAILED,
            self.Status.UNDONE,
        )


class PatientFeedback(models.Model):
    """One patient's 0-10 answer, for a site (no team) or a team, on a day.

    Deliberately narrow and without reverse relations, so that a million rows
    stay small and undoing a batch is one DELETE.
    """

    batch = models.ForeignKey(
        PatientFeedbackBatch,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="feedback",
        help_text=_("Empty for answers given on the capture page."),
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    date = models.DateField()
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCORE_MAX)])
    channel = models.CharField(max_length=CHANNEL_MAX_LENGTH, blank=True)

    class Meta:
        indexes = [models.Index(fields=["site", "date"], name="patient_fb_site_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=SCORE_MAX),
                name="patient_feedback_score_0_10",
            )
        ]

    def __str__(self):
        return f"{self.score} on {self.date}"


class PatientFeedbackSettings(models.Model):
    """An organization's choices for patient feedback."""

    organization = models.OneToOneField(
        Organization,
        on_delete=models.CASCADE,
        related_name="patient_feedback_settings",
    )
    collect_comments = models.BooleanField(
        default=False,
        help_text=_(
            "Offer patients an optional comment box on the capture page. Comments "
            "are shown only to owner and HR."
        ),
    )

    class Meta:
        verbose_name_plural = "patient feedback settings"

    def __str__(self):
        return f"Patient feedback settings for {self.organization}"


def new_capture_token() -> str:
    # 96 random bits: a printed code nobody can guess or walk through.
    return secrets.token_urlsafe(12)


class PatientCapturePoint(models.Model):
    """A QR code on a poster for a site or a team; revoking it retires the code."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="patient_capture_points"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    token = models.CharField(max_length=32, unique=True, default=new_capture_token)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["site__name", "team__name", "-created_at"]
        constraints = [
            # One live code per site and per team (NULL teams are distinct in a
            # plain unique constraint, hence two).
            models.UniqueConstraint(
                fields=["site"],
                condition=Q(team__isnull=True, revoked_at__isnull=True),
                name="capture_point_one_live_per_site",
            ),
            models.UniqueConstraint(
                fields=["team"],
                condition=Q(team__isnull=False, revoked_at__isnull=True),
                name="capture_point_one_live_per_team",
            ),
        ]

    def __str__(self):
        where = self.team.name if self.team_id else _("whole site")
        return f"{self.site.name} – {where}"

    @property
    def is_live(self):
        return self.revoked_at is None


class PatientComment(models.Model):
    """A comment left on the capture page, kept only when comments are on.

    Stored apart from the scores (and copying the score) so that the large
    score table has no reverse relations and comments can be purged alone.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="patient_comments"
    )
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    date = models.DateField()
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(SCORE_MAX)])
    text = models.TextField(max_length=1000)

    class Meta:
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.site} {self.date}: {self.text[:40]}"


class KPI(models.TextChoices):
    NEW_PATIENTS = "new_patients", _("New patients")
    REFERRALS = "referrals", _("Referrals")
    SHOW_RATE = "show_rate", _("Show rate")
    CAPACITY_UTILISATION = "capacity_utilisation", _("Capacity utilisation")
    DAYS_IN_AR = "days_in_ar", _("Days in accounts receivable")
    AVERAGE_WAIT_MINUTES = "average_wait_minutes", _("Average wait (minutes)")
    COMPLAINTS = "complaints", _("Complaints")
    COMPLAINTS_RESOLVED = "complaints_resolved", _("Complaints resolved")


class PracticeKPI(models.Model):
    """One site's value of one KPI for one calendar month (``month`` = day 1)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kpi = models.CharField(max_length=32, choices=KPI.choices)
    value = models.DecimalField(max_digits=14, decimal_places=4)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "month", "kpi"]
        verbose_name = "practice KPI"
        constraints = [
            models.UniqueConstraint(
                fields=["site", "month", "kpi"], name="practice_kpi_unique"
            ),
        ]

    def __str__(self):
        return f"{self.site} {self.month:%Y-%m} {self.kpi} = {self.value}"


class AnalysisRun(models.Model):
    """One run of the flywheel analysis: what it used and what it found.

    ``fingerprint`` is the SHA-256 of the inputs (the team-month panel and the
    person spells as canonical CSV, the period and the code version), so a
    report can cite exactly what a run used. One finished run per organization
    and fingerprint: running again on unchanged data returns that run. A run
    started from the page is created first, as ``queued``, so its progress can
    be shown; if its inputs turn out unchanged it is marked ``unchanged`` and
    points at the earlier run. ``result`` holds only what may be shown (survey
    numbers already suppressed by surveys/anonymity.py), never the panel.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        UNCHANGED = "unchanged", _("Same inputs as an earlier run")
        FAILED = "failed", _("Failed")

    class Step(models.TextChoices):
        WAITING = "waiting", _("Waiting for its turn")
        BUILDING_PANEL = "building_panel", _("Building the team-month panel")
        FITTING_MODELS = "fitting_models", _("Fitting the models")
        WRITING = "writing", _("Writing the results")
        FINISHED = "finished", _("Finished")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="analysis_runs"
    )
    period_start = models.DateField(help_text=_("First day of the first month."))
    period_end = models.DateField(help_text=_("First day of the last month."))
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.WAITING)
    fingerprint = models.CharField(max_length=64, blank=True)
    code_version = models.CharField(max_length=64, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    same_as = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The earlier run with the same inputs."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fingerprint"],
                condition=Q(status="done"),
                name="analysis_run_one_per_fingerprint",
            ),
            # One run waiting or running per organization: a second click on
            # "Run analysis now" finds the first.
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status__in=["queued", "running"]),
                name="analysis_run_one_active",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lte=models.F("period_end")),
                name="analysis_run_period_in_order",
            ),
        ]

    def __str__(self):
        return (
            f"Analysis #{self.pk} {self.period_start:%Y-%m} to "
            f"{self.period_end:%Y-%m} ({self.get_status_display()})"
        )

    @property
    def is_finished(self):
        return self.status in (
            self.Status.DONE,
            self.Status.UNCHANGED,
            self.Status.FAILED,
        )


def _flywheel_report_storage():
    # A callable keeps the private path out of migrations.
    from reports.flywheel_report.storage import report_storage

    return report_storage()


class FlywheelReport(models.Model):
    """One rendered flywheel health report (PDF) for an organization or a site.

    Generated exactly once per scope, period and template ``version``: the unique
    constraints below make a second beat run or a retried task find this row.
    ``lease_until`` marks a render in progress; a worker killed mid-render
    leaves the row ``rendering`` with a lease that runs out, and the retry takes
    it over. The PDF is written to a temporary file and renamed into place, so a
    half-written file is never what ``file`` names.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    class Paper(models.TextChoices):
        A4 = "a4", _("A4")
        LETTER = "letter", _("US Letter")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="flywheel_reports"
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="flywheel_reports",
        help_text=_("Empty for the whole organization."),
    )
    period_label = models.CharField(max_length=7, help_text=_("YYYY-MM or YYYY-Qn."))
    period_start = models.DateField()
    version = models.PositiveSmallIntegerField()
    paper = models.CharField(max_length=8, choices=Paper.choices, default=Paper.A4)
    analysis_run = models.ForeignKey(
        AnalysisRun,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.QUEUED
    )
    step = models.CharField(max_length=60, blank=True)
    file = models.FileField(
        storage=_flywheel_report_storage, max_length=255, blank=True
    )
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-period_start", "site__name", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "site", "period_label", "version"],
                condition=Q(site__isnull=False),
                name="flywheel_report_once_per_site",
            ),
            # NULL sites are distinct in a plain unique constraint: one more for
            # the organization report.
            models.UniqueConstraint(
                fields=["organization", "period_label", "version"],
                condition=Q(site__isnull=True),
                name="flywheel_report_once_per_organization",
            ),
        ]

    def __str__(self):
        where = self.site.name if self.site_id else self.organization.name
        return f"Flywheel report {where} {self.period_label} v{self.version}"

    @property
    def scope_label(self) -> str:
        return self.site.name if self.site_id else _("Whole organization")
