"""Erasing a leaver's personal data from the staff pages, through the real views."""

import datetime
import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from workforce.erasure import is_erased
from workforce.models import AuditEvent, Role, TerminationReason

LEFT = datetime.date(2025, 9, 30)


def _leave(person):
    person.termination_date = LEFT
    person.termination_reason = TerminationReason.VOLUNTARY
    person.phone = "+1 212 555 0142"
    person.save()
    return person


@pytest.fixture
def world(org_world):
    w = org_world
    leaver = _leave(w["people"][w["team_a1"]][1])
    login = UserFactory(organization=w["org"], role=Role.STAFF, staff_member=leaver)
    current = w["people"][w["team_a1"]][2]
    elsewhere = _leave(w["people"][w["other_team"]][1])
    return {
        **w,
        "leaver": leaver,
        "login": login,
        "current": current,
        "elsewhere": elsewhere,
    }


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _erase_url(person):
    return reverse("workforce:staff_erase", args=[person.pk])


def _detail_url(person):
    return reverse("workforce:staff_detail", args=[person.pk])


def _text(response):
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def _erasures():
    return AuditEvent.objects.filter(action=AuditEvent.Action.DATA_ERASED)


@pytest.mark.parametrize("role", [Role.HR, Role.OWNER])
def test_org_admins_see_the_action_for_leavers_only(world, role):
    client = _client(world["users"][role])

    leaver_page = client.get(_detail_url(world["leaver"]))
    current_page = client.get(_detail_url(world["current"]))

    assert leaver_page.status_code == current_page.status_code == 200
    assert _erase_url(world["leaver"]).encode() in leaver_page.content
    assert b"Erase personal data" in leaver_page.content
    assert b"Erase personal data" not in current_page.content


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD])
def test_managers_see_the_leaver_but_not_the_action(world, role):
    page = _client(world["users"][role]).get(_detail_url(world["leaver"]))

    assert page.status_code == 200
    assert b"Erase personal data" not in page.content


def test_confirmation_page_says_what_goes_and_what_stays(world):
    leaver = world["leaver"]
    page = _client(world["users"][Role.HR]).get(_erase_url(leaver))

    text = _text(page)
    assert page.status_code == 200
    assert leaver.employee_id in text and leaver.full_name in text
    assert "What will be erased" in text and "What is kept" in text
    assert f"Erased person {leaver.pk}" in text
    assert "Email address and phone number: removed." in text
    assert "login" in text and "survey links" in text
    assert f"hired {leaver.hire_date:%Y-%m-%d}, left {LEFT:%Y-%m-%d}" in text
    assert "leaving reason: Voluntary" in text
    assert "Team history:" in text and world["team_a1"].name in text
    assert "turnover" in text and "released survey results" in text
    assert 'name="csrfmiddlewaretoken"' in text
    assert 'method="post"' in text


def test_a_wrong_confirmation_is_refused_with_a_clear_error(world):
    leaver = world["leaver"]
    name = leaver.full_name

    page = _client(world["users"][Role.HR]).post(
        _erase_url(leaver), {"confirmation": "someone else"}
    )

    assert page.status_code == 400
    text = _text(page)
    assert f"That is not this person's employee id ({leaver.employee_id})" in text
    assert "Nothing was erased." in text
    assert 'aria-invalid="true"' in text
    leaver.refresh_from_db()
    assert leaver.full_name == name and not is_erased(leaver)
    assert not _erasures().exists()


def test_an_empty_confirmation_is_refused(world):
    page = _client(world["users"][Role.HR]).post(
        _erase_url(world["leaver"]), {"confirmation": "  "}
    )

    assert page.status_code == 400
    assert b"This field is required." in page.content
    assert not _erasures().exists()


def test_hr_erases_a_leaver_by_employee_id(world):
    hr = world["users"][Role.HR]
    leaver, login = world["leaver"], world["login"]
    client = _client(hr)

    response = client.post(
        _erase_url(leaver), {"confirmation": f"  {leaver.employee_id.upper()} "}
    )

    assert response.status_code == 302
    assert response["Location"] == _detail_url(leaver)
    leaver.refresh_from_db()
    login.refresh_from_db()
    assert is_erased(leaver)
    assert leaver.full_name == f"Erased person {leaver.pk}"
    assert (leaver.email, leaver.phone) == ("", "")
    assert leaver.termination_date == LEFT
    assert leaver.termination_reason == TerminationReason.VOLUNTARY
    assert not login.is_active and login.email == ""
    event = _erasures().get()
    assert event.actor == hr and event.organization == world["org"]

    detail = client.get(response["Location"])
    text = _text(detail)
    assert "Personal data erased: name, email, phone, employee id and login." in text
    assert "was erased on request" in text
    assert f"Erased person {leaver.pk}" in text
    assert _erase_url(leaver) not in text


