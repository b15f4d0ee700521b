import datetime

import pytest

from tests.factories import UserFactory
from workforce.models import Role
from workforce.recognition.models import CompanyValue, RecognitionSettings
from workforce.recognition.services import (
    company_values_seed_defaults,
    recognition_nominate,
)


@pytest.fixture
def values(org_world):
    """The three default values of the main organization, plus one of the other."""
    company_values_seed_defaults(organization=org_world["org"])
    company_values_seed_defaults(organization=org_world["other_org"])
    return {
        "patient_first": CompanyValue.objects.get(
            organization=org_world["org"], name="Patient first"
        ),
        "team_player": CompanyValue.objects.get(
            organization=org_world["org"], name="Team player"
        ),
        "other_org": CompanyValue.objects.get(
            organization=org_world["other_org"], name="Patient first"
        ),
    }


@pytest.fixture
def other_hr(org_world):
    return UserFactory(organization=org_world["other_org"], role=Role.HR)


@pytest.fixture
def recognise(org_world, values):
    """Make an approved (or pending) recognition through the service."""

    def make(nominee, *, on=None, pending=False, story="Stayed late for a patient."):
        organization = nominee.organization
        RecognitionSettings.objects.update_or_create(
            organization=organization, defaults={"require_approval": pending}
        )
        nominator = UserFactory(organization=organization, role=Role.TEAM_LEAD)
        value = CompanyValue.objects.filter(organization=organization).first()
        return recognition_nominate(
            nominator=nominator,
            nominee=nominee,
            value=value,
            story=story,
            recognised_on=on or datetime.date(2026, 3, 2),
        )

    return make
