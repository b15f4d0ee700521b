"""Back-office forms for surveys: the user's organization only, ever."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext_lazy as _

from workforce.admin_forms import CHOICES as WORKFORCE_CHOICES
from workforce.admin_forms import OrganizationScopedForm

from .models import (
    Measure,
    Question,
    QuestionKind,
    RoundStatus,
    Survey,
    SurveyQuestion,
)


def custom_questions(user):
    """The organization's own questions (built-in ones are not edited here)."""
    if not user.organization_id:
        return Question.objects.none()
    return Question.objects.filter(organization_id=user.organization_id)


def bank_questions(user):
    """Questions a survey may use: built-in ones and the organization's own."""
    if not user.organization_id:
        return Question.objects.none()
    return Question.objects.filter(
        Q(organization__isnull=True) | Q(organization_id=user.organization_id),
        active=True,
    ).order_by("organization_id", "measure", "code")


def organization_surveys(user):
    if not user.organization_id:
        return Survey.objects.none()
    return Survey.objects.filter(organization_id=user.organization_id)


CHOICES = {
    **WORKFORCE_CHOICES,
    Question: bank_questions,
    Survey: organization_surveys,
}


class SurveysScopedForm(OrganizationScopedForm):
    """OrganizationScopedForm that also knows where surveys and questions come from."""

    choices = CHOICES


# --- Questions -----------------------------------------------------------------


def options_from_text(text: str) -> list[dict]:
    """``English | Spanish`` lines as options valued 1, 2, 3… in order."""
    options = []
    for number, line in enumerate(
        (line for line in text.splitlines() if line.strip()), start=1
    ):
        english, bar, spanish = line.partition("|")
        if not bar or not english.strip() or not spanish.strip():
            raise ValidationError(
                _(
                    "Line %(number)s: write the English and the Spanish wording "
                    "separated by “|”, e.g. “Yes | Sí”."
                ),
                params={"number": number},
            )
        options.append({"value": number, "en": english.strip(), "es": spanish.strip()})
    return options


def options_to_text(options: list[dict]) -> str:
    return "\n".join(f"{option['en']} | {option['es']}" for option in options)


class QuestionForm(SurveysScopedForm):
    options_text = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Single choice only: one option per line, English and Spanish "
            "separated by “|”, in the order shown, e.g. “Yes | Sí”."
        ),
    )
    # A question with answers keeps its meaning: results compare by code.
    frozen_when_answered = ("code", "kind", "options_text")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["options_text"].initial = options_to_text(self.instance.options)
            if self.instance.answers.exists():
                for name in self.frozen_when_answered:
                    self.fields[name].disabled = True
                    self.fields[name].help_text = _(
                        "This question has answers, so its code, kind and "
                        "options stay as they are. Add a new question instead."
                    )

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        text = cleaned.get("options_text") or ""
        if kind == QuestionKind.CHOICE:
            try:
                options = options_from_text(text)
            except ValidationError as error:
                self.add_error("options_text", error)
                return cleaned
            if len(options) < 2:
                self.add_error(
                    "options_text", _("A single-choice question needs two options.")
                )
            self.instance.options = options
        elif kind:
            if text.strip():
                self.add_error(
                    "options_text",
                    _("Only single-choice questions have options; leave it empty."),
                )
            self.instance.options = []
        self.instance.measure = Measure.CUSTOM
        return cleaned


# --- Surveys -------------------------------------------------------------------


def _has_open_round(survey: Survey) -> bool:
    return (
        survey.pk is not None and survey.rounds.filter(status=RoundStatus.OPEN).exists()
    )


class SurveyForm(SurveysScopedForm):
    questions = forms.ModelMultipleChoiceField(
        label=_("Questions"),
        queryset=Question.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Choose from the bank: built-in questions and your own. New ones go "
            "to the end; change the order under Survey questions."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].queryset = bank_questions(self.for_user)
        if self.instance.pk:
            self.fields["questions"].initial = list(
                self.instance.survey_questions.values_list("question_id", flat=True)
            )
            if _has_open_round(self.instance):
                self.fields["questions"].disabled = True
                self.fields["questions"].help_text = _(
                    "A round of this survey is open: its questions change after "
                    "the round closes."
                )

    @transaction.atomic
    def save(self, commit=True):
        survey = super().save(commit=commit)
        if commit and not self.fields["questions"].disabled:
            survey_questions_set(
                survey=survey, questions=list(self.cleaned_data["questions"])
            )
        return survey


def survey_questions_set(*, survey: Survey, questions: list[Question]) -> None:
    """Keep chosen questions where they are, drop the rest, append new ones."""
    chosen = {question.pk for question in questions}
    survey.survey_questions.exclude(question_id__in=chosen).delete()
    present = set(survey.survey_questions.values_list("question_id", flat=True))
    last = survey.survey_questions.aggregate(last=Max("position"))["last"]
    position = -1 if last is None else last
    for question in questions:
        if question.pk not in present:
            position += 1
            SurveyQuestion.objects.create(
                survey=survey, question=question, position=position
            )


class SurveyQuestionForm(SurveysScopedForm):
    def clean(self):
        cleaned = super().clean()
        survey = cleaned.get("survey")
        if survey is not None and _has_open_round(survey):
            raise ValidationError(
                _("A round of this survey is open: change it after the round closes.")
            )
        return cleaned


# --- Rounds and schedules ------------------------------------------------------

AUDIENCE_HELP = _(
    "Nothing chosen: the whole organization. Sites and teams add up: a team "
    "is included even if its site is not."
)


class RoundForm(SurveysScopedForm):
    """A draft round; with an opening time it is scheduled and opens by itself."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].help_text = _(
            "The month (or first month of the quarter) the round measures; "
            "any day in it will do."
        )
        self.fields["opens_at"].help_text = _(
            "Leave empty to launch by hand. With a time, the round opens by "
            "itself then and invitations go out."
        )
        self.fields["closes_at"].help_text = _("Empty: one week after it opens.")
        for name in ("sites", "teams"):
            self.fields[name].help_text = AUDIENCE_HELP

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status not in (
            RoundStatus.DRAFT,
            RoundStatus.SCHEDULED,
        ):
            raise ValidationError(
                _("This round has been launched; its settings no longer change.")
            )
        period = cleaned.get("period")
        if period:
            cleaned["period"] = period.replace(day=1)
            self.instance.period = cleaned["period"]
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The round must close after it opens."))
        self.instance.status = RoundStatus.SCHEDULED if opens_at else RoundStatus.DRAFT
        return cleaned


class PulseScheduleForm(SurveysScopedForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("sites", "teams"):
            self.fields[name].help_text = AUDIENCE_HELP

    def clean(self):
        cleaned = super().clean()
        open_days = cleaned.get("open_days")
        reminder_days = cleaned.get("reminder_after_days")
        if open_days is not None and open_days < 1:
            self.add_error("open_days", _("A round stays open at least one day."))
        if (
            open_days is not None
            and reminder_days is not None
            and reminder_days >= open_days
        ):
            self.add_error(
                "reminder_after_days",
                _("The reminder must go out before the round closes."),
            )
        return cleaned
