"""Pulse surveys: question bank, surveys, rounds, invitations and anonymous responses.

Anonymity is structural here (see surveys/anonymity.py for output rules):
- ``Response`` and ``Answer`` hold no user, staff, invitation or token reference, no IP,
  no user agent and no time finer than the round; response ids are random UUIDs.
- ``Participation`` records only an HMAC digest of the invitation code, so one code
  answers once; it cannot be joined to a response.
- An invitation's code is never stored: it is derived from a server secret
  (``surveys.tokens``), so a database dump holds no usable links.
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from workforce.models import EmploymentType, JobRole, Organization, Site, Team


class QuestionKind(models.TextChoices):
    AGREEMENT = "agreement_1_5", _("Agreement, 1–5")
    SCALE = "scale_0_10", _("Scale, 0–10")
    CHOICE = "single_choice", _("Single choice")
    TEXT = "free_text", _("Free text")


class Measure(models.TextChoices):
    """What a question feeds in the results. ``custom`` items are reported alone."""

    ENGAGEMENT = "engagement", _("Engagement index")
    ENPS = "enps", _("Employee NPS")
    BURNOUT = "burnout", _("Burnout")
    WORKLOAD = "workload", _("Workload and staffing")
    RECOGNITION = "recognition", _("Recognition")
    GROWTH = "growth", _("Growth and training")
    MANAGER = "manager_support", _("Manager support")
    COMMENT = "comment", _("Comment")
    CUSTOM = "custom", _("Custom")


class Question(models.Model):
    """A question with a stable ``code`` so results compare across rounds.

    Built-in questions (``organization`` is null) come from
    ``surveys/question_bank.py``; HR adds custom ones for their organization
    in the back office.
    """

    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
    )
    code = models.SlugField(max_length=60)
    kind = models.CharField(max_length=20, choices=QuestionKind.choices)
    measure = models.CharField(
        max_length=20, choices=Measure.choices, default=Measure.CUSTOM
    )
    text_en = models.TextField(_("Question (English)"))
    text_es = models.TextField(_("Question (Spanish)"))
    # Single choice: [{"value": 1, "en": "...", "es": "..."}, ...] in display order.
    options = models.JSONField(default=list, blank=True)
    # For agreement/scale questions worded negatively: reverse before indexing.
    reverse_scored = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organization_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(organization__isnull=True),
                name="question_builtin_code_unique",
            ),
            models.UniqueConstraint(
                fields=["organization", "code"], name="question_org_code_unique"
            ),
        ]

    def __str__(self):
        return f"{self.code}: {self.text_en[:60]}"

    @property
    def is_builtin(self):
        return self.organization_id is None


class Survey(models.Model):
    """An ordered set of questions an organization sends in rounds."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="surveys"
    )
    name = models.CharField(max_length=200)
    intro_en = models.TextField(blank=True)
    intro_es = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organization", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="survey_unique_name"
            )
        ]

    def __str__(self):
        return self.name


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="survey_questions"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="survey_questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["survey", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "question"], name="surveyquestion_unique"
            )
        ]

    def __str__(self):
        return f"{self.survey}: {self.question.code}"


class Frequency(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class PulseSchedule(models.Model):
    """A recurring pulse: Celery beat launches a round each period."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pulse_schedules"
    )
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE)
    frequency = models.CharField(max_length=20, choices=Frequency.choices)
    open_days = models.PositiveSmallIntegerField(default=7)
    reminder_after_days = models.PositiveSmallIntegerField(default=3)
    sites = models.ManyToManyField(Site, blank=True)
    teams = models.ManyToManyField(Team, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self):
        return f"{self.survey} ({self.get_frequency_display()})"


class RoundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    RELEASED = "released", _("Released")


class Round(models.Model):
    """One sending of a survey to an audience for a period (the finest time kept)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="rounds"
    )
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="rounds")
    schedule = models.ForeignKey(
        PulseSchedule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rounds",
    )
    name = models.CharField(max_length=200)
    # First day of the month (or quarter) the round measures.
    period = models.DateField()
    status = models.CharField(
        max_length=20, choices=RoundStatus.choices, default=RoundStatus.DRAFT
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    # Empty audience selection = the whole organization.
    sites = models.ManyToManyField(Site, blank=True, related_name="+")
    teams = models.ManyToManyField(Team, blank=True, related_name="+")
    # k in force for this round, copied from the organization at launch.
    min_group_size = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period"],
                condition=Q(schedule__isnull=False),
                name="round_one_per_schedule_period",
            )
        ]

    def __str__(self):
        return self.name


class TenureBand(models.TextChoices):
    UNDER_1 = "lt1", _("Under 1 year")
    ONE_TO_2 = "1to2", _("1–2 years")
    TWO_TO_5 = "2to5", _("2–5 years")
    FIVE_PLUS = "5plus", _("5 years or more")


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    PRINTED = "printed", _("Printed slip")


