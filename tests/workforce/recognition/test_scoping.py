"""Every recognition page × every role × own and foreign ids."""

import pytest
from django.urls import reverse

from workforce.models import Role
from workforce.recognition.models import Award, CompanyValue, Recognition

OWNER, HR, SM, TL, STAFF = (
    Role.OWNER,
    Role.HR,
    Role.SITE_MANAGER,
    Role.TEAM_LEAD,
    Role.STAFF,
)
EVERYONE = {OWNER: 200, HR: 200, SM: 200, TL: 200, STAFF: 200}
ORG_ADMINS_ONLY = {OWNER: 200, HR: 200, SM: 403, TL: 403, STAFF: 403}


@pytest.fixture
def targets(org_world, recognise, values):
    return {
        "site_a": org_world["site_a"].pk,
        "site_b": org_world["site_b"].pk,
        "other_site": org_world["other_site"].pk,
        "rec_a": recognise(
            org_world["people"][org_world["team_a2"]][0], pending=True
        ).pk,
        "rec_b": recognise(
            org_world["people"][org_world["team_b1"]][0], pending=True
        ).pk,
        "rec_other": recognise(
            org_world["people"][org_world["other_team"]][0], pending=True
        ).pk,
        "value": values["team_player"].pk,
        "other_value": values["other_org"].pk,
    }


CASES = [
    ("home", None, EVERYONE),
    ("mine", None, EVERYONE),
    ("award_list", None, EVERYONE),
    ("nominate", None, {OWNER: 403, HR: 403, SM: 403, TL: 200, STAFF: 403}),
    ("list", None, {OWNER: 200, HR: 200, SM: 200, TL: 200, STAFF: 403}),
    ("review_list", None, {OWNER: 200, HR: 200, SM: 200, TL: 403, STAFF: 403}),
    ("award_new", None, ORG_ADMINS_ONLY),
    ("fairness", None, ORG_ADMINS_ONLY),
    ("value_list", None, ORG_ADMINS_ONLY),
    ("settings", None, ORG_ADMINS_ONLY),
    # The staff user works at site A; the team lead leads a team there.
    ("wall", "site_a", EVERYONE),
    ("wall", "site_b", {OWNER: 200, HR: 200, SM: 404, TL: 404, STAFF: 404}),
    ("wall", "other_site", {OWNER: 404, HR: 404, SM: 404, TL: 404, STAFF: 404}),
    ("review", "rec_a", {OWNER: 200, HR: 200, SM: 200, TL: 403, STAFF: 403}),
    ("review", "rec_b", {OWNER: 200, HR: 200, SM: 404, TL: 403, STAFF: 403}),
    ("review", "rec_other", {OWNER: 404, HR: 404, SM: 404, TL: 403, STAFF: 403}),
    ("value_edit", "value", ORG_ADMINS_ONLY),
    ("value_edit", "other_value", {OWNER: 404, HR: 404, SM: 403, TL: 403, STAFF: 403}),
]


@pytest.mark.parametrize(("name", "target", "expected"), CASES)
def test_every_page_for_every_role(client, org_world, targets, name, target, expected):
    url = reverse(f"recognition:{name}", args=[targets[target]] if target else [])
    for role, status in expected.items():
        client.force_login(org_world["users"][role])
        assert client.get(url).status_code == status, (role, url)


@pytest.mark.parametrize(("name", "target", "expected"), CASES)
def test_signed_out_visitors_go_to_sign_in(client, targets, name, target, expected):
    url = reverse(f"recognition:{name}", args=[targets[target]] if target else [])
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_another_organizations_hr_gets_404_for_our_ids(client, targets, other_hr):
    client.force_login(other_hr)
    for name, target in [
        ("wall", "site_a"),
        ("review", "rec_a"),
        ("value_edit", "value"),
    ]:
        url = reverse(f"recognition:{name}", args=[targets[target]])
        assert client.get(url).status_code == 404, url


def test_foreign_ids_cannot_be_written_through_posts(client, org_world, targets):
    """Posting another site's or organization's ids changes nothing."""
    manager = org_world["users"][SM]
    client.force_login(manager)
    for target in ("rec_b", "rec_other"):
        url = reverse("recognition:review", args=[targets[target]])
        assert client.post(url, {"decision": "approve"}).status_code == 404
    hr = org_world["users"][HR]
    client.force_login(hr)
    url = reverse("recognition:value_edit", args=[targets["other_value"]])
    assert client.post(url, {"name": "Hacked", "position": 0}).status_code == 404
    assert CompanyValue.objects.get(pk=targets["other_value"]).name == "Patient first"
    award = client.post(
        reverse("recognition:award_new"),
        {
            "title": "Star",
            "site": targets["other_site"],
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "recognition": targets["rec_other"],
        },
    )
    assert award.status_code == 200
    assert "Select a valid choice" in award.content.decode()
    assert not Award.objects.exists()
    assert set(Recognition.objects.values_list("status", flat=True)) == {"pending"}


def test_a_user_without_an_organization_is_refused(client, django_user_model):
    user = django_user_model.objects.create_user(username="loose", password="x" * 12)
    client.force_login(user)
    for name in ("home", "mine", "award_list"):
        assert client.get(reverse(f"recognition:{name}")).status_code == 403
