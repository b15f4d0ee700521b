"""Cross-training: the skills a practice needs, who can do them, and how well.

History is kept everywhere so that coverage can be computed for any past month:

- a person's level in a skill is the latest :class:`SkillAssessment` on or before
  the day asked about (no assessment means level 0);
- a team's requirement for a skill is a dated spell, like TeamMembership: a
  change closes the open spell and opens a new one on the same day, so the
  minimum in force at any date can be read back.
"""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from workforce.models import Organization, StaffMember, Team


class Level(models.IntegerChoices):
    NONE = 0, _("None")
    LEARNING = 1, _("Learning")
    COMPETENT = 2, _("Competent")
    TRAINER = 3, _("Can train others")


class Skill(models.Model):
    """Something a person can do: check-in, insurance verification, radiographs…"""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="skills"
    )
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [
            # "Billing" and "billing" are one skill: imports match names this way.
            models.UniqueConstraint(
                "organization", Lower("name"), name="skill_unique_name_ci"
            ),
        ]

    def __str__(self):
        return self.name


class TeamSkillRequirement(models.Model):
    """From ``start_date`` until ``end_date`` (exclusive), the team needs at least
    ``min_competent`` people at level 2 or above in ``skill``."""

    team = models.ForeignKey(
        Team, on_delete=models.CASCADE, related_name="skill_requirements"
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.CASCADE, related_name="requirements"
    )
    min_competent = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)],
        help_text=_("Fewest people at level 2 or above the team needs."),
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["team", "skill__name", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "skill"],
                condition=Q(end_date__isnull=True),
                name="requirement_one_open_spell",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=F("start_date")),
                name="requirement_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(min_competent__gte=1), name="requirement_min_at_least_1"
            ),
        ]

    def __str__(self):
        return f"{self.team}: {self.skill} × {self.min_competent}"


class SkillAssessment(models.Model):
    """A person's level in a skill as judged on ``assessed_on``.

    A new judgement is a new row, so the level on any past day can be read back.
    There is one row per person, skill and day: a second change on the same day
    corrects that day's judgement rather than adding another.
    """

    staff_member = models.ForeignKey(
        StaffMember, on_delete=models.CASCADE, related_name="skill_assessments"
    )
    skill = models.ForeignKey(
        Skill, on_delete=models.CASCADE, related_name="assessments"
    )
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    assessed_on = models.DateField()
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="skill_assessments_made",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["staff_member", "skill", "assessed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff_member", "skill", "assessed_on"],
                name="assessment_one_per_day",
            ),
            models.CheckConstraint(
                condition=Q(level__lte=3), name="assessment_level_0_to_3"
            ),
        ]
        indexes = [models.Index(fields=["skill", "assessed_on"])]

    def __str__(self):
        return f"{self.staff_member} · {self.skill}: {self.level} on {self.assessed_on}"
