import pytest

from surveys.models import Measure, Question, QuestionKind, SurveyQuestion
from surveys.question_bank import (
    AGREEMENT_SCALE,
    BUILTIN_CODES,
    BURNOUT_THRESHOLD,
    SCALE_0_10_ENDS,
    default_pulse_survey,
    ensure_question_bank,
    option_label,
)
from tests.factories import OrganizationFactory

# Phrases from licensed instruments we must not ship (Gallup Q12, UWES, Mini-Z).
LICENSED_PHRASES = [
    "i know what is expected of me at work",
    "materials and equipment i need",
    "in the last seven days",
    "seems to care about me as a person",
    "my opinions seem to count",
    "someone at work who encourages my development",
    "best friend at work",
    "bursting with energy",
    "i feel strong and vigorous",
    "i enjoy my work. i have no symptoms of burnout",
    "based on your definition of burnout",
    "i think about frustration at work a lot",
]


def builtins():
    return {q.code: q for q in Question.objects.filter(organization=None)}


@pytest.mark.django_db
def test_migration_loaded_every_builtin():
    assert set(BUILTIN_CODES) <= set(builtins())


@pytest.mark.django_db
def test_bank_covers_the_instruments():
    bank = builtins()
    engagement = [q for q in bank.values() if q.measure == Measure.ENGAGEMENT]
    assert len(engagement) == 6
    assert {q.kind for q in engagement} == {QuestionKind.AGREEMENT}
    for measure in (
        Measure.WORKLOAD,
        Measure.RECOGNITION,
        Measure.GROWTH,
        Measure.MANAGER,
    ):
        [item] = [q for q in bank.values() if q.measure == measure]
        assert item.kind == QuestionKind.AGREEMENT
    [enps] = [q for q in bank.values() if q.measure == Measure.ENPS]
    assert enps.kind == QuestionKind.SCALE
    assert "recommend this practice as a place to work" in enps.text_en
    [burnout] = [q for q in bank.values() if q.measure == Measure.BURNOUT]
    assert burnout.kind == QuestionKind.CHOICE
    assert [o["value"] for o in burnout.options] == [1, 2, 3, 4, 5]
    assert all(o["en"] and o["es"] and o["en"] != o["es"] for o in burnout.options)
    assert "definitely burning out" in burnout.options[BURNOUT_THRESHOLD - 1]["en"]
    [comment] = [q for q in bank.values() if q.measure == Measure.COMMENT]
    assert comment.kind == QuestionKind.TEXT


@pytest.mark.django_db
def test_every_item_is_bilingual_and_our_own_wording():
    for question in builtins().values():
        assert question.text_en.strip() and question.text_es.strip()
        assert question.text_en != question.text_es
        texts = [question.text_en] + [o["en"] for o in question.options]
        for text in texts:
            for phrase in LICENSED_PHRASES:
                assert phrase not in text.lower(), (question.code, phrase)


def test_scale_labels_in_both_languages():
    assert [o["value"] for o in AGREEMENT_SCALE] == [1, 2, 3, 4, 5]
    assert AGREEMENT_SCALE[0]["en"] == "Strongly disagree"
    assert AGREEMENT_SCALE[4]["es"] == "Totalmente de acuerdo"
    assert set(SCALE_0_10_ENDS) == {0, 10}
    assert option_label(SCALE_0_10_ENDS[10], "es") == "Muy probable"
    assert option_label(SCALE_0_10_ENDS[10], "es-mx") == "Muy probable"
    assert option_label(SCALE_0_10_ENDS[10], "en") == "Extremely likely"
    assert option_label({"value": 7, "en": "Seven"}, "es") == "Seven"


@pytest.mark.django_db
def test_ensure_is_idempotent_and_restores_wording():
    before = Question.objects.count()
    enps = Question.objects.get(organization=None, code="enps")
    enps.text_en = "Edited by hand"
    enps.active = False
    enps.save()
    ensure_question_bank()
    ensure_question_bank()
    assert Question.objects.count() == before
    enps.refresh_from_db()
    assert enps.text_en.startswith("How likely are you to recommend")
    # Retiring a built-in is the back office's call; the bank leaves it retired.
    assert enps.active is False


@pytest.mark.django_db
def test_ensure_creates_missing_builtins():
    Question.objects.filter(organization=None, code="comment").delete()
    ensure_question_bank()
    assert Question.objects.filter(organization=None, code="comment").exists()


@pytest.mark.django_db
def test_default_pulse_has_every_builtin_in_order_all_optional():
    organization = OrganizationFactory()
    survey = default_pulse_survey(organization)
    rows = list(survey.survey_questions.select_related("question"))
    assert [row.question.code for row in rows] == BUILTIN_CODES
    assert all(row.question.organization_id is None for row in rows)
    assert not any(row.required for row in rows)
    assert survey.intro_en and survey.intro_es


@pytest.mark.django_db
def test_default_pulse_is_get_or_create_and_keeps_hr_edits():
    organization = OrganizationFactory()
    survey = default_pulse_survey(organization)
    SurveyQuestion.objects.filter(survey=survey, question__code="comment").delete()
    again = default_pulse_survey(organization)
    assert again.pk == survey.pk
    assert again.survey_questions.count() == len(BUILTIN_CODES) - 1
    other = default_pulse_survey(OrganizationFactory())
    assert other.pk != survey.pk