class Invitation(models.Model):
    """An invitee of a round and their reporting attributes, snapshotted at launch.

    Later transfers do not move old answers: responses copy these attributes.
    The personal code is derived (``surveys.tokens.invitation_code``), never stored.
    """

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="invitations"
    )
    staff_member = models.ForeignKey(
        "workforce.StaffMember", on_delete=models.CASCADE, related_name="invitations"
    )
    # Random per invitation; with the server secret it yields the personal code.
    nonce = models.CharField(max_length=32)
    # HMAC of the code, to find the invitation a typed or linked code belongs to.
    lookup_digest = models.CharField(max_length=64, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="+")
    tenure_band = models.CharField(max_length=10, choices=TenureBand.choices)
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices)
    sent_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # While a message is being handed to the provider: the claim of the run sending
    # it. A run that dies mid-send leaves it to expire, then another run retries
    # (surveys.invitations._claim).
    delivery_lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "staff_member"], name="invitation_one_per_person"
            )
        ]

    def __str__(self):
        return f"Invitation {self.pk} to {self.round}"


class Participation(models.Model):
    """That some code of a round has answered: an HMAC digest, nothing else."""

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="participations"
    )
    digest = models.CharField(max_length=64, unique=True)

    def __str__(self):
        return f"Participation in {self.round}"


class Response(models.Model):
    """One anonymous set of answers with the invitee's snapshotted attributes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="responses")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="+")
    tenure_band = models.CharField(max_length=10, choices=TenureBand.choices)
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices)

    class Meta:
        # Exports and pages order by this random key, never by insertion time.
        ordering = ["id"]

    def __str__(self):
        return f"Response {self.id}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(
        Response, on_delete=models.CASCADE, related_name="answers"
    )
    question = models.ForeignKey(
        Question, on_delete=models.PROTECT, related_name="answers"
    )
    value = models.SmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "question"], name="answer_one_per_question"
            )
        ]

    def __str__(self):
        return f"Answer to {self.question.code}"


class PulseHistory(models.Model):
    """Team-month aggregates imported from another pulse tool."""

    class HistoryMeasure(models.TextChoices):
        ENGAGEMENT = "engagement", _("Engagement")
        BURNOUT = "burnout", _("Burnout rate")
        ENPS = "enps", _("Employee NPS")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="pulse_history"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    measure = models.CharField(max_length=20, choices=HistoryMeasure.choices)
    respondents = models.PositiveIntegerField()
    value = models.FloatField()
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "month", "measure"], name="pulsehistory_unique"
            )
        ]

    def __str__(self):
        return f"{self.team} {self.month:%Y-%m} {self.measure}"


class PurgedRoundAggregate(models.Model):
    """A purged released round's team-month survey sums, kept for the analysis.

    Written by ``surveys.retention`` just before a released round's answers are
    deleted, by the very query reports/survey_months.py runs on raw answers
    (restricted to the round), so the analysis panel, and the pooled answer
    variance its noise correction needs, come out the same after the purge. A
    round with rows here counts as purged: survey_months reads these instead.

    Sums rather than finished means (unlike ``PulseHistory``, which holds one
    imported value per measure) so that two rounds measuring the same team-month
    combine exactly, and so the within-team-month spread survives (sum of
    squares). These are internal per-team figures, small groups included; they
    are never shown as they are: suppression (surveys/anonymity.py) is applied
    when the analysis leaves, in reports/analysis_output.py.
    """

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="purged_aggregates"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    # The round's period (first day of the month), as the panel's month.
    month = models.DateField()
    respondents = models.PositiveIntegerField()
    # Respondents with enough engagement items for the index, the sum of their
    # 0-100 engagement scores and the sum of the squares of those scores.
    engagement_n = models.PositiveIntegerField()
    engagement_sum = models.FloatField()
    engagement_sumsq = models.FloatField()
    burnout_n = models.PositiveIntegerField()
    burnout_yes = models.PositiveIntegerField()
    enps_n = models.PositiveIntegerField()
    promoters = models.PositiveIntegerField()
    detractors = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "team"], name="purged_aggregate_one_per_team"
            )
        ]

    def __str__(self):
        return f"{self.round} {self.team} {self.month:%Y-%m} (purged)"


class ReleasedResultsSnapshot(models.Model):
    """A released round's computed results, kept when raw answers are purged.

    ``computed`` is ``surveys.results_compute.Computed`` pickled: written only by
    ``surveys.retention`` from our own computation, read by ``surveys.results``.
    Aggregates only (already suppressed by ``surveys.anonymity``); one per
    language because the payload's texts are translated.
    """

    round = models.ForeignKey(
        Round, on_delete=models.CASCADE, related_name="results_snapshots"
    )
    language = models.CharField(max_length=10)
    computed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "language"], name="results_snapshot_one_per_language"
            )
        ]

    def __str__(self):
        return f"Released results of {self.round} ({self.language})"
