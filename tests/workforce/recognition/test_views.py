"""Recognition pages end to end, through the real views."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from workforce.models import Role
from workforce.recognition.dates import organization_today
from workforce.recognition.models import (
    Award,
    CompanyValue,
    Recognition,
    RecognitionPreference,
    RecognitionSettings,
    RecognitionStatus,
)

NOMINATE = reverse("recognition:nominate")


def _login(client, user):
    client.force_login(user)
    return client


def test_team_lead_nominates_and_site_manager_approves(
    client, org_world, django_capture_on_commit_callbacks
):
    lead = org_world["users"][Role.TEAM_LEAD]
    nominee = org_world["people"][org_world["team_a2"]][0]
    _login(client, lead)

    page = client.get(NOMINATE)
    assert page.status_code == 200
    html = page.content.decode()
    # Anyone employed in the organization, grouped by team; never the other org.
    assert 'optgroup label="Hygiene – Northside"' in html
    assert org_world["people"][org_world["team_b1"]][0].full_name in html
    assert org_world["people"][org_world["other_team"]][0].full_name not in html
    # Default values are seeded on first use.
    assert "Calm under pressure" in html
    value = CompanyValue.objects.get(organization=org_world["org"], name="Team player")

    response = client.post(
        NOMINATE,
        {"nominee": nominee.pk, "value": value.pk, "story": "Covered two rooms."},
    )
    assert response.status_code == 302
    recognition = Recognition.objects.get()
    assert recognition.status == RecognitionStatus.PENDING
    assert recognition.nominated_by == lead
    assert recognition.site == org_world["site_a"]
    assert mail.outbox == []

    manager = _login(client, org_world["users"][Role.SITE_MANAGER])
    queue = manager.get(reverse("recognition:review_list"))
    assert nominee.full_name in queue.content.decode()
    review_url = reverse("recognition:review", args=[recognition.pk])
    assert manager.get(review_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(review_url, {"decision": "approve"})
    assert response.status_code == 302
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.APPROVED
    assert [message.to for message in mail.outbox] == [[nominee.email]]

    wall = manager.get(reverse("recognition:wall", args=[org_world["site_a"].pk]))
    assert "Covered two rooms." in wall.content.decode()


def test_the_name_filter_narrows_the_list_without_javascript(client, org_world):
    target = org_world["people"][org_world["team_b1"]][2]
    target.full_name = "Zelda Quist"
    target.save()
    _login(client, org_world["users"][Role.TEAM_LEAD])
    html = client.get(NOMINATE, {"q": "quist"}).content.decode()
    assert "Zelda Quist" in html
    assert org_world["people"][org_world["team_a1"]][0].full_name not in html
    # A single match is chosen already.
    assert f'<option value="{target.pk}" selected>' in html


def test_staff_nominate_only_when_the_organization_allows(client, org_world):
    staff = org_world["users"][Role.STAFF]
    colleague = org_world["people"][org_world["team_a1"]][1]
    CompanyValue.objects.create(organization=org_world["org"], name="Kindness")
    value = CompanyValue.objects.get(organization=org_world["org"])
    _login(client, staff)
    data = {"nominee": colleague.pk, "value": value.pk, "story": "Thanks!"}
    assert client.get(NOMINATE).status_code == 403
    assert client.post(NOMINATE, data).status_code == 403
    assert not Recognition.objects.exists()

    RecognitionSettings.objects.create(
        organization=org_world["org"], allow_staff_nominations=True
    )
    page = client.get(NOMINATE)
    assert page.status_code == 200
    # Their own name is not offered.
    assert staff.staff_member.full_name not in page.content.decode()
    assert client.post(NOMINATE, data).status_code == 302
    recognition = Recognition.objects.get()
    assert recognition.nominator_name == staff.staff_member.full_name


def test_self_nomination_is_refused_with_a_message(client, org_world):
    RecognitionSettings.objects.create(
        organization=org_world["org"], allow_staff_nominations=True
    )
    staff = org_world["users"][Role.STAFF]
    value = CompanyValue.objects.create(organization=org_world["org"], name="Kindness")
    _login(client, staff)
    response = client.post(
        NOMINATE,
        {"nominee": staff.staff_member.pk, "value": value.pk, "story": "Me!"},
    )
    assert response.status_code == 200
    assert "You cannot nominate yourself." in response.content.decode()
    assert not Recognition.objects.exists()


def test_nominating_someone_of_another_organization_is_refused(client, org_world):
    _login(client, org_world["users"][Role.TEAM_LEAD])
    client.get(NOMINATE)  # seeds the values
    value = CompanyValue.objects.filter(organization=org_world["org"]).first()
    outsider = org_world["people"][org_world["other_team"]][0]
    response = client.post(
        NOMINATE, {"nominee": outsider.pk, "value": value.pk, "story": "Hi"}
    )
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Recognition.objects.exists()


def test_decline_needs_a_reason_the_nominator_then_sees(client, org_world, recognise):
    recognition = recognise(org_world["people"][org_world["team_a2"]][0], pending=True)
    hr = _login(client, org_world["users"][Role.HR])
    url = reverse("recognition:review", args=[recognition.pk])
    response = hr.post(url, {"decision": "decline", "reason": ""})
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    hr.post(url, {"decision": "decline", "reason": "Please leave out patient names."})
    recognition.refresh_from_db()
    assert recognition.status == RecognitionStatus.DECLINED
    _login(client, recognition.nominated_by)
    mine = client.get(reverse("recognition:mine")).content.decode()
    assert "Please leave out patient names." in mine


def test_wall_shows_approved_newest_first_and_hides_opted_out(
    client, org_world, recognise
):
    a1 = org_world["people"][org_world["team_a1"]]
    a2 = org_world["people"][org_world["team_a2"]]
    recognise(a1[1], on=datetime.date(2026, 3, 1), story="Older story")
    recognise(a2[0], on=datetime.date(2026, 3, 9), story="Newer story")
    recognise(a2[1], story="Pending story", pending=True)
    recognise(a2[2], story="Private story")
    RecognitionPreference.objects.create(staff_member=a2[2], wall_opt_out=True)
    recognise(org_world["people"][org_world["team_b1"]][0], story="Other site story")

    staff = org_world["users"][Role.STAFF]  # works at site A
    _login(client, staff)
    html = client.get(
        reverse("recognition:wall", args=[org_world["site_a"].pk])
    ).content.decode()
    assert html.index("Newer story") < html.index("Older story")
    for absent in ("Pending story", "Private story", "Other site story"):
        assert absent not in html


def test_opting_out_on_my_page_keeps_recognitions_for_me_and_hr(
    client, org_world, recognise
):
    staff = org_world["users"][Role.STAFF]
    recognise(staff.staff_member, story="Kept the waiting room calm")
    wall_url = reverse("recognition:wall", args=[org_world["site_a"].pk])
    _login(client, staff)
    assert "Kept the waiting room calm" in client.get(wall_url).content.decode()

    response = client.post(reverse("recognition:mine"), {"wall_opt_out": "on"})
    assert response.status_code == 302
    assert RecognitionPreference.objects.get(
        staff_member=staff.staff_member
    ).wall_opt_out
    assert "Kept the waiting room calm" not in client.get(wall_url).content.decode()
    mine = client.get(reverse("recognition:mine")).content.decode()
    assert "Kept the waiting room calm" in mine
    assert "checked" in mine

    list_url = reverse("recognition:list")
    _login(client, org_world["users"][Role.HR])
    assert "Kept the waiting room calm" in client.get(list_url).content.decode()
    _login(client, org_world["users"][Role.TEAM_LEAD])  # leads team A1
    assert "Kept the waiting room calm" not in client.get(list_url).content.decode()


def test_team_lead_list_shows_only_their_team(client, org_world, recognise):
    recognise(org_world["people"][org_world["team_a1"]][1], story="Desk story")
    recognise(org_world["people"][org_world["team_a2"]][0], story="Hygiene story")
    recognise(org_world["people"][org_world["team_b1"]][0], story="South story")
    list_url = reverse("recognition:list")
    _login(client, org_world["users"][Role.TEAM_LEAD])
    html = client.get(list_url).content.decode()
    assert "Desk story" in html
    assert "Hygiene story" not in html and "South story" not in html
    _login(client, org_world["users"][Role.SITE_MANAGER])
    html = client.get(list_url).content.decode()
    assert "Desk story" in html and "Hygiene story" in html
    assert "South story" not in html


def test_hr_chooses_an_award_once_per_site_and_period(client, org_world, recognise):
    winner = recognise(
        org_world["people"][org_world["team_a2"]][0],
        on=datetime.date(2026, 3, 4),
        story="Winner story",
    )
    recognise(
        org_world["people"][org_world["team_b1"]][0],
        on=datetime.date(2026, 3, 5),
        story="Other site story",
    )
    recognise(
        org_world["people"][org_world["team_a1"]][1],
        on=datetime.date(2026, 4, 2),
        story="April story",
    )
    period = {
        "title": "Patient Experience Star",
        "site": org_world["site_a"].pk,
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
    }
    url = reverse("recognition:award_new")
    _login(client, org_world["users"][Role.HR])
    html = client.get(url, period).content.decode()
    assert "Winner story" in html
    assert "Other site story" not in html and "April story" not in html

    response = client.post(url, {**period, "recognition": winner.pk})
    assert response.status_code == 302
    award = Award.objects.get()
    assert (award.site, award.recognition, award.chosen_by) == (
        org_world["site_a"],
        winner,
        org_world["users"][Role.HR],
    )
    again = client.post(url, {**period, "recognition": winner.pk})
    assert again.status_code == 200
    assert "already been awarded" in again.content.decode()
    assert Award.objects.count() == 1

    history = client.get(reverse("recognition:award_list")).content.decode()
    assert "Patient Experience Star" in history
    assert winner.nominee.full_name in history


def test_award_history_respects_site_scope_and_privacy(client, org_world, recognise):
    hr = org_world["users"][Role.HR]
    north = recognise(org_world["people"][org_world["team_a2"]][0])
    south = recognise(org_world["people"][org_world["team_b1"]][0])
    private = recognise(org_world["people"][org_world["team_a2"]][1])
    RecognitionPreference.objects.create(
        staff_member=private.nominee, wall_opt_out=True
    )
    march = {
        "period_start": datetime.date(2026, 3, 1),
        "period_end": datetime.date(2026, 3, 31),
        "chosen_on": datetime.date(2026, 4, 1),
        "organization": org_world["org"],
        "chosen_by": hr,
    }
    Award.objects.create(
        title="North star", site=org_world["site_a"], recognition=north, **march
    )
    Award.objects.create(
        title="South star", site=org_world["site_b"], recognition=south, **march
    )
    Award.objects.create(title="Quiet star", site=None, recognition=private, **march)

    url = reverse("recognition:award_list")
    _login(client, org_world["users"][Role.STAFF])
    html = client.get(url).content.decode()
    assert "North star" in html and "Quiet star" in html
    assert "South star" not in html
    assert private.nominee.full_name not in html
    assert "Awarded privately" in html
    _login(client, hr)
    html = client.get(url).content.decode()
    assert "South star" in html and private.nominee.full_name in html


def test_fairness_page_shows_suppression_and_the_none_list(
    client, org_world, recognise
):
    recognised = org_world["people"][org_world["team_a1"]][1]
    recognise(recognised, on=organization_today(org_world["org"]))
    _login(client, org_world["users"][Role.HR])
    response = client.get(reverse("recognition:fairness"))
    html = response.content.decode()
    # Default window: the last six months, ending today.
    assert response.context["report"].end == organization_today(org_world["org"])
    assert response.context["report"].total.recognitions == 1
    # Every group in the fixture has three people, below the default k of 5.
    assert "Hidden: fewer than 5 people" in html
    # The "none" list names everyone else employed, not the recognised person.
    assert recognised.full_name not in html
    for person in org_world["people"][org_world["team_a2"]]:
        assert person.full_name in html
    assert org_world["people"][org_world["team_b1"]][0].full_name in html
    other_name = org_world["people"][org_world["other_team"]][0].full_name
    assert other_name not in html


def test_fairness_window_errors_are_explained(client, org_world):
    _login(client, org_world["users"][Role.OWNER])
    html = client.get(
        reverse("recognition:fairness"), {"start": "2026-06-01", "end": "2026-01-01"}
    ).content.decode()
    assert "The end is before the start." in html


def test_values_page_adds_and_edits_values(client, org_world):
    _login(client, org_world["users"][Role.HR])
    url = reverse("recognition:value_list")
    assert "Team player" in client.get(url).content.decode()
    response = client.post(
        url, {"name": "Kindness", "description": "", "is_active": "on", "position": 5}
    )
    assert response.status_code == 302
    duplicate = client.post(url, {"name": "kindness", "position": 6})
    assert "already a value with this name" in duplicate.content.decode()
    value = CompanyValue.objects.get(organization=org_world["org"], name="Team player")
    client.post(
        reverse("recognition:value_edit", args=[value.pk]),
        {"name": "Team player", "description": "Helps out", "position": 1},
    )
    value.refresh_from_db()
    assert (value.is_active, value.description) == (False, "Helps out")
    # A retired value is not offered for new nominations.
    _login(client, org_world["users"][Role.TEAM_LEAD])
    assert "Team player" not in client.get(NOMINATE).content.decode()


def test_settings_page_turns_staff_nominations_on(client, org_world):
    _login(client, org_world["users"][Role.OWNER])
    url = reverse("recognition:settings")
    assert client.get(url).status_code == 200
    client.post(url, {"allow_staff_nominations": "on"})
    current = RecognitionSettings.objects.get(organization=org_world["org"])
    assert current.allow_staff_nominations is True
    assert current.require_approval is False


@pytest.mark.parametrize(
    ("role", "links"),
    [
        (Role.OWNER, {"fairness", "value_list", "settings", "list", "review_list"}),
        (Role.HR, {"fairness", "value_list", "settings", "list", "review_list"}),
        (Role.SITE_MANAGER, {"list", "review_list"}),
        (Role.TEAM_LEAD, {"list", "nominate"}),
        (Role.STAFF, set()),
    ],
)
def test_home_offers_each_role_its_pages(client, org_world, role, links):
    optional = {"fairness", "value_list", "settings", "list", "review_list", "nominate"}
    _login(client, org_world["users"][role])
    html = client.get(reverse("recognition:home")).content.decode()
    for name in ("mine", "award_list"):
        assert reverse(f"recognition:{name}") in html
    for name in optional:
        assert (reverse(f"recognition:{name}") in html) == (name in links), name
