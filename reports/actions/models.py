"""Action plans: what a team or site is doing to move one measure, and since when."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workforce.models import Organization, Site, Team


class Measure(models.TextChoices):
    """The measures an action can target (keys of reports.analysis.impact.MEASURES)."""

    ENGAGEMENT = "engagement", _("Engagement")
    BURNOUT_RATE = "burnout_rate", _("Burnout rate")
    ENPS = "enps", _("eNPS")
    VOLUNTARY_TURNOVER = "voluntary_turnover", _("Voluntary turnover")
    COVERAGE = "coverage", _("Cross-training coverage")
    TRAINING_COMPLIANCE = "training_compliance", _("Training compliance")
    PATIENT_NPS = "patient_nps", _("Patient NPS")


class ActionPlan(models.Model):
    """One action for one team, or for every team at a site."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="action_plans"
    )
    title = models.CharField(_("what"), max_length=200)
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_plans",
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="action_plans",
        help_text=_("A site action applies to all of the site's teams."),
    )
    measure = models.CharField(_("measure"), max_length=32, choices=Measure.choices)
    start_date = models.DateField(_("start date"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_action_plans",
        verbose_name=_("owner"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="created_action_plans",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(team__isnull=False, site__isnull=True)
                    | Q(team__isnull=True, site__isnull=False)
                ),
                name="action_plan_team_or_site",
            )
        ]
        indexes = [models.Index(fields=["organization", "measure", "start_date"])]

    def __str__(self):
        return self.title

    @property
    def target(self):
        """The team or site acted on."""
        return self.team or self.site
