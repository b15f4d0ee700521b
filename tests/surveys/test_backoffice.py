"""The survey back office (surveys/wagtail_hooks.py) through the real admin views."""

import csv
import io

import pytest
from django.core import mail
from django.urls import reverse

from surveys import sms, tokens
from surveys.admin_forms import options_from_text
from surveys.models import (
    Channel,
    Measure,
    PulseSchedule,
    Question,
    QuestionKind,
    Round,
    RoundStatus,
    Survey,
    SurveyQuestion,
)
from surveys.slips import slips_file_path
from tests.factories import (
    QuestionFactory,
    RoundFactory,
    SurveyFactory,
    SurveyQuestionFactory,
)
from tests.surveys.delivery import code_of, launched_round
from workforce.models import Role


@pytest.fixture(autouse=True)
def _sms_outbox(settings, tmp_path):
    settings.SURVEY_SMS_BACKEND = "surveys.sms.LocmemBackend"
    settings.PRIVATE_STORAGE_ROOT = str(tmp_path / "private")
    sms.outbox.clear()
    yield
    sms.outbox.clear()


@pytest.fixture
def hr_client(client, org_world):
    client.force_login(org_world["users"][Role.HR])
    return client


@pytest.fixture
def draft(org_world):
    round_ = RoundFactory(survey__organization=org_world["org"], name="October pulse")
    SurveyQuestionFactory(survey=round_.survey)
    return round_


@pytest.fixture
def other_round(org_world):
    round_ = RoundFactory(survey__organization=org_world["other_org"], name="Theirs")
    SurveyQuestionFactory(survey=round_.survey)
    return round_


def _messages(response):
    return [str(m) for m in response.context["messages"]]


def _manage(round_):
    return reverse("surveys_round:manage", args=[round_.pk])


# --- Access and scoping -----------------------------------------------------------


def test_menu_and_round_list_show_only_the_own_organization(
    hr_client, draft, other_round
):
    home = hr_client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("surveys_round:index") in home
    assert reverse("surveys_pulseschedule:index") in home
    body = hr_client.get(reverse("surveys_round:index")).content.decode()
    assert "October pulse" in body
    assert "Theirs" not in body
    assert _manage(draft) in body


@pytest.mark.parametrize(
    "url_name",
    [
        "surveys_round:manage",
        "surveys_round:edit",
        "surveys_round:delete",
        "surveys_round:links_csv",
    ],
)
def test_another_organizations_round_is_404(hr_client, other_round, url_name):
    url = reverse(url_name, args=[other_round.pk])
    assert hr_client.get(url).status_code == 404
    assert hr_client.post(url, {"action": "launch"}).status_code == 404
    other_round.refresh_from_db()
    assert other_round.status == RoundStatus.DRAFT


def test_another_organizations_slips_are_404(hr_client, org_world, other_round):
    url = reverse("surveys_round:slips_pdf", args=[other_round.pk, "printed-letter"])
    assert hr_client.get(url).status_code == 404


def test_another_organizations_questions_surveys_and_schedules_are_404(
    hr_client, org_world
):
    survey = SurveyFactory(organization=org_world["other_org"])
    question = QuestionFactory(organization=org_world["other_org"])
    schedule = PulseSchedule.objects.create(
        organization=org_world["other_org"], survey=survey, frequency="monthly"
    )
    link = SurveyQuestionFactory(survey=survey, question=question)
    for name, obj in [
        ("surveys_survey", survey),
        ("surveys_question", question),
        ("surveys_pulseschedule", schedule),
        ("surveys_surveyquestion", link),
    ]:
        assert hr_client.get(reverse(f"{name}:edit", args=[obj.pk])).status_code == 404
        assert (
            hr_client.get(reverse(f"{name}:delete", args=[obj.pk])).status_code == 404
        )


def test_built_in_questions_are_not_edited_here(hr_client):
    builtin = QuestionFactory(organization=None, code="builtin-x")
    url = reverse("surveys_question:edit", args=[builtin.pk])
    assert hr_client.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_are_kept_out(client, org_world, draft, role):
    client.force_login(org_world["users"][role])
    response = client.get(_manage(draft))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("wagtailadmin_login"))
    client.post(_manage(draft), {"action": "launch"})
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT


def test_owner_and_hr_hold_the_survey_permissions(org_world):
    hr = org_world["users"][Role.HR]
    staff = org_world["users"][Role.STAFF]
    assert hr.has_perm("surveys.add_round")
    assert hr.has_perm("surveys.change_pulseschedule")
    assert not staff.has_perm("surveys.add_round")


