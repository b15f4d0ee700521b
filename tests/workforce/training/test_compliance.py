"""Requirement matching and team-month metrics, computed by hand."""

import datetime
from decimal import Decimal

import pytest

from workforce.training.compliance import (
    Done,
    Rule,
    Spell,
    Summary,
    person_cells,
    required_courses,
    team_months,
)
from workforce.training.expiry import Held, Status

D = datetime.date
A, B = "A", "B"
S1, S2 = "site1", "site2"
R1, R2 = "role1", "role2"


def test_required_courses_matches_empty_as_every():
    rules = [
        Rule(course=1),
        Rule(course=2, job_role=R2),
        Rule(course=3, site=S2),
        Rule(course=4, job_role=R2, site=S2),
    ]
    assert required_courses(rules, job_role=R1, site=S1) == {1}
    assert required_courses(rules, job_role=R2, site=S1) == {1, 2}
    assert required_courses(rules, job_role=R1, site=S2) == {1, 3}
    assert required_courses(rules, job_role=R2, site=S2) == {1, 2, 3, 4}


def test_person_cells_and_summary():
    today = D(2025, 6, 1)
    held = {
        1: [Held(D(2024, 1, 1), D(2025, 7, 1))],
        2: [Held(D(2023, 1, 1), D(2025, 5, 31))],
    }
    cells = person_cells({1, 2, 3}, held, today)
    assert cells[1].status == Status.EXPIRING_30 and cells[1].days_left == 30
    assert cells[2].status == Status.EXPIRED and cells[2].days_left == -1
    assert cells[3].status == Status.MISSING and cells[3].completion is None
    summary = Summary()
    for cell in cells.values():
        summary.add(cell.status)
    assert (summary.total, summary.counting) == (3, 1)
    assert summary.compliance == pytest.approx(1 / 3)
    assert Summary().compliance is None


@pytest.fixture
def history():
    """Two teams over January-March 2025 (see the expected values below).

    T1 is at site 1, T2 at site 2. Course A is required of everyone, course B
    of role 2 at site 2. p1 (role 1) is in T1 throughout; p2 (role 2) moves
    from T1 to T2 on 15 February; p3 (role 2) is in T2 until 1 March.
    """
    return {
        "months": [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)],
        "spells": [
            Spell("p1", "T1", D(2024, 1, 1), None),
            Spell("p2", "T1", D(2024, 6, 1), D(2025, 2, 15)),
            Spell("p2", "T2", D(2025, 2, 15), None),
            Spell("p3", "T2", D(2025, 1, 1), D(2025, 3, 1)),
        ],
        "job_roles": {"p1": R1, "p2": R2, "p3": R2},
        "team_sites": {"T1": S1, "T2": S2},
        "rules": [Rule(course=A), Rule(course=B, job_role=R2, site=S2)],
        "completions": [
            # p1's A counts until 10 Feb, then again from the renewal on 5 March.
            Done("p1", A, D(2024, 6, 1), D(2025, 2, 10), Decimal("2")),
            Done("p1", A, D(2025, 3, 5), D(2027, 3, 5), Decimal("3")),
            Done("p2", A, D(2025, 1, 20), None, Decimal("4")),
            # Done in T2 (p2 moved on 15 Feb); counts 20 Feb - 20 March.
            Done("p2", B, D(2025, 2, 20), D(2025, 3, 20), Decimal("1.5")),
        ],
    }


def _by_key(rows):
    return {(row["team_id"], row["month"].month): row for row in rows}


def test_team_months_hand_computed(history):
    rows = _by_key(team_months(**history))

    # 31 Jan: T1 has p1 (A ok) and p2 (A ok); T2 has p3 (A, B missing).
    # 28 Feb: T1 has p1 (A expired 10 Feb); T2 has p2 (A, B ok) and p3 (none).
    # 31 Mar: T1 has p1 (renewed); T2 has p2 (A ok, B expired 20 Mar).
    expected_compliance = {
        ("T1", 1): (2, 2),
        ("T2", 1): (0, 2),
        ("T1", 2): (0, 1),
        ("T2", 2): (2, 4),
        ("T1", 3): (1, 1),
        ("T2", 3): (1, 2),
    }
    for key, (valid, total) in expected_compliance.items():
        assert (rows[key]["valid_pairs"], rows[key]["required_pairs"]) == (
            valid,
            total,
        ), key
        assert rows[key]["training_compliance"] == pytest.approx(valid / total)

    # Person-days over the month's days.
    assert rows[("T1", 1)]["headcount"] == pytest.approx(62 / 31)
    assert rows[("T1", 2)]["headcount"] == pytest.approx((28 + 14) / 28)
    assert rows[("T2", 2)]["headcount"] == pytest.approx((14 + 28) / 28)
    assert rows[("T2", 3)]["headcount"] == pytest.approx(1.0)

    # CPD hours by the team the person was in on the day.
    assert rows[("T1", 1)]["cpd_hours"] == 4.0
    assert rows[("T1", 1)]["cpd_hours_per_head"] == pytest.approx(4 / 2)
    assert rows[("T1", 2)]["cpd_hours_per_head"] == 0.0
    assert rows[("T2", 2)]["cpd_hours_per_head"] == pytest.approx(1.5 / 1.5)
    assert rows[("T1", 3)]["cpd_hours_per_head"] == pytest.approx(3.0)
    assert rows[("T2", 1)]["cpd_hours"] == 0.0
    assert set(rows) == set(expected_compliance)


def test_team_months_judges_the_current_month_on_until(history):
    # Judged on 15 March, p1's renewal (5 March) counts and p2's B (to 20 March)
    # still does: T2 is fully compliant that day.
    rows = _by_key(team_months(**history, until=D(2025, 3, 15)))
    assert rows[("T2", 3)]["training_compliance"] == 1.0
    assert rows[("T1", 3)]["training_compliance"] == 1.0


def test_team_months_without_requirements_has_no_compliance(history):
    rows = team_months(**{**history, "rules": []})
    assert {row["training_compliance"] for row in rows} == {None}
    assert all(row["required_pairs"] == 0 for row in rows)
