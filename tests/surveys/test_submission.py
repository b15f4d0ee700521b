import datetime
import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from surveys import tokens
from surveys.models import Answer, Participation, Response
from surveys.services import round_close
from surveys.submission import (
    MAX_TEXT_LENGTH,
    AlreadyAnswered,
    InvalidAnswers,
    InvalidCode,
    RoundClosed,
    clean_answers,
    invitation_for_code,
    response_submit,
    round_questions,
)
from tests.surveys.pulse import full_answers, open_pulse_round, questions_by_code


@pytest.fixture
def pulse(org_world):
    round_, codes = open_pulse_round(org_world["org"])
    return round_, codes


def nothing_written():
    return (
        Response.objects.count() == 0
        and Answer.objects.count() == 0
        and Participation.objects.count() == 0
    )


def test_submit_records_anonymous_response_with_snapshot(pulse):
    round_, codes = pulse
    invitation = round_.invitations.order_by("pk").first()
    response = response_submit(
        round_=round_, code=codes[0], answers=full_answers(round_)
    )
    assert response.team_id == invitation.team_id
    assert response.site_id == invitation.site_id
    assert response.job_role_id == invitation.job_role_id
    assert response.tenure_band == invitation.tenure_band
    assert response.employment_type == invitation.employment_type
    answers = {a.question.code: a for a in response.answers.select_related("question")}
    assert len(answers) == len(full_answers(round_))
    assert answers["enps"].value == 9
    assert answers["burnout_single"].value == 2
    assert answers["comment"].text == "A comment for comment."
    assert answers["comment"].value is None
    [participation] = Participation.objects.all()
    assert participation.digest == tokens.participation_digest(codes[0])


def test_code_typed_by_a_person_is_normalized(pulse):
    round_, codes = pulse
    typed = tokens.format_code(codes[1]).lower()
    response_submit(round_=round_, code=typed, answers={})
    assert Response.objects.count() == 1
    assert invitation_for_code(f" {typed} ").round_id == round_.pk


def test_blank_answers_are_allowed_and_not_stored(pulse):
    round_, codes = pulse
    questions = questions_by_code(round_)
    response = response_submit(
        round_=round_,
        code=codes[0],
        answers={questions["enps"].pk: "", questions["comment"].pk: "   \n "},
    )
    assert response.answers.count() == 0


def test_second_submit_is_already_answered(pulse):
    round_, codes = pulse
    response_submit(round_=round_, code=codes[0], answers=full_answers(round_))
    with pytest.raises(AlreadyAnswered):
        response_submit(round_=round_, code=codes[0], answers=full_answers(round_))
    assert Response.objects.count() == 1
    assert Participation.objects.count() == 1


@pytest.mark.parametrize(
    "code", ["", "ABCDE", "ABCDEFGHJK", "ÁBCDEFGHJK", "../../etc", "A" * 200]
)
def test_unknown_code_is_invalid(pulse, code):
    round_, _codes = pulse
    with pytest.raises(InvalidCode):
        response_submit(round_=round_, code=code, answers={})
    with pytest.raises(InvalidCode):
        invitation_for_code(code)
    assert nothing_written()


def test_code_of_another_round_is_invalid_here(org_world, pulse):
    round_, _codes = pulse
    _other_round, other_codes = open_pulse_round(org_world["other_org"])
    with pytest.raises(InvalidCode):
        response_submit(round_=round_, code=other_codes[0], answers={})


def test_closed_round_refuses(pulse):
    round_, codes = pulse
    round_close(round_=round_)
    round_.refresh_from_db()
    with pytest.raises(RoundClosed):
        response_submit(round_=round_, code=codes[0], answers=full_answers(round_))
    assert nothing_written()


def test_round_past_closing_time_refuses_even_if_still_open(pulse):
    round_, codes = pulse
    round_.closes_at = timezone.now() - datetime.timedelta(minutes=1)
    round_.save(update_fields=["closes_at"])
    with pytest.raises(RoundClosed):
        response_submit(round_=round_, code=codes[0], answers={})
    assert nothing_written()


def test_stale_round_object_is_rechecked_under_lock(pulse):
    round_, codes = pulse
    # Another process closes the round after the caller loaded it.
    round_close(round_=round_)
    with pytest.raises(RoundClosed):
        response_submit(round_=round_, code=codes[0], answers={})
    assert nothing_written()