# --- Questions and surveys ----------------------------------------------------------


def test_hr_adds_a_single_choice_question(hr_client, org_world):
    response = hr_client.post(
        reverse("surveys_question:add"),
        {
            "code": "parking",
            "kind": QuestionKind.CHOICE,
            "text_en": "How do you get to work?",
            "text_es": "¿Cómo llega al trabajo?",
            "options_text": "Car | Coche\n\nBus | Autobús\nOn foot | A pie\n",
            "active": "on",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(code="parking")
    assert question.organization == org_world["org"]
    assert question.measure == Measure.CUSTOM
    assert question.options == [
        {"value": 1, "en": "Car", "es": "Coche"},
        {"value": 2, "en": "Bus", "es": "Autobús"},
        {"value": 3, "en": "On foot", "es": "A pie"},
    ]


@pytest.mark.parametrize(
    ("kind", "options_text", "error"),
    [
        (QuestionKind.CHOICE, "Car | Coche", "needs two options"),
        (QuestionKind.CHOICE, "Car\nBus | Autobús", "Line 1"),
        (QuestionKind.AGREEMENT, "Yes | Sí\nNo | No", "Only single-choice"),
    ],
)
def test_question_options_are_validated(hr_client, kind, options_text, error):
    response = hr_client.post(
        reverse("surveys_question:add"),
        {
            "code": "bad",
            "kind": kind,
            "text_en": "Q",
            "text_es": "P",
            "options_text": options_text,
        },
    )
    assert response.status_code == 200
    assert error in str(response.context["form"].errors["options_text"])
    assert not Question.objects.filter(code="bad").exists()


def test_question_code_is_unique_in_the_organization(hr_client, org_world):
    QuestionFactory(organization=org_world["org"], code="taken")
    QuestionFactory(organization=org_world["other_org"], code="theirs")
    data = {"kind": QuestionKind.TEXT, "text_en": "Q", "text_es": "P"}
    taken = hr_client.post(reverse("surveys_question:add"), {"code": "taken", **data})
    assert taken.status_code == 200
    # Another organization's code is no clash.
    theirs = hr_client.post(reverse("surveys_question:add"), {"code": "theirs", **data})
    assert theirs.status_code == 302


def test_options_from_text_numbers_lines_in_order():
    assert [o["value"] for o in options_from_text("a | b\nc | d\n")] == [1, 2]


def test_survey_chooses_from_built_in_and_own_questions_only(hr_client, org_world):
    builtin = QuestionFactory(organization=None, code="builtin-a")
    own = QuestionFactory(organization=org_world["org"], code="own-a")
    theirs = QuestionFactory(organization=org_world["other_org"], code="theirs-a")
    form = hr_client.get(reverse("surveys_survey:add")).context["form"]
    offered = set(form.fields["questions"].queryset)
    assert builtin in offered and own in offered and theirs not in offered

    refused = hr_client.post(
        reverse("surveys_survey:add"),
        {"name": "Sneaky", "questions": [builtin.pk, theirs.pk]},
    )
    assert refused.status_code == 200
    assert "questions" in refused.context["form"].errors

    response = hr_client.post(
        reverse("surveys_survey:add"),
        {"name": "Team pulse", "questions": [own.pk, builtin.pk]},
    )
    assert response.status_code == 302
    survey = Survey.objects.get(name="Team pulse")
    assert survey.organization == org_world["org"]
    assert set(survey.survey_questions.values_list("question", flat=True)) == {
        own.pk,
        builtin.pk,
    }
    positions = list(survey.survey_questions.values_list("position", flat=True))
    assert sorted(positions) == [0, 1]


def test_editing_a_survey_keeps_order_and_appends_new_questions(hr_client, org_world):
    survey = SurveyFactory(organization=org_world["org"], name="Pulse")
    first = SurveyQuestionFactory(survey=survey, position=5).question
    second = SurveyQuestionFactory(survey=survey, position=2).question
    added = QuestionFactory(organization=None, code="added")
    response = hr_client.post(
        reverse("surveys_survey:edit", args=[survey.pk]),
        {"name": "Pulse", "questions": [second.pk, added.pk]},
    )
    assert response.status_code == 302
    assert list(
        SurveyQuestion.objects.filter(survey=survey).values_list("question", "position")
    ) == [(second.pk, 2), (added.pk, 3)]
    assert not SurveyQuestion.objects.filter(question=first).exists()


def test_survey_questions_are_frozen_while_a_round_is_open(hr_client, org_world):
    round_ = launched_round(org_world)
    survey = round_.survey
    before = list(survey.survey_questions.values_list("question", flat=True))
    extra = QuestionFactory(organization=None, code="extra")
    response = hr_client.post(
        reverse("surveys_survey:edit", args=[survey.pk]),
        {"name": survey.name, "questions": [extra.pk]},
    )
    assert response.status_code == 302
    assert list(survey.survey_questions.values_list("question", flat=True)) == before
    link = survey.survey_questions.first()
    refused = hr_client.post(
        reverse("surveys_surveyquestion:edit", args=[link.pk]),
        {
            "survey": survey.pk,
            "question": link.question_id,
            "position": 9,
            "required": "on",
        },
    )
    assert refused.status_code == 200
    assert "is open" in str(refused.context["form"].errors)


# --- Rounds -----------------------------------------------------------------------


def _round_post(org_world, survey, **overrides):
    data = {
        "survey": survey.pk,
        "name": "November pulse",
        "period": "2026-11-17",
        "opens_at": "",
        "closes_at": "",
        "sites": [org_world["site_a"].pk],
        "teams": [],
    }
    data.update(overrides)
    return data


def test_hr_creates_a_draft_round_for_chosen_sites(hr_client, org_world):
    survey = SurveyFactory(organization=org_world["org"])
    response = hr_client.post(
        reverse("surveys_round:add"), _round_post(org_world, survey)
    )
    assert response.status_code == 302
    round_ = Round.objects.get(name="November pulse")
    assert round_.organization == org_world["org"]
    assert round_.status == RoundStatus.DRAFT
    assert round_.period.isoformat() == "2026-11-01"
    assert list(round_.sites.all()) == [org_world["site_a"]]


def test_round_with_an_opening_time_is_scheduled(hr_client, org_world):
    survey = SurveyFactory(organization=org_world["org"])
    response = hr_client.post(
        reverse("surveys_round:add"),
        _round_post(
            org_world,
            survey,
            opens_at="2026-11-20 09:00",
            closes_at="2026-11-27 17:00",
        ),
    )
    assert response.status_code == 302
    assert Round.objects.get(name="November pulse").status == RoundStatus.SCHEDULED


def test_round_form_offers_only_own_surveys_sites_and_teams(hr_client, org_world):
    theirs = SurveyFactory(organization=org_world["other_org"])
    ours = SurveyFactory(organization=org_world["org"])
    for data in (
        _round_post(org_world, theirs),
        _round_post(org_world, ours, sites=[org_world["other_site"].pk]),
        _round_post(org_world, ours, teams=[org_world["other_team"].pk]),
        _round_post(
            org_world, ours, opens_at="2026-11-20 09:00", closes_at="2026-11-19 09:00"
        ),
    ):
        response = hr_client.post(reverse("surveys_round:add"), data)
        assert response.status_code == 200
        assert response.context["form"].errors
    assert not Round.objects.exists()


def test_launch_sends_invitations_and_shows_counts(
    hr_client, draft, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = hr_client.post(_manage(draft), {"action": "launch"}, follow=True)
    draft.refresh_from_db()
    assert draft.status == RoundStatus.OPEN
    assert any("is open" in m for m in _messages(response))
    assert len(mail.outbox) == 9
    page = hr_client.get(_manage(draft))
    assert page.context["invited"] == 9
    assert page.context["sent"] == 9
    assert page.context["answered"] == 0
    body = page.content.decode()
    assert reverse("surveys_round:links_csv", args=[draft.pk]) in body
    assert 'value="close"' in body and 'value="launch"' not in body


@pytest.mark.parametrize(
    ("action", "error"),
    [
        ("release", "cannot become released"),
        ("close", "cannot become closed"),
        ("remind", "only while it is open"),
        ("send", "only while it is open"),
    ],
)
def test_invalid_transitions_explain_themselves(hr_client, draft, action, error):
    response = hr_client.post(_manage(draft), {"action": action}, follow=True)
    assert response.status_code == 200
    assert any(error in m for m in _messages(response))
    draft.refresh_from_db()
    assert draft.status == RoundStatus.DRAFT


def test_unknown_action_is_404(hr_client, draft):
    assert hr_client.post(_manage(draft), {"action": "explode"}).status_code == 404


def test_close_then_release(hr_client, org_world):
    round_ = launched_round(org_world)
    hr_client.post(_manage(round_), {"action": "close"})
    round_.refresh_from_db()
    assert round_.status == RoundStatus.CLOSED
    hr_client.post(_manage(round_), {"action": "release"})
    round_.refresh_from_db()
    assert round_.status == RoundStatus.RELEASED


def test_reminder_action_reaches_only_non_respondents(
    hr_client, org_world, django_capture_on_commit_callbacks
):
    round_ = launched_round(org_world)
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(_manage(round_), {"action": "send"})
    assert len(mail.outbox) == 7
    mail.outbox.clear()
    respondent = round_.invitations.filter(channel=Channel.EMAIL).first()
    round_.participations.create(
        digest=tokens.participation_digest(code_of(respondent))
    )
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(_manage(round_), {"action": "remind"})
        hr_client.post(_manage(round_), {"action": "remind"})
    assert len(mail.outbox) == 6
    assert respondent.staff_member.email not in {m.to[0] for m in mail.outbox}


def test_launched_round_is_not_edited_or_deleted(hr_client, org_world):
    round_ = launched_round(org_world)
    for name in ("surveys_round:edit", "surveys_round:delete"):
        response = hr_client.post(reverse(name, args=[round_.pk]), {}, follow=True)
        assert response.redirect_chain[-1][0] == _manage(round_)
        assert any("has been launched" in m for m in _messages(response))
    assert Round.objects.filter(pk=round_.pk, status=RoundStatus.OPEN).exists()


def test_links_csv_download(hr_client, org_world):
    round_ = launched_round(org_world)
    person = org_world["people"][org_world["team_b1"]][0]
    person.full_name = "@SUM(1+1)"
    person.save()
    response = hr_client.get(reverse("surveys_round:links_csv", args=[round_.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["employee_id", "full_name"]
    assert len(rows) == 10
    codes = {row[5] for row in rows[1:]}
    assert codes == {
        tokens.format_code(code_of(inv)) for inv in round_.invitations.all()
    }
    assert "'@SUM(1+1)" in {row[1] for row in rows}


def test_draft_round_has_no_links_yet(hr_client, draft):
    url = reverse("surveys_round:links_csv", args=[draft.pk])
    assert hr_client.get(url).status_code == 404


def test_slips_are_prepared_downloaded_and_removed_at_close(
    hr_client, org_world, django_capture_on_commit_callbacks
):
    round_ = launched_round(org_world)
    download = reverse("surveys_round:slips_pdf", args=[round_.pk, "printed-a4"])
    assert hr_client.get(download).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        hr_client.post(_manage(round_), {"action": "slips", "variant": "printed-a4"})
    response = hr_client.get(_manage(round_))
    assert any("being prepared" in m for m in _messages(response))
    assert download in response.content.decode()
    pdf = hr_client.get(download)
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    printed = round_.invitations.get(channel=Channel.PRINTED)
    assert printed.sent_at is not None

    hr_client.post(_manage(round_), {"action": "close"})
    assert not slips_file_path(round_id=round_.pk, variant="printed-a4").exists()
    assert hr_client.get(download).status_code == 404


def test_unknown_slips_variant_is_404(hr_client, org_world):
    round_ = launched_round(org_world)
    response = hr_client.post(
        _manage(round_), {"action": "slips", "variant": "../../etc"}
    )
    assert response.status_code == 404
    url = reverse("surveys_round:slips_pdf", args=[round_.pk, "nope"])
    assert hr_client.get(url).status_code == 404


# --- Pulse schedules ------------------------------------------------------------------


def test_pulse_schedule_form(hr_client, org_world):
    survey = SurveyFactory(organization=org_world["org"])
    theirs = SurveyFactory(organization=org_world["other_org"])
    data = {
        "survey": survey.pk,
        "frequency": "quarterly",
        "open_days": 10,
        "reminder_after_days": 10,
        "teams": [org_world["team_a2"].pk],
        "active": "on",
    }
    late = hr_client.post(reverse("surveys_pulseschedule:add"), data)
    assert "before the round closes" in str(late.context["form"].errors)
    foreign = hr_client.post(
        reverse("surveys_pulseschedule:add"),
        {**data, "survey": theirs.pk, "reminder_after_days": 4},
    )
    assert "survey" in foreign.context["form"].errors
    ok = hr_client.post(
        reverse("surveys_pulseschedule:add"), {**data, "reminder_after_days": 4}
    )
    assert ok.status_code == 302
    schedule = PulseSchedule.objects.get()
    assert schedule.organization == org_world["org"]
    assert list(schedule.teams.all()) == [org_world["team_a2"]]
