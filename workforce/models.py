"""Practice groups, their sites, teams and people, and who may see what."""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Organization(models.Model):
    """A practice group: the outermost boundary of every piece of data."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="America/New_York")
    min_group_size = models.PositiveSmallIntegerField(
        default=settings.SURVEY_DEFAULT_MIN_GROUP_SIZE,
        validators=[MinValueValidator(settings.SURVEY_MIN_GROUP_SIZE_FLOOR)],
        help_text=_("Smallest group whose survey results may be shown (k)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Site(models.Model):
    """A clinic or practice location."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="site_unique_name"
            ),
            models.UniqueConstraint(
                fields=["organization", "slug"], name="site_unique_slug"
            ),
        ]

    def __str__(self):
        return self.name


class Team(models.Model):
    """A team at one site, e.g. "Front desk – Northside"."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["site__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="team_unique_name"),
            models.UniqueConstraint(fields=["site", "slug"], name="team_unique_slug"),
        ]

    def __str__(self):
        return f"{self.name} – {self.site.name}"

    @property
    def organization(self):
        return self.site.organization


class JobRole(models.Model):
    """Dentist, hygienist, dental assistant, receptionist, …"""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="job_roles"
    )
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="jobrole_unique_name"
            ),
            models.UniqueConstraint(
                fields=["organization", "slug"], name="jobrole_unique_slug"
            ),
        ]

    def __str__(self):
        return self.name


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", _("Full time")
    PART_TIME = "part_time", _("Part time")
    PER_DIEM = "per_diem", _("Per diem")
    CONTRACTOR = "contractor", _("Contractor")
    TEMPORARY = "temporary", _("Temporary")


class TerminationReason(models.TextChoices):
    VOLUNTARY = "voluntary", _("Voluntary")
    INVOLUNTARY = "involuntary", _("Involuntary")


class StaffMemberQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date):
        """People employed on ``day`` (hired on or before, not yet left)."""
        return self.filter(hire_date__lte=day).filter(
            Q(termination_date__isnull=True) | Q(termination_date__gt=day)
        )


class StaffMember(models.Model):
    """An employee. ``team`` is the current team; history is in TeamMembership."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="staff"
    )
    employee_id = models.CharField(max_length=64)
    full_name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="staff")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="staff")
    job_role = models.ForeignKey(
        JobRole, on_delete=models.PROTECT, related_name="staff"
    )
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices)
    fte = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    hire_date = models.DateField()
    termination_date = models.DateField(null=True, blank=True)
    termination_reason = models.CharField(
        max_length=20, choices=TerminationReason.choices, blank=True
    )

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        ordering = ["full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "employee_id"], name="staff_unique_employee_id"
            ),
            models.CheckConstraint(
                condition=Q(termination_date__isnull=True)
                | Q(termination_date__gte=models.F("hire_date")),
                name="staff_termination_after_hire",
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.employee_id})"

    def clean(self):
        if self.termination_date and self.termination_date < self.hire_date:
            raise ValidationError(
                {"termination_date": _("Termination date is before the hire date.")}
            )
        if self.termination_date and not self.termination_reason:
            raise ValidationError(
                {"termination_reason": _("Say whether the leaving was voluntary.")}
            )
        if self.team_id and self.site_id and self.team.site_id != self.site_id:
            raise ValidationError({"team": _("The team belongs to another site.")})

    @property
    def is_active(self):
        return self.termination_date is None


class TeamMembership(models.Model):
    """A dated spell of one person in one team; transfers close one, open another.

    ``end_date`` is exclusive: the person left the team on that day.
    """

    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["staff_member", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member"],
                condition=Q(end_date__isnull=True),
                name="membership_one_open_spell",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(end_date__gte=models.F("start_date")),
                name="membership_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.staff_member} in {self.team} from {self.start_date}"


class Role(models.TextChoices):
    OWNER = "owner", _("Practice owner")
    HR = "hr", _("HR")
    SITE_MANAGER = "site_manager", _("Site manager")
    TEAM_LEAD = "team_lead", _("Team lead")
    STAFF = "staff", _("Staff")


ORGANIZATION_WIDE_ROLES = {Role.OWNER, Role.HR}


class User(AbstractUser):
    """A login. What it may see follows from its organization and role."""

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="users",
        null=True,
        blank=True,
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.STAFF)
    managed_sites = models.ManyToManyField(
        Site, blank=True, related_name="managers", help_text=_("For site managers.")
    )
    led_teams = models.ManyToManyField(
        Team, blank=True, related_name="leads", help_text=_("For team leads.")
    )
    staff_member = models.OneToOneField(
        StaffMember,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="user",
    )

    @property
    def is_org_wide(self):
        return self.organization_id is not None and self.role in ORGANIZATION_WIDE_ROLES


class RosterImport(models.Model):
    """One uploaded roster file, from preview to applied (or rejected).

    The decoded CSV is kept in ``content`` (the database, not MEDIA_ROOT) so the
    worker can apply exactly what was previewed and nobody can fetch it by URL;
    it is emptied once the import has finished.
    """

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Ready to apply")
        INVALID = "invalid", _("Rejected")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="roster_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roster_imports",
    )
    original_filename = models.CharField(max_length=255)
    content = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PREVIEWED
    )
    effective_date = models.DateField(
        help_text=_("Date on which team changes in the file take effect.")
    )
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.original_filename} ({self.get_status_display()})"

    @property
    def is_finished(self):
        return self.status in (
            self.Status.INVALID,
            self.Status.DONE,
            self.Status.FAILED,
        )


class AuditEvent(models.Model):
    """Who viewed or exported what, and every change to roles, thresholds and data.

    Append-only: the model refuses updates and deletes, and PostgreSQL
    enforces the same with a trigger (migration 0003), so not even code that
    bypasses the model can rewrite history. Details never hold survey answers
    or respondent identifiers.
    """

    class Action(models.TextChoices):
        REPORT_VIEWED = "report_viewed", "Report viewed"
        REPORT_EXPORTED = "report_exported", "Report exported"
        ROLE_CHANGED = "role_changed", "Role or scope changed"
        THRESHOLD_CHANGED = "threshold_changed", "Anonymity threshold changed"
        IMPORT_APPLIED = "import_applied", "Import applied"
        DATA_ERASED = "data_erased", "Personal data erased"
        DATA_PURGED = "data_purged", "Raw data purged"
        MFA_RESET = "mfa_reset", "Two-step sign-in reset"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_events"
    )
    # The name is kept so the trail reads the same after an account is removed;
    # no constraint, since removing an account must not rewrite the trail.
    actor = models.ForeignKey(
        "User",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    target = models.CharField(max_length=255)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
