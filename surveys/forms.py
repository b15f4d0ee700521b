"""Forms for respondents: the code entry form and the questions as shown.

Answers are validated by ``surveys.submission.clean_answers`` (the same rules for
a page and for the whole submission); this module only reads them from a POST
and prepares what the templates show, in the respondent's language.
"""

from dataclasses import dataclass, field

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import tokens
from .models import QuestionKind, SurveyQuestion
from .question_bank import AGREEMENT_SCALE, SCALE_0_10_ENDS, option_label
from .submission import MAX_TEXT_LENGTH


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Your code"),
        max_length=40,
        strip=True,
        error_messages={"required": gettext_lazy("Enter the code from your slip.")},
    )

    def clean_code(self):
        code = tokens.normalize_code(self.cleaned_data["code"])
        if len(code) != tokens.CODE_LENGTH or set(code) - set(tokens.ALPHABET):
            raise forms.ValidationError(
                _(
                    "Codes have 10 letters and numbers, like the one on your slip. "
                    "Check it and try again."
                ),
                code="format",
            )
        return code


def field_name(question_id: int) -> str:
    return f"q{question_id}"


def answers_from_post(post, survey_questions: list[SurveyQuestion]) -> dict:
    """Raw answers (question id → submitted string) for the questions shown."""
    return {
        sq.question_id: post.get(field_name(sq.question_id), "")
        for sq in survey_questions
    }


@dataclass
class Option:
    value: str
    label: str
    input_id: str
    checked: bool


@dataclass
class QuestionItem:
    """One question as a template shows it."""

    question_id: int
    kind: str
    number: int
    total: int
    text: str
    name: str
    first_input_id: str
    options: list[Option] = field(default_factory=list)
    # "Prefer not to answer": without JavaScript a chosen radio cannot be unset.
    skip: Option | None = None
    hint: str = ""
    hint_id: str = ""
    error: str = ""
    error_id: str = ""
    required: bool = False
    text_value: str = ""
    max_length: int = MAX_TEXT_LENGTH

    @property
    def is_text(self):
        return self.kind == QuestionKind.TEXT

    @property
    def is_scale(self):
        return self.kind == QuestionKind.SCALE

    @property
    def described_by(self):
        return " ".join(i for i in (self.hint_id, self.error_id) if i)


def _choices(question, language):
    if question.kind == QuestionKind.AGREEMENT:
        return [(o["value"], option_label(o, language)) for o in AGREEMENT_SCALE]
    if question.kind == QuestionKind.SCALE:
        return [(value, str(value)) for value in range(11)]
    return [(o["value"], option_label(o, language)) for o in question.options]


def question_items(
    survey_questions: list[SurveyQuestion],
    *,
    answers: dict,
    errors: dict,
    language: str,
    first_number: int = 1,
    total: int | None = None,
) -> list[QuestionItem]:
    """Presentation of ``survey_questions`` with the respondent's current answers."""
    spanish = (language or "").lower().startswith("es")
    total = total if total is not None else len(survey_questions)
    items = []
    for offset, sq in enumerate(survey_questions):
        question = sq.question
        name = field_name(question.pk)
        current = answers.get(question.pk)
        item = QuestionItem(
            question_id=question.pk,
            kind=question.kind,
            number=first_number + offset,
            total=total,
            text=(
                question.text_es if spanish and question.text_es else question.text_en
            ),
            name=name,
            first_input_id=f"{name}-0",
            required=sq.required,
        )
        if question.kind == QuestionKind.TEXT:
            item.first_input_id = name
            item.text_value = current if isinstance(current, str) else ""
            item.hint = _("Up to %(limit)d characters.") % {"limit": MAX_TEXT_LENGTH}
        else:
            for index, (value, label) in enumerate(_choices(question, language)):
                item.options.append(
                    Option(
                        value=str(value),
                        label=label,
                        input_id=f"{name}-{index}",
                        checked=str(current) == str(value),
                    )
                )
            item.skip = Option(
                value="",
                label=_("Prefer not to answer"),
                input_id=f"{name}-none",
                checked=False,
            )
        if question.kind == QuestionKind.SCALE:
            item.hint = _("0 means %(low)s, 10 means %(high)s.") % {
                "low": option_label(SCALE_0_10_ENDS[0], language).lower(),
                "high": option_label(SCALE_0_10_ENDS[10], language).lower(),
            }
        if item.hint:
            item.hint_id = f"{name}-hint"
        if question.pk in errors:
            item.error = str(errors[question.pk])
            item.error_id = f"{name}-error"
        items.append(item)
    return items