def test_owner_erases_a_leaver_by_full_name(world):
    leaver = world["leaver"]

    response = _client(world["users"][Role.OWNER]).post(
        _erase_url(leaver), {"confirmation": " ".join(leaver.full_name.split())}
    )

    assert response.status_code == 302
    leaver.refresh_from_db()
    assert is_erased(leaver)


def test_a_second_erase_is_harmless(world):
    leaver = world["leaver"]
    client = _client(world["users"][Role.HR])
    employee_id = leaver.employee_id
    client.post(_erase_url(leaver), {"confirmation": employee_id})
    leaver.refresh_from_db()
    erased = (leaver.full_name, leaver.email, leaver.phone, leaver.employee_id)

    again = client.post(_erase_url(leaver), {"confirmation": employee_id})
    page = client.get(_erase_url(leaver), follow=True)

    assert again.status_code == 302 and again["Location"] == _detail_url(leaver)
    assert page.status_code == 200
    assert b"personal data is already erased." in page.content
    leaver.refresh_from_db()
    assert (leaver.full_name, leaver.email, leaver.phone, leaver.employee_id) == erased
    assert _erasures().count() == 1


def test_a_current_employee_is_refused(world):
    current = world["current"]
    client = _client(world["users"][Role.HR])

    page = client.get(_erase_url(current))
    posted = client.post(_erase_url(current), {"confirmation": current.employee_id})

    assert page.status_code == posted.status_code == 409
    assert b"cannot be erased yet" in page.content
    assert b"no leaving date" in page.content
    current.refresh_from_db()
    assert not is_erased(current)
    assert not _erasures().exists()


def test_another_organizations_leaver_is_not_found(world):
    elsewhere = world["elsewhere"]
    client = _client(world["users"][Role.HR])

    page = client.get(_erase_url(elsewhere))
    posted = client.post(_erase_url(elsewhere), {"confirmation": elsewhere.employee_id})

    assert page.status_code == posted.status_code == 404
    elsewhere.refresh_from_db()
    assert not is_erased(elsewhere)


def test_hr_of_the_other_organization_cannot_reach_ours(world):
    other_hr = UserFactory(organization=world["other_org"], role=Role.HR)
    leaver = world["leaver"]

    posted = _client(other_hr).post(
        _erase_url(leaver), {"confirmation": leaver.employee_id}
    )

    assert posted.status_code == 404
    leaver.refresh_from_db()
    assert not is_erased(leaver)


@pytest.mark.parametrize("role", [Role.SITE_MANAGER, Role.TEAM_LEAD, Role.STAFF])
def test_other_roles_cannot_erase(world, role):
    leaver = world["leaver"]
    client = _client(world["users"][role])

    page = client.get(_erase_url(leaver))
    posted = client.post(_erase_url(leaver), {"confirmation": leaver.employee_id})

    assert page.status_code == posted.status_code == 403
    leaver.refresh_from_db()
    assert not is_erased(leaver)
    assert not _erasures().exists()


def test_a_visitor_is_sent_to_sign_in(world):
    posted = Client().post(
        _erase_url(world["leaver"]), {"confirmation": world["leaver"].employee_id}
    )

    assert posted.status_code == 302 and "login" in posted["Location"]
    assert not _erasures().exists()


def test_the_form_needs_its_csrf_token(world):
    leaver = world["leaver"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["users"][Role.HR])

    forged = client.post(_erase_url(leaver), {"confirmation": leaver.employee_id})
    assert forged.status_code == 403
    assert not _erasures().exists()

    page = client.get(_erase_url(leaver))
    token = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()
    ).group(1)
    posted = client.post(
        _erase_url(leaver),
        {"confirmation": leaver.employee_id, "csrfmiddlewaretoken": token},
    )
    assert posted.status_code == 302
    assert _erasures().count() == 1