@pytest.mark.parametrize(
    ("question_code", "value"),
    [
        ("eng_voice", 0),
        ("eng_voice", 6),
        ("eng_voice", "4.0"),
        ("eng_voice", True),
        ("enps", 11),
        ("enps", -1),
        ("enps", "nine"),
        ("burnout_single", 6),
        ("burnout_single", 0),
        ("comment", 7),
        ("comment", "x" * (MAX_TEXT_LENGTH + 1)),
    ],
)
def test_bad_answer_writes_nothing(pulse, question_code, value):
    round_, codes = pulse
    answers = full_answers(round_)
    question = questions_by_code(round_)[question_code]
    answers[question.pk] = value
    with pytest.raises(InvalidAnswers) as excinfo:
        response_submit(round_=round_, code=codes[0], answers=answers)
    assert list(excinfo.value.errors) == [question.pk]
    assert nothing_written()
    # The code is still unused: a corrected submission goes through.
    answers.pop(question.pk)
    response_submit(round_=round_, code=codes[0], answers=answers)
    assert Response.objects.count() == 1


def test_question_outside_the_survey_is_refused(org_world, pulse):
    round_, codes = pulse
    from tests.factories import QuestionFactory

    stray = QuestionFactory(organization=org_world["org"])
    with pytest.raises(InvalidAnswers):
        response_submit(round_=round_, code=codes[0], answers={stray.pk: 3})
    with pytest.raises(InvalidAnswers):
        response_submit(round_=round_, code=codes[0], answers={"q1": 3})
    assert nothing_written()


def test_text_limit_counts_after_stripping(pulse):
    round_, _codes = pulse
    comment = questions_by_code(round_)["comment"]
    text = "  " + "y" * MAX_TEXT_LENGTH + "\x00  "
    cleaned = clean_answers(round_questions(round_), {comment.pk: text})
    assert cleaned == {comment.pk: "y" * MAX_TEXT_LENGTH}


def test_required_question_must_be_answered(pulse):
    round_, codes = pulse
    row = round_.survey.survey_questions.get(question__code="enps")
    row.required = True
    row.save()
    with pytest.raises(InvalidAnswers) as excinfo:
        response_submit(round_=round_, code=codes[0], answers={})
    assert list(excinfo.value.errors) == [row.question_id]


def test_failure_after_participation_rolls_everything_back(pulse, monkeypatch):
    round_, codes = pulse

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Answer.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        response_submit(round_=round_, code=codes[0], answers=full_answers(round_))
    assert nothing_written()


def test_response_and_answer_hold_nothing_personal_or_temporal():
    allowed_response = {
        "id",
        "round",
        "site",
        "team",
        "job_role",
        "tenure_band",
        "employment_type",
    }
    response_fields = {
        f.name for f in Response._meta.get_fields() if not f.auto_created
    }
    assert response_fields == allowed_response
    answer_fields = {f.name for f in Answer._meta.get_fields() if not f.auto_created}
    assert answer_fields == {"id", "response", "question", "value", "text"}
    for model in (Response, Answer, Participation):
        for field in model._meta.get_fields():
            assert field.get_internal_type() not in {
                "DateTimeField",
                "DateField",
                "TimeField",
                "GenericIPAddressField",
            }, (model.__name__, field.name)
            related = getattr(field, "related_model", None)
            assert getattr(related, "__name__", "") not in {
                "StaffMember",
                "User",
                "Invitation",
            }, (model.__name__, field.name)
    assert Response._meta.pk.get_internal_type() == "UUIDField"
    assert Answer._meta.pk.get_internal_type() == "UUIDField"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_double_submit_gives_one_response(org_world):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite serializes every write on one file lock: no real concurrency"
        )
    round_, codes = open_pulse_round(org_world["org"])
    answers = full_answers(round_)
    barrier = threading.Barrier(2)
    outcomes = []

    def submit():
        try:
            barrier.wait(timeout=10)
            response_submit(round_=round_, code=codes[0], answers=answers)
            outcomes.append("ok")
        except AlreadyAnswered:
            outcomes.append("already")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["already", "ok"]
    assert Response.objects.filter(round=round_).count() == 1
    assert Participation.objects.filter(round=round_).count() == 1
    assert Answer.objects.count() == len(answers)
