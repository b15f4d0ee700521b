"""Recognitions can never be joined to survey answers."""

import datetime

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import RestrictedError

from workforce.recognition.models import Award, Recognition

SURVEY_MODELS = {"response", "answer", "participation"}


def _relations(model):
    return [
        field
        for field in model._meta.get_fields(include_hidden=True)
        if field.is_relation and field.related_model is not None
    ]


def test_recognition_models_have_no_relation_to_surveys():
    recognition_models = apps.get_app_config("recognition").get_models()
    for model in recognition_models:
        for field in _relations(model):
            related = field.related_model._meta
            assert related.app_label != "surveys", (model, field.name)


def test_survey_models_have_no_relation_to_recognition():
    for name in SURVEY_MODELS:
        model = apps.get_model("surveys", name)
        for field in _relations(model):
            assert field.related_model._meta.app_label != "recognition", (
                name,
                field.name,
            )


def test_recognition_models_keep_no_time_finer_than_a_day():
    for model in apps.get_app_config("recognition").get_models():
        for field in model._meta.concrete_fields:
            assert not isinstance(field, models.DateTimeField | models.TimeField), (
                model,
                field.name,
            )


def test_award_unique_per_site_title_and_period_start_in_the_database(
    org_world, recognise
):
    recognition = recognise(org_world["people"][org_world["team_a1"]][1])
    common = {
        "organization": org_world["org"],
        "title": "Patient Experience Star",
        "period_start": datetime.date(2026, 3, 1),
        "period_end": datetime.date(2026, 3, 31),
        "recognition": recognition,
        "chosen_on": datetime.date(2026, 4, 1),
    }
    Award.objects.create(site=org_world["site_a"], **common)
    Award.objects.create(site=None, **common)
    # Another site may give the same award in the same period.
    Award.objects.create(site=org_world["site_b"], **common)
    for site in (org_world["site_a"], None):
        with pytest.raises(IntegrityError), transaction.atomic():
            Award.objects.create(site=site, **common)


def test_erasing_a_person_erases_their_recognitions_and_awards(org_world, recognise):
    person = org_world["people"][org_world["team_a1"]][1]
    recognition = recognise(person)
    Award.objects.create(
        organization=org_world["org"],
        site=org_world["site_a"],
        title="Star",
        period_start=datetime.date(2026, 3, 1),
        period_end=datetime.date(2026, 3, 31),
        recognition=recognition,
        chosen_on=datetime.date(2026, 4, 1),
    )
    # A value in use cannot be deleted (it can be retired instead).
    with pytest.raises(RestrictedError), transaction.atomic():
        recognition.value.delete()
    person.delete()
    assert not Recognition.objects.exists()
    assert not Award.objects.exists()
