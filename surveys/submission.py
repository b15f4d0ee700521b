"""Taking a respondent's answers: one code, one anonymous response.

The response copies the invitation's snapshotted reporting attributes and keeps
no link to the invitation, the person, the code or the time. What stops a code
from answering twice is ``Participation``: a keyed digest of the code with a
unique constraint, written in the same transaction as the response.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import tokens
from .models import (
    Answer,
    Invitation,
    Participation,
    QuestionKind,
    Response,
    Round,
    RoundStatus,
    SurveyQuestion,
)

MAX_TEXT_LENGTH = 2000


class SubmissionError(Exception):
    """A submission that cannot be taken; nothing was written."""


class InvalidCode(SubmissionError):
    """No invitation of this round has that code."""


class RoundClosed(SubmissionError):
    """The round is not open, or its closing time has passed."""


class AlreadyAnswered(SubmissionError):
    """This code has answered already."""


class InvalidAnswers(SubmissionError):
    """Some answers are not acceptable: ``errors`` maps question id to a message."""

    def __init__(self, errors: dict[int, str]):
        super().__init__(f"{len(errors)} invalid answer(s)")
        self.errors = errors


@dataclass(frozen=True)
class Range:
    low: int
    high: int


KIND_RANGES = {
    QuestionKind.AGREEMENT: Range(1, 5),
    QuestionKind.SCALE: Range(0, 10),
}


def invitation_for_code(raw_code: str) -> Invitation:
    """The invitation a typed or linked code belongs to, or ``InvalidCode``."""
    code = tokens.normalize_code(raw_code or "")
    if len(code) != tokens.CODE_LENGTH or set(code) - set(tokens.ALPHABET):
        raise InvalidCode(raw_code)
    invitation = (
        Invitation.objects.select_related("round__organization", "round__survey")
        .filter(lookup_digest=tokens.lookup_digest(code))
        .first()
    )
    if invitation is None:
        raise InvalidCode(raw_code)
    return invitation


def round_is_open(round_: Round) -> bool:
    now = timezone.now()
    return (
        round_.status == RoundStatus.OPEN
        and (round_.opens_at is None or round_.opens_at <= now)
        and (round_.closes_at is None or now < round_.closes_at)
    )


def has_answered(code: str) -> bool:
    digest = tokens.participation_digest(tokens.normalize_code(code))
    return Participation.objects.filter(digest=digest).exists()


def round_questions(round_: Round) -> list[SurveyQuestion]:
    """The round's questions in display order."""
    return list(
        SurveyQuestion.objects.filter(survey_id=round_.survey_id)
        .select_related("question")
        .order_by("position", "pk")
    )


def _whole_number(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    return None


def _is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def clean_answers(
    survey_questions: list[SurveyQuestion],
    answers: Mapping,
    *,
    enforce_required: bool = True,
) -> dict[int, int | str]:
    """Check raw answers (question id → value) against the questions.

    Returns the answers worth keeping: integers for scales and choices, stripped
    text for free text; blank answers are dropped. Raises ``InvalidAnswers`` with a
    message per question for anything out of range, an unknown question, or a
    missing required answer (unless ``enforce_required`` is false, as when a
    draft is saved).
    """
    by_id = {sq.question_id: sq for sq in survey_questions}
    errors: dict[int, str] = {}
    cleaned: dict[int, int | str] = {}
    for key, raw in answers.items():
        question_id = _whole_number(key)
        if question_id not in by_id:
            errors[question_id if question_id is not None else -1] = _(
                "This question is not part of the survey."
            )
            continue
        question = by_id[question_id].question
        if _is_blank(raw):
            continue
        if question.kind == QuestionKind.TEXT:
            if not isinstance(raw, str):
                errors[question_id] = _("Enter text.")
                continue
            # PostgreSQL refuses NUL characters in text.
            text = raw.replace("\x00", "").strip()
            if len(text) > MAX_TEXT_LENGTH:
                errors[question_id] = _(
                    "Use no more than %(limit)d characters (you used %(count)d)."
                ) % {"limit": MAX_TEXT_LENGTH, "count": len(text)}
                continue
            if text:
                cleaned[question_id] = text
            continue
        value = _whole_number(raw)
        if question.kind == QuestionKind.CHOICE:
            allowed = {option["value"] for option in question.options}
        else:
            bounds = KIND_RANGES[question.kind]
            allowed = set(range(bounds.low, bounds.high + 1))
        if value not in allowed:
            errors[question_id] = _("Choose one of the options.")
            continue
        cleaned[question_id] = value
    for question_id, sq in by_id.items():
        if not enforce_required:
            break
        if sq.required and question_id not in cleaned and question_id not in errors:
            errors[question_id] = _("Answer this question.")
    if errors:
        raise InvalidAnswers(errors)
    return cleaned


def response_submit(*, round_: Round, code: str, answers: Mapping) -> Response:
    """Record one anonymous response for ``code`` in ``round_``.

    Raises ``InvalidCode``, ``RoundClosed``, ``InvalidAnswers`` or
    ``AlreadyAnswered``; in every case nothing is written.
    """
    code = tokens.normalize_code(code or "")
    invitation = (
        Invitation.objects.filter(
            round_id=round_.pk, lookup_digest=tokens.lookup_digest(code)
        )
        .only("site_id", "team_id", "job_role_id", "tenure_band", "employment_type")
        .first()
    )
    if invitation is None:
        raise InvalidCode(code)
    if not round_is_open(round_):
        raise RoundClosed(round_.pk)
    cleaned = clean_answers(round_questions(round_), answers)
    with transaction.atomic():
        # Holding the round row keeps round_close() from slipping in between the
        # check and the insert: no response lands in a closed round.
        locked = Round.objects.select_for_update(no_key=True).get(pk=round_.pk)
        if not round_is_open(locked):
            raise RoundClosed(round_.pk)
        try:
            with transaction.atomic():
                Participation.objects.create(
                    round=locked, digest=tokens.participation_digest(code)
                )
        except IntegrityError:
            raise AlreadyAnswered(round_.pk) from None
        response = Response.objects.create(
            round=locked,
            site_id=invitation.site_id,
            team_id=invitation.team_id,
            job_role_id=invitation.job_role_id,
            tenure_band=invitation.tenure_band,
            employment_type=invitation.employment_type,
        )
        Answer.objects.bulk_create(
            Answer(
                response=response,
                question_id=question_id,
                value=value if isinstance(value, int) else None,
                text=value if isinstance(value, str) else "",
            )
            for question_id, value in cleaned.items()
        )
    return response
