"""Helpers for tests of the staff-facing survey flow: an open pulse and its codes."""

import datetime

from django.utils import timezone

from surveys import tokens
from surveys.question_bank import default_pulse_survey
from surveys.services import round_launch
from tests.factories import RoundFactory


def open_pulse_round(organization, *, closes_in=datetime.timedelta(days=7)):
    """Launch the standard pulse for ``organization``; return the round and codes.

    Codes come back in invitation id order, one per invited person.
    """
    survey = default_pulse_survey(organization)
    round_ = RoundFactory(survey=survey, organization=organization)
    round_ = round_launch(round_=round_, closes_at=timezone.now() + closes_in)
    codes = [
        tokens.invitation_code(invitation.pk, invitation.nonce)
        for invitation in round_.invitations.order_by("pk")
    ]
    return round_, codes


def questions_by_code(round_):
    return {
        sq.question.code: sq.question
        for sq in round_.survey.survey_questions.select_related("question")
    }


def full_answers(round_):
    """A complete, valid set of answers keyed by question id."""
    answers = {}
    for code, question in questions_by_code(round_).items():
        if question.kind == "agreement_1_5":
            answers[question.pk] = 4
        elif question.kind == "scale_0_10":
            answers[question.pk] = 9
        elif question.kind == "single_choice":
            answers[question.pk] = 2
        else:
            answers[question.pk] = f"  A comment for {code}.  "
    return answers
