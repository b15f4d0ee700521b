"""The back-office Organization edit screen changes the threshold through its service.

``surveys.anonymity.organization_set_min_group_size`` refuses a change while a
round has unreleased responses and writes the audit event; the Wagtail form
must go through it, not save the field itself.
"""

import pytest
from django.urls import reverse

from surveys.models import RoundStatus
from tests.factories import RoundFactory
from tests.surveys.results_data import add_response
from workforce.models import AuditEvent, Role


@pytest.fixture
def owner_client(client, org_world):
    client.force_login(org_world["users"][Role.OWNER])
    return client


def _edit(client, org, **fields):
    data = {"name": org.name, "timezone": org.timezone, "min_group_size": 5}
    data.update(fields)
    return client.post(reverse("workforce_organization:edit", args=[org.pk]), data)


def _round_with_a_response(org_world, status):
    round_ = RoundFactory(
        survey__organization=org_world["org"], status=status, min_group_size=5
    )
    add_response(round_, team=org_world["team_a1"])
    return round_


@pytest.mark.parametrize("status", [RoundStatus.OPEN, RoundStatus.CLOSED])
def test_the_threshold_is_frozen_while_a_round_is_unreleased(
    owner_client, org_world, status
):
    org = org_world["org"]
    name = org.name
    round_ = _round_with_a_response(org_world, status)

    response = _edit(owner_client, org, name="Renamed", min_group_size=8)

    assert response.status_code == 200
    errors = response.context["form"].errors["min_group_size"]
    assert any("not released" in error and round_.name in error for error in errors)
    assert round_.name in response.content.decode()
    org.refresh_from_db()
    # Nothing of the refused edit is kept, the name included.
    assert (org.name, org.min_group_size) == (name, 5)
    assert not AuditEvent.objects.exists()


def test_a_released_round_does_not_block_and_one_event_is_written(
    owner_client, org_world
):
    org = org_world["org"]
    _round_with_a_response(org_world, RoundStatus.RELEASED)

    response = _edit(owner_client, org, name="Renamed", min_group_size=8)

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.min_group_size) == ("Renamed", 8)
    event = AuditEvent.objects.get()
    assert (event.action, event.detail, event.actor) == (
        AuditEvent.Action.THRESHOLD_CHANGED,
        {"from": 5, "to": 8},
        org_world["users"][Role.OWNER],
    )


def test_other_fields_save_while_a_round_is_unreleased(owner_client, org_world):
    org = org_world["org"]
    _round_with_a_response(org_world, RoundStatus.OPEN)

    response = _edit(owner_client, org, name="Renamed", timezone="Europe/Paris")

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.timezone, org.min_group_size) == (
        "Renamed",
        "Europe/Paris",
        5,
    )
    assert not AuditEvent.objects.exists()
