import datetime

import pytest

from tests.factories import StaffMemberFactory, TeamFactory
from workforce.models import TeamMembership
from workforce.recognition.selectors import team_month_recognitions

JAN, FEB, MAR = (datetime.date(2026, month, 1) for month in (1, 2, 3))


@pytest.fixture
def transfer_world(org_world):
    """Team X and Y at site A; Kim moves from X to Y on 15 Feb 2026."""
    x = TeamFactory(site=org_world["site_a"], name="X")
    y = TeamFactory(site=org_world["site_a"], name="Y")
    kim = StaffMemberFactory(
        team=y, full_name="Kim", hire_date=datetime.date(2025, 6, 1)
    )
    TeamMembership.objects.filter(staff_member=kim).delete()
    TeamMembership.objects.create(
        staff_member=kim,
        team=x,
        start_date=kim.hire_date,
        end_date=datetime.date(2026, 2, 15),
    )
    TeamMembership.objects.create(
        staff_member=kim, team=y, start_date=datetime.date(2026, 2, 15)
    )
    steady = StaffMemberFactory(team=x, hire_date=datetime.date(2025, 1, 1))
    # Joins Y on 11 March: 21 of March's 31 days.
    newcomer = StaffMemberFactory(team=y, hire_date=datetime.date(2026, 3, 11))
    # Leaves X after 10 January: 10 of January's 31 days.
    leaver = StaffMemberFactory(
        team=x,
        hire_date=datetime.date(2025, 1, 1),
        termination_date=datetime.date(2026, 1, 11),
        termination_reason="voluntary",
    )
    return {
        "x": x,
        "y": y,
        "kim": kim,
        "steady": steady,
        "newcomer": newcomer,
        "leaver": leaver,
    }


def _rows(org_world, x, y):
    rows = team_month_recognitions(
        organization=org_world["org"],
        start=datetime.date(2026, 1, 20),
        end=datetime.date(2026, 3, 5),
    )
    return {
        (row["team_id"], row["month"]): row
        for row in rows
        if row["team_id"] in (x.pk, y.pk)
    }


def test_team_months_follow_dated_history(org_world, transfer_world, recognise):
    x, y, kim = transfer_world["x"], transfer_world["y"], transfer_world["kim"]
    recognise(kim, on=datetime.date(2026, 1, 5))  # in X
    recognise(kim, on=datetime.date(2026, 2, 10))  # still in X
    recognise(kim, on=datetime.date(2026, 2, 20))  # now in Y
    recognise(transfer_world["steady"], on=datetime.date(2026, 2, 28))
    recognise(transfer_world["newcomer"], on=datetime.date(2026, 3, 12), pending=True)
    rows = _rows(org_world, x, y)

    assert set(rows) == {
        (x.pk, JAN),
        (x.pk, FEB),
        (x.pk, MAR),
        (y.pk, FEB),
        (y.pk, MAR),
    }
    # January, X: Kim and steady all month, the leaver 10 of 31 days.
    assert rows[(x.pk, JAN)]["headcount"] == pytest.approx(2 + 10 / 31)
    assert rows[(x.pk, JAN)]["recognitions"] == 1
    # February (28 days): Kim in X for 14 days, in Y for 14.
    assert rows[(x.pk, FEB)]["headcount"] == pytest.approx(1.5)
    assert rows[(x.pk, FEB)]["recognitions"] == 2
    assert rows[(x.pk, FEB)]["recognitions_per_head"] == pytest.approx(2 / 1.5)
    assert rows[(y.pk, FEB)]["headcount"] == pytest.approx(0.5)
    assert rows[(y.pk, FEB)]["recognitions"] == 1
    assert rows[(y.pk, FEB)]["recognitions_per_head"] == pytest.approx(2.0)
    # March: the newcomer's recognition is pending, so it does not count.
    assert rows[(y.pk, MAR)]["headcount"] == pytest.approx(1 + 21 / 31)
    assert rows[(y.pk, MAR)]["recognitions"] == 0
    assert rows[(y.pk, MAR)]["recognitions_per_head"] == 0
    assert rows[(x.pk, MAR)]["headcount"] == pytest.approx(1.0)


def test_team_months_exclude_other_organizations(org_world, recognise):
    other_person = org_world["people"][org_world["other_team"]][0]
    recognise(other_person, on=datetime.date(2026, 2, 3))
    rows = team_month_recognitions(
        organization=org_world["org"], start=FEB, end=datetime.date(2026, 2, 28)
    )
    assert {row["month"] for row in rows} == {FEB}
    assert org_world["other_team"].pk not in {row["team_id"] for row in rows}
    assert sum(row["recognitions"] for row in rows) == 0
    # The three teams of the main organization, three people each.
    assert sorted(row["headcount"] for row in rows) == [3.0, 3.0, 3.0]
